"""Pure helpers that turn an Item and its MatchResult into what the store writes: identity keys,
the content hash, the stored explanations, and the view of a story just created.
"""

from __future__ import annotations

import json
from datetime import datetime
from hashlib import blake2b

from core.items import Item
from core.story import SUMMARY_KEPT, StoryItemView, StoryView
from core.text import normalize
from matching.result import MatchResult
from storage.times import iso, iso_or_none, parse_iso
from stories.canonical import canonical_url
from stories.cluster import Features, lsh_keys
from stories.fingerprint import key64, title_fingerprint

MIN_TITLE_WORDS = 4  # shorter titles ("Live", "News in brief") are not identity keys


def content_hash(item: Item) -> str:
    data = "\x1f".join((item.title, item.summary, item.text)).encode("utf-8")
    return blake2b(data, digest_size=8).hexdigest()


def item_canonical(item: Item) -> str:
    """The canonical URL of `item` (the page's canonical link when it gave one), "" without URL."""
    hint = item.extra.get("canonical")
    return canonical_url(item.url, hint) if item.url or hint else ""


def identity_keys(item: Item, canon: str | None = None) -> list[tuple[int, str]]:
    """(key, kind) for every identity of `item`: canonical URL(s), source + GUID, source + title.
    `canon`: the item's canonical URL when already computed."""
    keys: list[tuple[int, str]] = []
    hint = item.extra.get("canonical")
    if canon is None:
        canon = item_canonical(item)
    urls = {canon}
    if hint and item.url:
        urls.add(canonical_url(item.url))  # the AMP/mobile link itself, for later sightings
    keys += [(key64("u:" + u), "url") for u in sorted(urls) if u]
    if item.guid:
        keys.append((key64(f"g:{item.source}\n{item.guid}"), "guid"))
    norm = normalize(item.title)
    if norm.count(" ") + 1 >= MIN_TITLE_WORDS:
        fingerprint = title_fingerprint(norm, normalized=True)
        keys.append((key64(f"t:{item.source}\n{fingerprint}"), "title"))
    return keys


def explanations(match: MatchResult) -> list[tuple[str, int, float, str]]:
    """(topic, matched, score, explanation JSON) for every topic worth keeping (matched, or
    scored above zero). The explanation is compact: the terms that scored ("t") and where each
    counted hit is ("h": [entity or keyword, first word, end word]); why a topic missed,
    snippets and spellings follow from these, the rules and the stored text, and are
    recomputed when shown (rows written by earlier versions may also hold "r", the reasons
    in words: nothing reads it)."""
    rows = []
    for t in match.topics:
        if not (t.matched or t.score > 0):
            continue
        explanation = {
            "t": list(t.terms),
            "h": [[h.entity or h.keyword, h.start, h.end] for h in t.hits if h.counted],
        }
        text = json.dumps(explanation, ensure_ascii=False, separators=(",", ":"))
        rows.append((t.id, int(t.matched), t.score, text))
    return rows


def new_story_view(story_id: int, item: Item, match: MatchResult, now: datetime) -> StoryView:
    """The view of a story just created from `item`, as `queries.story_view` would read it."""
    seen = parse_iso(iso(now))
    published = parse_iso(iso_or_none(item.published))
    assert seen is not None  # iso() always gives a time
    return StoryView(
        id=story_id,
        title=item.title,
        url=item.url,
        source=item.source,
        lang=item.lang,
        published=published,
        first_seen=seen,
        last_seen=seen,
        topics=tuple(sorted(set(match.matched_topics))),
        entities=tuple(match.entities),
        sources=(item.source,),
        languages=(item.lang,) if item.lang else (),
        items=(
            StoryItemView(
                item.url, item.title, item.source, item.lang, published, item.summary[:SUMMARY_KEPT]
            ),
        ),
    )


# The item columns a report's content sets, in the order `content_values` gives them.
CONTENT_COLUMNS = (
    "title", "summary", "text", "lang", "published", "content_hash", "entities", "extra"
)  # fmt: skip


def content_values(
    item: Item, match: MatchResult
) -> tuple[str, str, str, str, str | None, str, str, str]:
    """The values of CONTENT_COLUMNS for `item`: what an insert and an update both write."""
    return (
        item.title,
        item.summary,
        item.text,
        item.lang,
        iso_or_none(item.published),
        content_hash(item),
        json.dumps(list(match.entities)),
        json.dumps(item.extra, ensure_ascii=False),
    )


def all_keys(f: Features) -> list[int]:
    """The near-duplicate index keys of a report."""
    return lsh_keys(f)
