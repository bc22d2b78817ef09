"""Counts over the delivery tables, for `/stats` and `/healthz` (read only)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime

from storage.times import iso


@dataclass(frozen=True)
class DayFigures:
    """What happened since a moment (the start of the day): stories first seen, alerts per
    topic (alert messages to chats, stories alerted), active subscribers per mode, and the
    messages still waiting in the outbox."""

    stories: int
    alerts: dict[str, tuple[int, int]]  # topic id -> (alerts, stories)
    modes: dict[str, int]
    pending: int


class DeliveryFigures:
    """Figures read over one connection."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def pending_count(self) -> int:
        """Messages written to the outbox and not yet delivered (pending or in flight)."""
        row = self.conn.execute(
            "SELECT COUNT(*) FROM outbox WHERE state IN ('pending', 'sending')"
        ).fetchone()
        return int(row[0]) if row else 0

    def since(self, start: datetime) -> DayFigures:
        """The figures of /stats since `start`."""
        stories = self.conn.execute(
            "SELECT COUNT(*) FROM stories WHERE first_seen >= ? AND merged_into IS NULL",
            (iso(start),),
        ).fetchone()[0]
        alerts = {
            topic: (count, distinct)
            for topic, count, distinct in self.conn.execute(
                "SELECT st.topic, COUNT(*), COUNT(DISTINCT d.story_id) FROM deliveries d"
                " JOIN outbox o ON o.id = d.outbox_id"
                " JOIN story_topics st ON st.story_id = d.story_id"
                " WHERE d.at >= ? AND o.kind IN ('alert', 'folded')"
                " GROUP BY st.topic ORDER BY COUNT(*) DESC",
                (iso(start),),
            )
        }
        modes = dict(
            self.conn.execute(
                "SELECT mode, COUNT(*) FROM subscribers WHERE active = 1 GROUP BY mode"
            ).fetchall()
        )
        return DayFigures(int(stories), alerts, modes, self.pending_count())
