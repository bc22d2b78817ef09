"""Opening the state database and applying its named, ordered, append-only migrations.

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


def connect(path: Path) -> sqlite_utils.Database:
    """One connection (bound to the calling thread) with WAL and sane pragmas."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        conn = sqlite3.connect(str(path), timeout=30, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("PRAGMA busy_timeout=30000")
    except sqlite3.Error as exc:
        raise StoreError(f"cannot open the state database {path}: {exc}") from exc
    return sqlite_utils.Database(conn)


def migrate(db: sqlite_utils.Database) -> list[str]:
    """Apply every migration not yet recorded; return the names applied now."""
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
