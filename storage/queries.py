"""The read side of the store: stories as StoryViews, full-text search, stored items for backtests.

Plain functions over an sqlite3 connection; `storage.store.Store` exposes them as methods, and
the commands that only read open a connection of their own with `storage.connect.read_only`.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Collection, Iterator, Sequence
from datetime import datetime
from typing import Any

from core.errors import StoreError
from core.items import Item
from core.story import SUMMARY_KEPT, StoryItemView, StoryView
from storage import merges
from storage.fts import fts_query
from storage.fts import parse as parse_query
from storage.records import SearchHit, StoredItem, StoryMember
from storage.snippets import snippet
from storage.times import iso, parse_iso

_STORY = (
    "SELECT id, rep_item_id, title, url, source, lang, published, first_seen, last_seen,"
    " sources, languages, entities FROM stories WHERE id = ?"
)
_STORY_ITEMS = (
    "SELECT i.url, i.title, i.source, i.lang, i.published, substr(i.summary, 1, ?)"
    " FROM story_items si"
    " JOIN items i ON i.id = si.item_id WHERE si.story_id = ?"
    " ORDER BY i.id = ? DESC, i.first_seen, i.id LIMIT ?"
)
MAX_VIEW_ITEMS = 50  # items listed in a StoryView: the representative, then the earliest
SEARCH_SCAN = 400  # newest matching reports a search groups into stories


def story_view(
    conn: sqlite3.Connection, story_id: int, with_items: bool = True
) -> StoryView | None:
    """The story `story_id` with its topics, sources, languages and (by default) its items
    (the representative first, then in the order they arrived; at most MAX_VIEW_ITEMS, while
    `sources` always names every outlet)."""
    row = conn.execute(_STORY, (story_id,)).fetchone()
    if row is None:
        return None
    sid, rep, title, url, source, lang, published, first_seen, last_seen, srcs, langs, ents = row
    topics = tuple(
        r[0]
        for r in conn.execute(
            "SELECT topic FROM story_topics WHERE story_id = ? ORDER BY first_at, topic", (sid,)
        )
    )
    items: tuple[StoryItemView, ...] = ()
    if with_items:
        items = tuple(
            StoryItemView(u, t, s, lg, parse_iso(p), summary or "")
            for u, t, s, lg, p, summary in conn.execute(
                _STORY_ITEMS, (SUMMARY_KEPT, sid, rep if rep is not None else -1, MAX_VIEW_ITEMS)
            )
        )
    return view_of(
        (sid, title, url, source, lang, published, first_seen, last_seen, srcs, langs, ents),
        topics,
        items,
    )


def view_of(
    row: Sequence[Any], topics: tuple[str, ...], items: tuple[StoryItemView, ...]
) -> StoryView:
    """A StoryView from a `stories` row read as (id, title, url, source, lang, published,
    first_seen, last_seen, sources, languages, entities), with its topics and items."""
    sid, title, url, source, lang, published, first_seen, last_seen, srcs, langs, ents = row
    first, last = parse_iso(first_seen), parse_iso(last_seen)
    assert first is not None and last is not None  # NOT NULL columns
    return StoryView(
        id=sid,
        title=title,
        url=url,
        source=source,
        lang=lang,
        published=parse_iso(published),
        first_seen=first,
        last_seen=last,
        topics=topics,
        entities=tuple(json.loads(ents)),
        sources=tuple(json.loads(srcs)),
        languages=tuple(json.loads(langs)),
        items=items,
    )


def stories_since(
    conn: sqlite3.Connection,
    since: datetime,
    topics: Collection[str] | None = None,
    limit: int | None = None,
) -> list[StoryView]:
    """Stories first seen at or after `since`, newest first; only those with one of `topics`
    when given (an empty collection gives nothing)."""
    sql = "SELECT id FROM stories WHERE first_seen >= ? AND merged_into IS NULL"
    params: list[object] = [iso(since)]
    if topics is not None:
        wanted = sorted(set(topics))
        if not wanted:
            return []
        marks = ",".join("?" * len(wanted))
        sql += f" AND id IN (SELECT story_id FROM story_topics WHERE topic IN ({marks}))"
        params += wanted
    sql += " ORDER BY first_seen DESC, id DESC"
    if limit is not None:
        sql += " LIMIT ?"
        params.append(limit)
    ids = [r[0] for r in conn.execute(sql, params)]
    views = (story_view(conn, sid) for sid in ids)
    return [v for v in views if v is not None]


def iter_stories(
    conn: sqlite3.Connection, since: datetime | None = None, batch: int = 500
) -> Iterator[StoryView]:
    """Every story first seen at or after `since` (all when None), oldest first, in batches
    (a story merged into another is part of that one, not a story of its own)."""
    floor = iso(since) if since is not None else ""
    last_seen, last_id = floor, -1
    while True:
        ids = conn.execute(
            "SELECT first_seen, id, merged_into FROM stories WHERE (first_seen, id) > (?, ?)"
            " ORDER BY first_seen, id LIMIT ?",
            (last_seen, last_id, batch),
        ).fetchall()
        if not ids:
            return
        for _, sid, merged in ids:
            view = None if merged is not None else story_view(conn, sid)
            if view is not None:
                yield view
        last_seen, last_id = ids[-1][:2]


def search(conn: sqlite3.Connection, query: str, limit: int = 20) -> list[SearchHit]:
    """Stories with reports that match `query` (storage.fts: words, "phrases", OR, -word),
    newest first, each once: its newest matching report, every outlet of the story, and a
    snippet of that report's original text. Reads at most SEARCH_SCAN matching reports."""
    parsed = parse_query(query)
    expr = fts_query(parsed)
    if not expr:
        return []
    try:
        rows = conn.execute(
            "SELECT f.rowid, coalesce(s.merged_into, si.story_id) FROM items_fts f"
            " LEFT JOIN story_items si ON si.item_id = f.rowid"
            " LEFT JOIN stories s ON s.id = si.story_id"
            " WHERE items_fts MATCH ? ORDER BY f.rowid DESC LIMIT ?",
            (expr, max(limit * 20, SEARCH_SCAN)),
        ).fetchall()
    except sqlite3.Error as exc:
        raise StoreError(f"search failed for {query!r}: {exc}") from exc
    best: dict[int, tuple[int, int | None, int]] = {}  # story key -> (item, story, reports)
    for item_id, story_id in rows:
        key = story_id if story_id is not None else -item_id
        item, sid, count = best.get(key, (item_id, story_id, 0))
        best[key] = (item, sid, count + 1)
    hits = []
    for item_id, story_id, count in list(best.values())[:limit]:
        row = conn.execute(
            "SELECT title, url, source, lang, published, first_seen, summary, text FROM items"
            " WHERE id = ?",
            (item_id,),
        ).fetchone()
        if row is None:
            continue
        title, url, source, lang, published, first_seen, summary, body = row
        outlets = conn.execute("SELECT sources FROM stories WHERE id = ?", (story_id,)).fetchone()
        first = parse_iso(first_seen)
        assert first is not None  # NOT NULL column
        hits.append(
            SearchHit(
                item_id, story_id, title, url, source, lang, parse_iso(published), first,
                snippet(body or summary, parsed), tuple(json.loads(outlets[0])) if outlets else (),
                count,
            )
        )  # fmt: skip
    return hits


def iter_items(
    conn: sqlite3.Connection, since: datetime | None = None, batch: int = 1000
) -> Iterator[StoredItem]:
    """Every stored item first seen at or after `since` (all when None), oldest first, with the
    topics it matched when stored. Reads in batches, so writes may interleave."""
    floor = iso(since) if since is not None else ""
    # Ids grow with first_seen: start just before the first id in range (found by index).
    first = conn.execute("SELECT min(id) FROM items WHERE first_seen >= ?", (floor,)).fetchone()
    if first is None or first[0] is None:
        return
    last = first[0] - 1
    while True:
        rows = conn.execute(
            "SELECT id, source, url, guid, title, summary, text, lang, published, extra,"
            " first_seen, (SELECT group_concat(topic, ' ') FROM matches m"
            "  WHERE m.item_id = items.id AND m.matched = 1)"
            " FROM items WHERE id > ? AND first_seen >= ? ORDER BY id LIMIT ?",
            (last, floor, batch),
        ).fetchall()
        if not rows:
            return
        for (
            iid,
            source,
            url,
            guid,
            title,
            summary,
            text,
            lang,
            published,
            extra,
            seen,
            topics,
        ) in rows:
            item = Item(
                source=source,
                url=url,
                guid=guid,
                title=title,
                summary=summary,
                text=text,
                lang=lang,
                published=parse_iso(published),
                extra=json.loads(extra),
            )
            yield StoredItem(iid, item, tuple(sorted((topics or "").split())), parse_iso(seen))
        last = rows[-1][0]


def story_members(conn: sqlite3.Connection, story_id: int) -> list[StoryMember]:
    """The reports of a story in the order they joined it, each with why it joined (and,
    when merges moved it, "; in story INTO since item BY" each: `storage.merges`)."""
    rows = conn.execute(
        "SELECT i.id, i.source, i.lang, i.published, i.title, i.url, si.reason, si.score,"
        " si.merge_id FROM story_items si JOIN items i ON i.id = si.item_id"
        " WHERE si.story_id = ? ORDER BY si.joined_at, i.id",
        (story_id,),
    ).fetchall()
    moved = merges.histories(conn, [r[8] for r in rows if r[8] is not None])
    return [
        StoryMember(
            iid, source, lang, parse_iso(published), title, url,
            reason + (moved.get(first, "") if first is not None else ""), score,
        )
        for iid, source, lang, published, title, url, reason, score, first in rows
    ]  # fmt: skip


def merged_into(conn: sqlite3.Connection, story_id: int) -> int | None:
    """The story `story_id` was merged into (None when it stands on its own or is unknown)."""
    row = conn.execute("SELECT merged_into FROM stories WHERE id = ?", (story_id,)).fetchone()
    return None if row is None else row[0]
