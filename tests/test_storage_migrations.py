"""Migrations that move data: a database of the schema before them keeps what it held."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path

import pytest

from storage import db as storage_db
from storage import queries
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


def _at_0012(path: Path, monkeypatch: pytest.MonkeyPatch) -> sqlite3.Connection:
    """A database of the schema before 0013 (restore `migration_files` to migrate on)."""
    files = storage_db.migration_files()
    monkeypatch.setattr(
        storage_db, "migration_files", lambda: [f for f in files if f.stem < "0013"]
    )
    db = connect(path)
    migrate(db)
    monkeypatch.setattr(storage_db, "migration_files", lambda: files)
    return db.conn


def _at(minute: int) -> str:
    return f"2026-08-13T04:{minute:02d}:00+00:00"


def _ts(minute: int) -> int:
    return int(datetime.fromisoformat(_at(minute)).timestamp())


def _report(conn: sqlite3.Connection, item: int, story: int, reason: str, minute: int) -> None:
    at = _at(minute)
    conn.execute(
        "INSERT INTO items(id, source, url, canonical_url, guid, title, first_seen, last_seen,"
        " content_hash) VALUES (?, 's', ?, ?, ?, 't', ?, ?, 'h')",
        (item, f"u{item}", f"u{item}", f"g{item}", at, at),
    )
    conn.execute(
        "INSERT OR IGNORE INTO stories(id, title, url, source, first_seen, last_seen)"
        " VALUES (?, 't', 'u', 's', ?, ?)",
        (story, at, at),
    )
    conn.execute(
        "INSERT INTO story_items(item_id, story_id, reason, joined_at) VALUES (?, ?, ?, ?)",
        (item, story, reason, at),
    )


# Stories 1 (item 1) and 2 (item 2); item 3 joins 1 and merges 2 into it; item 4 starts story 4;
# item 5 joins 4 and merges 1 into it: items 1-5 are all in story 4, item 2 by two merges.
OLD_REASONS = {
    1: "new story; in story 4 since item 5",
    2: "new story; in story 1 since item 3; in story 4 since item 5",
    3: "same event as story 1: score 5.0 >= 4; merged stories 2 into it; in story 4 since item 5",
    4: "new story; nearest story 1: score 1.0",
    5: "same event as story 4: score 6.0 >= 4; merged stories 1 into it",
    # not a suffix stored by a merge: kept as it is
    6: "new story; in story x since item 5",
}


def test_merge_suffixes_of_reasons_become_rows_of_merges(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    conn = _at_0012(tmp_path / "old.db", monkeypatch)
    for item, reason in OLD_REASONS.items():
        _report(conn, item, 4 if item != 6 else 6, reason, item)

    assert "0013_story_merges" in migrate(connect(tmp_path / "old.db"))

    # one row a merge, in the order they happened, each at its report's joining
    rows = conn.execute("SELECT id, story_id, into_id, by_item, ts FROM story_merges").fetchall()
    assert rows == [(1, 2, 1, 3, _ts(3)), (2, 1, 4, 5, _ts(5))]
    stored = dict(conn.execute("SELECT item_id, reason FROM story_items").fetchall())
    assert stored == {
        1: "new story",
        2: "new story",
        3: "same event as story 1: score 5.0 >= 4; merged stories 2 into it",
        4: OLD_REASONS[4],
        5: OLD_REASONS[5],
        6: OLD_REASONS[6],
    }
    firsts = dict(conn.execute("SELECT item_id, merge_id FROM story_items").fetchall())
    assert firsts == {1: 2, 2: 1, 3: 2, 4: None, 5: None, 6: None}
    # what `story` shows is what it showed before
    assert {m.item_id: m.reason for m in queries.story_members(conn, 4)} == {
        i: r for i, r in OLD_REASONS.items() if i != 6
    }
    assert [m.reason for m in queries.story_members(conn, 6)] == [OLD_REASONS[6]]


def test_a_first_merge_whose_report_is_gone_is_kept_without_the_story_merged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    conn = _at_0012(tmp_path / "old.db", monkeypatch)
    # the report that merged the stories is gone (pruned), and so is story 1's first member
    _report(conn, 2, 4, OLD_REASONS[2], 2)
    _report(conn, 4, 4, OLD_REASONS[4], 4)

    migrate(connect(tmp_path / "old.db"))

    rows = conn.execute("SELECT story_id, into_id, by_item, ts FROM story_merges").fetchall()
    # no report of their own: the time is their member's joining
    assert rows == [(None, 1, 3, _ts(2)), (1, 4, 5, _ts(2))]
    assert [m.reason for m in queries.story_members(conn, 4)] == [OLD_REASONS[2], OLD_REASONS[4]]
    assert conn.execute("SELECT reason FROM story_items WHERE item_id = 2").fetchone() == (
        "new story",
    )
