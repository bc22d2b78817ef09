"""Full text: fetch an article page through the polite Fetcher and extract its main text.

`fetch_text` uses trafilatura with `fast=True` (the default mode keeps link farms on ad-heavy
pages). `enrich` adds the text to the items a predicate picks: every new item of a source marked
`full_text: true`, or (wired by the caller, who owns the matcher) an item whose headline and
summary came close to a topic's threshold without reaching it. A page that fails leaves its item
as it was.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from dataclasses import replace

from core.errors import SourceError
from core.items import Item
from core.log import event
from watchers.http import Fetcher

MAX_PER_CALL = 30


def extract_text(html: bytes | str, url: str = "") -> str:
    """The main text of an article page ("" when trafilatura finds none)."""
    if not html:
        return ""
    # Imported here: trafilatura pulls in lxml and friends (~0.3 s), needed only for full text.
    import trafilatura

    text = trafilatura.extract(
        html,
        url=url or None,
        fast=True,
        include_comments=False,
        include_tables=False,
        include_links=False,
    )
    return str(text or "").strip()


async def fetch_text(fetcher: Fetcher, url: str) -> str:
    """Fetch `url` (same limits as any feed) and return its main text; FetchError on failure."""
    response = await fetcher.get(url)
    return await asyncio.to_thread(extract_text, response.body, response.final_url)


async def enrich(
    items: Iterable[Item],
    fetcher: Fetcher,
    want: Callable[[Item], bool] = lambda item: True,
    limit: int = MAX_PER_CALL,
) -> list[Item]:
    """The items, with `text` filled for up to `limit` of those `want` picks (pages in parallel)."""
    items = list(items)
    picked = [i for i, item in enumerate(items) if item.url and not item.text and want(item)]
    picked = picked[:limit]

    async def one(index: int) -> None:
        item = items[index]
        try:
            text = await fetch_text(fetcher, item.url)
        except SourceError as exc:
            event("fulltext", item.source, level=logging.DEBUG, ok=False, error=str(exc))
            return
        if text:
            items[index] = replace(item, text=text)

    await asyncio.gather(*(one(i) for i in picked))
    return items
