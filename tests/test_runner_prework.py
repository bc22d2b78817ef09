"""Matching and row preparation in the parse workers (runner.prework): the same stored result as
matching in this process, the pipeline's own matcher left idle, answers for other rules or from a
process without rules ignored, full text dropping what the parse step computed, rows made from
another text never stored, and workers restarted only for new matching rules."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from config import load_rules
from config.model import Rules, Source
from core.clock import FixedClock, SystemClock
from core.health import SourceHealth
from core.items import Item
from matching.engine import Matcher
from runner import prework
from runner.cycle import Pipeline
from runner.parsepool import ParsePool
from storage.db import connect, migrate
from storage.prepare import Prepared, identify, prepare, rows_at
from storage.store import Store
from tests.feedserver import FeedServer
from tests.test_runner_cycle import Sink
from watchers.http import Fetcher, Response, make_client
from watchers.poll import Parsed, parse_step, poll

ROOT = Path(__file__).resolve().parent.parent
FEEDS = [
    ROOT / "seeds" / "feeds" / "ar_seed-article.xml",
    ROOT / "tests" / "fixtures" / "feeds" / "en_aljazeera_all_2026-08-13_0424.xml",
    ROOT / "tests" / "fixtures" / "feeds" / "fr_lemonde_international_2024-03-27.xml",
]
NOW = datetime(2026, 8, 13, 12, tzinfo=UTC)


@pytest.fixture(scope="module")
def pool() -> Iterator[ParsePool]:
    shared = ParsePool(1)
    yield shared
    shared.shutdown()


@pytest.fixture
def rules() -> Rules:
    return load_rules(ROOT / "rules.yaml")


def seed_item() -> Item:
    """The seed article's report, parsed from its feed."""
    source = Source(name="S", kind="rss", every_s=600, url="https://x.test/f")
    body = FEEDS[0].read_bytes()
    return parse_step(source, Response(200, body, {}, "https://x.test/f")).items[0]


def fresh_store(rules: Rules, tmp: Path) -> Store:
    db = connect(tmp / "state.db")
    migrate(db)
    return Store(db, SystemClock(), rules.stories)


def stored(store: Store) -> dict[str, list[tuple[Any, ...]]]:
    """What the store holds, without row ids and times of writing."""
    q = store.conn.execute
    return {
        "items": q(
            "SELECT url, title, lang, content_hash, entities, features FROM items"
            " JOIN item_features ON item_id = id ORDER BY url"
        ).fetchall(),
        "matches": q(
            "SELECT i.url, m.topic, m.matched, m.score, m.explanation FROM matches m"
            " JOIN items i ON i.id = m.item_id ORDER BY i.url, m.topic"
        ).fetchall(),
        "stories": q(
            "SELECT s.title, group_concat(i.url, ' ') FROM stories s JOIN story_items si"
            " ON si.story_id = s.id JOIN items i ON i.id = si.item_id GROUP BY s.id"
            " ORDER BY s.title"
        ).fetchall(),
        "topics": q("SELECT topic FROM story_topics ORDER BY topic").fetchall(),
    }


async def run(rules: Rules, tmp: Path, parse_pool: ParsePool | None) -> tuple[Store, int]:
    """A cycle over each of FEEDS in turn; the store and how often this process's matcher ran.
    One feed a cycle: the order reports reach the store decides which story each joins, and
    polls of one cycle finish in any order."""
    with FeedServer() as server:
        db = connect(tmp / "state.db")
        migrate(db)
        clock = FixedClock(NOW)  # the same times in both runs, however slow the machine
        store = Store(db, clock, rules.stories)
        calls = 0
        async with make_client(rules.fetch) as client:
            for i, f in enumerate(FEEDS):
                source = Source(
                    name=f"S{i}", kind="rss", every_s=600, url=server.add_file(f"/{i}.xml", f)
                )
                pipeline = Pipeline(
                    rules._replace(sources=(source,)), store,
                    Fetcher(client, rules.fetch, clock), Sink(), clock, parse_pool=parse_pool,
                )  # fmt: skip
                here = pipeline.matcher.match_item

                def counted(item: Any, here: Any = here) -> Any:
                    nonlocal calls
                    calls += 1
                    return here(item)

                pipeline.matcher.match_item = counted  # type: ignore[method-assign,assignment]  # a spy
                reports = await pipeline.run_once()
                assert all(r.ok and r.items for r in reports), reports
    return store, calls


async def test_workers_store_what_this_process_would(
    pool: ParsePool, rules: Rules, tmp_path: Path
) -> None:
    here, calls_here = await run(rules, tmp_path / "here", None)
    there, calls_there = await run(rules, tmp_path / "there", pool)
    assert calls_here > 0
    assert calls_there == 0  # every report was matched and prepared in the worker
    assert stored(there) == stored(here)
    assert any(row[2] for row in stored(there)["matches"])  # the seed article matched


def test_answers_for_other_rules_or_lengths_are_not_used(rules: Rules) -> None:
    item = seed_item()
    match = Matcher.from_rules(rules).match_item(item)
    kinds = {e.id: e.kind for e in rules.entities.values()}
    made = prework.WorkerMatches(3, ((match, prepare(item, match, kinds, NOW)),))
    assert prework.worker_matches(made, [item], 3) == ([match], [made.matched[0][1]])
    assert prework.worker_matches(made, [item], 4) is None  # a reload in between
    assert prework.worker_matches(made, [item, item], 3) is None
    assert prework.worker_matches(None, [item], 3) is None


def test_parse_step_matches_only_where_rules_were_installed(
    rules: Rules, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = Source(name="S", kind="rss", every_s=600, url="https://x.test/f")
    response = Response(
        status=200, body=FEEDS[0].read_bytes(), headers={}, final_url="https://x.test/f"
    )
    bare = prework.parse_and_prepare(source, response, now=NOW, generation=1)
    assert bare.items and bare.precomputed is None  # this process holds no rules
    kinds = {e.id: e.kind for e in rules.entities.values()}
    matcher = Matcher.from_rules(rules)
    monkeypatch.setattr(prework, "_RULES", prework._WorkerRules(1, matcher, kinds))
    full = prework.parse_and_prepare(source, response, now=NOW, generation=1)
    assert isinstance(full.precomputed, prework.WorkerMatches) and full.precomputed.generation == 1
    for item, (match, ready) in zip(full.items, full.precomputed.matched, strict=True):
        assert match == matcher.match_item(item)
        assert ready == prepare(item, match, kinds, NOW)
        assert ready.ident == identify(item) and ready.rows == rows_at(item, match, kinds, NOW)
    stale = prework.parse_and_prepare(source, response, now=NOW, generation=2)
    assert stale.precomputed is None


def marked(source: Source, response: Response) -> Parsed:
    """A parse step that computes something beside the items."""
    return Parsed(parse_step(source, response).items, None, "computed beside")


async def test_full_text_drops_what_the_parse_step_computed(rules: Rules) -> None:
    page = (
        b"<html><body><article><p>" + b"Full article text. " * 40 + b"</p></article></body></html>"
    )
    with FeedServer() as server:
        article = server.add("/a.html", page, content_type="text/html")
        body = (
            "<?xml version='1.0'?><rss version='2.0'><channel><title>t</title>"
            f"<item><title>One report</title><link>{article}</link><guid>1</guid></item>"
            "</channel></rss>"
        ).encode()
        url = server.add("/f.xml", body)
        clock = SystemClock()
        async with make_client(rules.fetch) as client:
            fetcher = Fetcher(client, rules.fetch, clock)
            plain = Source(name="P", kind="rss", every_s=600, url=url)
            full = Source(name="F", kind="rss", every_s=600, url=url, full_text=True)
            got = await poll(plain, SourceHealth(name="P"), fetcher, clock, parse=marked)
            enriched = await poll(full, SourceHealth(name="F"), fetcher, clock, parse=marked)
    assert got.ok and got.precomputed == "computed beside"
    assert enriched.ok and enriched.items[0].text and enriched.precomputed is None


def test_new_rules_retire_the_workers_started_with_the_old(rules: Rules) -> None:
    fresh = ParsePool(1)
    try:
        fresh.use_rules(rules, 1)
        assert fresh.submit(sum, [1, 2]).result(timeout=60) == 3
        first = fresh._pool
        fresh.use_rules(rules, 1)  # the same rules: the workers stay
        assert fresh._pool is first
        fresh.use_rules(rules, 2)
        assert fresh._pool is None and fresh.submit(sum, [3]).result(timeout=60) == 3
        assert fresh._pool is not first
    finally:
        fresh.shutdown()
        fresh.join()


def test_ingest_many_wants_one_entry_of_ready_rows_per_report(rules: Rules, tmp_path: Path) -> None:
    store = fresh_store(rules, tmp_path)
    item = seed_item()
    match = Matcher.from_rules(rules).match_item(item)
    with pytest.raises(ValueError, match="one entry"):
        store.ingest_many([(item, match)], {}, [None, None])
    store.close()


def test_rows_made_from_another_text_are_not_stored(rules: Rules, tmp_path: Path) -> None:
    store = fresh_store(rules, tmp_path)
    item = seed_item()
    matcher, kinds = Matcher.from_rules(rules), rules.entity_kinds()
    older = replace(item, title="An older headline of the same report", summary="")
    stale = Prepared(identify(item), rows_at(older, matcher.match_item(older), kinds, NOW))
    result = store.ingest(item, matcher.match_item(item), kinds, stale)
    title, features = store.conn.execute(
        "SELECT title, features FROM items JOIN item_features ON item_id = id WHERE id = ?",
        (result.item_id,),
    ).fetchone()
    fresh = rows_at(item, matcher.match_item(item), kinds, NOW)
    assert title == item.title and features == fresh.feats.to_json()
    store.close()


def test_an_identity_made_of_other_fields_is_not_used(rules: Rules, tmp_path: Path) -> None:
    store = fresh_store(rules, tmp_path)
    item = seed_item()
    matcher, kinds = Matcher.from_rules(rules), rules.entity_kinds()
    other = replace(item, url="https://elsewhere.test/other", guid="other")
    wrong = Prepared(identify(other), rows_at(item, matcher.match_item(item), kinds, NOW))
    first = store.ingest(item, matcher.match_item(item), kinds, wrong)
    canonical = store.conn.execute(
        "SELECT canonical_url FROM items WHERE id = ?", (first.item_id,)
    ).fetchone()[0]
    assert canonical == identify(item).canon != identify(other).canon
    again = store.ingest(item, matcher.match_item(item), kinds)  # found by its own keys
    assert not again.is_new and again.item_id == first.item_id
    store.close()


def test_a_reload_keeps_the_generation_unless_matching_changed(rules: Rules) -> None:
    pipeline = Pipeline(rules, None, None, Sink(), SystemClock())  # type: ignore[arg-type]  # only `use` runs
    first = pipeline.generation
    pipeline.use(rules._replace(sources=()))  # sources only: the workers stay
    assert pipeline.generation == first
    topics = dict(list(rules.topics.items())[:1])
    pipeline.use(rules._replace(topics=topics))
    assert pipeline.generation > first
    other = Pipeline(rules, None, None, Sink(), SystemClock())  # type: ignore[arg-type]  # as above
    assert other.generation not in (first, pipeline.generation)  # one pool, two pipelines
