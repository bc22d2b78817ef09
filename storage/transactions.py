"""Transactions on the store's connection: BEGIN IMMEDIATE ... COMMIT.

Outside a transaction, `transaction()` begins one (IMMEDIATE: the write lock is taken at once,
so a busy database fails at BEGIN, not halfway) and commits it; any exception rolls it back,
and sqlite errors come out as StoreError, a failed COMMIT included. Inside an open transaction
(a batch of writes, runner.writes) it joins it: an exception goes on to the outermost, which
rolls everything back. (Not savepoints: with one open, SQLite copies every page a statement
first changes into a sub-journal, a fifth of an ingest's time; runner.writes keeps a failing
write from taking the others with it by writing them again without it.) Some errors (a full
disk, I/O) make SQLite roll the transaction back by itself; the rollback here then finds
nothing open and leaves it so.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from core.errors import StoreError


class Transactions:
    """Transactions on one connection (used from one thread)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        if self.conn.in_transaction:
            yield self.conn
            return
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise StoreError(f"cannot start a transaction: {exc}") from exc
        try:
            yield self.conn
        except BaseException as exc:
            self._rollback()
            if isinstance(exc, sqlite3.Error):
                raise StoreError(f"state database error: {exc}") from exc
            raise
        try:
            self.conn.execute("COMMIT")
        except sqlite3.Error as exc:
            self._rollback()
            raise StoreError(f"cannot commit: {exc}") from exc

    def _rollback(self) -> None:
        if self.conn.in_transaction:
            self.conn.execute("ROLLBACK")
