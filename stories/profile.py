"""What story clustering knows of one report (`Report`) and of one story (`StoryProfile`), the
accumulated picture of its members (pure).

A report is seen through its clustering `Features`: the entities of its title and lead split by
role (anchors: the people, organisations and places it is about; events: the kinds of happening
it names, the first one its primary event; themes), the outermost place its headline names
first (`head`), its content-word stems (`stories.terms`) and the numbers it states.

A story's profile grows as members join: how many members name each anchor (and how many in
their headlines), event and theme, the primary events of its members, their headlines' first
places, per language the summed word stems (the MAX_TERMS heaviest kept), the numbers, its
members' rarest words (index keys), the languages and the time span. It is stored as JSON
beside the story and merged when two stories prove to be one.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from stories.cluster import Features
from stories.terms import terms

ANCHOR_KINDS = frozenset({"person", "place", "region", "organisation"})
MAX_TERMS = 60  # word stems kept per language in a profile (the heaviest)
MAX_RARE = 30  # rare words a story is filed under
MIN_NUMBER = 10  # smaller numbers ("three states", "two ships") say little about an event


@dataclass(frozen=True)
class Report:
    """One report as story clustering compares it."""

    item_id: int
    lang: str
    ts: float
    anchors: Mapping[str, str]  # entity id -> kind (person, place, organisation)
    title_anchors: frozenset[str]
    head: str  # the outermost place the headline names first ("" when none)
    events: tuple[str, ...]  # event kinds in order of appearance: events[0] is the primary
    themes: frozenset[str]
    terms: Counter[str]
    numbers: frozenset[str]
    title_numbers: frozenset[str]
    rare: tuple[str, ...] = ()  # its rarest word stems (set by the store, which knows rarity)

    @property
    def primary(self) -> str:
        return self.events[0] if self.events else ""

    @classmethod
    def of(cls, f: Features) -> Report:
        core = f.core()
        order = [e for e in f.order if e in core] or sorted(core)
        return cls(
            item_id=f.item_id,
            lang=f.lang,
            ts=f.ts,
            anchors={e: k for e, k in core.items() if k in ANCHOR_KINDS},
            title_anchors=frozenset(e for e in f.title_entities if core.get(e) in ANCHOR_KINDS),
            head=f.head,
            events=tuple(e for e in order if core.get(e) == "event"),
            themes=frozenset(e for e, k in core.items() if k == "theme"),
            terms=terms(f.text, f.lang),
            numbers=f.numbers,
            title_numbers=f.title_numbers,
        )


def significant(values: Iterable[str]) -> frozenset[str]:
    """The numbers among `values` large enough to say something about an event."""
    out = set()
    for value in values:
        try:
            if float(value) >= MIN_NUMBER:
                out.add(value)
        except ValueError:
            continue
    return frozenset(out)


@dataclass
class StoryProfile:
    """The accumulated members of one story (see the module docstring)."""

    story_id: int
    n: int = 0
    first_ts: float = 0.0
    last_ts: float = 0.0
    ts_sum: float = 0.0
    langs: Counter[str] = field(default_factory=Counter)
    anchors: Counter[str] = field(default_factory=Counter)
    title_anchors: Counter[str] = field(default_factory=Counter)  # named in members' headlines
    kinds: dict[str, str] = field(default_factory=dict)
    heads: Counter[str] = field(default_factory=Counter)
    events: Counter[str] = field(default_factory=Counter)
    primaries: Counter[str] = field(default_factory=Counter)
    themes: Counter[str] = field(default_factory=Counter)
    terms: dict[str, Counter[str]] = field(default_factory=dict)
    numbers: Counter[str] = field(default_factory=Counter)
    rare: Counter[str] = field(default_factory=Counter)  # "lang:stem" of members' rarest words

    @property
    def mean_ts(self) -> float:
        return self.ts_sum / self.n if self.n else self.first_ts

    def support(self, counter: Counter[str], key: str) -> float:
        """The share of members that name `key` (0 to 1)."""
        return min(1.0, counter.get(key, 0) / self.n) if self.n else 0.0

    def copy(self) -> StoryProfile:
        """A profile of its own with the same members (to change a shared one)."""
        return replace(
            self,
            langs=Counter(self.langs),
            anchors=Counter(self.anchors),
            title_anchors=Counter(self.title_anchors),
            kinds=dict(self.kinds),
            heads=Counter(self.heads),
            events=Counter(self.events),
            primaries=Counter(self.primaries),
            themes=Counter(self.themes),
            terms={lang: Counter(bag) for lang, bag in self.terms.items()},
            numbers=Counter(self.numbers),
            rare=Counter(self.rare),
        )

    def add(self, r: Report) -> None:
        """Count one more member."""
        self.first_ts = r.ts if not self.n else min(self.first_ts, r.ts)
        self.last_ts = r.ts if not self.n else max(self.last_ts, r.ts)
        self.n += 1
        self.ts_sum += r.ts
        if r.lang:
            self.langs[r.lang] += 1
        self.anchors.update(r.anchors.keys())
        self.title_anchors.update(r.title_anchors)
        self.kinds.update(r.anchors)
        if r.head:
            self.heads[r.head] += 1
        self.events.update(set(r.events))
        if r.primary:
            self.primaries[r.primary] += 1
        self.themes.update(r.themes)
        if r.terms:
            bag = self.terms.setdefault(r.lang, Counter())
            bag.update(r.terms)
            _trim(bag)
        self.numbers.update(r.numbers)
        self.rare.update(f"{r.lang}:{t}" for t in r.rare)
        _trim(self.rare, MAX_RARE)

    def merge(self, other: StoryProfile) -> None:
        """Take in every member of `other` (a story found to be this one)."""
        if not other.n:
            return
        self.first_ts = other.first_ts if not self.n else min(self.first_ts, other.first_ts)
        self.last_ts = max(self.last_ts, other.last_ts)
        self.n += other.n
        self.ts_sum += other.ts_sum
        for mine, theirs in (
            (self.langs, other.langs),
            (self.anchors, other.anchors),
            (self.title_anchors, other.title_anchors),
            (self.heads, other.heads),
            (self.events, other.events),
            (self.primaries, other.primaries),
            (self.themes, other.themes),
            (self.numbers, other.numbers),
            (self.rare, other.rare),
        ):
            mine.update(theirs)
        _trim(self.rare, MAX_RARE)
        self.kinds.update(other.kinds)
        for lang, bag in other.terms.items():
            mine_bag = self.terms.setdefault(lang, Counter())
            mine_bag.update(bag)
            _trim(mine_bag)

    def index_keys(self) -> list[str]:
        """What the story is filed under in the index: anchors, events, rare words."""
        return (
            [f"e:{e}" for e in self.anchors]
            + [f"v:{e}" for e in self.events]
            + [f"w:{k}" for k in self.rare]
        )

    def to_json(self) -> str:
        return json.dumps(
            {
                "n": self.n,
                "t": [self.first_ts, self.last_ts, self.ts_sum],
                "l": self.langs,
                "a": self.anchors,
                "ta": self.title_anchors,
                "k": self.kinds,
                "h": self.heads,
                "v": self.events,
                "p": self.primaries,
                "m": self.themes,
                "w": self.terms,
                "x": self.numbers,
                "r": self.rare,
            },
            ensure_ascii=False,
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, story_id: int, text: str) -> StoryProfile:
        d: dict[str, Any] = json.loads(text)
        first, last, total = d.get("t", (0.0, 0.0, 0.0))
        return cls(
            story_id=story_id,
            n=int(d.get("n", 0)),
            first_ts=float(first),
            last_ts=float(last),
            ts_sum=float(total),
            langs=Counter(d.get("l", {})),
            anchors=Counter(d.get("a", {})),
            title_anchors=Counter(d.get("ta", {})),
            kinds=dict(d.get("k", {})),
            heads=Counter(d.get("h", {})),
            events=Counter(d.get("v", {})),
            primaries=Counter(d.get("p", {})),
            themes=Counter(d.get("m", {})),
            terms={lang: Counter(bag) for lang, bag in d.get("w", {}).items()},
            numbers=Counter(d.get("x", {})),
            rare=Counter(d.get("r", {})),
        )


def report_keys(r: Report) -> list[str]:
    """The index keys a report looks stories up by (as `StoryProfile.index_keys`)."""
    return (
        [f"e:{e}" for e in r.anchors]
        + [f"v:{e}" for e in r.events]
        + [f"w:{r.lang}:{t}" for t in r.rare]
    )


def _trim(bag: Counter[str], most: int = MAX_TERMS) -> None:
    """Keep the `most` heaviest (trimmed once a fifth more have gathered)."""
    if len(bag) * 5 > most * 6:
        keep = dict(bag.most_common(most))
        bag.clear()
        bag.update(keep)
