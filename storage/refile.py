"""One-off tasks the store runs when it opens, queued by migrations in `store_tasks`: today,
re-filing the clustering index (`cluster_keys`) from the stored features after the way its keys
are computed changed (migration 0003).

Each task runs in one transaction with the removal of its row, so a crash part-way leaves it
queued and it runs again, whole, at the next start.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta

from core.log import event
from storage.candidates import file_cluster_keys
from storage.records import iso
from storage.rows import all_keys
from stories.cluster import Features

REFILE = "refile_cluster_keys"


def pending(conn: sqlite3.Connection) -> set[str]:
    """The queued tasks (none when the table does not exist, as in a half-built database)."""
    try:
        return {row[0] for row in conn.execute("SELECT name FROM store_tasks")}
    except sqlite3.OperationalError:
        return set()


def refile_cluster_keys(conn: sqlite3.Connection, now: datetime, window_hours: float) -> int:
    """Empty the clustering index and file every report first seen in the last two clustering
    windows under its keys as computed now; returns the reports filed. The caller holds the
    transaction."""
    conn.execute("DELETE FROM cluster_keys")
    since = iso(now - timedelta(hours=2 * window_hours))
    rows = conn.execute(
        "SELECT i.id, si.story_id, i.features FROM items i"
        " JOIN story_items si ON si.item_id = i.id"
        " WHERE i.first_seen >= ? AND i.features != '{}'",
        (since,),
    ).fetchall()
    count = 0
    for item_id, story_id, text in rows:
        feats = Features.from_json(item_id, story_id, text)
        file_cluster_keys(conn, item_id, all_keys(feats), feats.ts)
        count += 1
    conn.execute("DELETE FROM store_tasks WHERE name = ?", (REFILE,))
    event("refile", "storage", items=count)
    return count
