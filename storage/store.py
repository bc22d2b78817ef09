"""The one writer of the state database: items with their identity and story, matches, source
health, and retention. Reads are delegated to storage.queries.

One `Store` owns one connection and is used from one thread (plus, for a database file, the
`storage.checkpoint` thread that copies the WAL back outside the write path; `close()` stops
it). Every write is one transaction (BEGIN IMMEDIATE ... COMMIT), or part of one when the
pipeline batches several polls' writes (runner.writes), so a crash loses at most what
was being written, never what was committed (WAL, synchronous=NORMAL: a committed transaction
survives a process crash); a poll's health, and so its ETag, is saved only after its reports.

Identity: a report is the item seen again when any of its keys is known: canonical URL (the
page's canonical link when given), source + GUID, or source + title fingerprint (titles of four
words or more, within the clustering window). Seen again with another title or text, the item
is updated in place (row, matches, full-text row, clustering features). A new item joins the
story `stories.cluster.decide` picks among the candidates the clustering index returns, or
starts a story of its own.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, suppress
from datetime import datetime
from functools import partial
from pathlib import Path

import sqlite_utils

from config.model import Stories
from core.clock import Clock
from core.entities import within_of
from core.errors import StoreError
from core.health import SourceHealth
from core.items import Item
from core.log import LOGGER, event
from core.story import StoryNews, StoryView
from matching.result import MatchResult
from storage import health, queries, refile, retention, story_index, story_writes
from storage.candidates import file_cluster_keys
from storage.checkpoint import Checkpointer
from storage.prepare import Identity, Prepared, Rows, rows, taken_identity, taken_rows
from storage.records import IngestResult, SearchHit, StoredItem, epoch, iso
from storage.rows import (
    CONTENT_COLUMNS,
    all_keys,
    explanations,
    identity_keys,
    new_story_view,
)
from storage.story_index import TermStats
from storage.story_join import file_report
from storage.transactions import transaction
from stories.cluster import Features

CACHE_KIB = 64 * 1024  # the writer connection's page cache
_KEY_RANK = {"url": 0, "guid": 1, "title": 2}
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


class Store:
    """The state database's one writer (one connection, one thread)."""

    def __init__(
        self,
        db: sqlite_utils.Database,
        clock: Clock,
        settings: Stories | None = None,
        background_checkpoint: bool = True,
    ) -> None:
        self.db = db
        self.conn: sqlite3.Connection = db.conn
        self.clock = clock
        self.settings = settings or Stories()
        self.terms = TermStats(self.conn)  # word stems' frequencies, read through a cache
        # Enough page cache for the indexes a poll's writes touch (SQLite's default is 2 MB).
        self.conn.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
        self._checkpointer: Checkpointer | None = None
        path = _database_file(self.conn)
        if background_checkpoint and path is not None:
            # The WAL is copied back by a thread of its own, not inside an ingest's COMMIT.
            self.conn.execute("PRAGMA wal_autocheckpoint=0")
            self._checkpointer = Checkpointer(path).start()
        missing = {"items", "stories", "items_fts", "cluster_keys", "story_profiles"} - set(
            db.table_names()
        )
        if missing:
            raise StoreError(f"the state database is not migrated (missing {sorted(missing)})")
        tasks = refile.pending(self.conn)
        if refile.REFILE in tasks:
            with self.transaction() as conn:
                refile.refile_cluster_keys(conn, clock.now(), self.settings.window_hours)
        if refile.PROFILES in tasks:
            with self.transaction() as conn:
                refile.build_story_profiles(conn, clock.now(), self.settings.window_hours)

    def close(self) -> None:
        """Stop the checkpoint thread, checkpoint what is left, close the connection."""
        if self._checkpointer is not None:
            self._checkpointer.stop()
            self._checkpointer = None
            with suppress(sqlite3.Error):
                self.conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
        self.conn.close()

    # -- transactions -------------------------------------------------------------------------

    @property
    def in_transaction(self) -> bool:
        return self.conn.in_transaction

    def transaction(self) -> AbstractContextManager[sqlite3.Connection]:
        """BEGIN IMMEDIATE ... COMMIT; inside an open transaction, part of it (see
        storage.transactions)."""
        return transaction(self.conn)

    # -- ingest -------------------------------------------------------------------------------

    def ingest(
        self,
        item: Item,
        match: MatchResult,
        entity_kinds: Mapping[str, str],
        ready: Prepared | None = None,
    ) -> IngestResult:
        """Store one report with its match: dedupe, update or cluster it, in one transaction
        (or in the one open). `ready`: `storage.prepare.prepare` of this item and
        this very match, when done ahead (its identity used if made of this report's fields,
        its rows if the report is new and they were made from this very text: the caller
        vouches that they were made from `match`, as their clustering features were)."""
        with self.transaction():
            return self._ingest(item, match, entity_kinds, ready)

    def _ingest(
        self,
        item: Item,
        match: MatchResult,
        entity_kinds: Mapping[str, str],
        ready: Prepared | None,
    ) -> IngestResult:
        """`ingest` inside a transaction already open."""
        now = self.clock.now()
        ident = taken_identity(item, ready)
        conn = self.conn
        known = self._known(conn, ident.keys, now)
        if known is not None:
            item_id, how = known
            updated, story_id, new_topics = self._seen_again(
                conn, item_id, item, match, entity_kinds, ident, now
            )
            is_new, story_is_new, reason = False, False, f"seen again ({how})"
            if updated:
                reason += ", updated"
        else:
            is_new, updated = True, False
            new = taken_rows(item, match, entity_kinds, now, ident, ready)
            item_id, story_id, story_is_new, new_topics, reason = self._insert_new(
                conn, item, match, ident, new, now, within_of(entity_kinds)
            )
        view: Callable[[], StoryView | None]
        if story_is_new:
            view = partial(new_story_view, story_id, item, match, now)
        else:
            view = partial(queries.story_view, self.conn, story_id)
        if LOGGER.isEnabledFor(logging.DEBUG):
            event("store", item.source, logging.DEBUG, item=item_id, story=story_id, why=reason)
        return IngestResult(
            item_id, is_new, updated, story_id, story_is_new, new_topics, reason, view
        )

    def ingest_many(
        self,
        pairs: Sequence[tuple[Item, MatchResult]],
        entity_kinds: Mapping[str, str],
        ready: Sequence[Prepared | None] | None = None,
    ) -> list[IngestResult]:
        """Ingest one poll's reports in one transaction, or in a batch's (runner.writes:
        durable at the batch's COMMIT): all of them are stored, or none (a
        poll's health, and so its ETag, is saved only after, so none are lost either).
        `ready`: one `Prepared` (or None) per pair, when done ahead."""
        ahead = list(ready) if ready is not None else [None] * len(pairs)
        if len(ahead) != len(pairs):
            raise ValueError("ingest_many needs one entry of prepared rows per report")
        with self.transaction():
            return [
                self._ingest(item, match, entity_kinds, done)
                for (item, match), done in zip(pairs, ahead, strict=True)
            ]

    def seen(self, item: Item) -> bool:
        """Whether `item` is stored already (by canonical URL, GUID, or a recent title): the
        same test `ingest` makes, without writing. Watchers use it to fetch full text only for
        new reports."""
        return self._known(self.conn, identity_keys(item), self.clock.now()) is not None

    def _known(
        self, conn: sqlite3.Connection, keys: Sequence[tuple[int, str]], now: datetime
    ) -> tuple[int, str] | None:
        """The stored item one of `keys` names (URL before GUID before title), with the kind."""
        if not keys:
            return None
        marks = ",".join("?" * len(keys))
        rows = conn.execute(
            f"SELECT key, item_id, kind, ts FROM item_keys WHERE key IN ({marks})",
            [k for k, _ in keys],
        ).fetchall()
        oldest_title = epoch(now) - self.settings.window_hours * 3600
        usable = [r for r in rows if r[2] != "title" or r[3] >= oldest_title]
        if not usable:
            return None
        best = min(usable, key=lambda r: _KEY_RANK.get(r[2], 9))
        return best[1], best[2]

    def _file_keys(
        self,
        conn: sqlite3.Connection,
        item_id: int,
        keys: Sequence[tuple[int, str]],
        now: datetime,
    ) -> None:
        """File `keys` for `item_id`: URL/GUID keys of another item stay; title keys move here."""
        ts = int(epoch(now))
        conn.executemany(
            "INSERT INTO item_keys(key, item_id, kind, ts) VALUES (?, ?, ?, ?)"
            " ON CONFLICT(key) DO UPDATE SET item_id = excluded.item_id, ts = excluded.ts"
            " WHERE excluded.kind = 'title'",
            [(key, item_id, kind, ts) for key, kind in keys],
        )

    def _write_match(
        self, conn: sqlite3.Connection, item_id: int, r: Rows, match: MatchResult, again: bool
    ) -> None:
        """The item's topic verdicts and full-text row (`again`: the item had them already)."""
        if again:
            conn.execute("DELETE FROM matches WHERE item_id = ?", (item_id,))
            conn.execute("DELETE FROM items_fts WHERE rowid = ?", (item_id,))
        conn.executemany(
            "INSERT INTO matches(item_id, topic, matched, score, explanation)"
            " VALUES (?, ?, ?, ?, ?)",
            [(item_id, *row) for row in explanations(match)],
        )
        conn.execute(
            "INSERT INTO items_fts(rowid, title, body) VALUES (?, ?, ?)",
            (item_id, r.feats.title, r.fts_body),
        )

    def _insert_new(
        self,
        conn: sqlite3.Connection,
        item: Item,
        match: MatchResult,
        ident: Identity,
        r: Rows,
        now: datetime,
        within: Mapping[str, str],
    ) -> tuple[int, int, bool, tuple[str, ...], str]:
        now_s = iso(now)
        cur = conn.execute(
            _INSERT_ITEM, (item.source, item.url, ident.canon, item.guid, now_s, now_s, *r.content)
        )
        item_id = cur.lastrowid
        assert item_id is not None  # an INSERT always sets it
        self._file_keys(conn, item_id, ident.keys, now)
        self._write_match(conn, item_id, r, match, again=False)
        filed = file_report(
            conn, item_id, item, match, r.feats, r.lsh, self.settings, self.terms, within, now_s
        )
        conn.execute(
            "INSERT INTO story_items(item_id, story_id, reason, score, joined_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (item_id, filed.story_id, filed.reason, filed.score, now_s),
        )
        new_topics = story_writes.add_topics(conn, filed.story_id, match.matched_topics, now_s)
        if filed.merged:  # topics the merged stories brought are the story's own now
            new_topics = tuple(
                dict.fromkeys(new_topics + story_writes.topics(conn, filed.story_id))
            )
        if new_topics:
            story_index.add_fanout(conn, filed.story_id, "new", new_topics, now_s)
        elif filed.grew:
            story_index.add_fanout(conn, filed.story_id, "grew", (), now_s)
        return item_id, filed.story_id, filed.story_is_new, new_topics, filed.reason

    def _seen_again(
        self,
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
            "SELECT i.content_hash, i.features, si.story_id, s.rep_item_id FROM items i"
            " JOIN story_items si ON si.item_id = i.id JOIN stories s ON s.id = si.story_id"
            " WHERE i.id = ?",
            (item_id,),
        ).fetchone()
        if row is None:
            raise StoreError(f"item {item_id} has no story")
        old_hash, old_features, story_id, rep = row
        self._file_keys(conn, item_id, ident.keys, now)
        if old_hash == ident.digest:
            conn.execute("UPDATE items SET last_seen = ? WHERE id = ?", (now_s, item_id))
            return False, story_id, ()
        old = Features.from_json(item_id, story_id, old_features)
        r = rows(item, match, entity_kinds, old.ts)  # the time it was first filed under stays
        conn.execute(_UPDATE_ITEM, (*r.content, now_s, now_s, item_id))
        self._write_match(conn, item_id, r, match, again=True)
        # Re-file the near-duplicate keys under the new text (the story's profile keeps what
        # the report first said).
        conn.executemany(
            "DELETE FROM cluster_keys WHERE key = ? AND item_id = ?",
            [(k, item_id) for k in all_keys(old)],
        )
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

    # -- what delivery is owed ----------------------------------------------------------------

    def owed(self, limit: int = 500) -> list[StoryNews]:
        """What storing reports made due for delivery and delivery has not yet taken (oldest
        first; a story pruned meanwhile is dropped)."""
        out = []
        gone = []
        for fid, story_id, kind, topics in self.conn.execute(
            "SELECT id, story_id, kind, topics FROM fanout ORDER BY id LIMIT ?", (limit,)
        ).fetchall():
            view = queries.story_view(self.conn, story_id)
            if view is None:
                gone.append(fid)
            else:
                out.append(StoryNews(fid, kind, view, tuple(json.loads(topics))))
        if gone:
            self.settle(gone)
        return out

    def settle(self, ids: Sequence[int]) -> None:
        """Delivery has queued what these records implied."""
        if ids:
            with self.transaction() as conn:
                conn.executemany("DELETE FROM fanout WHERE id = ?", [(i,) for i in ids])

    # -- source health ------------------------------------------------------------------------

    def save_health(self, h: SourceHealth) -> None:
        """Insert or replace the health row of source `h.name`."""
        with self.transaction() as conn:
            health.save_health(conn, h)

    def save_held(self, name: str, held: bool) -> None:
        """Set only whether an admin holds source `name` (see storage.health.save_held)."""
        with self.transaction() as conn:
            health.save_held(conn, name, held)

    def load_health(self) -> dict[str, SourceHealth]:
        return health.load_health(self.conn)

    # -- reading ------------------------------------------------------------------------------

    def story(self, story_id: int) -> StoryView | None:
        return queries.story_view(self.conn, story_id)

    def stories_since(
        self, since: datetime, topics: Collection[str] | None = None, limit: int | None = None
    ) -> list[StoryView]:
        """Stories first seen at or after `since`, newest first, with items and all sources."""
        return queries.stories_since(self.conn, since, topics, limit)

    def iter_stories(self, since: datetime | None = None) -> Iterator[StoryView]:
        """Stories first seen at or after `since` (all when None), oldest first (for export)."""
        return queries.iter_stories(self.conn, since)

    def search(self, query: str, limit: int = 20) -> list[SearchHit]:
        return queries.search(self.conn, query, limit)

    def iter_items(self, since: datetime | None = None) -> Iterator[StoredItem]:
        return queries.iter_items(self.conn, since)

    def item_count(self) -> int:
        return int(self.conn.execute("SELECT count(*) FROM items").fetchone()[0])

    # -- retention ----------------------------------------------------------------------------

    def prune(self, now: datetime, retention_days: float) -> int:
        """Delete items last seen more than `retention_days` before `now`, with their matches,
        keys and full-text rows, and clustering keys older than twice the window; keep stories
        a delivery record references (see storage.retention). Returns the items deleted."""
        with self.transaction() as conn:
            return retention.prune(conn, now, retention_days, self.settings.window_hours)


def _database_file(conn: sqlite3.Connection) -> Path | None:
    """The main database's file, or None for an in-memory database."""
    for _, name, file in conn.execute("PRAGMA database_list"):
        if name == "main" and file:
            return Path(file)
    return None


__all__ = ["IngestResult", "SearchHit", "Store", "StoredItem"]
