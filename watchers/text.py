"""Text helpers every parser shares: HTML to plain text, dates to aware UTC, language codes, the
GUID of an entry that names none, and the head of a body (to tell its format)."""

from __future__ import annotations

import hashlib
import html
import re
import time
from datetime import UTC, datetime
from html.parser import HTMLParser

_SKIP = {"script", "style", "noscript", "template", "head", "title", "svg", "iframe", "object"}
_BLOCK = {
    "p", "div", "br", "li", "ul", "ol", "tr", "td", "th", "table", "h1", "h2", "h3", "h4", "h5",
    "h6", "blockquote", "section", "article", "header", "footer", "figure", "figcaption", "hr",
    "pre", "dd", "dt", "dl",
}  # fmt: skip
_SPACES = re.compile(r"[ \t\r\f\v\u00a0\u200b]+")
_LINES = re.compile(r"\s*\n\s*")
_TAGLIKE = re.compile(r"<[A-Za-z!/]")
_LANGS = {
    "arabic": "ar", "french": "fr", "english": "en", "russian": "ru", "spanish": "es",
    "german": "de", "portuguese": "pt", "italian": "it", "turkish": "tr", "persian": "fa",
    "ukrainian": "uk", "chinese": "zh", "hausa": "ha", "greek": "el",
}  # fmt: skip


def head(body: bytes, size: int = 4096) -> bytes:
    """The first `size` bytes of a body, without a UTF-8 byte order mark or leading space."""
    return body[:size].lstrip(b"\xef\xbb\xbf \t\r\n")


class _TextParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self._skip += 1
        elif tag in _BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self._skip = max(0, self._skip - 1)
        elif tag in _BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def html_to_text(markup: str) -> str:
    """Plain text from an HTML fragment: tags and scripts dropped, entities decoded, spaces tidied.

    Paragraph breaks become single newlines; runs of spaces become one space.
    """
    if not markup:
        return ""
    if _TAGLIKE.search(markup):
        parser = _TextParser()
        parser.feed(markup)
        parser.close()
        text = "".join(parser.parts)
    else:
        text = html.unescape(markup)
    text = _SPACES.sub(" ", text)
    text = _LINES.sub("\n", text)
    return text.strip()


def one_line(text: str) -> str:
    """Collapse all whitespace (titles): one line, single spaces."""
    return " ".join(text.split())


def struct_to_utc(value: time.struct_time | None) -> datetime | None:
    """feedparser's *_parsed (a UTC struct_time) as an aware datetime, or None."""
    if value is None:
        return None
    try:
        return datetime(*value[:6], tzinfo=UTC)
    except (TypeError, ValueError):
        return None


def iso_to_utc(value: str) -> datetime | None:
    """An ISO 8601 / RFC 3339 string as aware UTC (naive means UTC); None when unreadable."""
    value = value.strip()
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def lang_code(value: str) -> str:
    """A language code from "en-US", "fr_FR", "ar" or a name like "Arabic"; "" if none."""
    value = value.strip().lower()
    if not value:
        return ""
    if value in _LANGS:
        return _LANGS[value]
    head = re.split(r"[-_\s]", value, maxsplit=1)[0]
    return head if len(head) in (2, 3) and head.isalpha() else ""


def fallback_guid(title: str, summary: str) -> str:
    """The GUID of an entry with neither id nor link: a digest of its title and summary."""
    return "sha1:" + hashlib.sha1(f"{title}\n{summary}".encode()).hexdigest()
