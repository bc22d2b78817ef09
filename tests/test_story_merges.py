"""Story merges kept as rows (storage.merges): a member shows every merge that moved it, in
order, through chains of merges; `story` shows them; retention deletes the rows no member
follows any more."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import bot
from storage import merges, queries, retention
from storage.db import open_state
from storage.times import iso

T0 = datetime(2026, 8, 13, 4, 0, tzinfo=UTC)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return tmp_path / "state"


@pytest.fixture
def conn(folder: Path) -> Iterator[sqlite3.Connection]:
    db = open_state(str(folder))
    try:
        yield db.conn
    finally:
        db.conn.close()


def report(conn: sqlite3.Connection, item: int, story: int, reason: str, day: int = 0) -> None:
    """Item `item` filed in `story` (made when new) `day` days after T0, seen then last."""
    at = iso(T0 + timedelta(days=day, minutes=item))
    conn.execute(
        "INSERT INTO items(id, source, url, canonical_url, guid, title, first_seen, last_seen,"
        " content_hash) VALUES (?, 's', ?, ?, ?, ?, ?, ?, 'h')",
        (item, f"u{item}", f"u{item}", f"g{item}", f"report {item}", at, at),
    )
    conn.execute(
        "INSERT INTO stories(id, rep_item_id, title, url, source, first_seen, last_seen)"
        " VALUES (?, ?, 't', 'u', 's', ?, ?)"
        " ON CONFLICT(id) DO UPDATE SET last_seen = excluded.last_seen",
        (story, item, at, at),
    )
    conn.execute(
        "INSERT INTO story_items(item_id, story_id, reason, joined_at) VALUES (?, ?, ?, ?)",
        (item, story, reason, at),
    )


def merge(conn: sqlite3.Connection, story: int, into: int, by_item: int) -> None:
    """What storage.story_index.merge does to members: the row, and the story a pointer."""
    merges.record(conn, story, into, by_item, int(T0.timestamp()) + by_item)
    conn.execute(
        "UPDATE stories SET merged_into = ?, item_count = 0 WHERE id = ? OR merged_into = ?",
        (into, story, story),
    )


def chain(conn: sqlite3.Connection) -> None:
    """Stories 1 (items 1, 2) and 2 (item 3); item 4 joins 2 and merges 1 into it; story 3
    (item 5); item 6 joins 3 and merges 2 into it: all six are in story 3."""
    report(conn, 1, 1, "new story")
    report(conn, 2, 1, "same event as story 1")
    report(conn, 3, 2, "new story")
    report(conn, 4, 2, "same event as story 2; merged stories 1 into it")
    merge(conn, 1, 2, 4)
    report(conn, 5, 3, "new story", day=10)
    report(conn, 6, 3, "same event as story 3; merged stories 2 into it", day=10)
    merge(conn, 2, 3, 6)


def test_a_member_shows_every_merge_that_moved_it_in_order(conn: sqlite3.Connection) -> None:
    chain(conn)
    shown = {m.item_id: m.reason for m in queries.story_members(conn, 3)}
    assert shown == {
        1: "new story; in story 2 since item 4; in story 3 since item 6",
        2: "same event as story 1; in story 2 since item 4; in story 3 since item 6",
        3: "new story; in story 3 since item 6",
        4: "same event as story 2; merged stories 1 into it; in story 3 since item 6",
        5: "new story",
        6: "same event as story 3; merged stories 2 into it",
    }
    # one row a merge; the reasons stored are the ones the members joined with
    assert conn.execute("SELECT story_id, into_id, by_item FROM story_merges").fetchall() == [
        (1, 2, 4),
        (2, 3, 6),
    ]
    assert conn.execute(
        "SELECT count(*) FROM story_items WHERE reason LIKE '%; in story %'"
    ).fetchone() == (0,)
    assert queries.merged_into(conn, 1) == 3 and queries.merged_into(conn, 2) == 3


def test_the_story_command_shows_the_chain(
    conn: sqlite3.Connection, folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    chain(conn)
    assert bot.main(["story", "1", "--state", str(folder)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("story 1 was merged into story 3\nstory 3: ")
    whys = [line.strip() for line in out.splitlines() if line.strip().startswith("why: ")]
    assert whys[0] == "why: new story; in story 2 since item 4; in story 3 since item 6"
    assert whys[2] == "why: new story; in story 3 since item 6"
    assert whys[4] == "why: new story"


def test_retention_deletes_the_merges_no_member_follows(conn: sqlite3.Connection) -> None:
    chain(conn)
    # 40 days on: items 1-4 (day 0) are past 30 days, 5 and 6 (day 10) are not
    assert retention.prune(conn, T0 + timedelta(days=35), 30, 48) == 4
    assert conn.execute("SELECT count(*) FROM story_merges").fetchone() == (0,)
    assert [m.reason for m in queries.story_members(conn, 3)] == [
        "new story",
        "same event as story 3; merged stories 2 into it",
    ]


def test_retention_keeps_a_merge_a_later_member_history_goes_through(
    conn: sqlite3.Connection,
) -> None:
    chain(conn)
    conn.execute("UPDATE items SET last_seen = ? WHERE id = 1", (iso(T0 + timedelta(days=20)),))
    # items 2-4 go; item 1, seen again, stays: both merges it went through stay
    assert retention.prune(conn, T0 + timedelta(days=35), 30, 48) == 3
    assert len(conn.execute("SELECT * FROM story_merges").fetchall()) == 2
    assert queries.story_members(conn, 3)[0].reason == (
        "new story; in story 2 since item 4; in story 3 since item 6"
    )
    # once it goes (with items 5 and 6), so do they
    assert retention.prune(conn, T0 + timedelta(days=55), 30, 48) == 3
    assert conn.execute("SELECT count(*) FROM story_merges").fetchone() == (0,)
