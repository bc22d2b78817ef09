"""Stories with their items for `export`, streamed from one query.

Every story first seen since a time (a story merged into another is part of that one), oldest
first, joined to its items in the order a StoryView lists them (the representative first, then
as they arrived; at most `queries.MAX_VIEW_ITEMS`), with its topics in the order it got them:
the same StoryViews as `queries.iter_stories`, from one statement instead of three a story.
Optionally only the stories of some topics, or of any topic.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Collection, Iterator
from datetime import datetime
from typing import Any

from core.story import StoryItemView, StoryView
from storage.queries import MAX_VIEW_ITEMS, view_of
from storage.times import iso, parse_iso

_EXPORT = """
SELECT s.id, s.title, s.url, s.source, s.lang, s.published, s.first_seen, s.last_seen,
       s.sources, s.languages, s.entities,
       (SELECT json_group_array(topic) FROM
           (SELECT topic FROM story_topics WHERE story_id = s.id ORDER BY first_at, topic)),
       i.url, i.title, i.source, i.lang, i.published
FROM stories s
LEFT JOIN story_items si ON si.story_id = s.id
LEFT JOIN items i ON i.id = si.item_id
WHERE s.merged_into IS NULL AND s.first_seen >= ? {only}
ORDER BY s.first_seen, s.id, i.id = s.rep_item_id DESC, i.first_seen, i.id
"""


def iter_export(
    conn: sqlite3.Connection,
    since: datetime | None = None,
    topics: Collection[str] | None = None,
    matched_only: bool = False,
) -> Iterator[StoryView]:
    """The stories first seen at or after `since` (all when None), oldest first; only those
    with one of `topics` when given, only those with any topic when `matched_only`."""
    params: list[object] = [iso(since) if since is not None else ""]
    only = ""
    if topics is not None:
        wanted = sorted(set(topics))
        marks = ",".join("?" * len(wanted))
        only = f"AND s.id IN (SELECT story_id FROM story_topics WHERE topic IN ({marks}))"
        params += wanted
    elif matched_only:
        only = "AND EXISTS (SELECT 1 FROM story_topics t WHERE t.story_id = s.id)"
    story: tuple[Any, ...] | None = None
    items: list[StoryItemView] = []
    for row in conn.execute(_EXPORT.format(only=only), params):
        if story is None or row[0] != story[0]:
            if story is not None:
                yield view_of(story[:11], tuple(json.loads(story[11])), tuple(items))
            story, items = row[:12], []
        if row[12] is not None and len(items) < MAX_VIEW_ITEMS:
            items.append(StoryItemView(row[12], row[13], row[14], row[15], parse_iso(row[16])))
    if story is not None:
        yield view_of(story[:11], tuple(json.loads(story[11])), tuple(items))


def story_topics(conn: sqlite3.Connection) -> list[str]:
    """Every topic some stored story has."""
    return [r[0] for r in conn.execute("SELECT DISTINCT topic FROM story_topics ORDER BY topic")]
