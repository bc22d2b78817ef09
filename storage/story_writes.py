"""Writing stories: a new story from its first report, a report joining one, its topics."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence

from core.errors import StoreError
from core.items import Item
from matching.result import MatchResult
from storage.times import iso_or_none


def new_story(
    conn: sqlite3.Connection, item_id: int, item: Item, match: MatchResult, now_s: str
) -> int:
    cur = conn.execute(
        "INSERT INTO stories(rep_item_id, title, url, source, lang, published, first_seen,"
        " last_seen, sources, languages, entities, item_count)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)",
        (
            item_id,
            item.title,
            item.url,
            item.source,
            item.lang,
            iso_or_none(item.published),
            now_s,
            now_s,
            json.dumps([item.source], ensure_ascii=False),
            json.dumps([item.lang] if item.lang else []),
            json.dumps(list(match.entities)),
        ),
    )
    assert cur.lastrowid is not None  # an INSERT always sets it
    return cur.lastrowid


def join_story(
    conn: sqlite3.Connection, story_id: int, item: Item, match: MatchResult, now_s: str
) -> bool:
    """Count `item` in the story; True when it brought an outlet the story did not have."""
    row = conn.execute(
        "SELECT sources, languages, entities FROM stories WHERE id = ?", (story_id,)
    ).fetchone()
    if row is None:
        raise StoreError(f"story {story_id} is missing")
    sources, langs, ents = (json.loads(x) for x in row)
    grew = item.source not in sources
    if grew:
        sources.append(item.source)
    if item.lang and item.lang not in langs:
        langs.append(item.lang)
    ents += [e for e in match.entities if e not in ents]
    conn.execute(
        "UPDATE stories SET last_seen = ?, sources = ?, languages = ?, entities = ?,"
        " item_count = item_count + 1 WHERE id = ?",
        (
            now_s,
            json.dumps(sources, ensure_ascii=False),
            json.dumps(langs),
            json.dumps(ents),
            story_id,
        ),
    )
    return grew


def add_topics(
    conn: sqlite3.Connection, story_id: int, topics: Sequence[str], now_s: str
) -> tuple[str, ...]:
    added = []
    for topic in topics:
        cur = conn.execute(
            "INSERT OR IGNORE INTO story_topics(story_id, topic, first_at) VALUES (?, ?, ?)",
            (story_id, topic, now_s),
        )
        if cur.rowcount:
            added.append(topic)
    return tuple(added)


def join_entities(conn: sqlite3.Connection, story_id: int, match: MatchResult) -> None:
    row = conn.execute("SELECT entities FROM stories WHERE id = ?", (story_id,)).fetchone()
    ents: list[str] = json.loads(row[0])
    extra = [e for e in match.entities if e not in ents]
    if extra:
        conn.execute(
            "UPDATE stories SET entities = ? WHERE id = ?", (json.dumps(ents + extra), story_id)
        )


def topics(conn: sqlite3.Connection, story_id: int) -> tuple[str, ...]:
    return tuple(
        r[0] for r in conn.execute("SELECT topic FROM story_topics WHERE story_id = ?", (story_id,))
    )
