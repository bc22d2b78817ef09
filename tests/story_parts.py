"""Hand-made parts for the pure clustering tests: a Report by its fields, a StoryProfile of some
members, a flat rarity, and a Score's parts by label."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

from stories.events import Score
from stories.profile import Report, StoryProfile


def flat_idf(lang: str, stem: str) -> float:
    return 1.0


def rep(
    item_id: int = 1,
    *,
    lang: str = "en",
    ts: float = 0.0,
    anchors: Mapping[str, str] | None = None,
    title: tuple[str, ...] = (),
    head: str = "",
    events: tuple[str, ...] = (),
    themes: tuple[str, ...] = (),
    words: str = "",
    numbers: tuple[str, ...] = (),
    title_numbers: tuple[str, ...] = (),
) -> Report:
    return Report(
        item_id=item_id,
        lang=lang,
        ts=ts,
        anchors=dict(anchors or {}),
        title_anchors=frozenset(title),
        head=head,
        events=events,
        themes=frozenset(themes),
        terms=Counter(words.split()),
        numbers=frozenset(numbers),
        title_numbers=frozenset(title_numbers),
    )


def profile(*members: Report, story_id: int = 1) -> StoryProfile:
    p = StoryProfile(story_id)
    for m in members:
        p.add(m)
    return p


def parts(sc: Score) -> dict[str, float]:
    return dict(sc.parts)
