"""The identity index: which stored item a report's keys name (canonical URL, source + GUID,
source + title fingerprint), and filing an item under its keys.

The index is two tables of the same rows (migration 0015): keys filed go into
`item_keys_recent`, which holds what was filed since the daily prune, and `fold_recent` (run
by the prune) moves them into `item_keys` in key order; `known` reads both, a key in the
recent part naming its item over the same key in the large part (a title key moved to a newer
item). Random keys filed straight into the large table (three a report, kept for the
retention period) would each dirty a page of it, so a COMMIT would write more pages the more
is stored (~540 a first cycle's COMMIT at 1,000,000 stored, ~40 on an empty store); in the
small table they share its few pages, and the fold writes each page of the large one at most
once a day. Both tables go with their item (ON DELETE CASCADE).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import datetime

from storage.times import epoch

KEY_RANK = {"url": 0, "guid": 1, "title": 2}  # which kind of key names the item first
TABLES = ("item_keys", "item_keys_recent")  # the folded part, then the recent part


def known(
    conn: sqlite3.Connection, keys: Sequence[tuple[int, str]], now: datetime, window_hours: float
) -> tuple[int, str] | None:
    """The stored item one of `keys` names (URL before GUID before title), with the kind; a
    title key only while it was filed within the clustering window of `now`."""
    if not keys:
        return None
    marks = ",".join("?" * len(keys))
    found: dict[int, tuple[int, str, int]] = {}
    for table in TABLES:  # the recent part last: its rows win
        for key, item_id, kind, ts in conn.execute(
            f"SELECT key, item_id, kind, ts FROM {table} WHERE key IN ({marks})",
            [k for k, _ in keys],
        ):
            found[key] = (item_id, kind, ts)
    oldest_title = epoch(now) - window_hours * 3600
    usable = [r for r in found.values() if r[1] != "title" or r[2] >= oldest_title]
    if not usable:
        return None
    best = min(usable, key=lambda r: KEY_RANK.get(r[1], 9))
    return best[0], best[1]


def file_keys(
    conn: sqlite3.Connection, item_id: int, keys: Sequence[tuple[int, str]], now: datetime
) -> None:
    """File `keys` for `item_id`: URL/GUID keys of another item stay; title keys move here.
    In the recent part: a key new to both, or a title key (it names this item from now on)."""
    ts = int(epoch(now))
    conn.executemany(
        "INSERT INTO item_keys_recent(key, item_id, kind, ts)"
        " SELECT ?1, ?2, ?3, ?4 WHERE ?3 = 'title'"
        " OR NOT EXISTS (SELECT 1 FROM item_keys WHERE key = ?1)"
        " ON CONFLICT(key) DO UPDATE SET item_id = excluded.item_id, ts = excluded.ts"
        " WHERE excluded.kind = 'title'",
        [(key, item_id, kind, ts) for key, kind in keys],
    )


def fold_recent(conn: sqlite3.Connection) -> int:
    """Move the recent part into the large one, in key order, its rows replacing the same
    keys' there (the daily prune runs it); returns the rows moved. The caller holds the
    transaction."""
    moved = conn.execute(
        "INSERT OR REPLACE INTO item_keys(key, item_id, kind, ts)"
        " SELECT key, item_id, kind, ts FROM item_keys_recent ORDER BY key"
    ).rowcount
    conn.execute("DELETE FROM item_keys_recent")
    return int(moved)
