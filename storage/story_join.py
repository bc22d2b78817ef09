"""Filing a new report in a story, inside the store's transaction: a copy of a stored report
joins that report's story (`stories.cluster.decide`, near-duplicates by n-grams, as before);
any other report joins the story of the same event (`stories.events.choose` over the stories
`storage.story_index` finds), or starts one. Stories the report shows to be one are merged.
Every story's profile grows with its members; delivery is owed what came of it (`fanout`).
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime

from config.model import Stories
from core.items import Item
from matching.result import MatchResult
from storage import story_index, story_writes
from storage.candidates import candidates, file_cluster_keys
from storage.story_index import Memory, TermStats
from storage.times import epoch
from stories.cluster import Decision, Features, decide
from stories.events import Choice, choose
from stories.profile import Report, StoryProfile

RARE_KEYS = 3
MIN_RARE = 5


@dataclass(frozen=True)
class Filed:
    """Where a new report went and why."""

    story_id: int
    story_is_new: bool
    reason: str
    score: float | None
    merged: tuple[int, ...] = ()  # stories merged into this one
    grew: bool = False  # a story joined gained an outlet


def file_report(
    conn: sqlite3.Connection,
    item_id: int,
    item: Item,
    match: MatchResult,
    feats: Features,
    lsh: tuple[int, ...],
    settings: Stories,
    memory: Memory,
    within: Mapping[str, str],
    now_s: str,
) -> Filed:
    """File the report `item_id` (already inserted) in its story; see the module docstring."""
    window_s = settings.window_hours * 3600
    stats, cache = memory.terms, memory.profiles
    report = Report.of(feats)
    dup = near_duplicate(conn, item_id, feats, lsh, settings)
    choice: Choice | None = None
    if dup is not None:
        story_id, score = dup.story_id, dup.score
        reason = dup.reason
        stored = story_index.profiles(conn, [story_id], cache).get(story_id)
        profile = stored.copy() if stored is not None else None
    else:
        report = replace(report, rare=rarest(stats, report))
        found = story_index.candidates(conn, report, window_s, cache)
        _load_terms(stats, report, found)
        choice = choose(report, found, stats, within, settings.event_score, window_s)
        if choice.join is not None:
            story_id, score = choice.join.story_id, choice.join.total
            reason = f"same event as story {story_id}: {choice.join.why(settings.event_score)}"
            profile = next(p for p in found if p.story_id == story_id).copy()
        else:
            story_id, score, profile = 0, None, None
            reason = "new story"
            if choice.scores:
                best = choice.scores[0]
                reason += f"; nearest story {best.story_id}: {best.why(settings.event_score)}"
    if story_id == 0:
        story_id = story_writes.new_story(conn, item_id, item, match, now_s)
        story_is_new, grew = True, False
    else:
        story_is_new = False
        grew = story_writes.join_story(conn, story_id, item, match, now_s)
    if profile is None:  # a new story, or one stored before profiles were kept
        profile = StoryProfile(story_id)
    profile.add(report)
    merged: list[int] = []
    if choice is not None and choice.merge:
        merged_at = int(epoch(datetime.fromisoformat(now_s)))
        others = story_index.profiles(conn, list(choice.merge))
        for other_id in choice.merge:
            other = others.get(other_id)
            if other is not None:
                profile.merge(other)
                story_index.merge(conn, profile, other, item_id, merged_at)
                merged.append(other_id)
        if merged:
            reason += f"; merged stories {', '.join(map(str, merged))} into it"
            grew = True
    story_index.save(conn, profile, cache)
    stats.count(report.lang, report.terms.keys())
    return Filed(story_id, story_is_new, reason, score, tuple(merged), grew)


def near_duplicate(
    conn: sqlite3.Connection,
    item_id: int,
    feats: Features,
    lsh: tuple[int, ...],
    settings: Stories,
) -> Decision | None:
    """The stored report `item_id` is a near-duplicate of (over its LSH candidates), or None;
    its LSH keys are filed either way."""
    dup = decide(
        feats,
        candidates(conn, lsh, feats.ts, settings.window_hours),
        settings.window_hours,
        settings.similarity,
    )
    file_cluster_keys(conn, item_id, lsh, feats.ts)
    return dup


def rarest(stats: TermStats, r: Report, count: int = RARE_KEYS) -> tuple[str, ...]:
    """The report's `count` rarest word stems of MIN_RARE letters or more: index keys that
    find a paraphrase with no entity in common."""
    stats.load(r.lang, r.terms)
    words = [t for t in r.terms if len(t) >= MIN_RARE]
    return tuple(sorted(words, key=lambda t: (-stats(r.lang, t), t))[:count])


def _load_terms(stats: TermStats, r: Report, found: list[StoryProfile]) -> None:
    """Read at once the frequencies `choose` will ask for."""
    by_lang: dict[str, list[Counter[str]]] = {r.lang: []}
    for p in found:
        for lang, bag in p.terms.items():
            if lang == r.lang or lang in ("en", "fr"):
                by_lang.setdefault(lang, []).append(bag)
    for lang, bags in by_lang.items():
        stats.load_bags(lang, r.terms, bags)
