"""Google News search feeds: the RSS URL built from a query, language and region, and its items.

Google News titles end in " - Outlet"; the outlet is moved to `extra["outlet"]` (from the item's
`<source>` element) and cut from the title so the headline matches and clusters as itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from urllib.parse import urlencode

from config.model import Source
from core.items import Item
from watchers import rss

GOOGLE_NEWS_BASE = "https://news.google.com/rss/search"
DEFAULT_REGION = {"ar": "EG", "fr": "FR", "en": "US", "ru": "RU"}


def build_url(source: Source) -> str:
    """`.../rss/search?q=...&hl=..&gl=..&ceid=GL:hl`; `source.url` replaces the endpoint."""
    hl = source.lang or "en"
    gl = (source.country or DEFAULT_REGION.get(hl, "US")).upper()
    params = {"q": source.query, "hl": hl, "gl": gl, "ceid": f"{gl}:{hl}"}
    return f"{source.url or GOOGLE_NEWS_BASE}?{urlencode(params)}"


def parse_feed(
    body: bytes, source: Source, *, headers: Mapping[str, str] | None = None, base_url: str = ""
) -> rss.ParsedFeed:
    """A Google News feed (see `rss.parse_feed`), titles without their " - Outlet" tail."""
    parsed = rss.parse_feed(body, source, headers=headers, base_url=base_url)
    return replace(parsed, items=[clean(item) for item in parsed.items])


def clean(item: Item) -> Item:
    """Cut the outlet from the end of the title (and from the summary's tail)."""
    outlet = item.extra.get("outlet", "")
    title = item.title
    if outlet and title.endswith(f" - {outlet}"):
        title = title[: -len(outlet) - 3].rstrip()
    summary = item.summary
    if outlet and summary.endswith(outlet):
        summary = summary[: -len(outlet)].rstrip()
    return replace(item, title=title, summary=summary)
