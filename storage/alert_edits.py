"""The SQL of editing alerts in place: which alerts carried a story (or a story merged into it),
rewriting one still waiting in the outbox, and queueing an edit of one already sent (one
pending edit per message: a newer text replaces the waiting one). Plain functions over the
delivery store's connection, each its own transaction; `AlertEdits` binds them to it
(`DeliveryStore.edits`).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime

from storage.times import iso, parse_iso
from storage.transactions import transaction


@dataclass(frozen=True)
class SentAlert:
    """An alert that carried a story: its outbox row, chat, state and when it was sent."""

    outbox_id: int
    chat_id: int
    thread_id: int | None
    state: str
    sent_at: datetime | None


def alerts_of(conn: sqlite3.Connection, story_id: int) -> list[SentAlert]:
    """The alert messages that carried `story_id` or a story merged into it, oldest first."""
    ids = [story_id] + [
        r[0] for r in conn.execute("SELECT id FROM stories WHERE merged_into = ?", (story_id,))
    ]
    marks = ",".join("?" * len(ids))
    return [
        SentAlert(oid, chat, thread, state, parse_iso(sent))
        for oid, chat, thread, state, sent in conn.execute(
            "SELECT o.id, o.chat_id, o.thread_id, o.state, o.sent_at FROM deliveries d"
            " JOIN outbox o ON o.id = d.outbox_id"
            f" WHERE d.story_id IN ({marks}) AND o.kind = 'alert' ORDER BY o.id",
            ids,
        )
    ]


def rewrite_pending(conn: sqlite3.Connection, outbox_id: int, text: str) -> bool:
    """Give a message not yet sent its new text; False when it is no longer waiting."""
    with transaction(conn):
        cur = conn.execute(
            "UPDATE outbox SET text = ? WHERE id = ? AND state = 'pending'", (text, outbox_id)
        )
    return cur.rowcount == 1


def queue_edit(
    conn: sqlite3.Connection,
    alert: SentAlert,
    text: str,
    now: datetime,
) -> int:
    """Queue an edit of the sent message of `alert` to `text` (replacing the text of an edit
    of it still waiting), with the alert's link preview; the edit's outbox id."""
    with transaction(conn):
        row = conn.execute(
            "SELECT id FROM outbox WHERE edit_of = ? AND state = 'pending'", (alert.outbox_id,)
        ).fetchone()
        if row is not None:
            conn.execute("UPDATE outbox SET text = ? WHERE id = ?", (text, row[0]))
            return int(row[0])
        cur = conn.execute(
            "INSERT INTO outbox(chat_id, thread_id, kind, text, created_at, not_before, edit_of,"
            " preview) VALUES (?, ?, 'edit', ?, ?, ?, ?,"
            " (SELECT preview FROM outbox WHERE id = ?))",
            (alert.chat_id, alert.thread_id, text, iso(now), iso(now), alert.outbox_id,
             alert.outbox_id),
        )  # fmt: skip
        assert cur.lastrowid is not None  # an INSERT always sets it
        return cur.lastrowid


def message_of(conn: sqlite3.Connection, outbox_id: int) -> int | None:
    """The Telegram message id of a sent outbox row (None when it was not sent)."""
    row = conn.execute(
        "SELECT message_id FROM outbox WHERE id = ? AND state = 'sent'", (outbox_id,)
    ).fetchone()
    return None if row is None else row[0]


class AlertEdits:
    """The functions above over one connection."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def alerts_of(self, story_id: int) -> list[SentAlert]:
        return alerts_of(self.conn, story_id)

    def rewrite_pending(self, outbox_id: int, text: str) -> bool:
        return rewrite_pending(self.conn, outbox_id, text)

    def queue_edit(self, alert: SentAlert, text: str, now: datetime) -> int:
        return queue_edit(self.conn, alert, text, now)

    def message_of(self, outbox_id: int) -> int | None:
        return message_of(self.conn, outbox_id)
