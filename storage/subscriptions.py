"""The SQL of subscriptions: subscribers and their settings (topics or all topics, mode,
quiet hours, language, alert layout), reactivation and deactivation, a group's move to a
supergroup, digest times, and the topics subscribers were told of.

`Subscriptions` works over the delivery store's connection (`DeliveryStore` is made of it and
`storage.outbox.Outbox`); each write is one transaction (`storage.transactions`). Tables:
storage/migrations/0002_delivery.sql, 0010_all_topics.sql, 0011_alert_format.sql; the
records: storage/delivery_records.py.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storage.delivery_records import SUB_COLS, Subscriber, read_subscriber
from storage.times import iso
from storage.transactions import transaction

_UNSET: Any = object()
Statement = tuple[str, Sequence[Any]]


@dataclass(frozen=True)
class TopicNotice:
    """A message telling one chat of topics added to the rules."""

    chat_id: int
    thread_id: int | None
    text: str
    not_before: datetime


class Subscriptions:
    """Subscribers and their settings over one connection (one writer: the caller's thread)."""

    conn: sqlite3.Connection

    def _write(self, statements: Sequence[Statement]) -> None:
        """Run `statements` in one transaction (StoreError when the database refuses)."""
        with transaction(self.conn) as conn:
            for sql, params in statements:
                conn.execute(sql, params)

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
        all_topics: bool = False,
    ) -> tuple[Subscriber, bool]:
        """Subscribe a chat (or reactivate it, keeping its settings). True when it is new.
        `all_topics`: it follows every topic, those added later too."""
        existing = self.subscriber(chat_id)
        if existing is None:
            self._write([(
                "INSERT INTO subscribers(chat_id, chat_type, title, thread_id, topics, mode,"
                " daily_at, lang, subscribed_at, updated_at, last_digest_at, all_topics)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                (chat_id, chat_type, title, thread_id, json.dumps(list(topics)), mode,
                 daily_at, lang, iso(now), iso(now), iso(now), int(all_topics)),
            )])  # fmt: skip
        else:
            self._write([(
                "UPDATE subscribers SET active = 1, inactive_reason = '', chat_type = ?,"
                " title = ?, thread_id = ?, updated_at = ? WHERE chat_id = ?",
                (chat_type, title, thread_id, iso(now), chat_id),
            )])  # fmt: skip
        sub = self.subscriber(chat_id)
        assert sub is not None  # written just above
        return sub, existing is None

    def deactivate(self, chat_id: int, reason: str, now: datetime) -> None:
        """Stop delivering to a chat (/stop, or Telegram said 403) and drop its pending messages."""
        self._write([
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
        ])  # fmt: skip

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
        all_topics: bool = _UNSET,
        layout: str = _UNSET,
    ) -> Subscriber | None:
        """Change some settings of a subscriber; returns it as it is now (None if unknown).
        `layout` is the alert format (full or short)."""
        sets: list[str] = []
        params: list[Any] = []
        if topics is not _UNSET:
            sets.append("topics = ?")
            params.append(json.dumps(list(topics)))
        if all_topics is not _UNSET:
            sets.append("all_topics = ?")
            params.append(int(all_topics))
        if layout is not _UNSET:
            sets.append("format = ?")
            params.append(layout)
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
        with transaction(self.conn) as conn:
            conn.execute(
                "UPDATE subscribers SET last_message_id = ?"
                " WHERE chat_id = ? AND last_message_id < ?",
                (message_id, chat_id, message_id),
            )

    def migrate_chat(self, old: int, new: int) -> None:
        """A group became a supergroup: move its subscription, outbox and deliveries to `new`."""
        self._write([
            (
                "UPDATE OR IGNORE subscribers SET chat_id = ?, chat_type = 'supergroup',"
                " last_message_id = 0 WHERE chat_id = ?",
                (new, old),
            ),
            ("DELETE FROM subscribers WHERE chat_id = ?", (old,)),
            ("UPDATE outbox SET chat_id = ?, prev_message_id = NULL WHERE chat_id = ?", (new, old)),
            ("UPDATE OR IGNORE deliveries SET chat_id = ? WHERE chat_id = ?", (new, old)),
            ("DELETE FROM deliveries WHERE chat_id = ?", (old,)),
        ])  # fmt: skip

    def set_last_digest(self, chat_id: int, at: datetime) -> None:
        self._write(
            [("UPDATE subscribers SET last_digest_at = ? WHERE chat_id = ?", (iso(at), chat_id))]
        )

    # -- topics the operator adds -----------------------------------------------------------------

    def announced_topics(self) -> set[str]:
        """The topics subscribers were told of (or that existed when this was first kept)."""
        return {r[0] for r in self.conn.execute("SELECT topic FROM topics_announced")}

    def adopt_all_topics(self, topics: Sequence[str], now: datetime) -> bool:
        """The first time topics are kept (a new database, or one from before 0009): record
        `topics`, the ones running, as known, and make subscribers who follow every one of them
        follow all topics. False (nothing written) when topics were kept already."""
        if self.conn.execute("SELECT 1 FROM topics_announced LIMIT 1").fetchone() is not None:
            return False
        every = set(topics)
        with transaction(self.conn) as conn:
            for chat_id, chosen in conn.execute(
                "SELECT chat_id, topics FROM subscribers WHERE all_topics = 0"
            ).fetchall():
                if every and every <= set(json.loads(chosen)):
                    conn.execute(
                        "UPDATE subscribers SET all_topics = 1 WHERE chat_id = ?", (chat_id,)
                    )
            conn.executemany(
                "INSERT OR IGNORE INTO topics_announced(topic, at) VALUES (?, ?)",
                [(t, iso(now)) for t in topics],
            )
        return True

    def announce_topics(
        self, topics: Sequence[str], notices: Sequence[TopicNotice], now: datetime
    ) -> None:
        """Record `topics` as announced and queue `notices` (outbox rows of kind 'notice'), in
        one transaction: each topic is announced once, crash or not."""
        with transaction(self.conn) as conn:
            conn.executemany(
                "INSERT OR IGNORE INTO topics_announced(topic, at) VALUES (?, ?)",
                [(t, iso(now)) for t in topics],
            )
            conn.executemany(
                "INSERT INTO outbox(chat_id, thread_id, kind, text, created_at, not_before)"
                " VALUES (?, ?, 'notice', ?, ?, ?)",
                [(n.chat_id, n.thread_id, n.text, iso(now), iso(n.not_before)) for n in notices],
            )
