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
from core.story import StoryView
from delivery.i18n import text

FSI = "\u2068"  # first strong isolate
PDI = "\u2069"  # pop directional isolate
MAX_HEADLINE = 300
MAX_LABELS = 6
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]")
_SPACES = re.compile(r"\s+")


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
    """An <a> to an http(s) URL (escaped for the attribute), or just the label for anything else."""
    url = (url or "").strip()
    if not re.match(r"https?://", url, re.IGNORECASE):
        return html.escape(label, quote=False)
    return f'<a href="{html.escape(url, quote=True)}">{html.escape(label, quote=False)}</a>'


def when(story: StoryView, tz: tzinfo) -> str:
    """The story's time, in the delivery timezone: "13/08 04:24"."""
    moment: datetime = story.published or story.first_seen
    return moment.astimezone(tz).strftime("%d/%m %H:%M")


def more_sources(story: StoryView, lang: str) -> str:
    """ "+N other sources" (empty when only one outlet carried it)."""
    others = len({s for s in story.sources if s} - {story.source})
    if others <= 0:
        return ""
    if others == 1:
        return text(lang, "more_sources_1")
    return text(lang, "more_sources", n=others)


def labels_line(labels: Iterable[str]) -> str:
    shown = [esc(label, 60) for label in list(labels)[:MAX_LABELS]]
    return "🏷 " + " · ".join(shown) if shown else ""


def story_block(story: StoryView, labels: Iterable[str], lang: str, tz: tzinfo) -> str:
    """One story of a digest: headline, outlet · time · link, labels, "+N other sources"."""
    lines = [f"• <b>{esc(story.title)}</b>"]
    lines.append(
        f"{esc(story.source, 80)} · {when(story, tz)} · {link(story.url, text(lang, 'read'))}"
    )
    tags = labels_line(labels)
    if tags:
        lines.append(tags)
    more = more_sources(story, lang)
    if more:
        lines.append(f"<i>{more}</i>")
    return "\n".join(lines)


def alert(
    story: StoryView, topic_titles: Iterable[str], labels: Iterable[str], lang: str, tz: tzinfo
) -> str:
    """An instant alert for one story."""
    titles = " · ".join(esc(t, 120) for t in topic_titles)
    head = f"🔴 <b>{text(lang, 'alert')}</b>" + (f" · {titles}" if titles else "")
    return head + "\n\n" + story_block(story, labels, lang, tz)


def digest_header(lang: str, count: int, part: int, parts: int) -> str:
    suffix = f" ({part}/{parts})" if parts > 1 else ""
    count_words = text(lang, "stories_1") if count == 1 else text(lang, "stories", n=count)
    return f"📰 <b>{text(lang, 'digest')}</b> · {count_words}{suffix}"


def topic_heading(title: str, continued: bool, lang: str) -> str:
    more = f" <i>({text(lang, 'continued')})</i>" if continued else ""
    return f"<b>▌{esc(title, 120)}</b>{more}"


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
