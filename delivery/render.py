"""The one renderer of Telegram HTML: every string that came from a feed or an operator goes
through `esc` (html.escape) here, and nowhere else builds markup.

Feed text is also isolated with Unicode FSI/PDI (U+2068/U+2069) so an Arabic headline keeps its
direction next to Latin outlet names, times and labels (and a Latin name inside an Arabic line
does not scramble it). Only tags Telegram accepts are produced: <b>, <i>, <a href="...">.
Lengths are measured as Telegram does, in UTF-16 code units (`tg_len`).

An alert reads on a phone as: the headline as the link (in the reader's language when a report
has one), one short lead line (the report's summary, cut), then outlet · local time with its
zone · topic hashtags, then the other outlets. The short layout keeps the headline and the
outlet line. A burst of alerts folds into a list of stories, one line pair each.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from datetime import datetime, tzinfo

from core.health import SourceHealth
from core.story import StoryItemView, StoryView
from delivery.i18n import join, plural, plural_template, text
from delivery.ports import SearchHitLike
from storage.delivery_figures import DayFigures

FSI = "\u2068"  # first strong isolate
PDI = "\u2069"  # pop directional isolate
MAX_HEADLINE = 300
MAX_LEAD = 160  # characters of the lead line under an alert's headline
MAX_LABELS = 6
MAX_URL = 2048  # longer links are dropped (the label stays): one URL must not fill a message
MAX_OUTLETS = 5  # outlets named and linked in "also:"
MAX_LINK = 600  # characters: a longer address is not linked (the name is shown alone)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]")
_SPACES = re.compile(r"\s+")
_LINK = re.compile(r'<a href="[^"]*">(.*?)</a>', re.S)  # as `anchor` writes them
_NOT_TAG = re.compile(r"[^0-9A-Za-z_]")


def tg_len(s: str) -> int:
    """Length as Telegram counts it (UTF-16 code units)."""
    return len(s.encode("utf-16-le")) // 2


def clean(s: str, limit: int = MAX_HEADLINE) -> str:
    """Feed text made safe to show: control and bidi-override characters removed, whitespace
    collapsed, cut to `limit` characters (with an ellipsis)."""
    s = _SPACES.sub(" ", _CONTROL.sub("", s or "")).strip()
    return s if len(s) <= limit else s[: limit - 1].rstrip() + "…"


def cut_words(s: str, limit: int) -> str:
    """Cleaned text cut at a word boundary near `limit` characters, with an ellipsis."""
    s = clean(s, 10 * limit)
    if len(s) <= limit:
        return s
    head = s[: limit - 1]
    space = head.rfind(" ")
    return (head[:space] if space > limit // 2 else head).rstrip(" ,;:.-–—،") + "…"


def esc(s: str, limit: int = MAX_HEADLINE) -> str:
    """Feed or operator text as HTML: cleaned, escaped, isolated for bidirectional display."""
    return f"{FSI}{html.escape(clean(s, limit), quote=False)}{PDI}"


def anchor(url: str, inner: str) -> str:
    """An <a> around `inner` (HTML) to an http(s) URL of at most MAX_URL characters (escaped
    for the attribute), or `inner` alone for anything else."""
    url = (url or "").strip()
    if len(url) > MAX_URL or not re.match(r"https?://", url, re.IGNORECASE):
        return inner
    return f'<a href="{html.escape(url, quote=True)}">{inner}</a>'


def link(url: str, label: str) -> str:
    """`anchor` with a plain-text label."""
    return anchor(url, html.escape(label, quote=False))


def ui(s: str) -> str:
    """A UI string (ours, with user-typed values already inside) escaped for HTML."""
    return html.escape(s, quote=False)


def ui_with(template: str, **html_values: str) -> str:
    """A UI template escaped, then HTML values (already escaped) formatted into it."""
    return ui(template).format(**html_values)


def when(story: StoryView, tz: tzinfo) -> str:
    """The story's time in the delivery timezone, with the zone: "13/08 06:24 CEST"."""
    moment: datetime = story.published or story.first_seen
    return moment.astimezone(tz).strftime("%d/%m %H:%M %Z").strip()


def hashtags(topic_ids: Iterable[str]) -> str:
    """The compact topic marker: "#libya_diplomacy #russia_military_africa" (Telegram makes
    each a tap to find the chat's other messages of that topic)."""
    tags = [f"#{_NOT_TAG.sub('_', t)}" for t in topic_ids if t]
    return " ".join(tags[:MAX_LABELS])


def headline_item(story: StoryView, lang: str) -> StoryItemView:
    """The report whose headline a reader of `lang` sees: the first of the story's reports in
    their language, else the representative."""
    for item in story.items:
        if item.lang == lang:
            return item
    if story.items:
        return story.items[0]
    return StoryItemView(story.url, story.title, story.source, story.lang, story.published)


def _others(story: StoryView, shown: StoryItemView) -> list[str]:
    return [s for s in dict.fromkeys(story.sources) if s and s != shown.source]


def also(story: StoryView, shown: StoryItemView, lang: str) -> str:
    """ "also: France 24 · RT Arabic · TASS" (each outlet linked to its report), "+N more"
    beyond MAX_OUTLETS; empty when only one outlet carried the story."""
    urls: dict[str, str] = {}
    for item in story.items:
        if item.source and item.source != shown.source:
            urls.setdefault(item.source, item.url)
    others = _others(story, shown)
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


def lead(item: StoryItemView) -> str:
    """The report's summary cut to one short line (HTML); "" when it has none, or it only
    repeats the headline."""
    summary = clean(item.summary, 10 * MAX_LEAD)
    title = clean(item.title)
    if summary.startswith(title):
        summary = summary[len(title) :].lstrip(" .:-–—")
    if len(summary) < 20:
        return ""
    return f"{FSI}{html.escape(cut_words(summary, MAX_LEAD), quote=False)}{PDI}"


def headline(item: StoryItemView, bold: bool = True) -> str:
    """The headline as the link to its report."""
    inner = esc(item.title)
    return anchor(item.url, f"<b>{inner}</b>" if bold else inner)


def labels_line(labels: Iterable[str]) -> str:
    shown = [esc(label, 60) for label in list(labels)[:MAX_LABELS]]
    return "🏷 " + " · ".join(shown) if shown else ""


def alert(
    story: StoryView,
    topic_ids: Sequence[str],
    lang: str,
    tz: tzinfo,
    surge: bool = False,
    layout: str = "full",
) -> str:
    """An instant alert for one story (`surge`: pushed because many outlets report it):
    headline link, lead line, outlet · time · hashtags, other outlets; `layout` "short" keeps
    the headline and the outlet line (with the count of other outlets)."""
    item = headline_item(story, lang)
    mark = "⚡" if surge else "🔴"
    meta = [esc(item.source, 80), when(story, tz)]
    tags = hashtags(topic_ids)
    if tags:
        meta.append(tags)
    if surge:
        meta.append(f"<i>{text(lang, 'surge')}</i>")
    others = _others(story, item)
    if layout == "short":
        if others:
            meta.append(text(lang, "more_outlets", n=len(others)))
        return f"{mark} {headline(item)}\n" + " · ".join(meta)
    lines = [f"{mark} {headline(item)}"]
    first = lead(item)
    if first:
        lines.append(first)
    lines.append(" · ".join(meta))
    more = also(story, item, lang)
    if more:
        lines.append(f"<i>{more}</i>")
    return "\n".join(lines)


def story_block(story: StoryView, labels: Iterable[str], lang: str, tz: tzinfo) -> str:
    """One story of a digest: the headline (as the link) in the reader's language when a
    report has one, outlet · time, labels, and the other outlets that reported it."""
    item = headline_item(story, lang)
    lines = [f"• {headline(item)}", f"{esc(item.source, 80)} · {when(story, tz)}"]
    tags = labels_line(labels)
    if tags:
        lines.append(tags)
    more = also(story, item, lang)
    if more:
        lines.append(f"<i>{more}</i>")
    return "\n".join(lines)


def folded_item(
    story: StoryView, topic_ids: Sequence[str], lang: str, tz: tzinfo, surge: bool
) -> str:
    """One story of a folded burst of alerts: the headline link, then outlet · time ·
    hashtags · how many other outlets."""
    item = headline_item(story, lang)
    meta = [esc(item.source, 80), when(story, tz)]
    tags = hashtags(topic_ids)
    if tags:
        meta.append(tags)
    others = _others(story, item)
    if others:
        meta.append(text(lang, "more_outlets", n=len(others)))
    return f"{'⚡' if surge else '•'} {headline(item, bold=False)}\n" + " · ".join(meta)


def folded_header(lang: str, count: int, part: int, parts: int) -> str:
    suffix = f" ({part}/{parts})" if parts > 1 else ""
    return f"🔴 <b>{ui(plural(lang, 'alerts', count))}</b>{suffix}"


def digest_header(lang: str, count: int, part: int, parts: int) -> str:
    suffix = f" ({part}/{parts})" if parts > 1 else ""
    return f"📰 <b>{text(lang, 'digest')}</b> · {ui(plural(lang, 'stories', count))}{suffix}"


def topic_heading(title: str, continued: bool, lang: str) -> str:
    more = f" <i>({text(lang, 'continued')})</i>" if continued else ""
    return f"<b>▌{esc(title, 120)}</b>{more}"


def new_topics(lang: str, titles: Sequence[str]) -> str:
    """A subscriber told of topics the operator added ("New topic: X. Send /topics ...")."""
    named = join(lang, [esc(t, 120) for t in titles])
    return "🆕 " + ui_with(plural_template(lang, "new_topics", len(titles)), topics=named)


def shorten(message: str, limit: int) -> str:
    """A message of ours made to fit `limit` (tg_len): unchanged when it fits; else without its
    links; else as plain text cut with an ellipsis (still valid Telegram HTML)."""
    if tg_len(message) <= limit:
        return message
    unlinked = _LINK.sub(r"\1", message)
    if tg_len(unlinked) <= limit:
        return unlinked
    flat = plain(message)
    keep = limit - 1
    while True:
        cut = html.escape(flat[:keep].rstrip(), quote=False) + "…"
        over = tg_len(cut) - limit
        if over <= 0:
            return cut
        keep -= max(1, over // 5)  # an escape adds at most 4 units per character


def plain(message: str) -> str:
    """Telegram HTML as terminal text: tags dropped, entities decoded, isolates removed."""
    stripped = re.sub(r"<[^>]+>", "", message)
    return html.unescape(stripped).replace(FSI, "").replace(PDI, "")


# -- search results and operator views ------------------------------------------------------------


def snippet(spans: Sequence[tuple[str, bool]]) -> str:
    """A search snippet of original text, the matched words in bold."""
    parts = [
        f"<b>{html.escape(clean(t, 200), quote=False)}</b>" if hit else html.escape(t, quote=False)
        for t, hit in spans
    ]
    return f"{FSI}{''.join(parts)}{PDI}" if parts else ""


def search_results(query: str, hits: Iterable[SearchHitLike], lang: str, tz: tzinfo) -> list[str]:
    """Search results, one block per story (its headline link, outlets, time, a snippet of the
    original text), as lines the caller splits into messages."""
    rows = list(hits)
    shown_query = clean(query, 100)
    if not rows:
        return [ui(text(lang, "search_none", query=shown_query))]
    out = [f"<b>{ui(text(lang, 'search_head', query=shown_query))}</b>"]
    for hit in rows:
        moment = hit.published or hit.first_seen
        stamp = moment.astimezone(tz).strftime("%d/%m/%Y %H:%M %Z") if moment else ""
        outlets = [hit.source, *[s for s in hit.sources if s != hit.source]]
        named = " · ".join(esc(s, 60) for s in outlets[:MAX_OUTLETS])
        if len(outlets) > MAX_OUTLETS:
            named += " " + text(lang, "more_outlets", n=len(outlets) - MAX_OUTLETS)
        block = f"• {anchor(hit.url, esc(hit.title, 200))}\n{named} · {stamp}"
        if hit.snippet:
            block += f"\n<i>…{snippet(hit.snippet)}…</i>"
        out.append(block)
    return out


def health_lines(health: dict[str, SourceHealth], tz: tzinfo) -> list[str]:
    """/sources: one line per source, failing, paused and degraded ones first."""
    lines = []
    order = sorted(
        health.values(),
        key=lambda h: (not h.stopped, h.failures == 0, not h.degraded, h.name),
    )
    for h in order:
        mark = "⏸" if h.stopped else "⚠️" if h.failures else "🟡" if h.degraded else "✅"
        last = h.last_success.astimezone(tz).strftime("%d/%m %H:%M") if h.last_success else "-"
        err = f" · {esc(h.last_error, 120)}" if h.failures and h.last_error else ""
        if not h.failures and h.degraded:
            err = f" · degraded: {esc(h.degraded, 120)}"
        lines.append(
            f"{mark} <b>{esc(h.name, 80)}</b> · ok {last} · fail {h.failures}"
            f" · items {h.items_seen}{err}"
        )
    return lines


def _names(names: Sequence[str], limit: int = 8) -> str:
    shown = ", ".join(esc(n, 60) for n in names[:limit])
    return shown + (f" +{len(names) - limit}" if len(names) > limit else "")


def stats_lines(
    lang: str,
    day: datetime,
    figures: DayFigures,
    topic_titles: dict[str, str],
    health: dict[str, SourceHealth],
    sent: tuple[int, int, int],
) -> list[str]:
    """/stats in an operator's terms: today's stories and alerts by topic, subscribers by mode,
    sources that fail, read in part or are paused, messages waiting, and what was sent since
    start (sent, refused, throttled)."""
    zone = day.strftime("%Z") or str(day.tzinfo)
    lines = [f"<b>{ui(text(lang, 'stats_today', day=day.strftime('%d/%m/%Y'), tz=zone))}</b>"]
    lines.append(ui(text(lang, "stats_stories", n=figures.stories)))
    if figures.alerts:
        lines.append(ui(text(lang, "stats_alerts")))
        for topic, (alerts, stories) in figures.alerts.items():
            title = esc(topic_titles.get(topic, topic), 80)
            said = ui(plural(lang, "alerts", alerts))
            about = ui(plural(lang, "stories", stories))
            line = ui_with(text(lang, "stats_topic"), topic=title, alerts=said, stories=about)
            lines.append(f"• {line}")
    else:
        lines.append(ui(text(lang, "stats_no_alerts")))
    modes = join(lang, [f"{text(lang, f'mode_{m}')} {n}" for m, n in sorted(figures.modes.items())])
    total = sum(figures.modes.values())
    said = text(lang, "stats_subscribers", total=total, modes=modes)
    lines.append(ui(said if total else text(lang, "stats_no_subscribers")))
    failing = sorted(h.name for h in health.values() if h.failures and not h.paused)
    degraded = sorted(h.name for h in health.values() if h.degraded and not h.failures)
    paused = sorted(h.name for h in health.values() if h.stopped)
    ok = len(health) - len({*failing, *degraded, *paused})
    lines.append(ui(text(lang, "stats_sources", total=len(health), ok=ok)))
    for key, names in (("stats_failing", failing), ("stats_degraded", degraded),
                       ("stats_paused", paused)):  # fmt: skip
        if names:
            lines.append("⚠️ " + ui_with(text(lang, key), names=_names(names)))
    lines.append(ui(text(lang, "stats_pending", n=figures.pending)))
    lines.append(ui(text(lang, "stats_sent", sent=sent[0], failed=sent[1], throttled=sent[2])))
    return lines
