"""The poll cycle over a real local server: a headline-only near miss is read in full and matches;
a failing source lands on its health and never stops the other; a paused source notifies admins;
at most twice the allowed requests of polls run at once."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from config import load_rules
from config.model import Rules, Source
from core.clock import SystemClock
from core.health import SourceHealth
from core.outcome import PollOutcome
from core.story import StoryNews, StoryView
from runner.cycle import CycleReport, Pipeline
from storage.db import connect, migrate
from storage.store import Store
from tests.feedserver import FeedServer
from watchers.http import Fetcher, make_client

ROOT = Path(__file__).resolve().parent.parent
PARAGRAPHS = [
    "The commander of the Libyan National Army ground forces, Saddam Haftar, arrived in "
    "Ouagadougou on Tuesday on an official visit as an envoy of Field Marshal Khalifa Haftar.",
    "He met the transitional president, Captain Ibrahim Traore, at the presidential palace to "
    "discuss military cooperation between eastern Libya and Burkina Faso.",
    "The visit comes weeks after Russia began replacing the Wagner Group with its Africa Corps "
    "in Libya and the Sahel, a move Moscow coordinated with the juntas of Mali and Niger.",
    "Western diplomats say the trip was arranged with Russian help and fits Moscow's effort to "
    "link its allies across the continent, from Benghazi to Bamako and Niamey.",
]
ARTICLE = (
    "<html><head><title>Saddam Haftar lands in Ouagadougou</title></head><body>"
    "<nav><a href='/'>Home</a> | <a href='/world'>World</a></nav><article>"
    "<h1>Saddam Haftar lands in Ouagadougou</h1>"
    + "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    + "</article><footer>© Example News</footer></body></html>"
).encode()


def feed(link: str) -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Headlines</title><link>{link}</link><description>x</description>
<item><title>Saddam Haftar lands in Ouagadougou</title><link>{link}</link>
<guid>{link}</guid><pubDate>Tue, 09 Jul 2024 20:00:00 GMT</pubDate></item>
</channel></rss>""".encode()


class Sink:
    def __init__(self) -> None:
        self.stories: list[StoryView] = []
        self.notices: list[str] = []

    async def fan_out(self, news: Sequence[StoryNews]) -> None:
        self.stories += [n.story for n in news if n.kind == "new"]

    async def notify_admins(self, text: str) -> None:
        self.notices.append(text)


@pytest.fixture
def rules() -> Rules:
    return load_rules(ROOT / "rules.yaml")


async def run_cycle(
    rules: Rules, sources: list[Source], tmp: Path, rounds: int = 1
) -> tuple[Sink, Store]:
    db = connect(tmp / "state.db")
    migrate(db)
    clock = SystemClock()
    store = Store(db, clock, rules.stories)
    sink = Sink()
    rules = rules._replace(sources=tuple(sources))
    async with make_client(rules.fetch) as client:
        pipeline = Pipeline(rules, store, Fetcher(client, rules.fetch, clock), sink, clock)
        for _ in range(rounds):
            await pipeline.run_once()
    return sink, store


async def test_near_miss_headline_is_read_in_full(rules: Rules, tmp_path: Path) -> None:
    with FeedServer() as server:
        article = server.add("/news/haftar.html", ARTICLE, content_type="text/html; charset=utf-8")
        url = server.add("/feed.xml", feed(article))
        sink, store = await run_cycle(
            rules, [Source(name="Headlines", kind="rss", every_s=600, url=url, lang="en")], tmp_path
        )
        assert server.hits("/news/haftar.html") == 1
    assert len(sink.stories) == 1
    story = sink.stories[0]
    assert "haftar_russia_sahel" in story.topics and "russia_military_africa" in story.topics
    assert story.title == "Saddam Haftar lands in Ouagadougou"
    assert store.load_health()["Headlines"].failures == 0


async def test_failing_source_never_stops_the_other(rules: Rules, tmp_path: Path) -> None:
    with FeedServer() as server:
        article = server.add("/a.html", ARTICLE, content_type="text/html; charset=utf-8")
        good = server.add("/good.xml", feed(article))
        bad = server.add("/bad.xml", status=503)
        sources = [
            Source(name="Bad", kind="rss", every_s=600, url=bad),
            Source(name="Good", kind="rss", every_s=600, url=good),
        ]
        sink, store = await run_cycle(rules, sources, tmp_path)
    health = store.load_health()
    assert health["Bad"].failures == 1 and health["Bad"].status == 503
    assert "503" in health["Bad"].last_error
    assert health["Good"].failures == 0 and health["Good"].items_seen == 1
    assert len(sink.stories) == 1


async def test_repeated_failures_pause_the_source_and_tell_admins(
    rules: Rules, tmp_path: Path
) -> None:
    rules = rules._replace(fetch=rules.fetch._replace(failures_before_pause=2))
    with FeedServer() as server:
        bad = server.add("/bad.xml", status=500)
        sink, store = await run_cycle(
            rules, [Source(name="Flaky", kind="rss", every_s=600, url=bad)], tmp_path, rounds=3
        )
    health = store.load_health()["Flaky"]
    assert health.paused and health.failures == 3
    assert len(sink.notices) == 1 and "Flaky" in sink.notices[0] and "paused" in sink.notices[0]
    assert health.next_check is not None and health.next_check > datetime.now(UTC)


async def test_a_store_failure_counts_on_the_source_and_keeps_its_validators(
    rules: Rules, tmp_path: Path
) -> None:
    from core.errors import StoreError

    class BrokenStore(Store):
        def ingest_many(self, pairs, entity_kinds, prepared=None):  # a double that always fails
            raise StoreError("disk I/O error")

    db = connect(tmp_path / "state.db")
    migrate(db)
    clock = SystemClock()
    store = BrokenStore(db, clock, rules.stories)
    sink = Sink()
    with FeedServer() as server:
        url = server.add("/feed.xml", feed("https://example.org/a"), etag="auto")
        source = Source(name="Feed", kind="rss", every_s=600, url=url)
        async with make_client(rules.fetch) as client:
            pipeline = Pipeline(
                rules._replace(sources=(source,)),
                store,
                Fetcher(client, rules.fetch, clock),
                sink,
                clock,
            )
            (report,) = await pipeline.run_once()
    assert not report.ok and "disk I/O error" in report.error
    health = store.load_health()["Feed"]
    assert health.failures == 1 and "storing failed" in health.last_error
    assert health.etag == ""  # not remembered: the next poll gets the items again


async def test_an_admin_pause_survives_a_restart_until_resume(rules: Rules, tmp_path: Path) -> None:
    with FeedServer() as server:
        article = server.add("/a.html", ARTICLE, content_type="text/html; charset=utf-8")
        source = Source(
            name="Wire", kind="rss", every_s=600, url=server.add("/f.xml", feed(article))
        )
        rules = rules._replace(sources=(source,))
        clock = SystemClock()

        def pipeline(
            client: httpx.AsyncClient,
        ) -> Pipeline:  # a fresh process's pipeline on the same state
            db = connect(tmp_path / "state.db")
            migrate(db)
            store = Store(db, clock, rules.stories)
            return Pipeline(rules, store, Fetcher(client, rules.fetch, clock), Sink(), clock)

        async with make_client(rules.fetch) as client:
            first = pipeline(client)
            first.pause_by_admin("Wire", True)
            await first.run_once()
            assert server.hits("/f.xml") == 0 and first.paused_by_admin() == ["Wire"]
            first.store.close()

            restarted = pipeline(client)
            await restarted.run_once()
            assert server.hits("/f.xml") == 0 and restarted.paused_by_admin() == ["Wire"]
            restarted.pause_by_admin("Wire", False)
            await restarted.run_once()
            assert server.hits("/f.xml") == 1 and restarted.paused_by_admin() == []
            health = restarted.store.load_health()["Wire"]
            assert not health.paused_by_admin and health.items_seen == 1
            restarted.store.close()


async def test_an_admin_hold_just_after_a_polls_write_keeps_both(tmp_path: Path) -> None:
    """/pause handled between the COMMIT of a poll's health and the poll's resumption: the
    hold stands and the poll's new health (its ETag) is neither lost nor overwritten."""
    rules = load_rules(Path("rules.yaml"))
    db = connect(tmp_path / "state.db")
    migrate(db)
    store = Store(db, SystemClock(), rules.stories, background_checkpoint=False)
    pipeline = Pipeline(rules, store, None, None, SystemClock())  # type: ignore[arg-type]  # no polls run here
    store.save_health(SourceHealth(name="Wire", etag="old", items_seen=1))
    after = SourceHealth(name="Wire", etag="new", items_seen=21)
    task = asyncio.ensure_future(pipeline._store_health(after))
    await asyncio.sleep(0)  # queued; the flush comes at +linger
    asyncio.get_running_loop().call_later(
        pipeline.writes.linger, pipeline.pause_by_admin, "Wire", True
    )
    saved = await task
    stored = store.load_health()["Wire"]
    assert (stored.etag, stored.items_seen, stored.paused_by_admin) == ("new", 21, True)
    cached = pipeline.health("Wire")
    assert (cached.etag, cached.paused_by_admin) == ("new", True) and saved.paused_by_admin
    store.close()


async def test_at_most_twice_the_allowed_requests_of_polls_run_at_once(
    rules: Rules, tmp_path: Path
) -> None:
    """A poll holds its place from its request until its reports are written, so that when the
    writer is the slowest stage the other sources wait unfetched, not parsed in memory."""
    rules = rules._replace(fetch=rules.fetch._replace(concurrency=1))
    sources = [Source(name=f"S{i}", kind="rss", every_s=600, url=f"http://x/{i}") for i in range(6)]
    rules = rules._replace(sources=tuple(sources))
    db = connect(tmp_path / "state.db")
    migrate(db)
    clock = SystemClock()
    store = Store(db, clock, rules.stories)
    running, most, polled = 0, 0, []

    async def fetch_and_store(
        source: Source, before: SourceHealth
    ) -> tuple[PollOutcome, CycleReport]:
        nonlocal running, most
        running += 1
        most = max(most, running)
        for _ in range(5):  # a fetch and a write: other polls may start meanwhile
            await asyncio.sleep(0)
        running -= 1
        polled.append(source.name)
        now = datetime.now(UTC)
        outcome = PollOutcome(source.name, now, now, ok=False, error="stubbed")
        return outcome, CycleReport(source.name, ok=False)

    async with make_client(rules.fetch) as client:
        pipeline = Pipeline(rules, store, Fetcher(client, rules.fetch, clock), Sink(), clock)
        pipeline._fetch_and_store = fetch_and_store  # type: ignore[method-assign]  # stubbed
        await pipeline.run_once()
    store.close()
    assert most == 2 and sorted(polled) == [s.name for s in sources]
