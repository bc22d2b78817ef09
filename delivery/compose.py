"""Composition (pure): stories + a subscriber's settings + the rules -> the messages to send.

`alert_text` makes an instant alert (full or short layout); `folded_parts` lists a burst of
alerts as few messages, oldest story first; `digest_parts` groups stories by topic (in rules
order), newest first, and splits the digest on story boundaries so every message stays under
Telegram's 4,096 characters; each part says which stories it carries; `notice_parts`
summarises and splits an operator notice, `split_lines` any list of lines. `following` is the
topics a subscriber follows (all of them for an all-topics subscriber); `story_topics` and
`is_urgent` decide whether a story is for a subscriber and whether it is urgent, `surging`
whether many outlets in several languages carry a story of a digest-only topic. Nothing here
does I/O, and nothing here fails on content: what is too long is cut.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo

from config.model import Rules
from core.story import StoryView
from delivery import render

TG_LIMIT = 4096
_PART_ROOM = 16  # room kept for the " (12/34)" suffix added once the part count is known
MAX_NOTICE_LINES = 30  # an operator notice shows this many lines, and counts the rest


@dataclass(frozen=True)
class Message:
    """A message ready for the outbox: Telegram HTML, the stories it carries, and whether it
    goes out with the link preview of its first link (a full alert's headline)."""

    text: str
    story_ids: tuple[int, ...]
    preview: bool = False


def following(topics: Sequence[str], all_topics: bool, rules: Rules) -> tuple[str, ...]:
    """What a subscriber follows: every topic of the rules when it follows all topics (those
    the operator adds later too), else the topics it chose."""
    return tuple(rules.topics) if all_topics else tuple(topics)


def followed(sub_topics: Sequence[str], rules: Rules) -> list[str]:
    """The topic ids a subscriber follows, in rules order (ids gone from the rules dropped)."""
    wanted = set(sub_topics)
    return [t for t in rules.topics if t in wanted]


def story_topics(story: StoryView, sub_topics: Sequence[str], rules: Rules) -> list[str]:
    """The story's topics that the subscriber follows, in rules order."""
    have = set(story.topics)
    return [t for t in followed(sub_topics, rules) if t in have]


def is_urgent(story: StoryView, sub_topics: Sequence[str], rules: Rules) -> bool:
    """True when the story is in a followed topic whose rule says `alert: instant`."""
    return any(rules.topics[t].alert == "instant" for t in story_topics(story, sub_topics, rules))


def entity_labels(story: StoryView, rules: Rules, lang: str) -> list[str]:
    """The story's entities as labels in `lang` (ids no longer in the rules are skipped)."""
    out: list[str] = []
    for entity_id in story.entities:
        entity = rules.entities.get(entity_id)
        if entity is not None:
            label = entity.label(lang)
            if label not in out:
                out.append(label)
    return out


def alert_text(
    story: StoryView,
    sub_topics: Sequence[str],
    rules: Rules,
    lang: str,
    tz: tzinfo = UTC,
    surge: bool = False,
    layout: str = "full",
) -> Message:
    """The alert for `story` as a subscriber following `sub_topics` reads it (`surge`: pushed
    because many outlets in several languages report it; `layout`: full or short). A full
    alert goes out with its headline's link preview."""
    topics = story_topics(story, sub_topics, rules)
    body = render.alert(story, topics, lang, tz, surge, layout)
    return Message(_fit(body), (story.id,), preview=layout != "short")


def folded_parts(
    burst: Iterable[tuple[StoryView, bool]],
    sub_topics: Sequence[str],
    rules: Rules,
    lang: str,
    tz: tzinfo = UTC,
    limit: int = TG_LIMIT,
) -> list[Message]:
    """A burst of alerts (stories, each with whether it is a surge) as few messages: one line
    pair per story, oldest story first, split on story boundaries under `limit`, with the
    count of alerts in every part's header."""
    chosen = sorted(burst, key=lambda pair: (_newest(pair[0]), pair[0].id))
    blocks = [
        (render.folded_item(s, story_topics(s, sub_topics, rules), lang, tz, surge), s.id)
        for s, surge in chosen
    ]
    room = render.tg_len(render.folded_header(lang, len(chosen), 1, 1)) + _PART_ROOM
    bodies = _pack(blocks, limit - room)
    return [
        Message(
            _fit(render.folded_header(lang, len(chosen), n, len(bodies)) + "\n\n" + body, limit),
            ids,
        )
        for n, (body, ids) in enumerate(bodies, start=1)
    ]


def _pack(blocks: Sequence[tuple[str, int]], room: int) -> list[tuple[str, tuple[int, ...]]]:
    """Blocks (HTML, story id) joined by blank lines into bodies of at most `room` (tg_len),
    never splitting a block (one block alone over `room` is left to `_fit`)."""
    bodies: list[tuple[str, tuple[int, ...]]] = []
    lines: list[str] = []
    ids: list[int] = []
    size = 0
    for block, story_id in blocks:
        add = render.tg_len(block) + 2
        if ids and size + add > room:
            bodies.append(("\n\n".join(lines), tuple(ids)))
            lines, ids, size = [], [], 0
        lines.append(block)
        ids.append(story_id)
        size += add
    if ids:
        bodies.append(("\n\n".join(lines), tuple(ids)))
    return bodies


def surging(story: StoryView, sub_topics: Sequence[str], rules: Rules, now: datetime) -> bool:
    """Whether `story` is a surge for a subscriber: in a followed digest-only topic, reported
    by `stories: surge` outlets in enough languages within its time of the first report."""
    surge = rules.stories.surge
    if surge is None:
        return False
    calm = [t for t in story_topics(story, sub_topics, rules) if rules.topics[t].alert != "instant"]
    return (
        bool(calm)
        and len(set(story.sources)) >= surge.outlets
        and len(set(story.languages)) >= surge.languages
        and (now - story.first_seen).total_seconds() <= surge.within_hours * 3600
    )


def _newest(story: StoryView) -> datetime:
    return story.published or story.first_seen


def digest_parts(
    stories: Iterable[StoryView],
    sub_topics: Sequence[str],
    rules: Rules,
    lang: str,
    tz: tzinfo = UTC,
    limit: int = TG_LIMIT,
    max_stories: int | None = None,
) -> list[Message]:
    """A digest of `stories`, grouped by topic and split on story boundaries under `limit`.

    Each story appears once, under the first followed topic it is in; stories in no followed
    topic are left out. At most `max_stories` (default: the rules' max_stories_per_digest),
    newest kept.
    """
    cap = rules.delivery.max_stories_per_digest if max_stories is None else max_stories
    by_id: dict[int, StoryView] = {}
    for story in stories:
        if story_topics(story, sub_topics, rules):
            by_id.setdefault(story.id, story)
    chosen = sorted(by_id.values(), key=lambda s: (_newest(s), s.id), reverse=True)[:cap]
    if not chosen:
        return []
    groups: dict[str, list[StoryView]] = {}
    for story in chosen:
        groups.setdefault(story_topics(story, sub_topics, rules)[0], []).append(story)

    # Blocks in order: (topic id, rendered story, story id).
    blocks: list[tuple[str, str, int]] = []
    for topic_id in followed(sub_topics, rules):
        for story in groups.get(topic_id, []):
            labels = entity_labels(story, rules, lang)
            blocks.append((topic_id, render.story_block(story, labels, lang, tz), story.id))

    header_room = render.tg_len(render.digest_header(lang, len(chosen), 1, 1)) + _PART_ROOM
    bodies: list[tuple[str, tuple[int, ...]]] = []
    lines: list[str] = []
    ids: list[int] = []
    size = header_room
    current_topic = ""
    for topic_id, block, story_id in blocks:
        title = rules.topics[topic_id].label(lang)
        heading = ""
        if topic_id != current_topic:
            heading = render.topic_heading(title, False, lang)
        add = render.tg_len(block) + 2 + (render.tg_len(heading) + 2 if heading else 0)
        if ids and size + add > limit:
            bodies.append(("\n\n".join(lines), tuple(ids)))
            lines, ids, size = [], [], header_room
            heading = render.topic_heading(title, topic_id == current_topic, lang)
            add = render.tg_len(block) + 2 + render.tg_len(heading) + 2
        if heading:
            lines.append(heading)
        lines.append(block)
        ids.append(story_id)
        size += add
        current_topic = topic_id
    if ids:
        bodies.append(("\n\n".join(lines), tuple(ids)))

    parts = len(bodies)
    out = []
    for number, (body, story_ids) in enumerate(bodies, start=1):
        head = render.digest_header(lang, len(chosen), number, parts)
        out.append(Message(_fit(head + "\n\n" + body, limit), story_ids))
    return out


def notice_parts(
    text: str, limit: int = TG_LIMIT, max_lines: int = MAX_NOTICE_LINES, mark: str = "⚠️"
) -> list[str]:
    """An operator notice as messages: its first `max_lines` lines escaped (each cut to 1,000
    characters), the rest summarised in one line (the log has them all), the first line
    marked with `mark`, split on line boundaries under `limit`, numbered "(k/n)" when there
    is more than one."""
    lines = [render.esc(line, 1000) for line in text.splitlines() if line.strip()]
    if len(lines) > max_lines:
        more = len(lines) - max_lines
        lines = [*lines[:max_lines], render.ui(f"… and {more} more lines (all are in the log)")]
    lines[:1] = [f"{mark} {lines[0]}" if lines else mark]
    return split_lines(lines, limit)


def split_lines(lines: Sequence[str], limit: int = TG_LIMIT, sep: str = "\n") -> list[str]:
    """Lines of HTML (each whole) joined into as few messages as fit `limit`, numbered "(k/n)"
    when there is more than one; a line alone over the limit is cut (`_fit`)."""
    bodies: list[list[str]] = [[]]
    size = 0
    for line in lines:
        add = render.tg_len(line) + len(sep)
        if bodies[-1] and size + add > limit - _PART_ROOM:
            bodies.append([])
            size = 0
        bodies[-1].append(line)
        size += add
    if len(bodies) == 1:
        return [_fit(sep.join(bodies[0]), limit)]
    count = len(bodies)
    return [
        _fit(sep.join(body) + f" ({n}/{count})", limit) for n, body in enumerate(bodies, start=1)
    ]


def _fit(message: str, limit: int = TG_LIMIT) -> str:
    """Composition never fails on content: render caps every piece of feed text (headline 300
    characters, six labels, links of at most render.MAX_URL), and a message still over the
    limit (a story in dozens of topics) is shortened by render, never refused."""
    return render.shorten(message, limit)
