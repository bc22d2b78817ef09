"""The state folder, guarded: one service at a time on it (an OS lock naming the holder), a
corrupt database refused at start with the way to recover, private files, and a clear one-line
error when the database cannot be opened. Each test drives `bot.py` as a real process over a
local feed server; every wait is a bounded poll on a condition.
"""

from __future__ import annotations

import sqlite3
import stat
from pathlib import Path

import pytest

from storage.db import open_state
from tests.feedserver import FeedServer
from tests.service_support import ServiceProcess, source, write_rules
from tests.service_support import run_bot as bot


def one_feed(tmp: Path, feeds: FeedServer) -> Path:
    return write_rules(tmp, [source("A", feeds.url("/a.xml"))])


# -- one service per state folder (issue 13, finding 3) ----------------------------------------


def test_a_second_service_refuses_to_start_and_names_the_first(
    tmp_path: Path, feeds: FeedServer
) -> None:
    rules = one_feed(tmp_path, feeds)
    first = ServiceProcess(tmp_path, rules).start()
    (tmp_path / "second").mkdir()
    second = ServiceProcess(tmp_path / "second", rules)
    second.env["STATE_DIR"] = str(first.state)  # the same state folder
    try:
        first.wait_ready()
        assert first.proc is not None
        pid = first.proc.pid
        second.start()
        assert second.wait_exit() != 0
        assert f"pid {pid}" in second.stderr() and "Traceback" not in second.stderr()

        once = bot(first.state, "once", "--rules", str(rules))
        assert once.returncode != 0
        assert f"pid {pid}" in once.stderr and str(first.state) in once.stderr, once.stderr
        assert "Traceback" not in once.stderr

        # read-only commands work beside the running service
        for args in (["sources"], ["search", "weather"], ["export"]):
            done = bot(first.state, *args, "--rules", str(rules))
            assert done.returncode == 0, (args, done.stderr)
        assert "A " in bot(first.state, "sources", "--rules", str(rules)).stdout
    finally:
        second.kill()
        first.kill()
    # the OS released the lock with the process, whatever it left behind in the folder
    again = bot(first.state, "once", "--rules", str(rules))
    assert again.returncode == 0, again.stderr


def test_a_stale_lock_file_does_not_stop_a_start(tmp_path: Path, feeds: FeedServer) -> None:
    rules = one_feed(tmp_path, feeds)
    state = tmp_path / "state"
    state.mkdir()
    (state / "sahelwatch.lock").write_text("999999999\n", encoding="utf-8")  # a dead process
    done = bot(state, "once", "--rules", str(rules))
    assert done.returncode == 0, done.stderr
    assert "A: ok" in done.stderr


# -- a corrupt database (issue 13, finding 7 a) -------------------------------------------------


def corrupt(db: Path) -> None:
    """Overwrite one leaf page of the `sources` table with garbage (the file still opens)."""
    conn = sqlite3.connect(db, isolation_level=None)
    conn.executemany(
        "INSERT INTO sources(name) VALUES (?)",
        [(f"filler {i:05d} " + "x" * 100,) for i in range(3000)],
    )
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    (page,) = conn.execute(
        "SELECT pageno FROM dbstat WHERE name = 'sources' AND pagetype = 'leaf'"
        " ORDER BY pageno LIMIT 1 OFFSET 5"
    ).fetchone()
    (size,) = conn.execute("PRAGMA page_size").fetchone()
    conn.close()
    with db.open("r+b") as f:
        f.seek((page - 1) * size + 8)
        f.write(b"\xa5" * (size - 8))


def test_a_corrupt_database_is_refused_with_the_way_to_recover(
    tmp_path: Path, feeds: FeedServer
) -> None:
    rules = one_feed(tmp_path, feeds)
    state = tmp_path / "state"
    open_state(str(state)).conn.close()
    corrupt(state / "sahelwatch.db")
    done = bot(state, "once", "--rules", str(rules))
    assert done.returncode != 0, done.stderr
    assert "corrupt" in done.stderr and ".recover" in done.stderr, done.stderr
    assert str(state / "sahelwatch.db") in done.stderr and "Traceback" not in done.stderr
    assert "A: ok" not in done.stderr  # nothing was polled


# -- private files (issue 13, finding 7 d) ------------------------------------------------------


def test_state_folder_and_database_files_are_private(tmp_path: Path, feeds: FeedServer) -> None:
    rules = one_feed(tmp_path, feeds)
    state = tmp_path / "fresh" / "state"
    done = bot(state, "once", "--rules", str(rules))
    assert done.returncode == 0, done.stderr
    assert stat.S_IMODE(state.stat().st_mode) == 0o700
    files = [p for p in state.iterdir() if p.name.startswith("sahelwatch.")]
    assert any(p.name == "sahelwatch.db" for p in files)
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    db = open_state(str(state))  # the WAL and shared-memory files while it is open, too
    try:
        db.conn.execute("INSERT INTO sources(name) VALUES ('x')")
        for suffix in ("-wal", "-shm"):
            assert stat.S_IMODE((state / f"sahelwatch.db{suffix}").stat().st_mode) == 0o600
    finally:
        db.conn.close()


# -- a database that cannot be opened (issue 13, finding 7 e) -----------------------------------


@pytest.mark.parametrize("what", ["not a database", "a folder"])
def test_sources_on_an_unopenable_database_says_so_in_one_line(
    tmp_path: Path, feeds: FeedServer, what: str
) -> None:
    rules = one_feed(tmp_path, feeds)
    state = tmp_path / "state"
    state.mkdir()
    db = state / "sahelwatch.db"
    if what == "a folder":
        db.mkdir()
    else:
        db.write_bytes(b"this is no SQLite file\n" * 200)
    done = bot(state, "sources", "--rules", str(rules))
    assert done.returncode != 0
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and str(db) in lines[0], done.stderr
    assert "Traceback" not in done.stderr
