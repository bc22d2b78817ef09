"""Retention: old items go with everything derived from them; stories deliveries need stay."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta
from typing import Any

from storage import merges
from storage.times import epoch, iso

# What a report costs only while it is in the clustering window: the clustering index and the
# reports' features. Rows older than twice the window go, by the time (POSIX seconds) in the
# column named (a story whose latest member is that old can receive no more members).
WINDOW_TABLES = {
    "cluster_keys": "ts",
    "cluster_keys_recent": "ts",
    "story_keys": "ts",
    "story_profiles": "last_ts",
    "item_features": "ts",
}


def prune(
    conn: sqlite3.Connection, now: datetime, retention_days: float, window_hours: float
) -> int:
    """Delete items last seen more than `retention_days` before `now` (with their matches,
    keys and full-text rows); drop clustering keys, features and story profiles older than
    twice the window (clustering never looks further back); delete stories left without
    items unless a delivery record references them, and the merges no remaining member's
    history follows (`storage.merges.prune`). Returns items deleted. Runs in the caller's
    transaction."""
    cutoff = iso(now - timedelta(days=retention_days))
    window_floor = int(epoch(now) - 2 * window_hours * 3600)
    keep = story_references(conn)
    conn.execute(
        "DELETE FROM items_fts WHERE rowid IN (SELECT id FROM items WHERE last_seen < ?)",
        (cutoff,),
    )
    deleted = conn.execute("DELETE FROM items WHERE last_seen < ?", (cutoff,)).rowcount
    for table, column in WINDOW_TABLES.items():
        conn.execute(f"DELETE FROM {table} WHERE {column} < ?", (window_floor,))
    conn.execute(
        "UPDATE stories SET rep_item_id = NULL WHERE rep_item_id IS NOT NULL"
        " AND rep_item_id NOT IN (SELECT id FROM items)"
    )
    # NOT IN (subquery) is evaluated once (an ephemeral index), whatever indexes the
    # delivery tables have.
    guards = "".join(
        f' AND id NOT IN (SELECT "{c}" FROM "{t}" WHERE "{c}" IS NOT NULL)' for t, c in keep
    )
    conn.execute(
        "DELETE FROM stories WHERE last_seen < ?"
        " AND id NOT IN (SELECT story_id FROM story_items)" + guards,
        (cutoff,),
    )
    merges.prune(conn)
    return int(deleted)


def story_references(conn: sqlite3.Connection) -> list[tuple[str, str]]:
    """(table, column) of every foreign key onto stories(id) outside this module's own tables
    (the delivery tables: outbox, deliveries, ...)."""
    own = {"stories", "story_items", "story_topics", "story_profiles", "story_merges"}
    refs = []
    tables = [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    ]
    for table in tables:
        if table in own:
            continue
        try:
            fks: list[Any] = conn.execute(f'PRAGMA foreign_key_list("{table}")').fetchall()
        except sqlite3.Error:
            continue
        refs += [(table, fk[3]) for fk in fks if fk[2] == "stories"]
    return refs
