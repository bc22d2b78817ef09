"""A feed that is malformed but partly readable: its items are kept, and the poll, the source's
health, the store and /sources say it is degraded, in the parser's words."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from config.model import Fetch, Source
from core.clock import FixedClock
from core.health import SourceHealth
from core.outcome import PollOutcome
from delivery.render import health_lines
from storage.db import open_state
from storage.store import Store
from tests.feedserver import FeedServer
from watchers.http import Fetcher, make_client
from watchers.poll import poll
from watchers.schedule import after_poll

FEEDS = Path(__file__).parent / "fixtures" / "feeds"
ALJAZEERA = (FEEDS / "en_aljazeera_all_2026-08-13_0424.xml").read_bytes()
# The real Al Jazeera feed broken off at its half, inside an item's CDATA (as a dropped
# connection or a full disk on the publisher's side leaves it).
CUT = ALJAZEERA[: len(ALJAZEERA) // 2]
T0 = datetime(2026, 8, 13, 5, 0, tzinfo=UTC)
FETCH = Fetch(failures_before_pause=3)


async def poll_paths(*paths: str, routes: dict[str, bytes]) -> dict[str, PollOutcome]:
    clock = FixedClock(T0)
    with FeedServer() as server:
        for path, body in routes.items():
            server.add(path, body)
        async with make_client(FETCH) as client:
            fetcher = Fetcher(client, FETCH, clock)
            return {
                p: await poll(
                    Source(name=p, kind="rss", every_s=600, url=server.url(p)),
                    SourceHealth(name=p),
                    fetcher,
                    clock,
                )
                for p in paths
            }


async def test_a_truncated_feed_keeps_its_items_and_says_why() -> None:
    out = await poll_paths(
        "/cut.xml",
        "/blank-lines.xml",
        "/whole.xml",
        "/latin1.xml",
        routes={
            "/cut.xml": CUT,
            "/blank-lines.xml": (
                FEEDS / "en_androidauthority_MALFORMED-leading-blank-lines.xml"
            ).read_bytes(),
            "/whole.xml": ALJAZEERA,
            "/latin1.xml": (FEEDS / "pt_uol-noticias_latin1-no-xml-decl.xml").read_bytes(),
        },
    )
    cut = out["/cut.xml"]
    assert cut.ok and len(cut.items) == 12
    assert cut.items[0].title == out["/whole.xml"].items[0].title
    assert (
        cut.degraded == "ill-formed feed, 12 items read (<unknown>:112:30: unclosed CDATA section)"
    )
    blank = out["/blank-lines.xml"]
    assert blank.ok and len(blank.items) == 1
    assert "XML or text declaration not at start of entity" in blank.degraded
    # well-formed: not degraded; a Latin-1 feed with no declaration (so UTF-8 by XML's rule)
    # is read in its real charset and says so (watchers.xmlsafe.decoding), not as ill-formed
    assert out["/whole.xml"].degraded == "" and len(out["/whole.xml"].items) == 25
    latin1 = out["/latin1.xml"]
    assert latin1.ok and latin1.degraded == "declared UTF-8 but is windows-1252"


def outcome(clock: FixedClock, degraded: str = "", ok: bool = True) -> PollOutcome:
    return PollOutcome(
        "feed",
        clock.now(),
        clock.now(),
        ok=ok,
        status=200 if ok else 500,
        error="" if ok else "HTTP 500",
        degraded=degraded,
    )


def test_health_keeps_the_reason_until_a_whole_read() -> None:
    clock = FixedClock(T0)
    source = Source(name="feed", kind="rss", every_s=600, url="https://example.org/f")
    rng = random.Random(1)
    h = after_poll(SourceHealth("feed"), outcome(clock, "ill-formed feed, 3 items read (x)"),
                   source, FETCH, rng)  # fmt: skip
    assert h.degraded == "ill-formed feed, 3 items read (x)" and h.failures == 0
    clock.advance(600)
    failed = after_poll(h, outcome(clock, ok=False), source, FETCH, rng)
    assert failed.failures == 1 and failed.degraded == h.degraded  # a failure says nothing of it
    clock.advance(600)
    whole = after_poll(failed, outcome(clock), source, FETCH, rng)
    assert whole.degraded == "" and whole.failures == 0


@pytest.fixture
def store(tmp_path: Path):
    s = Store(open_state(str(tmp_path)), FixedClock(T0))
    yield s
    s.close()


def test_the_store_keeps_the_reason(store: Store) -> None:
    store.save_health(SourceHealth("A", last_success=T0, degraded="ill-formed feed, 3 items"))
    store.save_health(SourceHealth("B", last_success=T0))
    loaded = store.load_health()
    assert loaded["A"].degraded == "ill-formed feed, 3 items" and loaded["B"].degraded == ""


def test_sources_command_in_telegram_shows_degraded_sources() -> None:
    table = health_lines(
        {
            "Fine": SourceHealth("Fine", last_success=T0, items_seen=5),
            "Cut": SourceHealth(
                "Cut", last_success=T0 - timedelta(hours=1), degraded="ill-formed feed <x>"
            ),
            "Down": SourceHealth("Down", failures=2, last_error="HTTP 500"),
        },
        ZoneInfo("UTC"),
    )
    lines = [line.replace("\u2068", "").replace("\u2069", "") for line in table]
    assert lines[0].startswith("⚠️ <b>Down</b>") and "HTTP 500" in lines[0]
    assert lines[1] == (
        "🟡 <b>Cut</b> · ok 13/08 04:00 · fail 0 · items 0 · degraded: ill-formed feed &lt;x&gt;"
    )
    assert lines[2].startswith("✅ <b>Fine</b>") and "degraded" not in lines[2]
