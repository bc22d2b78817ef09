"""Whether a report is the same event as a story: its score against the story's profile, and
the choice among candidate stories (pure).

The score adds up evidence, each part named so that `story ID` can show why a report joined:

- anchors it shares with the story (people 3, organisations 2, a city or base 2, a country
  1, a region 0.5), each counting in full when every member names it and half when few do,
  and in full when its headline and the story's headlines name it, 3/4 when one of them does,
  half when it is background to both; all of them, and the shared words, count half when the
  report's primary event is not among the story's events (the same actors, or a background
  the report recalls, about something else);
- the same kind of happening: the report's primary event (the first its headline names) the
  news of some of the story's members, +3 (less when few of them name it; half when members
  name it only in passing); an event it names only in passing, +0.75; none in common, 3 off:
  sharing actors is not sharing an event;
- themes both name (0.5 each, at most 1);
- in the same language, the cosine of their word stems weighted by rarity (up to 4); between
  English and French, where names and cognates share stems, up to 2 (`stories.lexical`);
- numbers of two digits or more both state (1 each, at most 2); a headline number (of any
  size) the story never states, when its members state numbers, takes 1.5 off;
- the place its headline names first (as its country) that no member names takes 3 off; any
  other anchor of its headline the story lacks takes half its weight off (a person, all of it:
  a new person in the headline is another event more often than not), and so does a person
  most of the story's headlines name that the report does not name at all; a city or base in
  its headline when most members name another of the same country takes 3 off (even from a
  young story, when its headlines name that other place);
- time: beyond a day from the story's mean time, 1 off per day (the window is a hard limit).

What counts against a report (a different event, headline places) counts in full once the
story has three members and half at one: a young story's picture is thin.

A report joins the best story whose score reaches the threshold (`stories: event_score`).
Other stories that also reach it, and that are not of another kind of happening than the best,
are merged into it: the report shows they are one event.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

from stories.lexical import LEXICAL, LEXICAL_ACROSS, Idf, Lexicon, ceiling, compared, cosine
from stories.profile import Report, StoryProfile, significant

KIND_WEIGHT = {"person": 3.0, "organisation": 2.0, "place": 1.0, "region": 0.5}
INNER_PLACE = 2.0  # a place that lies in another (a city, a base)
EVENT = 3.0
EVENT_CONFLICT = 3.0
BACKGROUND = 0.25  # of EVENT, for an event the report names only in passing
THEME, THEME_CAP = 0.5, 1.0
NUMBER, NUMBER_CAP, NUMBER_CONFLICT = 1.0, 2.0, 1.5
HEAD_CONFLICT = 3.0
NEW_ANCHOR = 0.5  # of the anchor's weight (a person's whole weight)
# An anchor counts in full when the report's headline and the story's name it, 3/4 when one
# of them does, half when it is background to both.
HEADLINE_SHARE = (0.5, 0.75, 1.0)
PLACE_CONFLICT = 3.0
DAY = 86400.0
PER_DAY = 1.0
# A total is rounded to 3 places: a story whose most falls short of a mark by less may reach it
ROUNDING = 0.001


@dataclass(frozen=True)
class Score:
    """A report against one story: the total and each part with its reason."""

    story_id: int
    total: float
    parts: tuple[tuple[str, float], ...] = ()
    shared: tuple[str, ...] = ()  # entities and events both name
    words: tuple[str, ...] = ()  # the word stems that weighed most in the lexical part

    def why(self, threshold: float) -> str:
        sign = ">=" if self.total >= threshold else "<"
        parts = "; ".join(f"{label} ({value:+.1f})" for label, value in self.parts)
        return f"score {self.total:.1f} {sign} {threshold:g}: {parts or 'nothing shared'}"


@dataclass(frozen=True)
class Choice:
    """The story a report joins (None: it starts one), the stories merged into it, and the
    scores of every candidate, best first."""

    join: Score | None
    merge: tuple[int, ...] = ()
    scores: tuple[Score, ...] = field(default=())


def weight(entity: str, kind: str, within: Mapping[str, str]) -> float:
    if kind == "place" and entity in within:
        return INNER_PLACE
    return KIND_WEIGHT.get(kind, 1.0)


def score(
    r: Report,
    s: StoryProfile,
    idf: Idf,
    within: Mapping[str, str],
    lexicon: Lexicon | None = None,
) -> Score:
    """How much `r` looks like the same event as the story `s` (see the module docstring).
    `lexicon`: the rarities of the stems compared, read beforehand (`choose` does)."""
    return _finish(_draft(r, s, within), r, idf, lexicon)


class _Draft(NamedTuple):
    """A report against one story: every part of its score but the words'."""

    story: StoryProfile
    before: tuple[tuple[str, float], ...]  # anchors, event, themes (each part not 0)
    after: tuple[tuple[str, float], ...]  # numbers, headline, places, time
    shared: tuple[str, ...]
    cut: float  # the words' (and anchors') share: less for another kind of happening
    note: str  # what the cut adds to their labels
    least: float  # the score without the words', which can only add to it
    same: bool  # `compared`: the words are compared within the report's language
    bags: list[tuple[str, Counter[str]]]  # and with these of the story's stem bags


def _draft(r: Report, s: StoryProfile, within: Mapping[str, str]) -> _Draft:
    before: list[tuple[str, float]] = []
    after: list[tuple[str, float]] = []
    shared: list[str] = []

    def add(parts: list[tuple[str, float]], label: str, value: float) -> None:
        if value:
            parts.append((label, value))

    common = [e for e in r.anchors if s.anchors.get(e)]
    anchor_points = 0.0
    for e in common:
        support = 0.5 + 0.5 * s.support(s.anchors, e)
        headlines = (e in r.title_anchors) + bool(s.title_anchors.get(e))
        anchor_points += weight(e, r.anchors[e], within) * support * HEADLINE_SHARE[headlines]
    shared += common
    # the same actors, or words, about something else: who without what is half the evidence
    cut = 1.0
    if r.primary and s.events and not s.events.get(r.primary):
        cut = 1 - 0.5 * maturity(s)
    note = ", cut: another kind of happening" if cut < 1 else ""
    add(before, f"anchors {', '.join(common)}{note}", anchor_points * cut)

    add(before, *_events(r, s, shared))
    themes = [t for t in r.themes if s.themes.get(t)]
    add(
        before,
        f"themes {', '.join(themes)}",
        min(THEME_CAP, THEME * sum(s.support(s.themes, t) for t in themes)),
    )
    numbers = sorted(significant(r.numbers & s.numbers.keys()))
    add(after, f"numbers {', '.join(numbers)}", min(NUMBER_CAP, NUMBER * len(numbers)))
    if r.title_numbers and s.numbers and not (r.title_numbers & s.numbers.keys()):
        add(
            after,
            f"headline numbers {', '.join(sorted(r.title_numbers))} not in the story",
            -NUMBER_CONFLICT,
        )
    label, penalty = _headline(r, s, within)
    add(after, label, penalty * maturity(s))
    add(after, *_places(r, s, within))
    gap = abs(r.ts - s.mean_ts) / DAY - 1.0
    if gap > 0:
        add(after, f"{gap + 1:.1f} days from the story", -PER_DAY * gap)
    least = sum(v for _, v in before) + sum(v for _, v in after)
    same, bags = compared(r, s)
    return _Draft(s, tuple(before), tuple(after), tuple(shared), cut, note, least, same, bags)


def _finish(d: _Draft, r: Report, idf: Idf, lexicon: Lexicon | None) -> Score:
    """The score of a draft: its parts with the words' between, added up in that order."""
    parts = list(d.before)
    words: tuple[str, ...] = ()
    if d.bags:
        found = [cosine(r.terms, b, lang, idf, lexicon) for lang, b in d.bags]
        if d.same:
            cos, words = found[0]
            label, value = f"words {', '.join(words)}{d.note}", LEXICAL * cos * d.cut
        else:
            cos, words = max(found)
            label = f"names and cognates {', '.join(words)}{d.note}"
            value = LEXICAL_ACROSS * cos * d.cut
        if value:
            parts.append((label, value))
    parts += d.after
    total = 0.0
    for _, value in parts:
        total += value
    return Score(d.story.story_id, round(total, 3), tuple(parts), d.shared, words)


def _most(d: _Draft, r: Report, idf: Idf, lexicon: Lexicon | None) -> float:
    """The most the draft can score: its words' part at the cosine's ceiling."""
    top = 0.0
    for lang, bag in d.bags:
        common = r.terms.keys() & bag.keys()
        if common:
            top = max(top, ceiling(r.terms, common, lang, idf, lexicon))
    return d.least + (LEXICAL if d.same else LEXICAL_ACROSS) * d.cut * top


def maturity(s: StoryProfile) -> float:
    """How far a story's own picture can be trusted to rule a report out: a half at one
    member, in full from three."""
    return min(1.0, (s.n + 1) / 4)


def _events(r: Report, s: StoryProfile, shared: list[str]) -> tuple[str, float]:
    """The kind-of-happening part. Full when the report's primary event is the news of some of
    the story's members (their primary event); half when members name it only in passing; a
    quarter when the report names one of the story's events only in passing (the background
    of its own news); a conflict when they share none."""
    both = [e for e in r.events if s.events.get(e)]
    shared += both
    if r.primary and s.events.get(r.primary):
        support = 0.5 + 0.5 * s.support(s.events, r.primary)
        if s.primaries.get(r.primary):
            return f"event {r.primary}", EVENT * support
        return f"event {r.primary}, in the story's background", EVENT * support / 2
    if both:
        return f"event {both[0]} in passing", EVENT * BACKGROUND
    if r.primary and s.primaries:
        dominant = s.primaries.most_common(1)[0][0]
        return f"event {r.primary}, the story's is {dominant}", -EVENT_CONFLICT * maturity(s)
    return "", 0.0


def _headline(r: Report, s: StoryProfile, within: Mapping[str, str]) -> tuple[str, float]:
    """Penalties for what the report's headline names that the story does not."""
    value, said = 0.0, []
    if r.head and not s.anchors.get(r.head):
        value -= HEAD_CONFLICT
        said.append(f"headline place {r.head} not in the story")
    for e, count in sorted(s.title_anchors.items()):
        if count * 2 >= s.n and s.kinds.get(e) == "person" and e not in r.anchors:
            value -= KIND_WEIGHT["person"]
            said.append(f"{e}, in the story's headlines, not named")
    for e in sorted(r.title_anchors - {r.head}):
        if not s.anchors.get(e):
            kind = r.anchors.get(e, "place")
            value -= (1.0 if kind == "person" else NEW_ANCHOR) * weight(e, kind, within)
            said.append(f"{e} new")
    return "; ".join(said), value


def _places(r: Report, s: StoryProfile, within: Mapping[str, str]) -> tuple[str, float]:
    """A city or base in the report's headline that the story never names, where most of the
    story's members name another of the same country: 3 off, in full when the story's own
    headlines name that other place (then even a young story says where it happened)."""
    for place in sorted(e for e in r.title_anchors if e in within):
        if s.anchors.get(place):
            continue
        theirs = sorted(
            e
            for e in s.anchors
            if within.get(e) == within[place] and e != place and s.support(s.anchors, e) >= 0.5
        )
        if theirs:
            headlined = any(s.support(s.title_anchors, e) >= 0.5 for e in theirs)
            value = -PLACE_CONFLICT * (1.0 if headlined else maturity(s))
            return f"{place} where the story is at {', '.join(theirs)}", value
    return "", 0.0


def compatible(a: StoryProfile, b: StoryProfile) -> bool:
    """Whether two stories could be one event: neither's commonest primary event is missing
    from the other's events, and neither's commonest headline place from the other."""
    for x, y in ((a, b), (b, a)):
        if x.primaries and y.events:
            dominant = x.primaries.most_common(1)[0][0]
            if dominant not in y.events:
                return False
        if x.heads:
            head = x.heads.most_common(1)[0][0]
            if not y.anchors.get(head):
                return False
    return True


def choose(
    r: Report,
    candidates: Iterable[StoryProfile],
    idf: Idf,
    within: Mapping[str, str],
    threshold: float,
    window_s: float,
) -> Choice:
    """The story `r` joins among `candidates` (those within `window_s` of it), and the ones it
    shows to be the same event."""
    profiles = {
        p.story_id: p
        for p in candidates
        if p.n and p.first_ts - window_s <= r.ts <= p.last_ts + window_s
    }
    words = Lexicon(r.terms, idf)
    drafts = [_draft(r, p, within) for p in profiles.values()]
    # Scored fully only while a story could still be joined or be the nearest: its most
    # (what its words could add, at most) reaches the threshold or the best scored so far.
    # Asking the ceilings asks the rarities a recount may be due for, as scoring them in this
    # order would; once recounted, the order they are scored in changes no answer.
    most = [_most(d, r, idf, words) for d in drafts]
    scores = []
    top = -math.inf
    for m, d in sorted(zip(most, drafts, strict=True), key=lambda md: -md[0]):
        if m < min(threshold, top) - ROUNDING:
            break
        sc = _finish(d, r, idf, words)
        scores.append(sc)
        top = max(top, sc.total)
    scores.sort(key=lambda sc: (-sc.total, sc.story_id))
    qualified = [sc for sc in scores if sc.total >= threshold]
    if not qualified:
        return Choice(None, (), tuple(scores))
    best = qualified[0]
    merge = tuple(
        sc.story_id
        for sc in qualified[1:]
        if compatible(profiles[best.story_id], profiles[sc.story_id])
    )
    return Choice(best, merge, tuple(scores))
