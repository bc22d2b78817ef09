"""Opening the state database, checking it, and applying its named, ordered, append-only
migrations.

The state folder is created private (0700) and the database file too (0600; SQLite gives its WAL
and shared-memory files the database file's permissions): it holds subscribers' chat ids. A
database that cannot be opened, or that is corrupt, is a StoreError that names the file and, when
corrupt, how to recover it (`check_integrity`, run by the service at start).

Migrations are the files `storage/migrations/NNNN_name.sql`, applied in name order, each once, each
in its own transaction, and recorded in the `migrations` table. A migration file is never edited
after it has shipped: a change to the schema is a new file.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import sqlite_utils

from core.errors import StoreError

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
DB_NAME = "sahelwatch.db"


def state_dir(explicit: str | None = None) -> Path:
    """The state folder: --state, else $STATE_DIR, else ./state."""
    return Path(explicit or os.environ.get("STATE_DIR") or "state")


def migration_files() -> list[Path]:
    return sorted(MIGRATIONS_DIR.glob("[0-9][0-9][0-9][0-9]_*.sql"))


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


def _refusal(path: Path, exc: sqlite3.Error) -> StoreError:
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


def connect(path: Path) -> sqlite_utils.Database:
    """One connection with WAL and sane pragmas; the folder and the file are created private
    when missing. Not bound to the calling thread (`check_same_thread=False`), so that the
    writer thread of `runner.writes` can take the store's over: the caller sees to it that
    one thread at a time uses it."""
    private_folder(path.parent)
    _private_file(path)
    try:
        conn = sqlite3.connect(str(path), timeout=30, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("PRAGMA busy_timeout=30000")
    except sqlite3.Error as exc:
        raise _refusal(path, exc) from exc
    return sqlite_utils.Database(conn)


def reader(path: Path) -> sqlite3.Connection:
    """A query-only connection to the database at `path` for reads beside the writer (WAL);
    used by one thread at a time (the event loop's, in the service)."""
    try:
        conn = sqlite3.connect(str(path), timeout=30, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA query_only=ON")
        conn.execute("PRAGMA busy_timeout=30000")
    except sqlite3.Error as exc:
        raise _refusal(path, exc) from exc
    return conn


def database_path(db: sqlite_utils.Database) -> Path:
    """The file behind the connection's main database."""
    row = db.conn.execute("PRAGMA database_list").fetchone()
    return Path(row[2] if row else "")


def check_integrity(db: sqlite_utils.Database) -> None:
    """SQLite's quick_check (it reads the whole file once); StoreError saying "corrupt", and
    how to recover, when it finds a problem."""
    path = database_path(db)
    try:
        rows = [str(row[0]) for row in db.conn.execute("PRAGMA quick_check(20)")]
    except sqlite3.DatabaseError as exc:
        raise StoreError(corrupt_message(path, str(exc))) from exc
    if rows != ["ok"]:
        lines = (line.strip() for row in rows for line in row.splitlines())
        problems = [line for line in lines if line and not line.startswith("***")] or rows
        more = f"; {len(problems) - 1} more found" if len(problems) > 1 else ""
        raise StoreError(corrupt_message(path, f"{problems[0]}{more}"))


def migrate(db: sqlite_utils.Database) -> list[str]:
    """Apply every migration not yet recorded; return the names applied now."""
    try:
        return _migrate(db)
    except sqlite3.Error as exc:
        raise _refusal(database_path(db), exc) from exc


def _migrate(db: sqlite_utils.Database) -> list[str]:
    conn = db.conn
    conn.execute(
        "CREATE TABLE IF NOT EXISTS migrations ("
        " name TEXT PRIMARY KEY, applied_at TEXT NOT NULL DEFAULT (datetime('now')))"
    )
    done = {row[0] for row in conn.execute("SELECT name FROM migrations")}
    applied: list[str] = []
    for file in migration_files():
        name = file.stem
        if name in done:
            continue
        sql = file.read_text(encoding="utf-8")
        try:
            conn.execute("BEGIN IMMEDIATE")
            for statement in _statements(sql):
                conn.execute(statement)
            conn.execute("INSERT INTO migrations(name) VALUES (?)", (name,))
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            conn.execute("ROLLBACK")
            raise StoreError(f"migration {name} failed: {exc}") from exc
        applied.append(name)
    return applied


def _statements(sql: str) -> list[str]:
    """Split a migration into complete statements (sqlite3.complete_statement knows triggers)."""
    out: list[str] = []
    buf = ""
    for line in sql.splitlines(keepends=True):
        buf += line
        if sqlite3.complete_statement(buf):
            if buf.strip():
                out.append(buf.strip())
            buf = ""
    if buf.strip():
        out.append(buf.strip())
    return out


def open_state(explicit: str | None = None) -> sqlite_utils.Database:
    """Open (creating if needed) and migrate the database in the state folder."""
    db = connect(state_dir(explicit) / DB_NAME)
    migrate(db)
    return db
