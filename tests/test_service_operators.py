"""The operators' commands on the real implementations (issue 17: no fake Operations) and in
an operator's terms (issue 14, point 8): runner.service.Service in this process, its bot long
polling the local Bot API server. /pause and /resume take names in any case, say when there
is nothing to do, and suggest a near name; /reload refuses a broken file and, once fixed,
every admin hears the rules run again (so does the live-reload path); /sources of 80 sources
splits over several messages; /stats speaks of stories, alerts, subscribers and sources.
Every wait is a bounded poll on a condition."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from runner.live import Live
from runner.service import Service
from tests.fakebotapi import FakeBotAPI, Sent
from tests.feedserver import FeedServer
from tests.service_support import rules_text, source

TOKEN = "5550003:AAH-operators-T0KEN"
ADMIN, OTHER_ADMIN = 900, 901
MANY = [f"Regional outlet number {i:03d} with a long name for the table" for i in range(80)]


def rules(feeds: FeedServer, *extra: str) -> str:
    sources = [
        source(name, feeds.url("/a.xml"), every="1h")
        for name in ("Al Jazeera Arabic", "RFI Afrique", *extra)
    ]
    sources += [{**source(name, feeds.url("/a.xml")), "enabled": False} for name in MANY]
    return rules_text(
        sources, fetch={"min_every": "1s", "parse_workers": 0},
        access={"mode": "open", "admins": [ADMIN, OTHER_ADMIN]},
    )  # fmt: skip


async def until(condition: Callable[[], Any], what: str) -> Any:
    for _ in range(1000):
        value = condition()
        if value:
            return value
        await asyncio.sleep(0.01)
    raise AssertionError(f"timed out waiting for {what}")


@dataclass
class Running:
    service: Service
    api: FakeBotAPI
    path: Path

    async def say(self, text: str, count: int = 1, chat: int = ADMIN) -> list[Sent]:
        before = len(self.api.messages_to(chat))
        self.api.user_message(chat, text)
        await until(lambda: len(self.api.messages_to(chat)) >= before + count, f"answer to {text}")
        return self.api.messages_to(chat)[before:]


@pytest.fixture
def api() -> Iterator[FakeBotAPI]:
    with FakeBotAPI(TOKEN) as server:
        yield server


@pytest.fixture
async def running(tmp_path: Path, feeds: FeedServer, api: FakeBotAPI) -> AsyncIterator[Running]:
    path = tmp_path / "rules.yaml"
    path.write_text(rules(feeds), encoding="utf-8")
    service = Service(str(path), str(tmp_path / "state"), token=TOKEN, api_url=api.url)
    stop = asyncio.Event()
    task = asyncio.create_task(service.run(stop))
    try:
        await until(lambda: service.ready, "the service running")
        yield Running(service, api, path)
    finally:
        stop.set()
        await task
        await service.close()


async def test_pause_and_resume_run_the_real_service(running: Running) -> None:
    service = running.service
    [paused] = await running.say("/pause rfi AFRIQUE")
    assert "Paused: RFI Afrique." in paused.plain
    assert service.pipeline.held() == ["RFI Afrique"]
    assert service.store.load_health()["RFI Afrique"].held  # stored: it survives a restart
    [again] = await running.say("/pause RFI Afrique")
    assert "RFI Afrique is already paused" in again.plain
    [running_one] = await running.say("/resume al jazeera arabic")
    assert running_one.plain == "Al Jazeera Arabic is not paused: it is running."
    [near] = await running.say("/resume RFI Afrik")
    assert near.plain == "No source named RFI Afrik. Did you mean RFI Afrique?"
    [resumed] = await running.say("/resume rfi afrique")
    assert "Resumed: RFI Afrique." in resumed.plain
    assert service.pipeline.held() == []
    [stranger] = await running.say("/pause RFI Afrique", chat=4242)
    assert "operators" in stranger.plain and service.pipeline.held() == []


async def test_reload_refuses_a_broken_file_and_admins_hear_when_it_is_fixed(
    running: Running, feeds: FeedServer
) -> None:
    service, api = running.service, running.api
    running.path.write_text(rules(feeds).replace("threshold:", "threshold: [", 1), encoding="utf-8")
    [refused] = await running.say("/reload")
    assert "Rules NOT reloaded" in refused.plain and "rules.yaml:" in refused.plain
    assert len(service.rules.sources) == 2 + len(MANY)  # the old rules keep running

    running.path.write_text(rules(feeds, "Libya Observer"), encoding="utf-8")
    await running.say("/reload", count=2)  # the answer, and the notice to every admin
    assert any(m.plain == "Rules reloaded." for m in api.messages_to(ADMIN))
    for admin in (ADMIN, OTHER_ADMIN):
        await until(
            lambda a=admin: any("is valid again" in m.plain for m in api.messages_to(a)),  # type: ignore[misc]  # a default binds the loop's admin
            f"the notice to {admin}",
        )
    [notice] = [m for m in api.messages_to(OTHER_ADMIN) if "valid again" in m.plain]
    assert (
        notice.plain.startswith("✅")
        and f"({len(service.rules.topics)} topics, 83 sources)" in notice.plain
    )
    assert "Libya Observer" in {s.name for s in service.rules.sources}


async def test_the_live_reload_path_also_tells_admins_the_rules_run_again(
    running: Running, feeds: FeedServer
) -> None:
    api = running.api
    live = Live(running.service, reload_every_s=3600)  # polled by hand below
    live.watcher.settle_s = 0
    running.path.write_text(rules(feeds).replace("threshold:", "threshold: [", 1), encoding="utf-8")
    assert await live.watcher.poll_once()
    await until(
        lambda: any("edit refused" in m.plain for m in api.messages_to(OTHER_ADMIN)), "refusal"
    )
    running.path.write_text(rules(feeds, "Libya Observer"), encoding="utf-8")
    assert await live.watcher.poll_once()
    await until(
        lambda: any("valid again" in m.plain for m in api.messages_to(OTHER_ADMIN)), "fixed"
    )
    assert "Libya Observer" in {s.name for s in running.service.rules.sources}


async def test_reload_reads_the_file_as_it_is_now_and_the_watcher_does_not_apply_it_again(
    running: Running, feeds: FeedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    service, path = running.service, running.path
    live = Live(service, reload_every_s=3600)  # polled by hand below
    live.watcher.settle_s = 0
    assert service.reload() == []  # unchanged, but asked for: read, checked and applied
    path.write_text(rules(feeds).replace("threshold:", "threshold: [", 1), encoding="utf-8")
    errors = service.reload()
    assert errors and all(re.match(rf"{re.escape(str(path))}:\d+:\d+: ", e) for e in errors)
    path.write_text(rules(feeds, "Libya Observer"), encoding="utf-8")
    assert service.reload() == []
    applied: list[object] = []
    monkeypatch.setattr(service, "apply", applied.append)
    assert await live.watcher.poll_once()  # the watcher sees the edit ...
    assert applied == []  # ... that /reload has applied already


async def test_sources_splits_and_stats_speaks_an_operators_language(running: Running) -> None:
    parts = await running.say("/sources", count=2)
    assert all(len(m.plain) <= 4096 for m in parts)
    listed = "\n".join(m.plain for m in running.api.messages_to(ADMIN))
    assert all(name in listed for name in MANY) and "(1/" in listed
    await running.say("/start")
    [stats] = await running.say("/stats")
    assert "New stories:" in stats.plain and "Subscribers: 1 (instant 1)" in stats.plain
    assert (
        f"Sources: {2 + len(MANY)}" in stats.plain and "Messages waiting to be sent" in stats.plain
    )
