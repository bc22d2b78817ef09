"""The SQL of the outbox: what is owed to each chat, claimed once per story, each message's
way from `pending` through `sending` (committed before the HTTP call) to `sent`, `failed` or
`dropped`, and a burst of waiting alerts folded into fewer messages (`folded`).

`Outbox` works over the delivery store's connection (`DeliveryStore` is made of it and
`storage.subscriptions.Subscriptions`). `enqueue` writes messages and their `deliveries` claims
in one transaction, so a story reaches a chat once. Tables: storage/migrations/0002_delivery.sql.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from core.errors import StoreError
from storage.delivery_records import OUT_COLS, OutboxRow, Part, read_outbox_row
from storage.times import iso, parse_iso
from storage.transactions import transaction


class _Claimed(Exception):
    """A story of an enqueue was claimed for the chat already."""


class Outbox:
    """The outbox and the deliveries record over one connection (one writer)."""

    conn: sqlite3.Connection

    def _set(self, sql: str, params: Sequence[Any]) -> None:
        with transaction(self.conn) as conn:
            conn.execute(sql, params)

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
            with transaction(self.conn, own=True) as conn:
                for number, part in enumerate(parts, start=1):
                    cur = conn.execute(
                        "INSERT INTO outbox(chat_id, thread_id, kind, batch, part, parts, text,"
                        " story_ids, created_at, not_before, preview)"
                        " VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                        (chat_id, thread_id, kind, batch, number, len(parts), part.text,
                         json.dumps(list(part.story_ids)), iso(now), iso(not_before),
                         int(part.preview)),
                    )  # fmt: skip
                    outbox_id = cur.lastrowid
                    assert outbox_id is not None  # an INSERT always sets it
                    ids.append(outbox_id)
                    for story_id in part.story_ids:
                        claimed = conn.execute(
                            "INSERT OR IGNORE INTO deliveries(chat_id, story_id, outbox_id, at)"
                            " VALUES (?,?,?,?)",
                            (chat_id, story_id, outbox_id, iso(now)),
                        )
                        if claimed.rowcount == 0:
                            raise _Claimed  # the whole enqueue is rolled back
                if digest_at is not None:
                    conn.execute(
                        "UPDATE subscribers SET last_digest_at = ? WHERE chat_id = ?",
                        (iso(digest_at), chat_id),
                    )
        except _Claimed:
            return []
        except StoreError as exc:
            raise StoreError(f"cannot enqueue for chat {chat_id}: {exc}") from exc
        return ids

    # -- the queue ------------------------------------------------------------------------------

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

    def outbox_for_chat(self, chat_id: int) -> list[OutboxRow]:
        rows = self.conn.execute(
            f"SELECT {OUT_COLS} FROM outbox WHERE chat_id = ? ORDER BY id", (chat_id,)
        )
        return [read_outbox_row(r) for r in rows]

    def due_alerts(self, chat_id: int, now: datetime) -> list[OutboxRow]:
        """The chat's alerts waiting and due at `now`, in the order they were queued."""
        rows = self.conn.execute(
            f"SELECT {OUT_COLS} FROM outbox WHERE chat_id = ? AND kind = 'alert'"
            " AND state = 'pending' AND not_before <= ? ORDER BY id",
            (chat_id, iso(now)),
        )
        return [read_outbox_row(r) for r in rows]

    def fold(
        self, chat_id: int, alerts: Sequence[OutboxRow], parts: Sequence[Part], now: datetime
    ) -> list[int]:
        """Send `parts` (kind 'folded') instead of the waiting `alerts` of a chat, in one
        transaction: the alerts become `folded`, the parts are queued due now, and each story's
        delivery record names the part that carries it (so a folded story is never edited).
        The new outbox ids; [] and nothing changed when an alert was no longer waiting."""
        batch = f"fold:{chat_id}:{iso(now)}"
        thread = alerts[0].thread_id if alerts else None
        ids: list[int] = []
        marks = ",".join("?" * len(alerts))
        with transaction(self.conn) as conn:
            waiting = conn.execute(
                f"SELECT count(*) FROM outbox WHERE id IN ({marks}) AND state = 'pending'",
                [a.id for a in alerts],
            ).fetchone()[0]
            if waiting != len(alerts):
                return []  # nothing written yet: the empty transaction commits
            conn.execute(
                f"UPDATE outbox SET state = 'folded' WHERE id IN ({marks})", [a.id for a in alerts]
            )
            for number, part in enumerate(parts, start=1):
                cur = conn.execute(
                    "INSERT INTO outbox(chat_id, thread_id, kind, batch, part, parts, text,"
                    " story_ids, created_at, not_before) VALUES (?,?,'folded',?,?,?,?,?,?,?)",
                    (chat_id, thread, batch, number, len(parts), part.text,
                     json.dumps(list(part.story_ids)), iso(now), iso(now)),
                )  # fmt: skip
                assert cur.lastrowid is not None  # an INSERT always sets it
                ids.append(cur.lastrowid)
                conn.executemany(
                    "UPDATE deliveries SET outbox_id = ? WHERE chat_id = ? AND story_id = ?",
                    [(cur.lastrowid, chat_id, sid) for sid in part.story_ids],
                )
        return ids

    # -- a message's way ------------------------------------------------------------------------

    def mark_sending(self, outbox_id: int, prev_message_id: int) -> None:
        """Written (and committed) before the HTTP call: the row is now in flight."""
        self._set(
            "UPDATE outbox SET state = 'sending', attempts = attempts + 1, prev_message_id = ?"
            " WHERE id = ?",
            (prev_message_id, outbox_id),
        )

    def mark_sent(self, outbox_id: int, chat_id: int, message_id: int, now: datetime) -> None:
        with transaction(self.conn) as conn:
            conn.execute(
                "UPDATE outbox SET state = 'sent', message_id = ?, sent_at = ?, last_error = ''"
                " WHERE id = ?",
                (message_id, iso(now), outbox_id),
            )
            conn.execute(
                "UPDATE subscribers SET last_message_id = ?"
                " WHERE chat_id = ? AND last_message_id < ?",
                (message_id, chat_id, message_id),
            )

    def mark_pending(self, outbox_id: int, error: str, not_before: datetime) -> None:
        """Back to the queue (not sent for sure), due again at `not_before`."""
        self._set(
            "UPDATE outbox SET state = 'pending', last_error = ?, not_before = ? WHERE id = ?",
            (error, iso(not_before), outbox_id),
        )

    def mark_failed(self, outbox_id: int, error: str) -> None:
        """Telegram refused the message itself (it will never be accepted as it is)."""
        self._set(
            "UPDATE outbox SET state = 'failed', last_error = ? WHERE id = ?", (error, outbox_id)
        )
