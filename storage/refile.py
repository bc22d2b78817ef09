"""One-off tasks the store runs when it opens, queued by migrations in `store_tasks`:
re-filing the near-duplicate index (`storage.candidates`) from the stored features after the
way its keys are computed changed (migration 0003), and building the profiles of recent
stories when event clustering came (migration 0005).

Each task runs in one transaction with the removal of its row, so a crash part-way leaves it
queued and it runs again, whole, at the next start.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta

from core.log import event
from storage import candidates, story_index
from storage.rows import all_keys
from storage.times import iso
from stories.cluster import Features
from stories.profile import Report, StoryProfile

REFILE = "refile_cluster_keys"
PROFILES = "build_story_profiles"


def pending(conn: sqlite3.Connection) -> set[str]:
    """The queued tasks (none when the table does not exist, as in a half-built database)."""
    try:
        return {row[0] for row in conn.execute("SELECT name FROM store_tasks")}
    except sqlite3.OperationalError:
        return set()


def refile_cluster_keys(conn: sqlite3.Connection, now: datetime, window_hours: float) -> int:
    """Empty the clustering index and file every report first seen in the last two clustering
    windows under its keys as computed now; returns the reports filed. The caller holds the
    transaction."""
    for table in candidates.TABLES:
        conn.execute(f"DELETE FROM {table}")
    since = iso(now - timedelta(hours=2 * window_hours))
    rows = conn.execute(
        "SELECT i.id, si.story_id, f.features FROM items i"
        " JOIN item_features f ON f.item_id = i.id JOIN story_items si ON si.item_id = i.id"
        " WHERE i.first_seen >= ?",
        (since,),
    ).fetchall()
    count = 0
    for item_id, story_id, text in rows:
        feats = Features.from_json(item_id, story_id, text)
        candidates.file_cluster_keys(conn, item_id, all_keys(feats), feats.ts)
        count += 1
    candidates.fold_recent(conn)
    conn.execute("DELETE FROM store_tasks WHERE name = ?", (REFILE,))
    event("refile", "storage", items=count)
    return count


def build_story_profiles(conn: sqlite3.Connection, now: datetime, window_hours: float) -> int:
    """Profile every story with a report first seen in the last two clustering windows, from
    its reports' stored features, and count their word stems; returns the stories profiled.
    The caller holds the transaction."""
    since = iso(now - timedelta(hours=2 * window_hours))
    built: dict[int, StoryProfile] = {}
    stats = story_index.TermStats(conn)
    for item_id, story_id, text in conn.execute(
        "SELECT i.id, si.story_id, f.features FROM items i"
        " JOIN item_features f ON f.item_id = i.id JOIN story_items si ON si.item_id = i.id"
        " WHERE i.first_seen >= ? ORDER BY i.id",
        (since,),
    ).fetchall():
        report = Report.of(Features.from_json(item_id, story_id, text))
        built.setdefault(story_id, StoryProfile(story_id)).add(report)
        stats.count(report.lang, report.terms.keys())
    for profile in built.values():
        story_index.save(conn, profile)
    conn.execute("DELETE FROM store_tasks WHERE name = ?", (PROFILES,))
    event("profiles", "storage", stories=len(built))
    return len(built)
