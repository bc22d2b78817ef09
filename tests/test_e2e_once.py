"""End to end: `bot.py once` over real local sources, delivering to the terminal (no token).

A feed server on 127.0.0.1 serves a real snapshot and the seed feed; one source is broken and
one broken off half-way. The cycle finishes, the broken source's error lands on its health, the
cut-off one keeps its items and shows as degraded, the seed story is delivered once, and a second
run delivers nothing again (the outbox and dedupe hold across processes).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from tests.feedserver import FeedServer
from tests.service_support import run_bot

ROOT = Path(__file__).resolve().parent.parent
SEED_TITLE = "صدام حفتر في واغادوغو لتعزيز التعاون مع تحالف دول الساحل"


def rules_with_sources(tmp: Path, sources: list[dict[str, object]]) -> Path:
    """The default rules with their sources replaced."""
    data = yaml.safe_load((ROOT / "rules.yaml").read_text(encoding="utf-8"))
    data["sources"] = sources
    path = tmp / "rules.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def run(*args: str, state: Path) -> subprocess.CompletedProcess[str]:
    return run_bot(state, *args)


@pytest.fixture
def server():
    with FeedServer() as srv:
        srv.add_file("/seed.xml", ROOT / "seeds" / "feeds" / "ar_seed-article.xml")
        srv.add_file(
            "/bbc.xml", ROOT / "tests" / "fixtures" / "feeds" / "en_bbc_world_2026-08-13_0424.xml"
        )
        srv.add("/down", status=500)
        whole = ROOT / "tests" / "fixtures" / "feeds" / "en_aljazeera_all_2026-08-13_0424.xml"
        srv.add("/cut.xml", whole.read_bytes()[: whole.stat().st_size // 2])  # broken off
        yield srv


def test_once_end_to_end(tmp_path: Path, server: FeedServer) -> None:
    rules = rules_with_sources(tmp_path, [
        {"name": "Seed feed", "kind": "rss", "url": server.url("/seed.xml"), "lang": "ar", "every": "10m"},
        {"name": "BBC World", "kind": "rss", "url": server.url("/bbc.xml"), "lang": "en", "every": "10m"},
        {"name": "Broken", "kind": "rss", "url": server.url("/down"), "every": "10m"},
        {"name": "Cut off", "kind": "rss", "url": server.url("/cut.xml"), "every": "10m"},
    ])  # fmt: skip
    state = tmp_path / "state"

    first = run("once", "--rules", str(rules), state=state)
    assert first.returncode == 0, first.stderr
    assert "Traceback" not in first.stderr
    assert first.stdout.count(SEED_TITLE) == 1, first.stdout
    assert "Seed feed: ok; 1 items, 1 new, 1 on topic" in first.stderr
    assert "BBC World: ok; 28 items, 28 new" in first.stderr
    assert "Broken: FAILED: " in first.stderr and "500" in first.stderr
    assert "Cut off: ok; 12 items, 12 new" in first.stderr  # what was read is kept

    health = run("sources", "--rules", str(rules), state=state)
    assert health.returncode == 0, health.stderr
    lines = {line.split("  ")[0]: line for line in health.stdout.splitlines()[1:]}
    assert " ok " in lines["Seed feed"] and " ok " in lines["BBC World"]
    assert " failing " in lines["Broken"] and "500" in lines["Broken"]
    assert " degraded " in lines["Cut off"] and "ill-formed feed, 12 items read" in lines["Cut off"]

    second = run("once", "--rules", str(rules), state=state)
    assert second.returncode == 0, second.stderr
    assert SEED_TITLE not in second.stdout  # already delivered: never again
    assert "Seed feed: ok; " in second.stderr and ", 0 new," in second.stderr

    found = run("search", "واغادوغو", "--rules", str(rules), state=state)
    assert found.returncode == 0, found.stderr
    assert SEED_TITLE in found.stdout


def test_once_with_broken_rules_exits_cleanly(tmp_path: Path) -> None:
    bad = tmp_path / "rules.yaml"
    bad.write_text("entities: {x: {kind: persn}}\ntopics: {}\n", encoding="utf-8")
    proc = run("once", "--rules", str(bad), state=tmp_path / "state")
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert proc.stderr.startswith(f"{bad}:1:")


def test_once_polls_only_the_sources_named(tmp_path: Path, server: FeedServer) -> None:
    rules = rules_with_sources(tmp_path, [
        {"name": "Seed feed", "kind": "rss", "url": server.url("/seed.xml"), "lang": "ar", "every": "10m"},
        {"name": "BBC World", "kind": "rss", "url": server.url("/bbc.xml"), "lang": "en", "every": "10m"},
    ])  # fmt: skip
    state = tmp_path / "state"
    wrong = run("once", "--rules", str(rules), "--source", "BBC Wrld", state=state)
    assert wrong.returncode == 1
    assert "--source 'BBC Wrld': no source of that name (did you mean 'BBC World'?)" in wrong.stderr
    proc = run("once", "--rules", str(rules), "--source", "bbc world", state=state)
    assert proc.returncode == 0, proc.stderr
    assert "BBC World: ok; 28 items, 28 new" in proc.stderr
    assert "Seed feed" not in proc.stderr and server.hits("/seed.xml") == 0
