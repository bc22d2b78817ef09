"""Source health rows: what the watchers remember about each source between polls."""

from __future__ import annotations

import sqlite3

from core.health import SourceHealth
from storage.times import iso_or_none, parse_iso

# the columns of a source's row, in the order save_health writes and load_health reads them
_COLUMNS = (
    "name", "last_attempt", "last_success", "status", "items_seen", "failures", "error_count",
    "last_error", "next_check", "paused", "etag", "last_modified", "held", "degraded",
)  # fmt: skip
# a stored source keeps its admin's pause (`held`): save_paused_by_admin alone writes it
_SAVE = (
    f"INSERT INTO sources({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))})"
    " ON CONFLICT(name) DO UPDATE SET "
    + ", ".join(f"{c} = excluded.{c}" for c in _COLUMNS if c not in ("name", "held"))
)
_LOAD = f"SELECT {', '.join(_COLUMNS)} FROM sources ORDER BY name"


def save_health(conn: sqlite3.Connection, h: SourceHealth) -> None:
    """Write the health row of source `h.name`. An admin's pause (`held`) is taken from `h`
    only for a source not yet stored: after that `save_paused_by_admin` alone writes it, so a
    poll's health written after an admin's /pause or /resume never undoes it."""
    conn.execute(
        _SAVE,
        (
            h.name,
            iso_or_none(h.last_attempt),
            iso_or_none(h.last_success),
            h.status,
            h.items_seen,
            h.failures,
            h.error_count,
            h.last_error,
            iso_or_none(h.next_check),
            int(h.paused),
            h.etag,
            h.last_modified,
            int(h.paused_by_admin),
            h.degraded,
        ),
    )


def save_paused_by_admin(conn: sqlite3.Connection, name: str, paused: bool) -> None:
    """Set only whether an admin paused source `name` (a poll's own health is written beside it)."""
    conn.execute(
        "INSERT INTO sources(name, held) VALUES (?, ?)"
        " ON CONFLICT(name) DO UPDATE SET held = excluded.held",
        (name, int(paused)),
    )


def load_health(conn: sqlite3.Connection) -> dict[str, SourceHealth]:
    rows = conn.execute(_LOAD).fetchall()
    return {
        r[0]: SourceHealth(
            name=r[0],
            last_attempt=parse_iso(r[1]),
            last_success=parse_iso(r[2]),
            status=r[3],
            items_seen=r[4],
            failures=r[5],
            error_count=r[6],
            last_error=r[7],
            next_check=parse_iso(r[8]),
            paused=bool(r[9]),
            etag=r[10],
            last_modified=r[11],
            paused_by_admin=bool(r[12]),
            degraded=r[13],
        )
        for r in rows
    }
