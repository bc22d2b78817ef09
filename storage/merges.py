"""The history of story merges (`story_merges`, migration 0013): one row a merge, the story
merged, the story it went into, the report that showed them one event, and when.

A member a merge moves keeps the first merge that moved it (`story_items.merge_id`); the ones
after it are each the next merge of the story the one before went into (a story is merged
once: it is a pointer from then on). Its reason is shown as it was before the table, followed
by "; in story INTO since item BY" a merge (`histories`). Retention keeps the rows some
member's history still follows (`prune`). Every function runs in the caller's transaction.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Collection

# The merge after merge `w` of the story it went into (ids grow with time: no walk loops).
_WALK = """
WITH RECURSIVE walk(start, k, id, into_id, by_item) AS (
    SELECT id, 0, id, into_id, by_item FROM story_merges WHERE id IN ({marks})
    UNION ALL
    SELECT w.start, w.k + 1, m.id, m.into_id, m.by_item FROM walk w
    JOIN story_merges m ON m.id = (
        SELECT min(id) FROM story_merges WHERE story_id = w.into_id AND id > w.id)
)
"""


def record(conn: sqlite3.Connection, story_id: int, into_id: int, by_item: int, ts: int) -> None:
    """Story `story_id` merged into `into_id` as report `by_item` showed them one, at POSIX
    second `ts`: the row of the merge, and its members moved (each keeping its first merge)."""
    cur = conn.execute(
        "INSERT INTO story_merges(story_id, into_id, by_item, ts) VALUES (?, ?, ?, ?)",
        (story_id, into_id, by_item, ts),
    )
    conn.execute(
        "UPDATE story_items SET story_id = ?, merge_id = coalesce(merge_id, ?) WHERE story_id = ?",
        (into_id, cur.lastrowid, story_id),
    )


def chains(conn: sqlite3.Connection, first: Collection[int]) -> dict[int, list[tuple[int, int]]]:
    """First merge id -> the (story it went into, report that showed it) of that merge and of
    every merge after it, in order."""
    out: dict[int, list[tuple[int, int]]] = {}
    ids = sorted(set(first))
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        sql = _WALK.format(marks=",".join("?" * len(chunk)))
        for head, into_id, by_item in conn.execute(
            sql + "SELECT start, into_id, by_item FROM walk ORDER BY start, k", chunk
        ):
            out.setdefault(head, []).append((into_id, by_item))
    return out


def suffix(chain: list[tuple[int, int]]) -> str:
    """What a member's reason says of the merges that moved it."""
    return "".join(f"; in story {into_id} since item {by_item}" for into_id, by_item in chain)


def histories(conn: sqlite3.Connection, first: Collection[int]) -> dict[int, str]:
    """First merge id -> `suffix` of its chain."""
    return {head: suffix(chain) for head, chain in chains(conn, first).items()}


def prune(conn: sqlite3.Connection) -> int:
    """Delete the merges no stored member's history follows any more (their members are gone,
    or moved again by a recluster); returns the rows deleted."""
    cur = conn.execute(
        "DELETE FROM story_merges WHERE id NOT IN ("
        + _WALK.format(marks="SELECT merge_id FROM story_items WHERE merge_id IS NOT NULL")
        + "SELECT id FROM walk)"
    )
    return int(cur.rowcount)
