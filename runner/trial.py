"""Trying a new source before it is added: find its feed, read it, and match it against the
current rules, as one poll would, without storing or delivering anything.

`try_url(url, fetcher, matcher)` takes what an operator has: a site's address, a feed's address,
or a public Telegram channel's (t.me/NAME). It finds the feed (`watchers.discover`), parses it
with the parser of its kind (`watchers.poll.parse_response`), guesses its language
(`watchers.language`) to set beside the one the feed declares, and counts the items each topic
would match now. The result says how the source would be written in rules.yaml.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from config.model import Source
from core.errors import SourceError
from core.items import Item
from matching.engine import Matcher
from watchers import language
from watchers.discover import Discovery, discover
from watchers.http import Fetcher
from watchers.kinds import source_url
from watchers.opml import feed_url
from watchers.poll import parse_response

TELEGRAM_HOSTS = ("t.me", "telegram.me", "www.t.me")
DETECT_ITEMS = 30  # items whose text is read to guess the language


@dataclass(frozen=True)
class Trial:
    """What trying `url` found. `error` is set (in words) when no readable feed was found;
    otherwise `fields` are the source's rules.yaml fields, in the order they are written."""

    url: str
    fields: dict[str, str] = field(default_factory=dict)
    discovery: Discovery | None = None
    title: str = ""
    items: tuple[Item, ...] = ()
    degraded: str = ""
    declared_lang: str = ""
    detected_lang: str = ""
    on_topic: tuple[tuple[Item, tuple[str, ...]], ...] = ()
    error: str = ""

    @property
    def topic_counts(self) -> Counter[str]:
        """How many of the items each topic would match now."""
        return Counter(topic for _, topics in self.on_topic for topic in topics)


def telegram_channel_of(url: str) -> str:
    """The channel name of a t.me link (t.me/NAME, t.me/s/NAME), "" for any other address."""
    parts = urlsplit(url if "//" in url else f"https://{url}")
    if (parts.hostname or "").lower() not in TELEGRAM_HOSTS:
        return ""
    path = [p for p in parts.path.split("/") if p]
    if path and path[0] == "s":
        path = path[1:]
    return path[0] if path else ""


async def try_url(
    url: str, fetcher: Fetcher, matcher: Matcher, *, name: str = "", lang: str = "", every: str
) -> Trial:
    """Find, read and match the feed behind `url` (see the module docstring); never raises for
    what the site answers: every failure is the Trial's `error`."""
    channel = telegram_channel_of(url)
    discovery = None
    try:
        if channel:
            source = Source(name=channel, kind="telegram_channel", every_s=1, channel=channel)
            response = await fetcher.get(source_url(source))
            how_title = ""
        else:
            discovery = await discover(url, fetcher)
            if discovery.response is None:
                return Trial(url, discovery=discovery, error=_nothing_found(discovery))
            response = discovery.response
            source = Source(name="trial", kind="rss", every_s=1, url=discovery.feed_url)
            how_title = discovery.title
        feed = parse_response(source, response)
    except SourceError as exc:
        return Trial(url, discovery=discovery, error=str(exc))
    items = tuple(feed.items)
    declared = Counter(i.lang for i in items if i.lang).most_common(1)
    detected = language.detect(f"{i.title} {i.summary}" for i in items[:DETECT_ITEMS])
    chosen_lang = lang or detected or (declared[0][0] if declared else "")
    host = urlsplit(source.url or url).hostname or url
    fields = {
        "name": name or feed.title or how_title or (f"@{channel}" if channel else host),
        "kind": source.kind,
        "url": source.url,
        "channel": channel,
        "lang": chosen_lang,
        "every": every,
    }
    matches = [(item, matcher.match_item(item).matched_topics) for item in items]
    return Trial(
        url,
        fields={k: v for k, v in fields.items() if v},
        discovery=discovery,
        title=feed.title,
        items=items,
        degraded=feed.degraded,
        declared_lang=declared[0][0] if declared else "",
        detected_lang=detected,
        on_topic=tuple((item, topics) for item, topics in matches if topics),
    )


def _nothing_found(found: Discovery) -> str:
    tried = "; ".join(f"{a.url}: {a.error}" for a in found.attempts if a.error)
    linked = f"the page links {len(found.links)} feed(s), none readable" if found.links else ""
    reason = linked or "the page links no feed and no common path answered with one"
    return f"no feed found at {found.page} ({reason}){': ' + tried if tried else ''}"


def already_watched(sources: Sequence[Source], fields: dict[str, str]) -> str:
    """Why a source with these fields cannot be added beside `sources` ("" when it can): its
    name is taken (names are compared without case, as the loader does) or its feed or
    channel is watched already."""
    for source in sources:
        if source.name.lower() == fields.get("name", "").lower():
            return f"a source is already named {source.name!r}"
        if fields.get("url") and feed_url(source) == fields["url"]:
            return f"this feed is already watched as {source.name!r}"
        if fields.get("channel") and source.channel.lower() == fields["channel"].lower():
            return f"this channel is already watched as {source.name!r}"
    return ""
