"""Rows of delivery as the store reads them: a subscriber with its settings, an outbox row, and a
part of a message to enqueue; with the column lists and the row-to-record conversions that
`storage.delivery_store` uses.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storage.times import parse_iso

SUB_COLS = (
    "chat_id, chat_type, title, thread_id, active, topics, mode, daily_at, quiet_start,"
    " quiet_end, lang, subscribed_at, updated_at, last_digest_at, last_message_id,"
    " inactive_reason, all_topics, format"
)
OUT_COLS = (
    "id, chat_id, thread_id, kind, batch, part, parts, text, story_ids, state, created_at,"
    " not_before, attempts, prev_message_id, message_id, edit_of, preview"
)


@dataclass(frozen=True, slots=True)
class Subscriber:
    """A chat's subscription and settings (hours are in the rules' delivery timezone)."""

    chat_id: int
    chat_type: str
    title: str
    thread_id: int | None
    active: bool
    topics: tuple[str, ...]
    mode: str  # instant | hourly | daily
    daily_at: str  # "HH:MM"
    quiet_start: int | None
    quiet_end: int | None
    lang: str
    subscribed_at: datetime
    updated_at: datetime
    last_digest_at: datetime | None
    last_message_id: int
    inactive_reason: str = ""
    all_topics: bool = False  # follows every topic, those added later too (`topics` unread)
    format: str = "full"  # the alert layout: full | short

    @property
    def quiet(self) -> tuple[int, int] | None:
        """Quiet hours (start, end), or None."""
        if self.quiet_start is None or self.quiet_end is None:
            return None
        return (self.quiet_start, self.quiet_end)


@dataclass(frozen=True, slots=True)
class OutboxRow:
    """One message of the outbox."""

    id: int
    chat_id: int
    thread_id: int | None
    kind: str
    batch: str
    part: int
    parts: int
    text: str
    story_ids: tuple[int, ...]
    state: str
    created_at: datetime
    not_before: datetime
    attempts: int
    prev_message_id: int | None
    message_id: int | None
    edit_of: int | None = None  # an edit: the outbox row whose message it rewrites
    preview: bool = False  # sent with the link preview of its first link


@dataclass(frozen=True, slots=True)
class Part:
    """A message to enqueue: its HTML, the stories it carries, and whether Telegram shows the
    preview of its first link."""

    text: str
    story_ids: tuple[int, ...] = ()
    preview: bool = False


def read_subscriber(row: Sequence[Any]) -> Subscriber:
    subscribed = parse_iso(row[11])
    updated = parse_iso(row[12])
    assert subscribed is not None and updated is not None  # NOT NULL columns
    return Subscriber(
        chat_id=row[0],
        chat_type=row[1],
        title=row[2],
        thread_id=row[3],
        active=bool(row[4]),
        topics=tuple(json.loads(row[5])),
        mode=row[6],
        daily_at=row[7],
        quiet_start=row[8],
        quiet_end=row[9],
        lang=row[10],
        subscribed_at=subscribed,
        updated_at=updated,
        last_digest_at=parse_iso(row[13]),
        last_message_id=row[14],
        inactive_reason=row[15],
        all_topics=bool(row[16]),
        format=row[17],
    )


def read_outbox_row(row: Sequence[Any]) -> OutboxRow:
    created = parse_iso(row[10])
    not_before = parse_iso(row[11])
    assert created is not None and not_before is not None  # NOT NULL columns
    return OutboxRow(
        id=row[0],
        chat_id=row[1],
        thread_id=row[2],
        kind=row[3],
        batch=row[4],
        part=row[5],
        parts=row[6],
        text=row[7],
        story_ids=tuple(json.loads(row[8])),
        state=row[9],
        created_at=created,
        not_before=not_before,
        attempts=row[12],
        prev_message_id=row[13],
        message_id=row[14],
        edit_of=row[15],
        preview=bool(row[16]),
    )
