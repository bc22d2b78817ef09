"""JSON Feed 1.0 / 1.1 (jsonfeed.org), read by hand: feedparser does not read it."""

from __future__ import annotations

import json
from typing import Any

from config.model import Source
from core.errors import ParseError
from core.items import Item
from watchers.text import fallback_guid, head, html_to_text, iso_to_utc, lang_code, one_line


def looks_like_json_feed(body: bytes, content_type: str = "") -> bool:
    """True for a body that is a JSON object naming jsonfeed.org as its version."""
    start = head(body)
    if not start.startswith(b"{"):
        return False
    return b"jsonfeed.org" in start or "json" in content_type.lower()


def parse(body: bytes, source: Source) -> list[Item]:
    """Items of a JSON Feed; ParseError when the body is not one."""
    try:
        data = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ParseError(f"not a readable JSON Feed ({exc})") from exc
    if not isinstance(data, dict) or "jsonfeed.org" not in str(data.get("version", "")):
        raise ParseError("JSON, but not a JSON Feed (no jsonfeed.org version)")
    entries = data.get("items")
    if not isinstance(entries, list):
        raise ParseError("JSON Feed without an items list")
    feed_lang = lang_code(str(data.get("language") or ""))
    items = []
    for entry in entries:
        if isinstance(entry, dict):
            item = _item(entry, source, feed_lang)
            if item is not None:
                items.append(item)
    return items


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _item(entry: dict[str, Any], source: Source, feed_lang: str) -> Item | None:
    url = _text(entry.get("url")) or _text(entry.get("external_url"))
    title = one_line(html_to_text(_text(entry.get("title"))))
    content = _text(entry.get("content_text")) or html_to_text(_text(entry.get("content_html")))
    summary = html_to_text(_text(entry.get("summary"))) or content
    text = content if content and content != summary else ""
    raw_id = entry.get("id")
    guid = str(raw_id) if isinstance(raw_id, str | int) and str(raw_id) else url
    if not (title or url or summary):
        return None
    if not guid:
        guid = fallback_guid(title, summary)
    published = iso_to_utc(_text(entry.get("date_published"))) or iso_to_utc(
        _text(entry.get("date_modified"))
    )
    return Item(
        source=source.name,
        url=url,
        guid=guid,
        title=title,
        summary=summary,
        text=text,
        lang=source.lang or lang_code(_text(entry.get("language"))) or feed_lang,
        published=published,
    )
