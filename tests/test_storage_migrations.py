"""Migrations that move data: a database of the schema before them keeps what it held."""

from __future__ import annotations

from pathlib import Path

import pytest

from storage import db as storage_db
from storage.db import connect, migrate


def test_features_move_out_of_items_with_their_first_sighting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = storage_db.migration_files()
    before = [f for f in files if f.stem < "0012"]
    monkeypatch.setattr(storage_db, "migration_files", lambda: before)
    db = connect(tmp_path / "old.db")
    migrate(db)
    insert = (
        "INSERT INTO items(id, source, url, canonical_url, guid, title, first_seen, last_seen,"
        " content_hash, features) VALUES (?, 's', ?, ?, ?, 't', ?, ?, 'h', ?)"
    )
    seen = "2026-08-13T04:24:00+00:00"
    db.conn.execute(insert, (1, "u1", "u1", "g1", seen, seen, '{"lang":"en","ts":1.0}'))
    db.conn.execute(insert, (2, "u2", "u2", "g2", seen, seen, "{}"))  # past the window: cleared
    monkeypatch.setattr(storage_db, "migration_files", lambda: files)

    assert "0012_item_features" in migrate(db)

    rows = db.conn.execute("SELECT item_id, ts, features FROM item_features").fetchall()
    assert rows == [(1, 1786595040, '{"lang":"en","ts":1.0}')]
    columns = {r[1] for r in db.conn.execute("PRAGMA table_info(items)")}
    assert "features" not in columns and {"title", "summary", "entities"} <= columns
    db.conn.execute("DELETE FROM items WHERE id = 1")  # features go with their item
    assert db.conn.execute("SELECT count(*) FROM item_features").fetchone() == (0,)
    db.conn.close()
