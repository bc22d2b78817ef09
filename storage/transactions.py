"""Transactions on the state database's connections: BEGIN IMMEDIATE ... COMMIT, ROLLBACK, and
the read transaction of a reader (`snapshot`).

Every write of the package goes through `transaction(conn)`. Outside a transaction it begins one
(IMMEDIATE: the write lock is taken at once, so a busy database fails at BEGIN, not halfway) and
commits it; any exception rolls it back, and sqlite errors come out as StoreError, a failed
COMMIT included. Inside an open transaction (a batch of writes, runner.writes) it joins it: an
exception goes on to the outermost, which rolls everything back. (Not savepoints: with one
open, SQLite copies every page a statement first changes into a sub-journal, a fifth of an
ingest's time; runner.writes keeps a failing write from taking the others with it by writing
them again without it.) With `own=True` it never joins: a write that may undo itself (the
outbox's claim of a story already claimed, a migration) must not undo a caller's writes with
it, so it refuses to start inside an open transaction (StoreError). Some errors (a full disk,
I/O) make SQLite roll the transaction back by itself; the rollback here then finds nothing open
and leaves it so.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from core.errors import StoreError


@contextmanager
def transaction(conn: sqlite3.Connection, *, own: bool = False) -> Iterator[sqlite3.Connection]:
    """BEGIN IMMEDIATE ... COMMIT on `conn`, or part of the transaction already open (unless
    `own`: then StoreError when one is open)."""
    if conn.in_transaction and not own:
        yield conn
        return
    if conn.in_transaction:
        raise StoreError("a transaction of its own cannot start inside another")
    try:
        conn.execute("BEGIN IMMEDIATE")
    except sqlite3.Error as exc:
        raise StoreError(f"cannot start a transaction: {exc}") from exc
    try:
        yield conn
    except BaseException as exc:
        rollback(conn)
        if isinstance(exc, sqlite3.Error):
            raise StoreError(f"state database error: {exc}") from exc
        raise
    try:
        conn.execute("COMMIT")
    except sqlite3.Error as exc:
        rollback(conn)
        raise StoreError(f"cannot commit: {exc}") from exc


@contextmanager
def snapshot(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One read transaction (BEGIN ... COMMIT, nothing written): the statements inside read one
    committed state of the database, whatever the writer commits meanwhile (a story and its
    items as of one moment). Inside an open transaction, part of it."""
    if conn.in_transaction:
        yield conn
        return
    conn.execute("BEGIN")
    try:
        yield conn
    finally:
        rollback(conn)  # it read only: ending it either way is the same


def rollback(conn: sqlite3.Connection) -> None:
    """ROLLBACK, unless SQLite already rolled the transaction back by itself."""
    if conn.in_transaction:
        conn.execute("ROLLBACK")
