"""Counts over the delivery tables, for `/stats` and `/healthz` (read only)."""

from __future__ import annotations

import sqlite3


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

    def stats(self) -> dict[str, int]:
        """Counts for /stats: subscribers, outbox by state, deliveries."""
        out: dict[str, int] = {}
        for active, count in self.conn.execute(
            "SELECT active, COUNT(*) FROM subscribers GROUP BY active"
        ):
            out["subscribers_active" if active else "subscribers_inactive"] = count
        for state, count in self.conn.execute("SELECT state, COUNT(*) FROM outbox GROUP BY state"):
            out[f"outbox_{state}"] = count
        row = self.conn.execute("SELECT COUNT(*) FROM deliveries").fetchone()
        out["deliveries"] = row[0] if row else 0
        return out
