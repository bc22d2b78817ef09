"""Every kind of source in one table: the address polled for it, and how its bodies are read.

`KINDS[kind]` (keyed as `config.model.SOURCE_KINDS`, which says what rules.yaml gives each kind)
holds a kind's `url` (the address polled for a source; None for `file`, read from disk by
`watchers.files`), its `parse` (a body's items, the feed's TTL hint and what was unreadable),
its `looks_like` (how its body is told among local files; None for a kind with no signature of
its own) and `feed` (a feed reader can poll its address: OPML export). `parse_any`, the parser
of a `file` source, reads a body of any kind by what it looks like.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from config.model import Source
from core.errors import ParseError
from watchers import gdelt, google_news, rss, telegram_channel
from watchers.rss import ParsedFeed

# (body, source, the response's headers, the address it came from) -> what it holds
Parse = Callable[[bytes, Source, Mapping[str, str], str], ParsedFeed]


@dataclass(frozen=True)
class Kind:
    """How the watchers poll one kind of source and read what comes back."""

    build_url: Callable[[Source], str] | None  # the address polled; None: not over HTTP
    parse: Parse
    looks_like: Callable[[bytes], bool] | None = None
    feed: bool = False


def _feed_url(source: Source) -> str:
    return source.url


def _feed(body: bytes, source: Source, headers: Mapping[str, str], base: str) -> ParsedFeed:
    return rss.parse_feed(body, source, headers=headers, base_url=base)


def _google_news(body: bytes, source: Source, headers: Mapping[str, str], base: str) -> ParsedFeed:
    return google_news.parse_feed(body, source, headers=headers, base_url=base)


def _gdelt(body: bytes, source: Source, headers: Mapping[str, str], base: str) -> ParsedFeed:
    return ParsedFeed(gdelt.parse(body, source))


def _telegram(body: bytes, source: Source, headers: Mapping[str, str], base: str) -> ParsedFeed:
    return ParsedFeed(telegram_channel.parse(body, source))


def parse_any(body: bytes, source: Source, headers: Mapping[str, str], base: str) -> ParsedFeed:
    """A body of whichever kind it looks like; an RSS, Atom, RDF or JSON feed when it looks
    like none."""
    like = (k for k in KINDS.values() if k.looks_like is not None and k.looks_like(body))
    return next(like, KINDS["rss"]).parse(body, source, headers, base)


KINDS: dict[str, Kind] = {
    "rss": Kind(_feed_url, _feed, feed=True),
    "gdelt": Kind(gdelt.build_url, _gdelt, gdelt.looks_like),
    "google_news": Kind(google_news.build_url, _google_news, feed=True),
    "telegram_channel": Kind(telegram_channel.build_url, _telegram, telegram_channel.looks_like),
    "file": Kind(None, parse_any),
}


def kind_of(source: Source) -> Kind:
    """The table's row for `source`; ParseError for a kind it does not know."""
    try:
        return KINDS[source.kind]
    except KeyError:
        raise ParseError(f"unknown kind of source {source.kind!r}") from None


def source_url(source: Source) -> str:
    """The address polled for `source`; ParseError for a kind not polled over HTTP (`file`)."""
    build_url = kind_of(source).build_url
    if build_url is None:
        raise ParseError(f"kind {source.kind!r} is not polled over HTTP")
    return build_url(source)
