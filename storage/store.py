"""The one writer of the state database: items with their identity and story, matches, source
health, and retention. Reads are delegated to storage.queries.

One `Store` writes through one connection (`conn`), used by one thread at a time: in the
service, the writer thread of `runner.writes` (plus, for a database file, the
`storage.checkpoint` thread that copies the WAL back outside the write path; `close()` stops
it). Its reads (`seen`, `owed`, stories, search, health) go through another connection,
`reads`, opened query-only on the same file for the event loop's thread: WAL lets it read what
is committed beside the writer, never what a batch has not yet committed. Every write is one
transaction (BEGIN IMMEDIATE ... COMMIT), or part of one when the pipeline batches several
polls' writes (runner.writes), so a crash loses at most what was being written, never what
was committed (WAL, synchronous=NORMAL: a committed transaction survives a process crash); a
poll's health, and so its ETag, is saved only after its reports.

What one report's storing writes is `storage.ingest`: identity (a report is the item seen
again when any of its keys is known: canonical URL, source + GUID, or source + recent title),
the item's rows, its story (`storage.story_join`: a copy of a stored report, the same event as
a story, or a story of its own) and what delivery is owed for it, read back with `owed` and
settled with `settle` once delivery has queued it.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, suppress
from datetime import datetime
from pathlib import Path

import sqlite_utils

from config.model import Stories
from core.clock import Clock
from core.errors import StoreError
from core.health import SourceHealth
from core.items import Item
from core.story import StoryNews, StoryView
from matching.result import MatchResult
from storage import candidates, health, identity, queries, refile, retention
from storage.checkpoint import Checkpointer
from storage.connect import open_reader
from storage.identity import known
from storage.ingest import ingest_one
from storage.prepare import Prepared
from storage.records import IngestResult, SearchHit, StoredItem
from storage.rows import identity_keys
from storage.story_index import Memory
from storage.transactions import snapshot, transaction

CACHE_KIB = 64 * 1024  # the writer connection's page cache


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
        missing = {"items", "stories", "items_fts", "cluster_keys", "story_profiles"} - set(
            db.table_names()
        )
        if missing:  # before anything is opened or started that would need closing
            raise StoreError(f"the state database is not migrated (missing {sorted(missing)})")
        path = _database_file(self.conn)
        # the loop's reads (an in-memory database has only the one connection)
        self.reads: sqlite3.Connection = self.conn if path is None else open_reader(path)
        self.clock = clock
        self.settings = settings or Stories()
        self.memory = Memory(self.conn)  # stems' frequencies and parsed story profiles
        # Enough page cache for the indexes a poll's writes touch (SQLite's default is 2 MB).
        self.conn.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
        self._checkpointer: Checkpointer | None = None
        if background_checkpoint and path is not None:
            # The WAL is copied back by a thread of its own, not inside an ingest's COMMIT.
            self.conn.execute("PRAGMA wal_autocheckpoint=0")
            self._checkpointer = Checkpointer(path).start()
        tasks = refile.pending(self.conn)
        if refile.REFILE in tasks:
            with self.transaction() as conn:
                refile.refile_cluster_keys(conn, clock.now(), self.settings.window_hours)
        if refile.PROFILES in tasks:
            with self.transaction() as conn:
                refile.build_story_profiles(conn, clock.now(), self.settings.window_hours)

    def close(self) -> None:
        """Stop the checkpoint thread, checkpoint what is left, close the connections."""
        if self.reads is not self.conn:
            self.reads.close()
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
        prepared: Prepared | None = None,
    ) -> IngestResult:
        """Store one report with its match: dedupe, update or cluster it, in one transaction
        (or in the one open). `prepared`: `storage.prepare.prepare` of this item and
        this very match, when made beforehand (its identity used if made of this report's fields,
        its rows if the report is new and they were made from this very text: the caller
        vouches that they were made from `match`, as their clustering features were)."""
        with self.transaction():
            return self._ingest(item, match, entity_kinds, prepared)

    def _ingest(
        self,
        item: Item,
        match: MatchResult,
        entity_kinds: Mapping[str, str],
        prepared: Prepared | None,
    ) -> IngestResult:
        return ingest_one(
            self.conn,
            item,
            match,
            entity_kinds,
            prepared,
            self.clock.now(),
            self.settings,
            self.memory,
        )

    def ingest_many(
        self,
        pairs: Sequence[tuple[Item, MatchResult]],
        entity_kinds: Mapping[str, str],
        prepared: Sequence[Prepared | None] | None = None,
    ) -> list[IngestResult]:
        """Ingest one poll's reports in one transaction, or in a batch's (runner.writes:
        durable at the batch's COMMIT): all of them are stored, or none (a
        poll's health, and so its ETag, is saved only after, so none are lost either).
        `prepared`: one `Prepared` (or None) per pair, when made beforehand."""
        prepared_each = list(prepared) if prepared is not None else [None] * len(pairs)
        if len(prepared_each) != len(pairs):
            raise ValueError("ingest_many needs one entry of prepared rows per report")
        with self.transaction():
            return [
                self._ingest(item, match, entity_kinds, done)
                for (item, match), done in zip(pairs, prepared_each, strict=True)
            ]

    def seen(self, item: Item) -> bool:
        """Whether `item` is stored already (by canonical URL, GUID, or a recent title): the
        same test `ingest` makes, without writing. Watchers use it to fetch full text only for
        new reports."""
        window = self.settings.window_hours
        return known(self.reads, identity_keys(item), self.clock.now(), window) is not None

    # -- what delivery is owed ----------------------------------------------------------------

    def owed(self, limit: int = 500) -> tuple[list[StoryNews], list[int]]:
        """What storing reports made due for delivery and delivery has not yet taken (oldest
        first), read as of one moment through `reads`; and the records of stories pruned
        meanwhile, for the caller to settle through the writer."""
        out = []
        gone = []
        with snapshot(self.reads) as conn:
            for fid, story_id, kind, topics in conn.execute(
                "SELECT id, story_id, kind, topics FROM fanout ORDER BY id LIMIT ?", (limit,)
            ).fetchall():
                view = queries.story_view(conn, story_id)
                if view is None:
                    gone.append(fid)
                else:
                    out.append(StoryNews(fid, kind, view, tuple(json.loads(topics))))
        return out, gone

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

    def save_paused_by_admin(self, name: str, paused: bool) -> None:
        """Set only whether an admin paused source `name` (storage.health.save_paused_by_admin)."""
        with self.transaction() as conn:
            health.save_paused_by_admin(conn, name, paused)

    def load_health(self) -> dict[str, SourceHealth]:
        return health.load_health(self.reads)

    # -- reading ------------------------------------------------------------------------------

    def story(self, story_id: int) -> StoryView | None:
        """The story as of one moment (its row, topics and items read together)."""
        with snapshot(self.reads) as conn:
            return queries.story_view(conn, story_id)

    def stories_since(
        self, since: datetime, topics: Collection[str] | None = None, limit: int | None = None
    ) -> list[StoryView]:
        """Stories first seen at or after `since`, newest first, with items and all sources."""
        return queries.stories_since(self.reads, since, topics, limit)

    def iter_stories(self, since: datetime | None = None) -> Iterator[StoryView]:
        """Stories first seen at or after `since` (all when None), oldest first (for export)."""
        return queries.iter_stories(self.reads, since)

    def search(self, query: str, limit: int = 20) -> list[SearchHit]:
        return queries.search(self.reads, query, limit)

    def iter_items(self, since: datetime | None = None) -> Iterator[StoredItem]:
        return queries.iter_items(self.reads, since)

    def item_count(self) -> int:
        return int(self.reads.execute("SELECT count(*) FROM items").fetchone()[0])

    # -- retention ----------------------------------------------------------------------------

    def prune(self, now: datetime, retention_days: float) -> int:
        """Delete items last seen more than `retention_days` before `now`, with their matches,
        keys and full-text rows, and clustering keys older than twice the window; keep stories
        a delivery record references (see storage.retention). Then fold the identity and
        clustering keys filed since into the large part of their index (`storage.identity`,
        `storage.candidates`). Returns the items deleted."""
        with self.transaction() as conn:
            deleted = retention.prune(conn, now, retention_days, self.settings.window_hours)
            identity.fold_recent(conn)
            candidates.fold_recent(conn)
            return deleted


def _database_file(conn: sqlite3.Connection) -> Path | None:
    """The main database's file, or None for an in-memory database."""
    for _, name, file in conn.execute("PRAGMA database_list"):
        if name == "main" and file:
            return Path(file)
    return None


__all__ = ["IngestResult", "SearchHit", "Store", "StoredItem"]
