"""The one renderer of Telegram HTML: every string that came from a feed or an operator goes
through `esc` (html.escape) here, and nowhere else builds markup.

Feed text is also isolated with Unicode FSI/PDI (U+2068/U+2069) so an Arabic headline keeps its
direction next to Latin outlet names, times and labels (and a Latin name inside an Arabic line
does not scramble it). Only tags Telegram accepts are produced: <b>, <i>, <a href="...">.
Lengths are measured as Telegram does, in UTF-16 code units (`tg_len`).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from datetime import datetime, tzinfo

from core.health import SourceHealth
from core.story import StoryItemView, StoryView
from delivery.i18n import text

FSI = "\u2068"  # first strong isolate
PDI = "\u2069"  # pop directional isolate
MAX_HEADLINE = 300
MAX_LABELS = 6
MAX_URL = 2048  # longer links are dropped (the label stays): one URL must not fill a message
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]")
_SPACES = re.compile(r"\s+")
_LINK = re.compile(r'<a href="[^"]*">(.*?)</a>', re.S)  # as `link` writes them


def tg_len(s: str) -> int:
    """Length as Telegram counts it (UTF-16 code units)."""
    return len(s.encode("utf-16-le")) // 2


def clean(s: str, limit: int = MAX_HEADLINE) -> str:
    """Feed text made safe to show: control and bidi-override characters removed, whitespace
    collapsed, cut to `limit` characters (with an ellipsis)."""
    s = _SPACES.sub(" ", _CONTROL.sub("", s or "")).strip()
    return s if len(s) <= limit else s[: limit - 1].rstrip() + "…"


def esc(s: str, limit: int = MAX_HEADLINE) -> str:
    """Feed or operator text as HTML: cleaned, escaped, isolated for bidirectional display."""
    return f"{FSI}{html.escape(clean(s, limit), quote=False)}{PDI}"


def link(url: str, label: str) -> str:
    """An <a> to an http(s) URL of at most MAX_URL characters (escaped for the attribute), or
    just the label for anything else."""
    url = (url or "").strip()
    if len(url) > MAX_URL or not re.match(r"https?://", url, re.IGNORECASE):
        return html.escape(label, quote=False)
    return f'<a href="{html.escape(url, quote=True)}">{html.escape(label, quote=False)}</a>'


def when(story: StoryView, tz: tzinfo) -> str:
    """The story's time, in the delivery timezone: "13/08 04:24"."""
    moment: datetime = story.published or story.first_seen
    return moment.astimezone(tz).strftime("%d/%m %H:%M")


MAX_OUTLETS = 5  # outlets named and linked in "also:"
MAX_LINK = 600  # characters: a longer address is not linked (the name is shown alone)


def headline_item(story: StoryView, lang: str) -> StoryItemView:
    """The report whose headline a reader of `lang` sees: the first of the story's reports in
    their language, else the representative."""
    for item in story.items:
        if item.lang == lang:
            return item
    if story.items:
        return story.items[0]
    return StoryItemView(story.url, story.title, story.source, story.lang, story.published)


def also(story: StoryView, shown: StoryItemView, lang: str) -> str:
    """ "also: France 24 · RT Arabic · TASS" (each outlet linked to its report), "+N more"
    beyond MAX_OUTLETS; empty when only one outlet carried the story."""
    urls: dict[str, str] = {}
    for item in story.items:
        if item.source and item.source != shown.source:
            urls.setdefault(item.source, item.url)
    others = [s for s in dict.fromkeys(story.sources) if s and s != shown.source]
    if not others:
        return ""
    named = []
    for source in others[:MAX_OUTLETS]:
        url = urls.get(source, "")
        label = clean(source, 60)
        named.append(link(url, label) if url and len(url) <= MAX_LINK else esc(label, 60))
    line = f"{text(lang, 'also')} " + " · ".join(named)
    if len(others) > MAX_OUTLETS:
        line += " " + text(lang, "more_outlets", n=len(others) - MAX_OUTLETS)
    return line


def labels_line(labels: Iterable[str]) -> str:
    shown = [esc(label, 60) for label in list(labels)[:MAX_LABELS]]
    return "🏷 " + " · ".join(shown) if shown else ""


def story_block(story: StoryView, labels: Iterable[str], lang: str, tz: tzinfo) -> str:
    """One story of a digest: the headline in the reader's language when a report has one,
    outlet · time · link, labels, and the other outlets that reported it."""
    item = headline_item(story, lang)
    lines = [f"• <b>{esc(item.title)}</b>"]
    lines.append(
        f"{esc(item.source, 80)} · {when(story, tz)} · {link(item.url, text(lang, 'read'))}"
    )
    tags = labels_line(labels)
    if tags:
        lines.append(tags)
    more = also(story, item, lang)
    if more:
        lines.append(f"<i>{more}</i>")
    return "\n".join(lines)


def alert(
    story: StoryView,
    topic_titles: Iterable[str],
    labels: Iterable[str],
    lang: str,
    tz: tzinfo,
    surge: bool = False,
) -> str:
    """An instant alert for one story (`surge`: pushed because many outlets report it)."""
    titles = " · ".join(esc(t, 120) for t in topic_titles)
    mark = f"⚡ <b>{text(lang, 'surge')}</b>" if surge else f"🔴 <b>{text(lang, 'alert')}</b>"
    head = mark + (f" · {titles}" if titles else "")
    return head + "\n\n" + story_block(story, labels, lang, tz)


def digest_header(lang: str, count: int, part: int, parts: int) -> str:
    suffix = f" ({part}/{parts})" if parts > 1 else ""
    count_words = text(lang, "stories_1") if count == 1 else text(lang, "stories", n=count)
    return f"📰 <b>{text(lang, 'digest')}</b> · {count_words}{suffix}"


def topic_heading(title: str, continued: bool, lang: str) -> str:
    more = f" <i>({text(lang, 'continued')})</i>" if continued else ""
    return f"<b>▌{esc(title, 120)}</b>{more}"


def shorten(message: str, limit: int) -> str:
    """A message of ours made to fit `limit` (tg_len): unchanged when it fits; else without its
    links; else as plain text cut with an ellipsis (still valid Telegram HTML)."""
    if tg_len(message) <= limit:
        return message
    unlinked = _LINK.sub(r"\1", message)
    if tg_len(unlinked) <= limit:
        return unlinked
    text = plain(message)
    keep = limit - 1
    while True:
        cut = html.escape(text[:keep].rstrip(), quote=False) + "…"
        over = tg_len(cut) - limit
        if over <= 0:
            return cut
        keep -= max(1, over // 5)  # an escape adds at most 4 units per character


def plain(message: str) -> str:
    """Telegram HTML as terminal text: tags dropped, entities decoded, isolates removed."""
    stripped = re.sub(r"<[^>]+>", "", message)
    return html.unescape(stripped).replace(FSI, "").replace(PDI, "")


def ui(s: str) -> str:
    """A UI string (ours, with user-typed values already inside) escaped for HTML."""
    return html.escape(s, quote=False)


def search_results(
    query: str, hits: Iterable[tuple[str, str, str, datetime | None]], lang: str, tz: tzinfo
) -> str:
    """Search hits (title, url, source, time) as one message (the caller caps the count)."""
    rows = list(hits)
    if not rows:
        return ui(text(lang, "search_none", query=clean(query, 100)))
    out = [f"<b>{ui(text(lang, 'search_head', query=clean(query, 100)))}</b>"]
    for title, url, source, moment in rows:
        stamp = moment.astimezone(tz).strftime("%d/%m %H:%M") if moment else ""
        out.append(
            f"• {link(url, clean(title, 200)) if url else esc(title)}\n  {esc(source, 80)} {stamp}"
        )
    return "\n".join(out)


def health_table(health: dict[str, SourceHealth], tz: tzinfo) -> str:
    """/sources: one line per source, failing, paused and degraded ones first."""
    if not health:
        return ""
    lines = []
    order = sorted(
        health.values(), key=lambda h: (not h.paused, h.failures == 0, not h.degraded, h.name)
    )
    for h in order:
        mark = "⏸" if h.paused else ("⚠️" if h.failures else "🟡" if h.degraded else "✅")
        last = h.last_success.astimezone(tz).strftime("%d/%m %H:%M") if h.last_success else "-"
        err = f" · {esc(h.last_error, 120)}" if h.failures and h.last_error else ""
        if not h.failures and h.degraded:
            err = f" · degraded: {esc(h.degraded, 120)}"
        lines.append(
            f"{mark} <b>{esc(h.name, 80)}</b> · ok {last} · fail {h.failures}"
            f" · items {h.items_seen}{err}"
        )
    return "\n".join(lines)
