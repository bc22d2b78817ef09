"""Transactions on the store's connection: BEGIN IMMEDIATE ... COMMIT, and savepoints inside.

Outside a transaction, `transaction()` begins one (IMMEDIATE: the write lock is taken at once,
so a busy database fails at BEGIN, not halfway) and commits it; any exception rolls it back,
and sqlite errors come out as StoreError, a failed COMMIT included. Inside an open transaction
(a batch of writes, runner.writes) it is a savepoint: on an exception only its own part is
rolled back, and the exception goes on. Some errors (a full disk, I/O) make SQLite roll the
whole transaction back by itself; the rollbacks here then find nothing open and leave it so.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from core.errors import StoreError


class Transactions:
    """Transactions and savepoints on one connection (used from one thread)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self._depth = 0  # open savepoints

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        if self.conn.in_transaction:
            with self._savepoint():
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

    @contextmanager
    def _savepoint(self) -> Iterator[None]:
        self._depth += 1
        name = f"sw{self._depth}"
        try:
            self.conn.execute(f"SAVEPOINT {name}")
            try:
                yield
            except BaseException as exc:
                if self.conn.in_transaction:  # else SQLite rolled it all back itself
                    self.conn.execute(f"ROLLBACK TO {name}")
                    self.conn.execute(f"RELEASE {name}")
                if isinstance(exc, sqlite3.Error):
                    raise StoreError(f"state database error: {exc}") from exc
                raise
            self.conn.execute(f"RELEASE {name}")
        except sqlite3.Error as exc:  # the savepoint statements themselves
            raise StoreError(f"state database error: {exc}") from exc
        finally:
            self._depth -= 1

    def _rollback(self) -> None:
        if self.conn.in_transaction:
            self.conn.execute("ROLLBACK")
