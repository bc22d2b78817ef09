"""storage/store.py: dedupe on real feed snapshots, updates, search, health, retention, WAL."""

from __future__ import annotations

import calendar
import io
import json
import sqlite3
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import feedparser
import pytest

from config.model import Stories
from core.clock import FixedClock
from core.health import SourceHealth
from core.items import Item
from matching.result import Hit, MatchResult, TopicResult
from storage.checkpoint import Checkpointer
from storage.db import open_state
from storage.records import IngestResult
from storage.rows import all_keys
from storage.store import Store
from stories.cluster import Features

FEEDS = Path(__file__).parent / "fixtures" / "feeds"
T0 = datetime(2026, 8, 13, 4, 24, tzinfo=UTC)


def feed_items(name: str, source: str) -> list[Item]:
    parsed = feedparser.parse(io.BytesIO((FEEDS / f"{name}.xml").read_bytes()))
    items = []
    for e in parsed.entries:
        stamp = e.get("published_parsed")
        published = datetime.fromtimestamp(calendar.timegm(stamp), UTC) if stamp else None
        items.append(
            Item(
                source=source,
                url=e.link,
                guid=e.get("id") or e.link,
                title=e.title,
                summary=e.get("summary", ""),
                lang="en",
                published=published,
            )
        )
    return items


def nothing(item: Item) -> MatchResult:
    return MatchResult(item.guid, (), ())


def topic_match(item: Item, topic: str, entity: str = "libya") -> MatchResult:
    hit = Hit("Libya", entity, None, "en", 0, 1, "title", "libya")
    return MatchResult(item.guid, (TopicResult(topic, True, 3.0, 3.0, (hit,)),), (entity,), (hit,))


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(T0)


@pytest.fixture
def store(tmp_path: Path, clock: FixedClock) -> Iterator[Store]:
    s = Store(open_state(str(tmp_path)), clock, Stories())
    yield s
    s.close()


def ingest_all(store: Store, items: list[Item]) -> list[IngestResult]:
    return [store.ingest(it, nothing(it), {}) for it in items]


def count(store: Store, table: str) -> int:
    return int(store.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def test_schema_is_migrated_in_wal_mode(store: Store) -> None:
    names = [r[0] for r in store.conn.execute("SELECT name FROM migrations ORDER BY name")]
    assert names[0] == "0001_core"
    assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_bbc_snapshots_give_no_duplicate_items(store: Store, clock: FixedClock) -> None:
    first = feed_items("en_bbc_world_2026-08-13_0424", "BBC World")
    second = feed_items("en_bbc_world_2026-08-13_0927", "BBC World")
    r1 = ingest_all(store, first)
    assert all(r.is_new for r in r1)
    clock.advance(5 * 3600)
    r2 = ingest_all(store, second)
    # one item per article path across both snapshots, although 3 GUIDs changed (#0 -> #1)
    paths = {urlsplit(i.url).path for i in first + second}
    assert count(store, "items") == len(paths) == 32
    assert sum(r.is_new for r in r2) == 4
    updated = {
        store.conn.execute("SELECT title FROM items WHERE id=?", (r.item_id,)).fetchone()[0]
        for r in r2
        if r.updated
    }
    assert "Twitch faces backlash over Amazon using content to train AI" in updated
    assert len(updated) == 2  # the two re-titled items, updated in place
    assert not store.search("Twitch users can now block Amazon")
    assert store.search("Twitch backlash")


def test_aljazeera_snapshots_give_no_duplicate_items(store: Store, clock: FixedClock) -> None:
    names = ["0424", "0500", "0927"]
    snaps = [feed_items(f"en_aljazeera_all_2026-08-13_{n}", "Al Jazeera") for n in names]
    results = []
    for snap in snaps:
        results.append(ingest_all(store, snap))
        for r in results[-1]:
            _ = r.story  # the story as it stood after this snapshot (read when first asked)
        clock.advance(1800)
    paths = {urlsplit(i.url).path for snap in snaps for i in snap}
    assert count(store, "items") == len(paths)
    # 0500: the same 23 links again plus 2 new; one item re-titled and updated, not duplicated
    assert sum(r.is_new for r in results[1]) == 2
    retitled = [r for r in results[1] if r.updated]
    assert len(retitled) == 1
    assert "three" in retitled[0].story.title.lower()
    # 0927: the feed rolled over; what it still carries is known, one of them re-titled again
    before = {urlsplit(i.url).path for i in snaps[0] + snaps[1]}
    known = [urlsplit(i.url).path in before for i in snaps[2]]
    assert [not r.is_new for r in results[2]] == known
    again = [r for r in results[2] if r.updated]
    assert len(again) == 1 and "fourth day" in again[0].story.title


def test_tracking_params_other_feed_and_canonical_hint(store: Store) -> None:
    base = Item(
        "Outlet World",
        "https://www.example.org/2026/08/haftar-visit?utm_source=rss",
        "guid-1",
        "Saddam Haftar visits Ouagadougou for talks",
        lang="en",
    )
    assert store.ingest(base, nothing(base), {}).is_new
    # the same article in the outlet's Africa feed, other GUID, tracking parameters
    other = Item(
        "Outlet Africa",
        "http://example.org/2026/08/haftar-visit/?fbclid=zz#top",
        "africa-77",
        "Saddam Haftar visits Ouagadougou for talks",
        lang="en",
    )
    assert store.seen(other) and not store.seen(replace(other, url="https://example.org/x"))
    r = store.ingest(other, nothing(other), {})
    assert not r.is_new and not r.updated
    # an AMP page whose canonical link points at the article
    amp = Item(
        "Aggregator",
        "https://amp.example.org/haftar-visit.amp",
        "amp-1",
        "Haftar in Ouagadougou",
        lang="en",
        extra={"canonical": "https://example.org/2026/08/haftar-visit"},
    )
    r2 = store.ingest(amp, nothing(amp), {})
    assert not r2.is_new
    # ... and that AMP link seen later without the hint is known too
    amp2 = Item("Aggregator 2", "https://amp.example.org/haftar-visit.amp", "x", "Haftar")
    assert not store.ingest(amp2, nothing(amp2), {}).is_new
    assert count(store, "items") == 1


def test_same_title_same_source_is_the_same_item_within_the_window(
    store: Store, clock: FixedClock
) -> None:
    a = Item("Libya Review", "https://libyareview.com/1", "1", "Yevkurov arrives in Benghazi again")
    b = Item(
        "Libya Review", "https://libyareview.com/1-copy", "2", "Yevkurov arrives in Benghazi again"
    )
    assert store.ingest(a, nothing(a), {}).is_new
    assert not store.ingest(b, nothing(b), {}).is_new
    clock.advance(3 * 86400)  # outside the window: a new report with the same headline
    c = Item("Libya Review", "https://libyareview.com/2", "3", "Yevkurov arrives in Benghazi again")
    assert store.ingest(c, nothing(c), {}).is_new


def test_search_applies_arabic_normalisation_and_survives_fts_syntax(store: Store) -> None:
    ar = Item(
        "Al Jazeera Arabic",
        "https://aljazeera.net/news/1",
        "ar-1",
        "صَدّام حفتر في واغادوغو لتعزيز التعاون مع تحالف دول الساحل",
        summary="والتقى صدام حفتر فور وصوله بالرئيس الانتقالي إبراهيم تراوري في مقر الرئاسة",
        lang="ar",
    )
    fr = Item(
        "RFI", "https://rfi.fr/a", "fr-1", "Saddam Haftar reçu par Traoré à Ouagadougou", lang="fr"
    )
    for it in (ar, fr):
        store.ingest(it, nothing(it), {})
    assert [h.title for h in store.search("صدام حفتر")] == [ar.title]
    assert [h.title for h in store.search("ابراهيم")] == [ar.title]  # إ folded to ا
    assert [h.title for h in store.search("الرئيس")] == [ar.title]  # matches بالرئيس
    assert [h.title for h in store.search("traore")] == [fr.title]
    assert {h.title for h in store.search("Ouaga*")} == {fr.title}
    assert store.search('"haftar recu"')[0].title == fr.title
    for hostile in ["haftar AND (", "NEAR(", '"', "-", "title:x", "*", "^a", "OR"]:
        store.search(hostile)  # must not raise
    hit = store.search("ابراهيم")[0]  # the snippet is the report's own text: إ as written
    assert hit.story_id is not None and ("إبراهيم", True) in hit.snippet


def test_search_gives_each_story_once_with_its_outlets(store: Store) -> None:
    """Issue 14, point 7: one story reported three times is one result, naming its outlets;
    OR and -word work the same for the command line and the bot (both read Store.search)."""
    title = "Saddam Haftar reçu par Traoré à Ouagadougou"
    copies = [
        Item(
            "RFI", "https://rfi.fr/1", "1", title, summary="Le maréchal Haftar a reçu...", lang="fr"
        ),
        Item("France 24", "https://f24.fr/1", "1", title + " ce samedi", lang="fr"),
        Item("Le Monde", "https://lemonde.fr/1", "1", title + " samedi", lang="fr"),
    ]
    stories = {store.ingest(it, nothing(it), {}).story_id for it in copies}
    assert len(stories) == 1  # copies of one report: one story
    other = Item("BBC", "https://bbc.co.uk/1", "1", "Drone strike near Tripoli", lang="en")
    store.ingest(other, nothing(other), {})

    [hit] = store.search("haftar")
    assert hit.story_id in stories and hit.reports == 3
    assert set(hit.sources) == {"RFI", "France 24", "Le Monde"}
    assert len(store.search("haftar OR tripoli")) == 2
    assert store.search("haftar -ouagadougou") == []
    assert [h.source for h in store.search("tripoli -haftar")] == ["BBC"]


def test_health_round_trip(store: Store) -> None:
    h = SourceHealth(
        "BBC World",
        last_attempt=T0,
        last_success=T0,
        status=200,
        items_seen=28,
        failures=0,
        error_count=2,
        last_error="",
        next_check=T0 + timedelta(minutes=15),
        etag='W/"abc"',
        last_modified="Thu, 13 Aug 2026 04:23:37 GMT",
    )
    store.save_health(h)
    bad = SourceHealth(
        "Dead feed", last_attempt=T0, failures=5, error_count=5, last_error="HTTP 404", paused=True
    )
    store.save_health(bad)
    assert store.load_health() == {"BBC World": h, "Dead feed": bad}


def test_a_polls_health_never_undoes_an_admins_pause(store: Store) -> None:
    """The writer thread may write a poll's health, made before an admin's /pause or /resume
    reached the pipeline, just after that pause: the pause stands."""
    store.save_health(SourceHealth("Wire", items_seen=1))
    store.save_paused_by_admin("Wire", True)
    store.save_health(SourceHealth("Wire", items_seen=2))  # made before the pause
    saved = store.load_health()["Wire"]
    assert saved.paused_by_admin and saved.items_seen == 2
    store.save_paused_by_admin("Wire", False)
    store.save_health(SourceHealth("Wire", items_seen=3, paused_by_admin=True))  # before /resume
    assert not store.load_health()["Wire"].paused_by_admin
    store.save_health(SourceHealth("New", paused_by_admin=True))  # a source not yet stored
    assert store.load_health()["New"].paused_by_admin


def test_stories_since_iter_items_and_topics(store: Store, clock: FixedClock) -> None:
    a = Item("S", "https://a.example/1", "1", "Drone attacks deepen Libya's energy crisis")
    b = Item("S", "https://a.example/2", "2", "Swiatek sinks Svitolina in Toronto")
    ra = store.ingest(a, topic_match(a, "libya_security"), {"libya": "place"})
    clock.advance(60)
    rb = store.ingest(b, nothing(b), {})
    assert ra.new_topics == ("libya_security",) and rb.new_topics == ()
    assert ra.story.topics == ("libya_security",) and ra.story.entities == ("libya",)
    assert ra.story == store.story(ra.story_id) and rb.story == store.story(rb.story_id)
    views = store.stories_since(T0)
    assert [v.id for v in views] == [rb.story_id, ra.story_id]  # newest first
    assert [v.id for v in store.stories_since(T0, ["libya_security"])] == [ra.story_id]
    assert store.stories_since(T0 + timedelta(seconds=30)) == [views[0]]
    stored = list(store.iter_items(None))
    assert [(s.item.title, s.topics) for s in stored] == [
        (a.title, ("libya_security",)),
        (b.title, ()),
    ]
    assert [s.item.title for s in store.iter_items(T0 + timedelta(seconds=30))] == [b.title]
    expl = store.conn.execute("SELECT explanation FROM matches WHERE item_id=?", (ra.item_id,))
    assert json.loads(expl.fetchone()[0])["h"][0][0] == "libya"  # where the hit was


def test_prune_removes_old_items_and_keeps_stories_a_delivery_needs(
    store: Store, clock: FixedClock
) -> None:
    # a stand-in for the delivery engineer's table: any FK onto stories(id) protects a story
    store.conn.execute(
        "CREATE TABLE test_deliveries (id INTEGER PRIMARY KEY,"
        " story_id INTEGER REFERENCES stories(id))"
    )
    old = [
        Item("S", f"https://old.example/{i}", f"o{i}", f"Old report number {i} about Niger")
        for i in range(3)
    ]
    res = ingest_all(store, old)
    store.conn.execute("INSERT INTO test_deliveries(story_id) VALUES (?)", (res[0].story_id,))
    clock.advance(100 * 86400)
    fresh = Item("S", "https://new.example/1", "n1", "Fresh report about the Sahel")
    rf = store.ingest(fresh, nothing(fresh), {})
    assert store.prune(clock.now(), 90) == 3
    assert count(store, "items") == 1
    assert count(store, "items_fts") == 1
    assert store.search("old report") == []
    kept = store.story(res[0].story_id)
    assert kept is not None and kept.title == old[0].title and kept.items == ()
    assert store.story(res[1].story_id) is None
    assert store.story(rf.story_id) is not None
    assert store.conn.execute("PRAGMA foreign_key_check").fetchall() == []
    # an old item seen again after pruning is a new item again (it is news again)
    assert store.ingest(old[1], nothing(old[1]), {}).is_new


def test_wal_is_checkpointed_off_the_write_path(tmp_path: Path, clock: FixedClock) -> None:
    store = Store(open_state(str(tmp_path)), clock)
    assert store.conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 0
    items = feed_items("en_bbc_world_2026-08-13_0424", "BBC World")
    ingest_all(store, items)
    wal = tmp_path / "sahelwatch.db-wal"
    assert wal.stat().st_size > 0
    checkpointer = Checkpointer(tmp_path / "sahelwatch.db", min_bytes=1)
    other = sqlite3.connect(str(tmp_path / "sahelwatch.db"))
    assert checkpointer.checkpoint_if_due(other) and checkpointer.runs == 1
    other.close()
    store.close()
    reopened = Store(open_state(str(tmp_path)), clock)
    assert reopened.item_count() == len(items)
    reopened.close()


def test_prune_drops_clustering_data_outside_the_window(store: Store, clock: FixedClock) -> None:
    old = Item("S", "https://a.example/old", "o", "Junta in Niamey suspends French broadcasters")
    r_old = store.ingest(old, nothing(old), {})
    clock.advance(10 * 86400)
    new = Item("S", "https://a.example/new", "n", "Junta in Niamey suspends French broadcasters")
    r_new = store.ingest(new, nothing(new), {})
    assert r_new.is_new  # the same title ten days later is a new report
    assert store.prune(clock.now(), 90) == 0

    def features(item_id: int) -> list[str]:
        rows = store.conn.execute(
            "SELECT features FROM item_features WHERE item_id = ?", (item_id,)
        )
        return [row[0] for row in rows]

    assert features(r_old.item_id) == [] and features(r_new.item_id) != []
    keys = store.conn.execute("SELECT DISTINCT item_id FROM cluster_keys").fetchall()
    assert keys == [(r_new.item_id,)]


def test_a_wal_past_the_bound_is_truncated(tmp_path: Path, clock: FixedClock) -> None:
    # writes without pause never let a PASSIVE checkpoint catch up: past max_bytes the
    # checkpointer cuts the WAL back to nothing, so it cannot grow without end
    store = Store(open_state(str(tmp_path)), clock, background_checkpoint=False)
    store.conn.execute("PRAGMA wal_autocheckpoint=0")
    items = feed_items("en_bbc_world_2026-08-13_0424", "BBC World")
    ingest_all(store, items)
    wal = tmp_path / "sahelwatch.db-wal"
    assert wal.stat().st_size > 0
    checkpointer = Checkpointer(tmp_path / "sahelwatch.db", min_bytes=1, max_bytes=1)
    other = sqlite3.connect(str(tmp_path / "sahelwatch.db"), timeout=5)
    assert checkpointer.checkpoint_if_due(other) and checkpointer.truncations == 1
    other.close()
    assert wal.stat().st_size == 0
    assert store.item_count() == len(items)
    store.close()


def test_a_clustering_index_filed_by_an_older_hash_is_refiled_on_open(
    tmp_path: Path, clock: FixedClock
) -> None:
    """Migration 0003 empties cluster_keys and queues a re-file: a database written by a version
    that hashed n-grams differently still folds a new copy into the story it has."""
    first = Item(
        "Wire", "https://wire.example/a", "a",
        "Saddam Haftar arrives in Ouagadougou for talks with Ibrahim Traore",
        summary="The commander of Libya's ground forces arrived in Burkina Faso's capital on "
        "Tuesday for talks on security cooperation with the junta, officials said.",
        lang="en", published=T0,
    )  # fmt: skip
    db = open_state(str(tmp_path))
    store = Store(db, clock, Stories())
    stored = store.ingest(first, nothing(first), {})
    # as an older version left it: keys nobody computes any more, and the task the migration
    # queues on upgrade
    for table in ("cluster_keys", "cluster_keys_recent"):
        store.conn.execute(f"UPDATE {table} SET key = -key - 1")
    store.conn.execute("INSERT INTO store_tasks(name) VALUES ('refile_cluster_keys')")
    store.close()

    store = Store(open_state(str(tmp_path)), clock, Stories())
    try:
        assert count(store, "store_tasks") == 0
        (features,) = store.conn.execute("SELECT features FROM item_features").fetchone()
        keys = {r[0] for r in store.conn.execute("SELECT key FROM cluster_keys")}
        assert keys == set(all_keys(Features.from_json(stored.item_id, 0, features)))
        copy = replace(first, source="Other", url="https://other.example/b", guid="b",
                       title="Saddam Haftar arrives in Ouagadougou for talks with Traore")  # fmt: skip
        joined = store.ingest(copy, nothing(copy), {})
        assert joined.is_new and joined.story_id == stored.story_id
    finally:
        store.close()
