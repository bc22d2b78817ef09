"""GDELT DOC 2.0 article lists: the query URL built from a source, and its JSON read into Items.

The query comes from rules.yaml (`query:`); `lang` adds a `sourcelang:` filter and `country` a
`sourcecountry:` filter unless the query already has one. GDELT asks for at most one request every
5 seconds: `http.DEFAULT_SPACING` enforces that per host. GDELT answers errors (rate limit, bad
query) as plain text with status 200; those become ParseErrors in its own words.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from urllib.parse import urlencode

from config.model import Source
from core.errors import ParseError
from core.items import Item
from watchers.text import head, lang_code, one_line

GDELT_BASE = "https://api.gdeltproject.org/api/v2/doc/doc"
SOURCELANG = {"ar": "arabic", "fr": "french", "en": "english", "ru": "russian"}
MAX_RECORDS = 75


def build_query(source: Source) -> str:
    """The operator's query plus the source-language and source-country filters."""
    query = source.query.strip()
    low = query.lower()
    if source.lang and "sourcelang:" not in low:
        query += f" sourcelang:{SOURCELANG.get(source.lang, source.lang)}"
    if source.country and "sourcecountry:" not in low:
        query += f" sourcecountry:{source.country.replace(' ', '').lower()}"
    return query


def build_url(source: Source) -> str:
    """The DOC 2.0 ArtList JSON URL; `source.url`, when set, replaces the public endpoint."""
    minutes = max(15, min(3 * 24 * 60, math.ceil(2 * source.every_s / 60)))
    params = {
        "query": build_query(source),
        "mode": "ArtList",
        "format": "json",
        "maxrecords": str(MAX_RECORDS),
        "sort": "DateDesc",
        "timespan": f"{minutes}min",
    }
    return f"{source.url or GDELT_BASE}?{urlencode(params)}"


def looks_like(body: bytes) -> bool:
    """Whether a body is an ArtList JSON answer (a saved one, read by a `file` source)."""
    start = head(body)
    return start.startswith(b"{") and b'"articles"' in body[:200_000] and b"jsonfeed" not in start


def parse(body: bytes, source: Source) -> list[Item]:
    """Items from a DOC 2.0 ArtList JSON answer; an empty answer is no articles."""
    text = body.decode("utf-8", errors="replace").strip()
    if not text:
        return []
    if not text.startswith("{"):
        raise ParseError(f"GDELT answered: {one_line(text)[:200]}")
    try:
        data = json.loads(text, strict=False)
    except json.JSONDecodeError as exc:
        raise ParseError(f"GDELT sent unreadable JSON ({exc})") from exc
    articles = data.get("articles", []) if isinstance(data, dict) else None
    if not isinstance(articles, list):
        raise ParseError("GDELT JSON without an articles list")
    items = []
    for art in articles:
        if not isinstance(art, dict) or not isinstance(art.get("url"), str) or not art["url"]:
            continue
        extra = {k: str(art[k]) for k in ("domain", "sourcecountry", "language") if art.get(k)}
        items.append(
            Item(
                source=source.name,
                url=art["url"],
                guid=art["url"],
                title=one_line(str(art.get("title") or "")),
                lang=source.lang or lang_code(str(art.get("language") or "")),
                published=seendate(str(art.get("seendate") or "")),
                extra=extra,
            )
        )
    return items


def seendate(value: str) -> datetime | None:
    """GDELT's `20240315T120000Z` as aware UTC."""
    try:
        return datetime.strptime(value.strip(), "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    except ValueError:
        return None
