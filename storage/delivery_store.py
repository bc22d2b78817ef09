"""All the SQL of delivery: subscribers and their settings, the outbox, and deliveries.

`DeliveryStore` wraps one sqlite3 connection (bound to the thread that opened it: the delivery
service's event-loop thread). Its writes are short explicit transactions, so a crash leaves either
the whole of a change or none of it: a digest's parts, its `deliveries` rows and the subscriber's
`last_digest_at` land together; a message is `pending` before it is sent, `sending` while the HTTP
call is in flight, and `sent` after. Tables: storage/migrations/0002_delivery.sql; the records it
returns: storage/delivery_records.py.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from core.errors import StoreError
from storage.alert_edits import AlertEdits
from storage.db import connect, migrate
from storage.delivery_figures import DeliveryFigures
from storage.delivery_records import (
    OUT_COLS,
    SUB_COLS,
    OutboxRow,
    Part,
    Subscriber,
    read_outbox_row,
    read_subscriber,
)
from storage.records import iso, parse_iso
from storage.transactions import rollback

_UNSET: Any = object()


class DeliveryStore:
    """Subscribers, outbox and deliveries over one connection (one writer: the caller's thread)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.edits = AlertEdits(conn)  # alerts edited in place as their stories grow
        self.figures = DeliveryFigures(conn)  # counts for /stats and /healthz

    @classmethod
    def open(cls, path: Path) -> DeliveryStore:
        """Open (creating and migrating) the state database at `path`."""
        db = connect(path)
        migrate(db)
        return cls(db.conn)

    def close(self) -> None:
        self.conn.close()

    # -- plumbing -------------------------------------------------------------------------------

    def _write(self, statements: Iterable[tuple[str, Sequence[Any]]]) -> None:
        try:
            self.conn.execute("BEGIN IMMEDIATE")
            for sql, params in statements:
                self.conn.execute(sql, params)
            self.conn.execute("COMMIT")
        except sqlite3.Error as exc:
            rollback(self.conn)
            raise StoreError(f"delivery store write failed: {exc}") from exc

    # -- subscribers ----------------------------------------------------------------------------

    def subscriber(self, chat_id: int) -> Subscriber | None:
        row = self.conn.execute(
            f"SELECT {SUB_COLS} FROM subscribers WHERE chat_id = ?", (chat_id,)
        ).fetchone()
        return None if row is None else read_subscriber(row)

    def active_subscribers(self, mode: str | None = None) -> list[Subscriber]:
        sql = f"SELECT {SUB_COLS} FROM subscribers WHERE active = 1"
        params: tuple[Any, ...] = ()
        if mode is not None:
            sql += " AND mode = ?"
            params = (mode,)
        return [read_subscriber(r) for r in self.conn.execute(sql + " ORDER BY chat_id", params)]

    def subscribe(
        self,
        chat_id: int,
        *,
        chat_type: str,
        title: str,
        thread_id: int | None,
        topics: Sequence[str],
        mode: str,
        daily_at: str,
        lang: str,
        now: datetime,
    ) -> tuple[Subscriber, bool]:
        """Subscribe a chat (or reactivate it, keeping its settings). True when it is new."""
        existing = self.subscriber(chat_id)
        if existing is None:
            self._write(
                [
                    (
                        "INSERT INTO subscribers(chat_id, chat_type, title, thread_id, topics,"
                        " mode, daily_at, lang, subscribed_at, updated_at, last_digest_at)"
                        " VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                        (
                            chat_id,
                            chat_type,
                            title,
                            thread_id,
                            json.dumps(list(topics)),
                            mode,
                            daily_at,
                            lang,
                            iso(now),
                            iso(now),
                            iso(now),
                        ),
                    )
                ]
            )
        else:
            self._write(
                [
                    (
                        "UPDATE subscribers SET active = 1, inactive_reason = '', chat_type = ?,"
                        " title = ?, thread_id = ?, updated_at = ? WHERE chat_id = ?",
                        (chat_type, title, thread_id, iso(now), chat_id),
                    )
                ]
            )
        sub = self.subscriber(chat_id)
        assert sub is not None
        return sub, existing is None

    def deactivate(self, chat_id: int, reason: str, now: datetime) -> None:
        """Stop delivering to a chat (/stop, or Telegram said 403) and drop its pending messages."""
        self._write(
            [
                (
                    "UPDATE subscribers SET active = 0, inactive_reason = ?, updated_at = ?"
                    " WHERE chat_id = ?",
                    (reason, iso(now), chat_id),
                ),
                (
                    "UPDATE outbox SET state = 'dropped', last_error = ?"
                    " WHERE chat_id = ? AND state IN ('pending', 'sending')",
                    (reason, chat_id),
                ),
            ]
        )

    def update_settings(
        self,
        chat_id: int,
        now: datetime,
        *,
        topics: Sequence[str] = _UNSET,
        mode: str = _UNSET,
        daily_at: str = _UNSET,
        quiet: tuple[int, int] | None = _UNSET,
        lang: str = _UNSET,
    ) -> Subscriber | None:
        """Change some settings of a subscriber; returns it as it is now (None if unknown)."""
        sets: list[str] = []
        params: list[Any] = []
        if topics is not _UNSET:
            sets.append("topics = ?")
            params.append(json.dumps(list(topics)))
        if mode is not _UNSET:
            sets.append("mode = ?")
            params.append(mode)
        if daily_at is not _UNSET:
            sets.append("daily_at = ?")
            params.append(daily_at)
        if quiet is not _UNSET:
            sets.append("quiet_start = ?, quiet_end = ?")
            params.extend([None, None] if quiet is None else list(quiet))
        if lang is not _UNSET:
            sets.append("lang = ?")
            params.append(lang)
        sets.append("updated_at = ?")
        params.extend([iso(now), chat_id])
        self._write([(f"UPDATE subscribers SET {', '.join(sets)} WHERE chat_id = ?", params)])
        return self.subscriber(chat_id)

    def note_message_id(self, chat_id: int, message_id: int) -> None:
        """Remember the highest message id seen in a chat (incoming or sent)."""
        self.conn.execute(
            "UPDATE subscribers SET last_message_id = ? WHERE chat_id = ? AND last_message_id < ?",
            (message_id, chat_id, message_id),
        )

    def migrate_chat(self, old: int, new: int) -> None:
        """A group became a supergroup: move its subscription, outbox and deliveries to `new`."""
        self._write(
            [
                (
                    "UPDATE OR IGNORE subscribers SET chat_id = ?, chat_type = 'supergroup',"
                    " last_message_id = 0 WHERE chat_id = ?",
                    (new, old),
                ),
                ("DELETE FROM subscribers WHERE chat_id = ?", (old,)),
                (
                    "UPDATE outbox SET chat_id = ?, prev_message_id = NULL WHERE chat_id = ?",
                    (new, old),
                ),
                ("UPDATE OR IGNORE deliveries SET chat_id = ? WHERE chat_id = ?", (new, old)),
                ("DELETE FROM deliveries WHERE chat_id = ?", (old,)),
            ]
        )

    # -- deliveries and enqueueing --------------------------------------------------------------

    def undelivered(self, chat_id: int, story_ids: Iterable[int]) -> list[int]:
        """The ids among `story_ids` not yet delivered (or queued) to the chat, in input order.
        A story counts as delivered when a story merged into it was (the chat has the event)."""
        ids = list(dict.fromkeys(story_ids))
        if not ids:
            return []
        done: set[int] = set()
        for start in range(0, len(ids), 400):
            chunk = ids[start : start + 400]
            marks = ",".join("?" * len(chunk))
            alias = {sid: sid for sid in chunk}
            for merged, into in self.conn.execute(
                f"SELECT id, merged_into FROM stories WHERE merged_into IN ({marks})", chunk
            ):
                alias[merged] = into
            marks = ",".join("?" * len(alias))
            done.update(
                alias[r[0]]
                for r in self.conn.execute(
                    f"SELECT story_id FROM deliveries WHERE chat_id = ? AND story_id IN ({marks})",
                    (chat_id, *alias),
                )
            )
        return [i for i in ids if i not in done]

    def enqueue(
        self,
        chat_id: int,
        thread_id: int | None,
        kind: str,
        parts: Sequence[Part],
        *,
        now: datetime,
        not_before: datetime,
        batch: str = "",
        digest_at: datetime | None = None,
    ) -> list[int]:
        """Write messages to the outbox and claim their stories for the chat, in one transaction.

        Returns the new outbox ids; [] (and nothing written) when any story was already claimed
        for this chat, so the caller recomposes. `digest_at` also records the digest time.
        """
        ids: list[int] = []
        try:
            self.conn.execute("BEGIN IMMEDIATE")
            for number, part in enumerate(parts, start=1):
                cur = self.conn.execute(
                    "INSERT INTO outbox(chat_id, thread_id, kind, batch, part, parts, text,"
                    " story_ids, created_at, not_before) VALUES (?,?,?,?,?,?,?,?,?,?)",
                    (
                        chat_id,
                        thread_id,
                        kind,
                        batch,
                        number,
                        len(parts),
                        part.text,
                        json.dumps(list(part.story_ids)),
                        iso(now),
                        iso(not_before),
                    ),
                )
                outbox_id = cur.lastrowid
                assert outbox_id is not None
                ids.append(outbox_id)
                for story_id in part.story_ids:
                    claimed = self.conn.execute(
                        "INSERT OR IGNORE INTO deliveries(chat_id, story_id, outbox_id, at)"
                        " VALUES (?,?,?,?)",
                        (chat_id, story_id, outbox_id, iso(now)),
                    )
                    if claimed.rowcount == 0:
                        rollback(self.conn)
                        return []
            if digest_at is not None:
                self.conn.execute(
                    "UPDATE subscribers SET last_digest_at = ? WHERE chat_id = ?",
                    (iso(digest_at), chat_id),
                )
            self.conn.execute("COMMIT")
        except sqlite3.Error as exc:
            rollback(self.conn)
            raise StoreError(f"cannot enqueue for chat {chat_id}: {exc}") from exc
        return ids

    def set_last_digest(self, chat_id: int, at: datetime) -> None:
        self._write(
            [("UPDATE subscribers SET last_digest_at = ? WHERE chat_id = ?", (iso(at), chat_id))]
        )

    # -- the outbox -----------------------------------------------------------------------------

    def chats_with_work(self, now: datetime, limit: int = 1000) -> list[int]:
        """Chats with a message due now or one left in flight (to reconcile), oldest first."""
        rows = self.conn.execute(
            "SELECT chat_id, MIN(id) AS first FROM outbox"
            " WHERE state = 'sending' OR (state = 'pending' AND not_before <= ?)"
            " GROUP BY chat_id ORDER BY first LIMIT ?",
            (iso(now), limit),
        )
        return [r[0] for r in rows]

    def next_for_chat(self, chat_id: int, now: datetime) -> OutboxRow | None:
        """The chat's next message: one left in flight first, else the oldest due one."""
        row = self.conn.execute(
            f"SELECT {OUT_COLS} FROM outbox WHERE chat_id = ?"
            " AND (state = 'sending' OR (state = 'pending' AND not_before <= ?))"
            " ORDER BY state = 'sending' DESC, id LIMIT 1",
            (chat_id, iso(now)),
        ).fetchone()
        return None if row is None else read_outbox_row(row)

    def next_due(self) -> datetime | None:
        """When the earliest pending message becomes due."""
        row = self.conn.execute(
            "SELECT MIN(not_before) FROM outbox WHERE state = 'pending'"
        ).fetchone()
        return parse_iso(row[0]) if row else None

    def outbox_row(self, outbox_id: int) -> OutboxRow | None:
        row = self.conn.execute(
            f"SELECT {OUT_COLS} FROM outbox WHERE id = ?", (outbox_id,)
        ).fetchone()
        return None if row is None else read_outbox_row(row)

    def mark_sending(self, outbox_id: int, prev_message_id: int) -> None:
        """Written (and committed) before the HTTP call: the row is now in flight."""
        self._write(
            [
                (
                    "UPDATE outbox SET state = 'sending', attempts = attempts + 1,"
                    " prev_message_id = ? WHERE id = ?",
                    (prev_message_id, outbox_id),
                )
            ]
        )

    def mark_sent(self, outbox_id: int, chat_id: int, message_id: int, now: datetime) -> None:
        self._write(
            [
                (
                    "UPDATE outbox SET state = 'sent', message_id = ?, sent_at = ?, last_error = ''"
                    " WHERE id = ?",
                    (message_id, iso(now), outbox_id),
                ),
                (
                    "UPDATE subscribers SET last_message_id = ?"
                    " WHERE chat_id = ? AND last_message_id < ?",
                    (message_id, chat_id, message_id),
                ),
            ]
        )

    def mark_pending(self, outbox_id: int, error: str, not_before: datetime) -> None:
        """Back to the queue (not sent for sure), due again at `not_before`."""
        self._write(
            [
                (
                    "UPDATE outbox SET state = 'pending', last_error = ?, not_before = ?"
                    " WHERE id = ?",
                    (error, iso(not_before), outbox_id),
                )
            ]
        )

    def mark_failed(self, outbox_id: int, error: str) -> None:
        """Telegram refused the message itself (it will never be accepted as it is)."""
        self._write(
            [
                (
                    "UPDATE outbox SET state = 'failed', last_error = ? WHERE id = ?",
                    (error, outbox_id),
                )
            ]
        )

    def outbox_for_chat(self, chat_id: int) -> list[OutboxRow]:
        rows = self.conn.execute(
            f"SELECT {OUT_COLS} FROM outbox WHERE chat_id = ? ORDER BY id", (chat_id,)
        )
        return [read_outbox_row(r) for r in rows]


__all__ = ["DeliveryStore", "OutboxRow", "Part", "Subscriber"]
