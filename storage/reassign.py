"""Giving stored reports new stories (`recluster`), in one transaction of the caller's.

Each group of item ids becomes one story. A group keeps the id of the old story most of its
members were in (largest groups choose first), so that stories, alerts and digests already
sent keep meaning what they meant; other groups get new stories. Each story's row is rebuilt
from its members (the earliest is the representative), its topics from their stored verdicts,
its profile and index keys from their clustering features. An old story left without members
is deleted, unless delivery records name it: then it points (`merged_into`) at the group that
holds most of its former members (one that keeps reports older than the range is rebuilt).
A chat that had an old story is recorded as having every story its former members went to,
so that no one is sent an event twice.
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence

from storage import story_index
from storage.retention import story_references
from stories.cluster import Features
from stories.profile import Report, StoryProfile


def reassign(
    conn: sqlite3.Connection, groups: Sequence[Sequence[int]], now_s: str
) -> dict[int, int]:
    """File every item of `groups` in the story of its group (its reason: "reclustered", until
    `set_reasons`; no merge moved it there: the merges of a replay are among stories of its own,
    `storage.merges`). Returns item id -> story id."""
    items = [i for g in groups for i in g]
    old = _old_stories(conn, items)
    taken: set[int] = set()
    story_of: dict[int, int] = {}
    for group in sorted(groups, key=lambda g: (-len(g), min(g))):
        votes = Counter(old[i] for i in group if i in old)
        sid = next((s for s, _ in votes.most_common() if s not in taken), None)
        if sid is None:
            sid = _new_story(conn, min(group), now_s)
        taken.add(sid)
        for i in group:
            story_of[i] = sid
    conn.executemany(
        "UPDATE story_items SET story_id = ?, reason = 'reclustered', score = NULL,"
        " merge_id = NULL WHERE item_id = ?",
        [(story_of[i], i) for i in items],
    )
    for sid in taken:
        _rebuild(conn, sid)
    _retire(conn, old, story_of, taken)
    return story_of


def _old_stories(conn: sqlite3.Connection, items: Sequence[int]) -> dict[int, int]:
    out: dict[int, int] = {}
    for start in range(0, len(items), 500):
        chunk = list(items[start : start + 500])
        marks = ",".join("?" * len(chunk))
        out.update(
            conn.execute(
                f"SELECT item_id, story_id FROM story_items WHERE item_id IN ({marks})", chunk
            ).fetchall()
        )
    return out


def _new_story(conn: sqlite3.Connection, item_id: int, now_s: str) -> int:
    cur = conn.execute(
        "INSERT INTO stories(rep_item_id, title, url, source, first_seen, last_seen)"
        " SELECT id, title, url, source, first_seen, last_seen FROM items WHERE id = ?",
        (item_id,),
    )
    assert cur.lastrowid is not None  # an INSERT always sets it
    return cur.lastrowid


def _rebuild(conn: sqlite3.Connection, story_id: int) -> None:
    """The story's row, topics, profile and keys, from its members."""
    rows = conn.execute(
        "SELECT i.id, i.title, i.url, i.source, i.lang, i.published, i.first_seen, i.last_seen,"
        " i.entities, coalesce(f.features, '{}') FROM story_items si"
        " JOIN items i ON i.id = si.item_id LEFT JOIN item_features f ON f.item_id = i.id"
        " WHERE si.story_id = ? ORDER BY i.first_seen, i.id",
        (story_id,),
    ).fetchall()
    if not rows:
        return
    rep = rows[0]
    sources = list(dict.fromkeys(r[3] for r in rows))
    langs = list(dict.fromkeys(r[4] for r in rows if r[4]))
    ents = list(dict.fromkeys(e for r in rows for e in json.loads(r[8])))
    conn.execute(
        "UPDATE stories SET rep_item_id = ?, title = ?, url = ?, source = ?, lang = ?,"
        " published = ?, first_seen = ?, last_seen = ?, sources = ?, languages = ?,"
        " entities = ?, item_count = ?, merged_into = NULL WHERE id = ?",
        (
            rep[0], rep[1], rep[2], rep[3], rep[4], rep[5], rep[6],
            max(r[7] for r in rows),
            json.dumps(sources, ensure_ascii=False), json.dumps(langs), json.dumps(ents),
            len(rows), story_id,
        ),
    )  # fmt: skip
    conn.execute("DELETE FROM story_topics WHERE story_id = ?", (story_id,))
    conn.execute(
        "INSERT INTO story_topics(story_id, topic, first_at)"
        " SELECT ?, m.topic, min(i.first_seen) FROM story_items si"
        " JOIN items i ON i.id = si.item_id JOIN matches m ON m.item_id = i.id"
        " WHERE si.story_id = ? AND m.matched = 1 GROUP BY m.topic",
        (story_id, story_id),
    )
    conn.execute("DELETE FROM story_keys WHERE story_id = ?", (story_id,))
    conn.execute("DELETE FROM story_profiles WHERE story_id = ?", (story_id,))
    profile = StoryProfile(story_id)
    for r in rows:
        if r[9] and r[9] != "{}":
            profile.add(Report.of(Features.from_json(r[0], story_id, r[9])))
    if profile.n:
        story_index.save(conn, profile)


def _retire(
    conn: sqlite3.Connection, old: Mapping[int, int], story_of: Mapping[int, int], taken: set[int]
) -> None:
    """Old stories no group kept: deleted, or pointers where delivery records name them; a
    chat that had one has had every story its members went to."""
    went: dict[int, Counter[int]] = defaultdict(Counter)
    for item, sid in old.items():
        went[sid][story_of[item]] += 1
    named = _delivered(conn, set(went))
    for sid, targets in went.items():
        if sid not in taken:
            target = targets.most_common(1)[0][0]
            # the stories merged into it before now point where most of its members went
            conn.execute("UPDATE stories SET merged_into = ? WHERE merged_into = ?", (target, sid))
            if conn.execute(
                "SELECT 1 FROM story_items WHERE story_id = ? LIMIT 1", (sid,)
            ).fetchone():
                _rebuild(conn, sid)  # it keeps reports older than the range reclustered
            elif sid in named:
                conn.execute(
                    "UPDATE stories SET merged_into = ?, item_count = 0 WHERE id = ?",
                    (target, sid),
                )
                conn.execute("DELETE FROM story_profiles WHERE story_id = ?", (sid,))
                conn.execute("DELETE FROM story_keys WHERE story_id = ?", (sid,))
            else:
                conn.execute("DELETE FROM stories WHERE id = ?", (sid,))
        for target in targets:
            if target != sid:
                conn.execute(
                    "INSERT OR IGNORE INTO deliveries(chat_id, story_id, outbox_id, at)"
                    " SELECT chat_id, ?, outbox_id, at FROM deliveries WHERE story_id = ?",
                    (target, sid),
                )


def _delivered(conn: sqlite3.Connection, story_ids: set[int]) -> set[int]:
    """The stories among `story_ids` that a delivery record (outbox, deliveries, ...) names."""
    named: set[int] = set()
    ids = sorted(story_ids)
    for table, column in story_references(conn):
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            named.update(
                r[0]
                for r in conn.execute(
                    f'SELECT DISTINCT "{column}" FROM "{table}" WHERE "{column}" IN ({marks})',
                    chunk,
                )
            )
    return named


def set_reasons(conn: sqlite3.Connection, reasons: Mapping[int, tuple[str, float | None]]) -> None:
    """Why each item joined its story (item id -> (reason, score))."""
    conn.executemany(
        "UPDATE story_items SET reason = ?, score = ? WHERE item_id = ?",
        [(why, score, item) for item, (why, score) in reasons.items()],
    )
