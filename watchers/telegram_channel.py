"""Public Telegram channels through their web preview page (t.me/s/NAME): each post an Item.

The page lists the latest posts as `div.tgme_widget_message[data-post="name/123"]`, the text in
`div.tgme_widget_message_text` (`<br>` for line breaks) and the time in
`a.tgme_widget_message_date > time[datetime]`. Posts without text (a bare photo) are skipped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

from config.model import Source
from core.errors import ParseError
from core.items import Item
from watchers.text import head, iso_to_utc, one_line

TELEGRAM_BASE = "https://t.me/s"
TITLE_CHARS = 160


def build_url(source: Source) -> str:
    """`https://t.me/s/NAME`; `source.url`, when set, replaces `https://t.me/s`."""
    channel = source.channel.strip().lstrip("@")
    return f"{(source.url or TELEGRAM_BASE).rstrip('/')}/{channel}"


@dataclass
class _Post:
    post: str
    text: list[str] = field(default_factory=list)
    preview: list[str] = field(default_factory=list)
    when: str = ""


class _PageParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.posts: list[_Post] = []
        self.channel_page = False
        self._post: _Post | None = None
        self._post_depth = 0  # open divs inside the current post
        self._text_depth = 0  # open divs inside its text block (0 = not in text)
        self._preview_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = {k: v or "" for k, v in attrs}
        classes = attr.get("class", "").split()
        if "tgme_channel_history" in classes or "tgme_widget_message_wrap" in classes:
            self.channel_page = True
        if tag == "br" and self._text_depth and self._post is not None:
            self._post.text.append("\n")
            return
        if tag == "time" and self._post is not None and attr.get("datetime"):
            self._post.when = attr["datetime"]
        if tag != "div":
            return
        if "tgme_widget_message" in classes and attr.get("data-post"):
            self._post = _Post(post=attr["data-post"])
            self.posts.append(self._post)
            self._post_depth = 1
            return
        if self._post is None:
            return
        self._post_depth += 1
        if self._text_depth:
            self._text_depth += 1
            self._post.text.append("\n")
        elif "tgme_widget_message_text" in classes and not self._preview_depth:
            self._text_depth = 1
        if self._preview_depth:
            self._preview_depth += 1
        elif "link_preview_title" in classes or "link_preview_description" in classes:
            self._preview_depth = 1

    def handle_endtag(self, tag: str) -> None:
        if tag != "div" or self._post is None:
            return
        if self._text_depth:
            self._text_depth -= 1
            self._post.text.append("\n")
        if self._preview_depth:
            self._preview_depth -= 1
            if not self._preview_depth:
                self._post.preview.append("\n")
        self._post_depth -= 1
        if self._post_depth <= 0:
            self._post = None

    def handle_data(self, data: str) -> None:
        if self._post is None:
            return
        if self._text_depth:
            self._post.text.append(data)
        elif self._preview_depth:
            self._post.preview.append(data)


def _lines(parts: list[str]) -> str:
    lines = (" ".join(line.split()) for line in "".join(parts).split("\n"))
    return "\n".join(line for line in lines if line)


def looks_like(body: bytes) -> bool:
    """Whether a body is a t.me/s page (a saved one, read by a `file` source)."""
    start = head(body).lower()
    return b"tgme_" in body[:200_000] and (b"<html" in start or b"<!doctype html" in start)


def parse(body: bytes, source: Source) -> list[Item]:
    """Items of a t.me/s page; ParseError when the page is not a channel preview."""
    parser = _PageParser()
    parser.feed(body.decode("utf-8", errors="replace"))
    parser.close()
    if not parser.posts and not parser.channel_page:
        raise ParseError("not a Telegram channel preview page (no posts found)")
    items = []
    for post in parser.posts:
        text = _lines(post.text)
        preview = _lines(post.preview)
        if not text and not preview:
            continue
        first = (text or preview).split("\n", 1)[0]
        title = one_line(first)
        if len(title) > TITLE_CHARS:
            title = title[: TITLE_CHARS - 1].rsplit(" ", 1)[0] + "…"
        summary = "\n".join(part for part in (text, preview) if part)
        url = f"https://t.me/{post.post}"
        items.append(
            Item(
                source=source.name,
                url=url,
                guid=url,
                title=title,
                summary=summary,
                lang=source.lang,
                published=iso_to_utc(post.when),
                extra={"channel": post.post.split("/", 1)[0]},
            )
        )
    return items
