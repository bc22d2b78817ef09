"""Feeds to Items: RSS 0.9x/1.0/2.0, RDF and Atom through feedparser, JSON Feed by hand.

feedparser always gets the bytes wrapped in a BytesIO: given bytes or a string it may open them
as a file path or a URL. Before it sees them, `xmlsafe.defuse` refuses entity bombs and
`xmlsafe.decoding` says how to read them (a sniffed charset for undeclared 8-bit text; bytes
that are not what they say are read anyway, and the feed is reported degraded). Summaries come
out as plain text, dates as aware UTC, and the GUID falls back to the link.

feedparser joins every start tag's base URI with the document's own (a urljoin per tag, a
quarter of its time on a typical feed, always the same two strings): its module's URL joiner is
memoised here (`_memoise_feedparser_joins`: pure functions of their strings, so what it
returns is unchanged).
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import urljoin

import feedparser
from feedparser import mixin as feedparser_mixin
from feedparser.exceptions import ThingsNobodyCaresAboutButMe

from config.model import Source
from core.errors import ParseError
from core.items import Item
from watchers import jsonfeed
from watchers.text import fallback_guid, html_to_text, lang_code, one_line, struct_to_utc
from watchers.xmlsafe import decoding, defuse


def _memoise_feedparser_joins() -> None:
    """feedparser.mixin calls `make_safe_absolute_uri(base, base)` on every start tag and
    `_urljoin(base, uri)` for every link; both are pure, and the base is one string a feed."""
    for name in ("make_safe_absolute_uri", "_urljoin"):
        joiner = getattr(feedparser_mixin, name)
        if not hasattr(joiner, "cache_info"):
            setattr(feedparser_mixin, name, lru_cache(maxsize=256)(joiner))


_memoise_feedparser_joins()


@dataclass(frozen=True)
class ParsedFeed:
    """A parsed feed: its items, its `<ttl>` in seconds when it gave one, its title, and why it
    was only partly readable (`degraded`: bytes that were not what they said, see
    xmlsafe.decoding; feedparser's complaint when the XML is ill-formed but items were read;
    "" for a feed read whole)."""

    items: list[Item]
    ttl_s: float | None = None
    title: str = ""
    degraded: str = ""


def parse(
    body: bytes,
    source: Source,
    *,
    headers: Mapping[str, str] | None = None,
    base_url: str = "",
) -> list[Item]:
    """The items of a feed body; ParseError when the body is not a readable feed."""
    return parse_feed(body, source, headers=headers, base_url=base_url).items


def parse_feed(
    body: bytes,
    source: Source,
    *,
    headers: Mapping[str, str] | None = None,
    base_url: str = "",
) -> ParsedFeed:
    """Like `parse`, also returning the feed's TTL hint and title."""
    hdrs = {k.lower(): v for k, v in (headers or {}).items()}
    content_type = hdrs.get("content-type", "")
    if not body.strip():
        raise ParseError("the body is empty")
    if jsonfeed.looks_like_json_feed(body, content_type):
        return ParsedFeed(jsonfeed.parse(body, source))
    body = defuse(body)
    response_headers = {}
    if content_type:
        response_headers["content-type"] = content_type
    read = decoding(body, content_type)
    body = read.body
    if read.charset:
        mime = content_type.split(";")[0].strip() or "application/xml"
        response_headers["content-type"] = f"{mime}; charset={read.charset}"
    location = hdrs.get("content-location", "")
    base = urljoin(base_url, location) if base_url and location else (location or base_url)
    if base:
        # Relative links resolve against Content-Location, else the document's own address.
        response_headers["content-location"] = base
    result = feedparser.parse(
        io.BytesIO(body),
        response_headers=response_headers,
        # Summaries become plain text here (scripts and styles dropped by html_to_text), so
        # feedparser's HTML sanitizer and in-HTML link resolver would be wasted passes.
        resolve_relative_uris=False,
        sanitize_html=False,
    )
    entries = result.get("entries") or []
    if not entries:
        _explain_empty(result, body)
    problem = _ill_formed(result)
    feed = result.get("feed") or {}
    items = []
    for entry in entries:
        item = _item(entry, feed, source)
        if item is not None:
            items.append(item)
    broken = f"ill-formed feed, {len(items)} items read ({problem})" if problem else ""
    degraded = "; ".join(why for why in (read.degraded, broken) if why)
    return ParsedFeed(
        items, ttl_s=_ttl(feed), title=one_line(str(feed.get("title") or "")), degraded=degraded
    )


def _ill_formed(result: Any) -> str:
    """feedparser's complaint when the XML itself is broken, else "" (Content-Type and charset
    complaints do not make a feed unreadable)."""
    exc = result.get("bozo_exception")
    if not result.get("bozo") or isinstance(exc, ThingsNobodyCaresAboutButMe):
        return ""
    return str(exc or "").strip() or type(exc).__name__


def _explain_empty(result: Any, body: bytes) -> None:
    """A feed with no entries is fine when well-formed; otherwise say what the body was."""
    problem = _ill_formed(result)
    bozo = bool(problem)
    version = result.get("version") or ""
    head = body[:2048].lower()
    if not version and (b"<html" in head or b"<!doctype html" in head):
        raise ParseError("an HTML page, not a feed")
    if bozo and not version:
        raise ParseError(f"not a feed ({problem or 'no RSS, Atom or RDF root element'})")
    if bozo:
        raise ParseError(f"ill-formed feed with no readable items ({problem})")
    if not version:
        raise ParseError("not a feed (no RSS, Atom or RDF root element)")


def _ttl(feed: Mapping[str, Any]) -> float | None:
    raw = str(feed.get("ttl") or "").strip()
    return float(raw) * 60.0 if raw.isdigit() and int(raw) > 0 else None


def _detail_text(entry: Mapping[str, Any], key: str) -> str:
    value = str(_raw(entry, key) or "")
    detail = _raw(entry, f"{key}_detail") or {}
    if (_raw(detail, "type") or "text/html") == "text/plain":
        return value.strip()
    return html_to_text(value)


def _raw(entry: Mapping[str, Any], key: str) -> Any:
    """entry[key] without FeedParserDict's key mapping (it maps missing dates, with a warning,
    and its lookup costs more than the parse of the key's element; the keys read here are
    stored under their own names)."""
    return dict.get(entry, key) if isinstance(entry, dict) else entry.get(key)


def _item(entry: Mapping[str, Any], feed: Mapping[str, Any], source: Source) -> Item | None:
    title = one_line(_detail_text(entry, "title"))
    summary = _detail_text(entry, "summary")
    content = ""
    for part in _raw(entry, "content") or []:
        value = str(_raw(part, "value") or "")
        if value.strip():
            content = value.strip() if _raw(part, "type") == "text/plain" else html_to_text(value)
            break
    if not summary:
        summary = content
    text = content if content and content != summary else ""
    url = str(_raw(entry, "link") or "")
    if not url:
        for link in _raw(entry, "links") or []:
            if _raw(link, "href"):
                url = str(link["href"])
                break
    guid = str(_raw(entry, "id") or "") or url
    if not (title or url or summary):
        return None
    if not guid:
        guid = fallback_guid(title, summary)
    published = (
        struct_to_utc(_raw(entry, "published_parsed"))
        or struct_to_utc(_raw(entry, "updated_parsed"))
        or struct_to_utc(_raw(entry, "created_parsed"))
    )
    lang = (
        source.lang
        or lang_code(str(_raw(_raw(entry, "title_detail") or {}, "language") or ""))
        or lang_code(str(feed.get("language") or ""))
    )
    extra: dict[str, str] = {}
    origin = _raw(entry, "source") or {}
    if _raw(origin, "title"):
        extra["outlet"] = one_line(str(origin["title"]))
    if _raw(origin, "href"):
        extra["outlet_url"] = str(origin["href"])
    return Item(
        source=source.name,
        url=url,
        guid=guid,
        title=title,
        summary=summary,
        text=text,
        lang=lang,
        published=published,
        extra=extra,
    )
