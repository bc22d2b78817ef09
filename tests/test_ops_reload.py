"""ops.reload: good edits swap in, broken edits are refused with FILE:LINE:COLUMN messages, files
replaced by rename are seen, and the loop survives its callbacks (/reload, the service's own:
tests/test_service_operators.py)."""

from __future__ import annotations

import asyncio
import os
import re
from pathlib import Path

import pytest

from config import Rules
from ops.metrics import Metrics
from ops.reload import RulesWatcher, file_digest

RULES = """\
version: 1
entities:
  mali:
    kind: place
    aliases: {{en: [Mali], fr: [Mali]}}
  wagner:
    kind: organisation
    aliases: {{en: [Wagner Group]}}
topics:
  sahel:
    title: {{en: Sahel}}
    alert: instant
    threshold: {threshold}
    terms:
      - {{entity: {entity}, weight: 1}}
sources:
  - {{name: Local, kind: file, path: seeds/feeds, every: {every}}}
{extra}"""


def rules_text(
    threshold: str = "1", entity: str = "mali", every: str = "1h", extra: str = ""
) -> str:
    return RULES.format(threshold=threshold, entity=entity, every=every, extra=extra)


class Calls:
    def __init__(self) -> None:
        self.good: list[Rules] = []
        self.bad: list[list[str]] = []
        self.changed = asyncio.Event()

    async def on_good(self, rules: Rules) -> None:
        self.good.append(rules)
        self.changed.set()

    async def on_bad(self, messages: list[str]) -> None:
        self.bad.append(messages)
        self.changed.set()


@pytest.fixture
def rules_file(tmp_path: Path) -> Path:
    path = tmp_path / "rules.yaml"
    path.write_text(rules_text(), encoding="utf-8")
    return path


def watcher(path: Path, calls: Calls, metrics: Metrics | None = None) -> RulesWatcher:
    return RulesWatcher(
        path, calls.on_good, calls.on_bad, baseline=file_digest(path), settle_s=0, metrics=metrics
    )


def reloads(metrics: Metrics, result: str) -> float | None:
    """sahelwatch_rules_reloads_total{result=...} as /metrics would show it (None: no sample)."""
    return metrics.registry.get_sample_value("sahelwatch_rules_reloads_total", {"result": result})


async def test_unchanged_or_touched_file_is_not_reported(rules_file: Path) -> None:
    calls = Calls()
    w = watcher(rules_file, calls)
    assert await w.poll_once() is False
    stat = rules_file.stat()
    os.utime(rules_file, (stat.st_atime + 100, stat.st_mtime + 100))  # `touch`: same content
    assert await w.poll_once() is False
    assert calls.good == [] and calls.bad == []


async def test_good_edit_calls_on_good_with_the_new_rules(rules_file: Path) -> None:
    calls = Calls()
    w = watcher(rules_file, calls, metrics := Metrics())
    rules_file.write_text(rules_text(entity="wagner", every="10m"), encoding="utf-8")
    assert await w.poll_once() is True
    assert calls.bad == []
    [rules] = calls.good
    assert rules.topics["sahel"].terms[0].entity == "wagner"
    assert rules.sources[0].every_s == 600
    assert rules.path == str(rules_file)
    assert reloads(metrics, "applied") == 1 and reloads(metrics, "refused") is None
    assert await w.poll_once() is False  # reported once


async def test_broken_edit_is_refused_with_located_messages(rules_file: Path) -> None:
    calls = Calls()
    w = watcher(rules_file, calls, metrics := Metrics())
    rules_file.write_text(rules_text(threshold="-1", entity="malli"), encoding="utf-8")
    assert await w.poll_once() is True
    assert calls.good == []
    [messages] = calls.bad
    assert messages == [
        f"{rules_file}:13:16: topic 'sahel': threshold must be greater than 0, not -1",
        f"{rules_file}:15:18: topic 'sahel': term: unknown entity 'malli' (did you mean 'mali'?)",
    ]
    assert reloads(metrics, "refused") == 1 and reloads(metrics, "applied") is None
    assert await w.poll_once() is False  # the same broken content is not reported again

    rules_file.write_text("entities: [unclosed\n", encoding="utf-8")  # YAML syntax error
    assert await w.poll_once() is True
    assert all(re.match(rf"{re.escape(str(rules_file))}:\d+:\d+: ", m) for m in calls.bad[1])

    rules_file.write_text(rules_text(), encoding="utf-8")  # the operator fixes it
    assert await w.poll_once() is True
    assert len(calls.good) == 1 and len(calls.bad) == 2


async def test_file_replaced_by_rename_is_seen(rules_file: Path) -> None:
    calls = Calls()
    w = watcher(rules_file, calls)
    old = rules_file.stat()
    replacement = rules_file.with_name(".rules.yaml.swp")
    replacement.write_text(rules_text(extra="fetch: {per_host: 1}\n"), encoding="utf-8")
    os.utime(replacement, ns=(old.st_atime_ns, old.st_mtime_ns))  # same mtime as before
    os.replace(replacement, rules_file)  # what vim, sed -i and atomic writers do
    assert await w.poll_once() is True
    assert calls.good[0].fetch.per_host == 1


async def test_missing_file_is_reported_and_old_rules_stay(rules_file: Path) -> None:
    calls = Calls()
    w = watcher(rules_file, calls)
    rules_file.unlink()
    assert await w.poll_once() is True
    assert calls.good == []
    assert calls.bad == [
        [f"{rules_file}:1:1: file not found or unreadable; the running rules stay"]
    ]
    assert await w.poll_once() is False
    rules_file.write_text(rules_text(), encoding="utf-8")
    assert await w.poll_once() is True
    assert len(calls.good) == 1


async def test_callbacks_that_raise_do_not_stop_the_watcher(rules_file: Path) -> None:
    bad: list[list[str]] = []

    async def on_good(rules: Rules) -> None:
        raise RuntimeError("scheduler refused")

    async def on_bad(messages: list[str]) -> None:
        bad.append(messages)
        raise RuntimeError("telegram is down")

    w = RulesWatcher(rules_file, on_good, on_bad, baseline="old", settle_s=0)
    assert await w.poll_once() is True
    assert bad == [
        [
            f"{rules_file}: the rules are valid but could not be applied: RuntimeError('scheduler refused')"
        ]
    ]
    rules_file.write_text("topics: {}\n", encoding="utf-8")
    assert await w.poll_once() is True
    assert len(bad) == 2


async def test_running_watcher_notices_edits_until_stopped(rules_file: Path) -> None:
    calls = Calls()
    w = RulesWatcher(rules_file, calls.on_good, calls.on_bad, interval_s=0.01, settle_s=0.01)
    w.start()
    assert w.running
    rules_file.write_text(rules_text(threshold="nope"), encoding="utf-8")
    await asyncio.wait_for(calls.changed.wait(), 10)
    assert len(calls.bad) == 1 and calls.good == []
    calls.changed.clear()
    rules_file.write_text(rules_text(threshold="0.5"), encoding="utf-8")
    await asyncio.wait_for(calls.changed.wait(), 10)
    assert calls.good[0].topics["sahel"].threshold == 0.5
    await w.stop()
    assert not w.running


async def test_half_written_file_waits_for_the_next_look(
    rules_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = Calls()
    w = watcher(rules_file, calls)
    rules_file.write_text(rules_text()[:40], encoding="utf-8")  # the editor's first write ...
    real_sleep = asyncio.sleep

    async def finish_writing(delay: float) -> None:  # ... and its last, during the settle pause
        rules_file.write_text(rules_text(entity="wagner"), encoding="utf-8")
        await real_sleep(0)

    with monkeypatch.context() as patch:
        patch.setattr(asyncio, "sleep", finish_writing)
        assert await w.poll_once() is False
    assert calls.bad == []  # the torn version was never reported
    assert await w.poll_once() is True
    assert calls.good[0].topics["sahel"].terms[0].entity == "wagner"
