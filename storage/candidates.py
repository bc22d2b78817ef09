"""The near-duplicate index (`cluster_keys`): filing a report under its LSH band keys, and
finding a new report's candidates, the stored reports it may be a copy of, by lookup, never
by a scan (`stories.cluster.decide` then picks among them).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from stories.cluster import Features

MAX_CANDIDATES = 50


def file_cluster_keys(
    conn: sqlite3.Connection, item_id: int, keys: Sequence[int], ts: float
) -> None:
    """File `item_id` under its clustering `keys`, at the report's time `ts`."""
    conn.executemany(
        "INSERT OR IGNORE INTO cluster_keys(key, item_id, ts) VALUES (?, ?, ?)",
        [(k, item_id, int(ts)) for k in keys],
    )


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
    ids = [
        r[0]
        for r in conn.execute(
            f"SELECT item_id FROM cluster_keys WHERE key IN ({marks})"
            " AND ts BETWEEN ? AND ? GROUP BY item_id"
            " ORDER BY count(*) DESC, item_id DESC LIMIT ?",
            [*lsh, int(ts - window), int(ts + window), MAX_CANDIDATES],
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
