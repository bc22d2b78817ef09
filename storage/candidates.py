"""The near-duplicate index: filing a report under its LSH band keys, and finding a new
report's candidates, the stored reports it may be a copy of, by lookup, never by a scan
(`stories.cluster.decide` then picks among them).

The index is two tables of the same rows (migration 0014): new keys go into
`cluster_keys_recent`, which holds what was filed since the daily prune, and `fold_recent`
(run by the prune) moves them into `cluster_keys` in key order; lookups and removals read
both. Random keys filed straight into the large table would each dirty a page of it, so a
COMMIT would write more pages the more the window holds (~1,560 a first cycle's COMMIT at
1,000,000 stored, ~160 on an empty store); in the small table they share its few pages, and
the fold writes each page of the large one once a day. A (key, report) pair is in one of the
two at a time.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from stories.cluster import Features

MAX_CANDIDATES = 50
TABLES = ("cluster_keys", "cluster_keys_recent")  # the folded part, the recent part


def file_cluster_keys(
    conn: sqlite3.Connection, item_id: int, keys: Sequence[int], ts: float
) -> None:
    """File `item_id` under its clustering `keys`, at the report's time `ts` (in the recent
    part: `item_id` is not filed under them yet, or `unfile_cluster_keys` took them)."""
    conn.executemany(
        "INSERT OR IGNORE INTO cluster_keys_recent(key, item_id, ts) VALUES (?, ?, ?)",
        [(k, item_id, int(ts)) for k in keys],
    )


def unfile_cluster_keys(conn: sqlite3.Connection, item_id: int, keys: Sequence[int]) -> None:
    """Take `item_id` out from under its clustering `keys`, in either part."""
    for table in TABLES:
        conn.executemany(
            f"DELETE FROM {table} WHERE key = ? AND item_id = ?", [(k, item_id) for k in keys]
        )


def fold_recent(conn: sqlite3.Connection) -> int:
    """Move the recent part into the large one, in key order (the daily prune runs it);
    returns the rows moved. The caller holds the transaction."""
    moved = conn.execute(
        "INSERT OR IGNORE INTO cluster_keys(key, item_id, ts)"
        " SELECT key, item_id, ts FROM cluster_keys_recent ORDER BY key, item_id"
    ).rowcount
    conn.execute("DELETE FROM cluster_keys_recent")
    return int(moved)


def candidates(
    conn: sqlite3.Connection, lsh: Sequence[int], ts: float, window_hours: float
) -> list[Features]:
    """Stored reports that share an LSH band with the new one, within the clustering window
    of its time, those sharing most bands first (a pair at Jaccard 0.55 shares one with
    probability ~0.95)."""
    if not lsh:
        return []
    window = window_hours * 3600
    marks = ",".join("?" * len(lsh))
    span = [*lsh, int(ts - window), int(ts + window)]
    parts = " UNION ".join(
        f"SELECT key, item_id FROM {table} WHERE key IN ({marks}) AND ts BETWEEN ? AND ?"
        for table in TABLES
    )
    ids = [
        r[0]
        for r in conn.execute(
            f"SELECT item_id FROM ({parts}) GROUP BY item_id"
            " ORDER BY count(*) DESC, item_id DESC LIMIT ?",
            [*(span * len(TABLES)), MAX_CANDIDATES],
        )
    ]
    if not ids:
        return []
    marks = ",".join("?" * len(ids))
    return [
        Features.from_json(iid, sid, text)
        for iid, sid, text in conn.execute(
            "SELECT f.item_id, si.story_id, f.features FROM item_features f"
            f" JOIN story_items si ON si.item_id = f.item_id WHERE f.item_id IN ({marks})",
            ids,
        )
    ]
