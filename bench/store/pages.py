"""Pages a COMMIT writes, table by table, in the store bench's first cycle (--cycle-pages N):
what makes a COMMIT dearer on a filled store than on an empty one.

A COMMIT in WAL mode appends every page the transaction dirtied to the WAL (synchronous=NORMAL:
no sync), so its cost follows the count of distinct pages. `pages_a_commit` runs a cycle of N
polls on a store opened without the checkpoint thread (the WAL then keeps every commit's
frames), reads the WAL's frame headers back (page number; a commit frame carries the database
size) and names each page's table or index with SQLite's `dbstat` table. A page not in it (on
the freelist) is counted as "(free)".
"""

from __future__ import annotations

import asyncio
import struct
from collections import Counter
from pathlib import Path

from bench.store.cycle import cycle
from bench.store.generator import Generator
from core.clock import Clock
from storage.connect import DB_NAME
from storage.db import open_state
from storage.store import Store


def wal_commits(wal: Path) -> list[list[int]]:
    """The page numbers of each commit's frames in the WAL file `wal`, in order."""
    data = wal.read_bytes()
    if len(data) < 32:
        return []
    page_size = struct.unpack(">I", data[8:12])[0]
    salts = data[16:24]
    commits: list[list[int]] = []
    frames: list[int] = []
    offset = 32
    while offset + 24 + page_size <= len(data) and data[offset + 8 : offset + 16] == salts:
        page, size_after = struct.unpack(">II", data[offset : offset + 8])
        frames.append(page)
        if size_after:  # a commit frame
            commits.append(frames)
            frames = []
        offset += 24 + page_size
    return commits


def pages_a_commit(
    folder: Path, clock: Clock, gen: Generator, feeds: int, items: int, seed: int
) -> tuple[dict[str, float], int]:
    """Pages a COMMIT writes, by table or index (averaged over the cycle's commits), over a
    cycle of `feeds` polls of `items` new reports on the database in `folder` (the caller has
    closed its own store on it); and the count of commits."""
    store = Store(open_state(str(folder)), clock, background_checkpoint=False)
    try:
        conn = store.conn
        conn.execute("PRAGMA wal_autocheckpoint=0")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        asyncio.run(cycle("pages", store, gen, feeds, items, seed, on_loop=False))
        commits = wal_commits(folder / f"{DB_NAME}-wal")
        owner = dict(conn.execute("SELECT pageno, name FROM dbstat"))
        pages: Counter[str] = Counter()
        for frames in commits:
            pages.update(owner.get(page, "(free)") for page in frames)
        return {name: n / max(1, len(commits)) for name, n in pages.items()}, len(commits)
    finally:
        store.close()


def print_pages(filled: dict[str, float], empty: dict[str, float], top: int = 12) -> None:
    """The tables and indexes that cost most a COMMIT on the filled store, beside the empty."""
    total_f, total_e = sum(filled.values()), sum(empty.values())
    print(f"  pages a COMMIT: {total_f:,.0f} filled, {total_e:,.0f} empty; the most written:")
    for name, n in sorted(filled.items(), key=lambda kv: -kv[1])[:top]:
        print(f"    {name:28s} {n:8.1f} filled {empty.get(name, 0.0):8.1f} empty")
