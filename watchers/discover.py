"""Finding a site's feed from its address, as feed readers do.

`feed_links(html, base)` (pure) lists the feeds a page announces with
`<link rel="alternate" type="application/rss+xml|atom+xml|feed+json|json">`, made absolute
against the page (or its `<base href>`). `discover(url, fetcher)` fetches the address through the
project's one HTTP client: when the address is a feed itself, that is the feed; otherwise it
tries the announced feeds in page order, then the common paths (/feed, /rss, /rss.xml,
/feed.xml, /atom.xml, /index.xml, under the page's folder then the site's root), and returns the
first answer that is a feed, with every attempt and its failure in words.
"""

from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from core.errors import FetchError
from watchers.http import Fetcher, Response
from watchers.jsonfeed import looks_like_json_feed
from watchers.text import head

FEED_TYPES = {
    "application/rss+xml": "RSS",
    "application/atom+xml": "Atom",
    "application/rdf+xml": "RDF",
    "application/feed+json": "JSON Feed",
    "application/json": "JSON Feed",
}
COMMON_PATHS = ("feed", "rss", "rss.xml", "feed.xml", "atom.xml", "index.xml")
MAX_TRIES = 12  # requests after the page itself: a site is asked politely, not scanned
_HTML_CHARS = 512_000  # feeds are announced in the head: the rest of a page is not read


@dataclass(frozen=True)
class FeedLink:
    """A feed a page announces: its absolute address, its kind (RSS, Atom...) and title."""

    url: str
    kind: str
    title: str = ""


@dataclass(frozen=True)
class Attempt:
    """One address tried: how it was found ("link", "common path") and why it failed ("")."""

    url: str
    how: str
    error: str = ""


@dataclass(frozen=True)
class Discovery:
    """What `discover` found: the feed's address, its answer and how it was found ("" and None
    when no feed was found), the feeds the page announced, and every address tried."""

    page: str
    feed_url: str
    response: Response | None
    how: str
    title: str
    links: tuple[FeedLink, ...]
    attempts: tuple[Attempt, ...]


class _LinkParser(HTMLParser):
    def __init__(self, base: str) -> None:
        super().__init__(convert_charrefs=True)
        self.base = base
        self.links: list[FeedLink] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = {k.lower(): (v or "").strip() for k, v in attrs}
        if tag == "base" and attr.get("href"):
            self.base = urljoin(self.base, attr["href"])
        if tag not in ("link", "a") or not attr.get("href"):
            return
        rels = attr.get("rel", "").lower().split()
        kind = FEED_TYPES.get(attr.get("type", "").lower().split(";")[0].strip())
        if "alternate" in rels and kind:
            url = urljoin(self.base, attr["href"])
            if urlsplit(url).scheme in ("http", "https") and url not in {x.url for x in self.links}:
                self.links.append(FeedLink(url, kind, " ".join(attr.get("title", "").split())))


def feed_links(html: str, base: str) -> list[FeedLink]:
    """The feeds a page announces with `<link rel="alternate" type=...>`, in page order."""
    parser = _LinkParser(base)
    parser.feed(html[:_HTML_CHARS])
    parser.close()
    return parser.links


def looks_like_feed(body: bytes, content_type: str = "") -> bool:
    """True when a body is an RSS, Atom, RDF or JSON feed (by its first element, not its
    Content-Type, which many servers get wrong)."""
    if looks_like_json_feed(body, content_type):
        return True
    start = head(body).lower()
    if b"<html" in start[:512] or start.startswith(b"<!doctype html"):
        return False
    return any(tag in start for tag in (b"<rss", b"<feed", b"<rdf:rdf", b"<channel"))


def candidates(page_url: str, links: list[FeedLink]) -> list[tuple[str, str]]:
    """(address, how found) to try after the page: its feeds, then the common paths under the
    page's folder and the site's root; each address once, the page itself never."""
    out = [(link.url, "link") for link in links]
    parts = urlsplit(page_url)
    root = f"{parts.scheme}://{parts.netloc}/"
    folder = urljoin(page_url, ".")
    for base in dict.fromkeys((folder, root)):
        out.extend((urljoin(base, path), "common path") for path in COMMON_PATHS)
    seen = {page_url}
    unique = []
    for url, how in out:
        if url not in seen:
            seen.add(url)
            unique.append((url, how))
    return unique


def _text(response: Response) -> str:
    charset = ""
    for part in response.headers.get("content-type", "").split(";")[1:]:
        key, _, value = part.strip().partition("=")
        if key.lower() == "charset":
            charset = value.strip().strip('"')
    try:
        return response.body.decode(charset or "utf-8", errors="replace")
    except LookupError:  # a charset Python does not know: the tags are ASCII anyway
        return response.body.decode("utf-8", errors="replace")


async def discover(url: str, fetcher: Fetcher, max_tries: int = MAX_TRIES) -> Discovery:
    """The feed behind `url` (see the module docstring). FetchError when the page itself cannot
    be fetched; a Discovery with an empty `feed_url` when no feed was found."""
    page = await fetcher.get(url)
    content_type = page.headers.get("content-type", "")
    if looks_like_feed(page.body, content_type):
        return Discovery(url, page.final_url, page, "the address is a feed", "", (), ())
    links = feed_links(_text(page), page.final_url)
    titles = {link.url: link.title for link in links}
    attempts: list[Attempt] = []
    for candidate, how in candidates(page.final_url, links)[:max_tries]:
        try:
            answer = await fetcher.get(candidate)
        except FetchError as exc:
            attempts.append(Attempt(candidate, how, str(exc)))
            continue
        if looks_like_feed(answer.body, answer.headers.get("content-type", "")):
            attempts.append(Attempt(candidate, how))
            found = "<link rel=alternate> on the page" if how == "link" else "a common path"
            return Discovery(
                url, answer.final_url, answer, found, titles.get(candidate, ""),
                tuple(links), tuple(attempts),
            )  # fmt: skip
        kind = answer.headers.get("content-type", "").split(";")[0] or "no Content-Type"
        attempts.append(Attempt(candidate, how, f"not a feed ({kind})"))
    return Discovery(url, "", None, "", "", tuple(links), tuple(attempts))
