"""Copying the WAL back into the database file off the write path.

SQLite's automatic checkpoint runs inside the COMMIT that crosses the threshold: one ingest in
a hundred would pay for writing back the pages of the previous hundred (random writes into a
file of gigabytes, then an fsync). The store turns that off on its writer connection and runs
this thread instead: its own connection (storage.connect.open_writer), a PASSIVE checkpoint
(it never waits for, nor blocks, the writer) whenever the WAL has grown past `min_bytes`. Under
writes without pause a PASSIVE checkpoint never catches up, and the WAL would grow without end:
past `max_bytes` the thread runs a TRUNCATE checkpoint instead, which waits for the writer's
current transaction, copies back everything and cuts the file to zero (the writer waits a
moment on its busy timeout). Durability is unchanged: a committed transaction is in the WAL,
and SQLite replays the WAL after a crash.
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

from storage.connect import open_writer


class Checkpointer:
    """A daemon thread checkpointing the WAL of the database at `path` every `every_s` seconds."""

    def __init__(
        self, path: Path, every_s: float = 1.0, min_bytes: int = 4 << 20, max_bytes: int = 256 << 20
    ) -> None:
        self.path = path
        self.wal = path.with_name(path.name + "-wal")
        self.every_s = every_s
        self.min_bytes = min_bytes
        self.max_bytes = max_bytes
        self.runs = 0
        self.truncations = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sahelwatch-checkpoint", daemon=True)

    def start(self) -> Checkpointer:
        self._thread.start()
        return self

    def _run(self) -> None:
        conn = open_writer(self.path)
        try:
            while not self._stop.wait(self.every_s):
                self.checkpoint_if_due(conn)
        finally:
            conn.close()

    def checkpoint_if_due(self, conn: sqlite3.Connection) -> bool:
        try:
            size = self.wal.stat().st_size
            if size < self.min_bytes:
                return False
            mode = "TRUNCATE" if size >= self.max_bytes else "PASSIVE"
            conn.execute(f"PRAGMA wal_checkpoint({mode})").fetchall()
        except (OSError, sqlite3.Error):
            return False  # no WAL yet, or busy: the next round tries again
        self.runs += 1
        self.truncations += mode == "TRUNCATE"
        return True

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=30)
