"""The store bench's report generator: synthetic but realistic reports (English, French,
Arabic; Zipf vocabulary) naming the rules' entities, reporting events, with their matches."""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bench.store.vocab import (
    BACKGROUND,
    EVENT_WEIGHTS,
    EVENTS,
    FOLLOW_UP,
    IN_PASSING,
    KINDS,
    LANG_COL,
    OPEN_FOR,
    ORGS,
    PEOPLE,
    PLACES,
    SECOND_EVENT,
    TEMPLATES,
    THEMES,
    WITHIN,
)
from core.entities import EntityKinds
from core.items import Item
from core.text import normalize
from matching.result import Hit, MatchResult, TopicResult


def _syllables(consonants: str, vowels: str, count: int, seed: int) -> list[str]:
    """CV and CVC syllables: about as many distinct 4-grams as real text, so that unrelated
    reports share as few (mean Jaccard ~0.03, as measured on the English fixture feeds)."""
    rng = random.Random(seed)
    every = [c + v for c in consonants for v in vowels]
    every += [c + v + d for c in consonants for v in vowels for d in consonants]
    return rng.sample(every, count)


SYLLABLES = {
    "en": _syllables("bcdfghklmnprstvwz", "aeiouy", 600, 1),
    "fr": _syllables("bcdfglmnprstv", "aeiouéè", 600, 2),
    # Arabic is written without short vowels: consonant clusters, long vowels ا و ي
    "ar": _syllables("بتثجحدرزسشصعفقكلمنه", "اوي", 600, 3),
}


def vocabulary(rng: random.Random, lang: str, size: int = 20000) -> tuple[list[str], list[float]]:
    """Zipf-distributed words; as in real text, the most frequent words are the shortest."""
    syl = SYLLABLES[lang]
    words = list(
        dict.fromkeys("".join(rng.choices(syl, k=rng.randint(1, 4))) for _ in range(size * 2))
    )[:size]
    words.sort(key=len)
    weights = [1.0 / (rank + 1) for rank in range(len(words))]
    cum, total = [], 0.0
    for w in weights:
        total += w
        cum.append(total)
    return words, cum


def _zipf(n: int, s: float = 0.8) -> list[float]:
    """Cumulative weights of a Zipf law over n ranks (the first entities are the hubs)."""
    cum, total = [], 0.0
    for rank in range(n):
        total += 1.0 / (rank + 1) ** s
        cum.append(total)
    return cum


Entity = tuple[str, str, str, str, str]


@dataclass
class Event:
    """One happening: its kind, who, where, a number and its own words in each language."""

    kind: str
    p: Entity
    p2: Entity
    o: Entity
    pl: Entity
    number: str
    words: dict[str, list[str]]
    started: float
    story: int = 0  # the fill's story of its reports: the number of its first one


@dataclass(frozen=True)
class Generated:
    """A generated report and what a matcher finds in it."""

    item: Item
    ents: dict[str, str]  # entity id -> kind
    title_ents: tuple[str, ...]
    mentions: tuple[tuple[str, str, str], ...] = ()  # (entity id, spelling, "title" or "text")
    event: Event | None = field(default=None, compare=False)


class Generator:
    """Synthetic reports: background news, and reports of events (a template headline with the
    event's kind, people, place and number, a Zipf-worded lead naming them again)."""

    def __init__(self, seed: int = 7, extra_entities: bool = True) -> None:
        self.rng = random.Random(seed)
        self.vocab = {lang: vocabulary(self.rng, lang) for lang in LANG_COL}
        self.sources = [(f"Outlet {i:03d}", ("en", "fr", "ar")[i % 3]) for i in range(200)]
        # more people and places than the named ones, as a real rules file has (not for a
        # run of the real matcher: it knows only the named ones)
        names = random.Random(5)
        self.people = list(PEOPLE)
        self.places = list(PLACES)
        if extra_entities:
            self.people += [self._entity(names, f"person_{i}", "person") for i in range(60)]
            self.places += [self._entity(names, f"place_{i}", "place") for i in range(80)]
        self.people_cum = _zipf(len(self.people))
        self.places_cum = _zipf(len(self.places))
        self.kinds = EntityKinds(
            {
                **KINDS,
                **{e[0]: e[1] for e in self.people + self.places},
                **{k: "event" for k in EVENTS},
                **{t[0]: "theme" for t in THEMES},
            },
            WITHIN,
        )
        self.open: deque[Event] = deque()  # events of the last OPEN_FOR, oldest first
        self._kinds = list(EVENT_WEIGHTS)
        self._kind_cum = list(_cumulative(EVENT_WEIGHTS.values()))

    @staticmethod
    def _entity(rng: random.Random, eid: str, kind: str) -> Entity:
        latin = "".join(rng.choices(SYLLABLES["en"], k=3)).capitalize()
        arabic = "".join(rng.choices(SYLLABLES["ar"], k=3))
        return (eid, kind, latin, latin, arabic)

    def words(self, lang: str, k: int) -> list[str]:
        words, cum = self.vocab[lang]
        return self.rng.choices(words, cum_weights=cum, k=k)

    def _event(self, ts: float) -> tuple[Event, bool]:
        """A recent event to follow up (one time in FOLLOW_UP) or a new one; True if new."""
        rng = self.rng
        while self.open and self.open[0].started < ts - OPEN_FOR:
            self.open.popleft()
        if self.open and rng.random() < FOLLOW_UP:
            # the latest events are the likeliest to be reported again
            pick = len(self.open) - 1 - min(int(rng.expovariate(1 / 40)), len(self.open) - 1)
            return self.open[pick], False
        p, p2 = rng.choices(self.people, cum_weights=self.people_cum, k=2)
        if p2 == p:
            p2 = self.people[(self.people.index(p) + 1) % len(self.people)]
        event = Event(
            kind=rng.choices(self._kinds, cum_weights=self._kind_cum)[0],
            p=p,
            p2=p2,
            o=rng.choice(ORGS),
            pl=rng.choices(self.places, cum_weights=self.places_cum)[0],
            number=str(rng.randint(2, 300)),
            # the event's own words: rarer than the commonest, shared by its reports
            words={
                lang: [words[rng.randrange(300, 8000)] for _ in range(4)]
                for lang, (words, _) in self.vocab.items()
            },
            started=ts,
        )
        self.open.append(event)
        return event, True

    def report(self, n: int, when: datetime) -> Generated:
        rng = self.rng
        source, lang = self.sources[rng.randrange(len(self.sources))]
        col = LANG_COL[lang]
        if rng.random() < BACKGROUND:
            # the bulk of any feed: news about anything else, no entity of the rules
            title = " ".join(self.words(lang, rng.randint(6, 11))).capitalize()
            summary = " ".join(self.words(lang, 30))
            url = f"https://{source.lower().replace(' ', '')}.example/{when:%Y/%m/%d}/n-{n}"
            item = Item(source, url, f"guid-{n}", title, summary=summary, lang=lang, published=when)
            return Generated(item, {}, ())
        event, new = self._event(when.timestamp())
        if new:
            event.story = n
        p, p2, o, pl = event.p, event.p2, event.o, event.pl
        own = event.words[lang]
        if rng.random() < 0.08:  # about the actors, no kind of happening named
            template, kind = rng.choice(TEMPLATES[lang]), ""
        else:
            template, kind = rng.choice(EVENTS[event.kind][lang]), event.kind
        slots = {"p": p[col], "p2": p2[col], "o": o[col], "pl": pl[col], "n": event.number}
        title = template.format(**slots, w=rng.choice(own[:2]))
        title = f"{title} {' '.join(self.words(lang, 2))}"
        body = " ".join(self.words(lang, 24) + rng.sample(own, 3))
        passing = ""
        if rng.random() < SECOND_EVENT:
            other = rng.choice([k for k in IN_PASSING if k != event.kind])
            passing = IN_PASSING[other][lang]
        summary = f"{p[col]} {body[:90]} {pl[col]} {o[col]} {passing} {body[90:]}"
        url = f"https://{source.lower().replace(' ', '')}.example/{when:%Y/%m/%d}/story-{n}"
        item = Item(source, url, f"guid-{n}", title, summary=summary, lang=lang, published=when)
        mentions: list[tuple[str, str, str]] = []
        for e in (p, p2, o, pl):
            if e[col] in title:
                mentions.append((e[0], e[col], "title"))
            if e[col] in summary:
                mentions.append((e[0], e[col], "text"))
        if kind:
            mentions.append((kind, _first_word(template), "title"))
        if passing:
            mentions.append((other, passing, "text"))
        for theme, theme_lang, spelling in THEMES:
            if theme_lang == lang:
                if spelling in title.lower():
                    mentions.append((theme, spelling, "title"))
                elif spelling in passing:
                    mentions.append((theme, spelling, "text"))
        ents = {m[0]: self.kinds[m[0]] for m in mentions}
        title_ents = tuple(dict.fromkeys(m[0] for m in mentions if m[2] == "title"))
        return Generated(item, ents, title_ents, tuple(mentions), event)


def _cumulative(weights: Any) -> Iterator[float]:
    total = 0.0
    for w in weights:
        total += w
        yield total


def _first_word(template: str) -> str:
    """The template's first word outside its slots: where its kind of happening is named
    (close enough for a hit's word position)."""
    words = [w for w in template.split() if "{" not in w]
    return words[0] if words else ""


def match_for(g: Generated) -> MatchResult:
    """What the matcher would find in a generated report: a hit per mention at its word."""
    item = g.item
    title_n, text_n = normalize(item.title), normalize(item.summary)
    title_words = len(title_n.split())
    hits = []
    for eid, spelling, where in g.mentions:
        norm = normalize(spelling)
        if where == "title":
            at = title_n.find(norm)
            start = title_n[: max(at, 0)].count(" ")
        else:
            at = text_n.find(norm)
            start = title_words + text_n[: max(at, 0)].count(" ")
        hits.append(Hit(eid, eid, None, item.lang, start, start + 1, where, norm))
    anchors = [e for e, k in g.ents.items() if k not in ("event", "theme")]
    topics = (
        (TopicResult("russia_military_africa", True, 3.0, 3.0, tuple(hits)),)
        if len(anchors) >= 3
        else ()
    )
    return MatchResult(item.guid, topics, tuple(g.ents), tuple(hits))
