"""What storing one report writes, inside the store's transaction: identity (a report seen
again by canonical URL, GUID or recent title is the same item, updated in place when its title
or text changed), the item's row, keys, topic verdicts and full-text row, its story
(`storage.story_join`), and what delivery is owed for it (`fanout`). `Store.ingest` and
`Store.ingest_many` call `ingest_one`. The identity index is `storage.identity`'s.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Mapping
from datetime import datetime
from functools import partial

from config.model import Stories
from core.entities import within_of
from core.errors import StoreError
from core.items import Item
from core.log import LOGGER, event
from core.story import StoryView
from matching.result import MatchResult
from storage import queries, story_index, story_writes
from storage.candidates import file_cluster_keys, unfile_cluster_keys
from storage.identity import file_keys, known
from storage.prepare import Identity, Prepared, ReportRows, identity_of, rows, rows_of
from storage.records import IngestResult
from storage.rows import CONTENT_COLUMNS, all_keys, explanations, new_story_view
from storage.story_index import Memory
from storage.story_join import file_report
from storage.times import epoch, iso
from stories.cluster import Features

_INSERT_ITEM = (
    "INSERT INTO items(source, url, canonical_url, guid, first_seen, last_seen,"
    f" {', '.join(CONTENT_COLUMNS)}) VALUES ({', '.join('?' * (6 + len(CONTENT_COLUMNS)))})"
)
_UPDATE_ITEM = (
    "UPDATE items SET "
    + ", ".join(
        "published = COALESCE(?, published)" if c == "published" else f"{c} = ?"
        for c in CONTENT_COLUMNS
    )
    + ", last_seen = ?, updated_at = ? WHERE id = ?"
)


def ingest_one(
    conn: sqlite3.Connection,
    item: Item,
    match: MatchResult,
    entity_kinds: Mapping[str, str],
    prepared: Prepared | None,
    now: datetime,
    settings: Stories,
    memory: Memory,
) -> IngestResult:
    """`Store.ingest` of one report, inside a transaction already open (see the module
    docstring)."""
    ident = identity_of(item, prepared)
    seen_before = known(conn, ident.keys, now, settings.window_hours)
    if seen_before is not None:
        item_id, how = seen_before
        updated, story_id, new_topics = _seen_again(
            conn, item_id, item, match, entity_kinds, ident, now
        )
        is_new, story_is_new, reason = False, False, f"seen again ({how})"
        if updated:
            reason += ", updated"
    else:
        is_new, updated = True, False
        new = rows_of(item, match, entity_kinds, now, ident, prepared)
        item_id, story_id, story_is_new, new_topics, reason = _insert_new(
            conn, item, match, ident, new, now, within_of(entity_kinds), settings, memory
        )
    view: Callable[[], StoryView | None]
    if story_is_new:
        view = partial(new_story_view, story_id, item, match, now)
    else:
        view = partial(queries.story_view, conn, story_id)
    if LOGGER.isEnabledFor(logging.DEBUG):
        event("store", item.source, logging.DEBUG, item=item_id, story=story_id, why=reason)
    return IngestResult(item_id, is_new, updated, story_id, story_is_new, new_topics, reason, view)


def _write_features(conn: sqlite3.Connection, item_id: int, r: ReportRows, now: datetime) -> None:
    """The item's clustering features, kept while it is in the window (storage.retention)."""
    conn.execute(
        "INSERT INTO item_features(item_id, ts, features) VALUES (?, ?, ?)"
        " ON CONFLICT(item_id) DO UPDATE SET features = excluded.features",
        (item_id, int(epoch(now)), r.features),
    )


def _write_match(
    conn: sqlite3.Connection, item_id: int, r: ReportRows, match: MatchResult, again: bool
) -> None:
    """The item's topic verdicts and full-text row (`again`: the item had them already)."""
    if again:
        conn.execute("DELETE FROM matches WHERE item_id = ?", (item_id,))
        conn.execute("DELETE FROM items_fts WHERE rowid = ?", (item_id,))
    conn.executemany(
        "INSERT INTO matches(item_id, topic, matched, score, explanation) VALUES (?, ?, ?, ?, ?)",
        [(item_id, *row) for row in explanations(match)],
    )
    conn.execute(
        "INSERT INTO items_fts(rowid, title, body) VALUES (?, ?, ?)",
        (item_id, r.feats.title, r.fts_body),
    )


def _insert_new(
    conn: sqlite3.Connection,
    item: Item,
    match: MatchResult,
    ident: Identity,
    r: ReportRows,
    now: datetime,
    within: Mapping[str, str],
    settings: Stories,
    memory: Memory,
) -> tuple[int, int, bool, tuple[str, ...], str]:
    now_s = iso(now)
    cur = conn.execute(
        _INSERT_ITEM, (item.source, item.url, ident.canon, item.guid, now_s, now_s, *r.content)
    )
    item_id = cur.lastrowid
    assert item_id is not None  # an INSERT always sets it
    file_keys(conn, item_id, ident.keys, now)
    _write_features(conn, item_id, r, now)
    _write_match(conn, item_id, r, match, again=False)
    filed = file_report(conn, item_id, item, match, r.feats, r.lsh, settings, memory, within, now_s)
    conn.execute(
        "INSERT INTO story_items(item_id, story_id, reason, score, joined_at)"
        " VALUES (?, ?, ?, ?, ?)",
        (item_id, filed.story_id, filed.reason, filed.score, now_s),
    )
    new_topics = story_writes.add_topics(conn, filed.story_id, match.matched_topics, now_s)
    if filed.merged:  # topics the merged stories brought are the story's own now
        new_topics = tuple(dict.fromkeys(new_topics + story_writes.topics(conn, filed.story_id)))
    if new_topics:
        story_index.add_fanout(conn, filed.story_id, "new", new_topics, now_s)
    elif filed.grew:
        story_index.add_fanout(conn, filed.story_id, "grew", (), now_s)
    return item_id, filed.story_id, filed.story_is_new, new_topics, filed.reason


def _seen_again(
    conn: sqlite3.Connection,
    item_id: int,
    item: Item,
    match: MatchResult,
    entity_kinds: Mapping[str, str],
    ident: Identity,
    now: datetime,
) -> tuple[bool, int, tuple[str, ...]]:
    """Refresh a known item; update it when its title or text changed.
    Returns (updated, story id, topics new to the story)."""
    now_s = iso(now)
    row = conn.execute(
        "SELECT i.content_hash, coalesce(f.features, '{}'), si.story_id, s.rep_item_id"
        " FROM items i JOIN story_items si ON si.item_id = i.id"
        " JOIN stories s ON s.id = si.story_id LEFT JOIN item_features f ON f.item_id = i.id"
        " WHERE i.id = ?",
        (item_id,),
    ).fetchone()
    if row is None:
        raise StoreError(f"item {item_id} has no story")
    old_hash, old_features, story_id, rep = row
    file_keys(conn, item_id, ident.keys, now)
    if old_hash == ident.digest:
        conn.execute("UPDATE items SET last_seen = ? WHERE id = ?", (now_s, item_id))
        return False, story_id, ()
    old = Features.from_json(item_id, story_id, old_features)
    r = rows(item, match, entity_kinds, old.ts)  # the time it was first filed under stays
    conn.execute(_UPDATE_ITEM, (*r.content, now_s, now_s, item_id))
    _write_features(conn, item_id, r, now)
    _write_match(conn, item_id, r, match, again=True)
    # Re-file the near-duplicate keys under the new text (the story's profile keeps what
    # the report first said).
    unfile_cluster_keys(conn, item_id, all_keys(old))
    file_cluster_keys(conn, item_id, r.lsh, old.ts)
    if rep == item_id:
        conn.execute(
            "UPDATE stories SET title = ?, url = ?, last_seen = ? WHERE id = ?",
            (item.title, item.url, now_s, story_id),
        )
    else:
        conn.execute("UPDATE stories SET last_seen = ? WHERE id = ?", (now_s, story_id))
    story_writes.join_entities(conn, story_id, match)
    new_topics = story_writes.add_topics(conn, story_id, match.matched_topics, now_s)
    if new_topics:
        story_index.add_fanout(conn, story_id, "new", new_topics, now_s)
    return True, story_id, new_topics
