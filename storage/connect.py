"""Where the state database is, and every connection to it: one that writes, or one that only
reads.

`state_dir(--state)` is the state folder (--state, else $STATE_DIR, else ./state), DB_NAME the
database's file in it. `open_writer(path)` is a connection that writes
(the service's, a command's that rewrites stories, the WAL checkpoint thread's): autocommit
(transactions are storage.transactions'), WAL, synchronous=NORMAL, foreign keys and a 30 s busy
timeout; the folder (0700) and the file (0600) are created private when missing, for the
database holds subscribers' chat ids (SQLite gives its WAL and shared-memory files the
database file's permissions). `open_reader(path)` is a read-only connection (SQLite's `mode=ro`
and `query_only`) for the commands that only read, beside a running service: it creates
nothing (`read_only(--state)`: one for a `with` block). Both refuse with a StoreError that
names the file (and, for a corrupt one, how to recover it).

Only sqlite3 here: the commands that only read import this module, not sqlite-utils (with
numpy, about 0.3 s), which storage.db brings.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from core.errors import StoreError

DB_NAME = "sahelwatch.db"
BUSY_TIMEOUT_S = 30.0  # how long a connection waits for another's lock before it gives up


def state_dir(explicit: str | None = None) -> Path:
    """The state folder: --state, else $STATE_DIR, else ./state."""
    return Path(explicit or os.environ.get("STATE_DIR") or "state")


def private_folder(folder: Path) -> None:
    """Create `folder` (and its parents) when missing, the folder itself readable by its owner
    only; an existing folder is left as it is."""
    if not folder.is_dir():
        try:
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create the state folder {folder}: {exc}") from exc


def _private_file(path: Path) -> None:
    """Create an empty `path` with mode 0600 unless something is there (SQLite takes an empty
    file as a new database, and makes its WAL and shared-memory files with the same mode)."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass
    except OSError as exc:
        raise StoreError(f"cannot create the state database {path}: {exc}") from exc


def refusal(path: Path, exc: sqlite3.Error) -> StoreError:
    """The StoreError for SQLite's `exc` on the database at `path`, in an operator's words."""
    text = str(exc)
    if isinstance(exc, sqlite3.DatabaseError) and "malformed" in text:
        return StoreError(corrupt_message(path, text))
    return StoreError(f"cannot open the state database {path}: {text}")


def corrupt_message(path: Path, problem: str) -> str:
    """What to tell an operator whose database is corrupt: which file, and how to recover."""
    return (
        f"the state database {path} is corrupt ({problem}). Stop every Sahel Watch process on "
        f"it, keep a copy of the damaged file, then either restore your last backup of it, or "
        f"recover what can be read with the sqlite3 command-line tool: "
        f"`sqlite3 {path} .recover | sqlite3 {path}.recovered` and move {path}.recovered in "
        f"its place (removing {path.name}-wal and {path.name}-shm)"
    )


def open_writer(path: Path) -> sqlite3.Connection:
    """A connection that writes; the folder and the file are created private when missing. Not
    bound to the thread that opens it (`check_same_thread=False`): the service's writer thread
    (runner.writes) takes it over. Whoever holds it sees to it that one thread at a time uses
    it."""
    private_folder(path.parent)
    _private_file(path)
    try:
        conn = sqlite3.connect(
            str(path), timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False
        )
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_S * 1000)}")
    except sqlite3.Error as exc:
        raise refusal(path, exc) from exc
    return conn


def open_reader(path: Path) -> sqlite3.Connection:
    """A connection that only reads what is committed, beside a writer (WAL); StoreError when
    there is no database at `path`. Not bound to the thread that opens it: one thread at a
    time uses it (in the service, the event loop's: `Store.reads`)."""
    if not path.is_file():
        raise StoreError(
            f"no state database at {path}: give --state (or STATE_DIR) the folder the service "
            "runs with, or run `python bot.py once` first"
        )
    try:
        conn = sqlite3.connect(
            f"{path.resolve().as_uri()}?mode=ro",
            uri=True,
            timeout=BUSY_TIMEOUT_S,
            check_same_thread=False,
        )
        conn.execute("PRAGMA query_only=ON")
    except sqlite3.Error as exc:
        raise refusal(path, exc) from exc
    return conn


@contextmanager
def read_only(state: str | None) -> Iterator[sqlite3.Connection]:
    """A read-only connection to the state database of --state (storage.connect.open_reader),
    for the commands that only read, beside a running service: nothing is created, migrated or
    written. StoreError when there is no database there or it cannot be read (SQLite reads the
    file at the first query: a file that is no database, or a corrupt one, fails there)."""
    path = state_dir(state) / DB_NAME
    conn = open_reader(path)
    try:
        yield conn
    except sqlite3.OperationalError as exc:  # a column or table a newer version added
        raise StoreError(
            f"cannot read the state database {path} ({exc}): if it was made by an older "
            "version, start the service once (or run `python bot.py once`) to bring it up to date"
        ) from exc
    except sqlite3.DatabaseError as exc:
        raise refusal(path, exc) from exc
    finally:
        conn.close()
