"""Opening the state database for the service and the commands that write, checking it, and
applying its named, ordered, append-only migrations.

`connect(path)` wraps storage.connect's writer connection (a private folder and file, WAL,
pragmas) for sqlite-utils; `open_state(--state)` opens and migrates the database of a state
folder. A database that cannot be opened, or that is corrupt, is a StoreError that names the
file and, when corrupt, how to recover it (`check_integrity`, run by the service at start).

Migrations are the files `storage/migrations/NNNN_name.sql`, applied in name order, each once, each
in its own transaction, and recorded in the `migrations` table. A migration file is never edited
after it has shipped: a change to the schema is a new file.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import sqlite_utils

from core.errors import StoreError
from storage.connect import DB_NAME, corrupt_message, open_writer, refusal, state_dir
from storage.transactions import transaction

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def migration_files() -> list[Path]:
    return sorted(MIGRATIONS_DIR.glob("[0-9][0-9][0-9][0-9]_*.sql"))


def connect(path: Path) -> sqlite_utils.Database:
    """The writer connection to the database at `path` (storage.connect.open_writer)."""
    return sqlite_utils.Database(open_writer(path))


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
        raise refusal(database_path(db), exc) from exc


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
            with transaction(conn, own=True):
                for statement in _statements(sql):
                    conn.execute(statement)
                conn.execute("INSERT INTO migrations(name) VALUES (?)", (name,))
        except StoreError as exc:
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
