"""Benchmark of the store at scale: ingest (dedupe + story filing), the join decision, FTS
queries, file size.

    .venv/bin/python bench/bench_store.py [--items 1000000] [--ingest 3000] [--compare 1000]
        [--full-index] [--profile N] [--snapshot DIR | --reuse DIR]

(--snapshot DIR keeps a copy of the filled database; --reuse DIR starts from that copy instead
of filling, replaying the generator: to measure a change to the code without a new fill.)

1. Fills a fresh database (in a temporary folder) with --items synthetic but realistic reports
   (English, French, Arabic; 200 sources; Zipf-distributed vocabulary; first seen over 90 days)
   through the bulk path: executemany in one transaction, the same tables, keys and full-text
   rows `Store.ingest` writes. A third of the reports name the rules' entities (spelt as in
   rules.yaml): each reports an event, a kind of happening (visit, armed_attack, coup,
   withdrawal, diplomatic_break, ...) with its people, organisation, place and number, in
   wording of its own; a report is a follow-up of an event reported in the last day about
   one time in three, else a new event. The reports of one event share one story. For the
   last two clustering windows (2 x 48 h) the fill writes what the live store keeps: features,
   near-duplicate keys (`cluster_keys`), each story's profile (`stories.profile.StoryProfile`
   of its members, as `storage.story_index.save` writes it: `story_profiles`, `story_keys`);
   `term_df` counts every report's word stems (`TermStats.count`). --full-index also files 16
   random band keys for every older item, the index as it would be if never pruned.
2. Times `Store.ingest` on --ingest new reports, a mix of exact duplicates (the same article
   with tracking parameters or another GUID), near-duplicates (a recent report re-titled by
   another outlet) and new reports (the generator's: some follow up a recent event, most are
   new): first each in a transaction of its own (a feed that brings one report), then --ingest
   others in transactions of 20, as the pipeline stores a poll (each report charged its own
   time and an equal share of the commit). For every report that reaches it, the time spent in
   `storage.story_join.file_report` (the join decision and its writes) is measured apart, part
   by part, with the outcomes (near-duplicate joins, same-event joins, new stories, merges).
3. Before and after, alternated (2 x 2 rounds of --compare new reports, each in a transaction
   of its own): "before" files reports as the store did before event clustering (near-duplicate
   decision over the LSH candidates, then a story of its own: no story candidates, scoring,
   profile or term counts), "now" through today's `file_report`.
4. --profile N: N more new reports under cProfile, the top costs of `file_report`.
5. Times FTS queries (common and rare words, phrases, prefixes, Arabic).
6. Prints the database size per 1,000 items, then times the pruning of the oldest day.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import math
import pstats
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict, deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import storage.ingest
import storage.story_join
from core.clock import FixedClock
from core.entities import EntityKinds
from core.items import Item
from core.text import normalize
from matching.result import Hit, MatchResult, TopicResult
from storage import story_index, story_writes
from storage.candidates import candidates as lsh_candidates
from storage.candidates import file_cluster_keys
from storage.db import open_state
from storage.rows import content_hash, identity_keys
from storage.store import Store
from storage.story_index import TermStats
from storage.story_join import Filed, rarest
from stories.cluster import build_features, decide, lsh_keys
from stories.fingerprint import key64, lead
from stories.profile import Report, StoryProfile
from stories.terms import terms

END = datetime(2026, 8, 13, 12, 0, tzinfo=UTC)
POLL = 20  # reports a transaction in the batched run: a feed's worth
DAYS = 90
WINDOW_H = 48.0

ENTITIES = [
    # id, kind, en, fr, ar: ids and spellings of rules.yaml, so that its matcher finds them
    ("khalifa_haftar", "person", "Khalifa Haftar", "Khalifa Haftar", "خليفة حفتر"),
    ("saddam_haftar", "person", "Saddam Haftar", "Saddam Haftar", "صدام حفتر"),
    ("ibrahim_traore", "person", "Ibrahim Traore", "Ibrahim Traoré", "إبراهيم تراوري"),
    ("assimi_goita", "person", "Assimi Goita", "Assimi Goïta", "عاصمي غويتا"),
    (
        "abdourahamane_tiani",
        "person",
        "Abdourahamane Tiani",
        "Abdourahamane Tiani",
        "عبد الرحمن تياني",
    ),
    ("yevkurov", "person", "Yunus-Bek Yevkurov", "Iounous-Bek Ievkourov", "يونس بك يفكيروف"),
    ("lavrov", "person", "Sergei Lavrov", "Sergueï Lavrov", "سيرغي لافروف"),
    ("dbeibah", "person", "Abdul Hamid Dbeibah", "Abdelhamid Dbeibah", "عبد الحميد الدبيبة"),
    ("wagner", "organisation", "Wagner Group", "groupe Wagner", "مجموعة فاغنر"),
    ("africa_corps", "organisation", "Africa Corps", "Africa Corps", "الفيلق الأفريقي"),
    (
        "aes",
        "organisation",
        "Alliance of Sahel States",
        "Alliance des États du Sahel",
        "تحالف دول الساحل",
    ),
    ("ecowas", "organisation", "ECOWAS", "CEDEAO", "إيكواس"),
    (
        "lna",
        "organisation",
        "Libyan National Army",
        "Armée nationale libyenne",
        "الجيش الوطني الليبي",
    ),
    ("libya", "place", "Libya", "Libye", "ليبيا"),
    ("mali", "place", "Mali", "Mali", "مالي"),
    ("niger", "place", "Niger", "Niger", "النيجر"),
    ("burkina_faso", "place", "Burkina Faso", "Burkina Faso", "بوركينا فاسو"),
    ("ouagadougou", "place", "Ouagadougou", "Ouagadougou", "واغادوغو"),
    ("bamako", "place", "Bamako", "Bamako", "باماكو"),
    ("niamey", "place", "Niamey", "Niamey", "نيامي"),
    ("benghazi", "place", "Benghazi", "Benghazi", "بنغازي"),
    ("jufra", "place", "Jufra", "Joufra", "الجفرة"),
    ("russia", "place", "Russia", "Russie", "روسيا"),
    ("moscow", "place", "Moscow", "Moscou", "موسكو"),
    ("algeria", "place", "Algeria", "Algérie", "الجزائر"),
    ("egypt", "place", "Egypt", "Égypte", "مصر"),
    ("washington", "place", "Washington", "Washington", "واشنطن"),
    ("united_states", "place", "United States", "États-Unis", "الولايات المتحدة"),
]
WITHIN = {  # as in rules.yaml
    "ouagadougou": "burkina_faso",
    "bamako": "mali",
    "niamey": "niger",
    "benghazi": "libya",
    "jufra": "libya",
    "moscow": "russia",
    "washington": "united_states",
}
# Themes (rules.yaml) some wordings name too: (theme, language, a spelling of it in rules.yaml)
THEMES = [
    ("official_visit", "en", "visit"),
    ("official_visit", "fr", "visite"),
    ("official_visit", "ar", "زيارة"),
    ("troop_withdrawal", "en", "withdraw"),
    ("troop_withdrawal", "fr", "retrait"),
    ("troop_withdrawal", "ar", "انسحاب"),
    ("juntas", "en", "coup"),
    ("juntas", "en", "junta"),
    ("juntas", "fr", "putsch"),
    ("juntas", "fr", "coup d'état"),
    ("juntas", "fr", "junte"),
    ("juntas", "ar", "انقلاب"),
    ("juntas", "ar", "المجلس العسكري"),
    ("cooperation", "fr", "relations"),
    ("cooperation", "ar", "العلاقات"),
]
PEOPLE = [e for e in ENTITIES if e[1] == "person"]
ORGS = [e for e in ENTITIES if e[1] == "organisation"]
PLACES = [e for e in ENTITIES if e[1] == "place"]
KINDS = {e[0]: e[1] for e in ENTITIES}
LANG_COL = {"en": 2, "fr": 3, "ar": 4}
BACKGROUND = 0.65  # share of reports that name no entity of the rules
FOLLOW_UP = 0.33  # share of the others that report an event already reported ...
OPEN_FOR = 24 * 3600.0  # ... in the last day
SECOND_EVENT = 0.2  # share of reports that name another kind of happening in passing

# Kinds of happening (rules.yaml entities of kind "event"), each with two wordings a language,
# every one holding one of the event's spellings in rules.yaml and no other event's.
# {p} {p2} people, {o} an organisation, {pl} a place, {n} a number, {w} the event's own word.
EVENTS: dict[str, dict[str, tuple[str, str]]] = {
    "visit": {
        "en": ("{p} visits {pl} for talks with {p2} on {w}", "{p} arrives in {pl} to see {p2}"),
        "fr": ("{p} en visite à {pl} auprès de {p2}", "Visite de {p} à {pl} avec {p2} sur {w}"),
        "ar": ("{p} يلتقي {p2} في {pl} لبحث {w}", "زيارة {p} إلى {pl} ولقاء {p2}"),
    },
    "armed_attack": {
        "en": ("{n} killed in attack near {pl}, {o} blamed", "Ambush near {pl}: {n} dead"),
        "fr": ("{n} morts dans une attaque près de {pl}", "Embuscade près de {pl} : {n} tués"),
        "ar": ("مقتل {n} في هجوم قرب {pl}", "كمين قرب {pl} يسفر عن {n} قتلى"),
    },
    "deployment": {
        "en": ("{o} deploys {n} fighters to {pl}", "{o} reinforcements reach {pl} amid {w}"),
        "fr": ("{o} déploie {n} combattants à {pl}", "Des renforts de {o} à {pl} sur fond de {w}"),
        "ar": ("نشر قوات من {o} في {pl}", "تعزيزات من {o} إلى {pl} وسط {w}"),
    },
    "coup": {
        "en": ("Coup attempt foiled in {pl}, {p} says", "Soldiers stage coup in {pl} as {w}"),
        "fr": ("Tentative de coup d'État à {pl}, selon {p}", "Putsch à {pl} sur fond de {w}"),
        "ar": ("محاولة انقلاب في {pl} بحسب {p}", "انقلاب عسكري في {pl} وسط {w}"),
    },
    "withdrawal": {
        "en": ("{o} to withdraw from {pl} within {n} days", "{o} pulls out of {pl}, {p} says"),
        "fr": ("Retrait de {o} de {pl} sous {n} jours", "{o} quitte {pl}, selon {p}"),
        "ar": ("انسحاب {o} من {pl} خلال {n} يوما", "{o} تغادر {pl} بحسب {p}"),
    },
    "diplomatic_break": {
        "en": ("{pl} severs ties with {o} over {w}", "{pl} breaks off relations with {o}"),
        "fr": ("{pl} rompt ses relations avec {o}", "Rupture des relations entre {pl} et {o}"),
        "ar": ("{pl} تقطع علاقاتها مع {o}", "قطع العلاقات الدبلوماسية بين {pl} و{o}"),
    },
    "summit": {
        "en": ("{o} summit opens in {pl} with {p}", "{p} and {p2} at {o} summit in {pl}"),
        "fr": ("Sommet de {o} à {pl} avec {p}", "{p} et {p2} au sommet de {o} à {pl}"),
        "ar": ("قمة {o} في {pl} بمشاركة {p}", "انطلاق القمة في {pl} بحضور {p} و{p2}"),
    },
    "signing": {
        "en": ("{p} and {p2} signed a {w} accord in {pl}", "{o} signs {n}-year deal with {pl}"),
        "fr": ("{p} et {p2} ont signé un accord à {pl}", "Signature d'un accord entre {o} et {pl}"),
        "ar": ("توقيع اتفاق بين {p} و{p2} في {pl}", "{o} وقعت على اتفاق مع {pl}"),
    },
    "sanctions": {
        "en": ("{o} imposes sanctions on {pl} over {w}", "New sanctions on {p} as {pl} {w}"),
        "fr": ("La {o} impose des sanctions à {pl}", "Nouvelles sanctions contre {p} et {pl}"),
        "ar": ("{o} تفرض عقوبات على {pl}", "عقوبات جديدة على {p} في {pl}"),
    },
    "arrest": {
        "en": ("{n} arrested in {pl} after {w}", "{pl} police detain {n} linked to {o}"),
        "fr": ("{n} arrestations à {pl} après {w}", "{n} personnes interpellées à {pl}"),
        "ar": ("اعتقال {n} في {pl} بعد {w}", "توقيف {n} أشخاص في {pl}"),
    },
    "airlift": {
        "en": ("Cargo planes landed at {pl} from {o}", "{o} airlift to {pl}: {n} flights"),
        "fr": ("Des avions cargo ont atterri à {pl}", "Pont aérien de {o} vers {pl} : {n} vols"),
        "ar": ("هبوط طائرات شحن في {pl}", "جسر جوي من {o} إلى {pl}"),
    },
}
EVENT_WEIGHTS = {  # how often each kind is reported
    "visit": 5,
    "armed_attack": 5,
    "deployment": 2,
    "coup": 0.5,
    "withdrawal": 1.5,
    "diplomatic_break": 0.5,
    "summit": 1,
    "signing": 1.5,
    "sanctions": 1,
    "arrest": 1.5,
    "airlift": 0.5,
}
# The same kinds named in passing in a report's text (after its lead's first words).
IN_PASSING: dict[str, dict[str, str]] = {
    "visit": {"en": "after talks", "fr": "après une visite", "ar": "بعد زيارة"},
    "armed_attack": {"en": "after the attack", "fr": "après l'attaque", "ar": "بعد الهجوم"},
    "withdrawal": {"en": "after the withdrawal", "fr": "après le retrait", "ar": "بعد الانسحاب"},
    "sanctions": {"en": "under sanctions", "fr": "sous sanctions", "ar": "تحت العقوبات"},
}

TEMPLATES = {  # the former headlines, no event named: some reports on the actors are so
    "en": ["{pl} junta extends transition by {n} years", "{p} on {w} as {o} grows in {pl}"],
    "fr": ["La junte de {pl} prolonge la transition de {n} ans", "{p} et {o} à {pl} : {w}"],
    "ar": ["المجلس العسكري في {pl} يمدد المرحله الانتقاليه {n} سنوات", "{p} و{o} في {pl}"],
}


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


@dataclass
class _Story:
    """A story of the fill while its event can be reported again."""

    sources: list[str]
    langs: list[str]
    ents: list[str]
    count: int = 1


class _FinalCounts:
    """Word stems' rarity from the fill's counts, as `TermStats` answers it."""

    def __init__(self, df: Counter[tuple[str, str]], docs: Counter[str]) -> None:
        self.df, self.docs = df, docs

    def load(self, lang: str, stems: Any) -> None:
        del lang, stems

    def __call__(self, lang: str, stem: str) -> float:
        return math.log((self.docs[lang] + 1) / (self.df[(lang, stem)] + 1)) + 1.0


def fill(
    store: Store, gen: Generator, n_items: int, full_index: bool, days: float = DAYS
) -> tuple[float, dict[int, Generated]]:
    """Bulk-load n_items reports, oldest first, ending at END; returns seconds taken and the
    reports of the last 40 hours (by item id: the stored reports copies are made of)."""
    t0 = time.perf_counter()
    conn = store.conn
    start = END - timedelta(days=days)
    step = days * 86400 / n_items
    index_from = END - timedelta(hours=2 * WINDOW_H)
    recent_from = END - timedelta(hours=40)
    conn.execute("PRAGMA cache_size=-400000")
    conn.execute("BEGIN")
    tables = ("items", "keys", "fts", "stories", "story_items", "topics", "cluster", "matches")
    batch: dict[str, list[tuple[object, ...]]] = {k: [] for k in (*tables, "grown")}
    profiles: dict[int, StoryProfile] = {}
    open_stories: dict[int, _Story] = {}
    df: Counter[tuple[str, str]] = Counter()
    docs: Counter[str] = Counter()
    recent: dict[int, Generated] = {}
    window: list[tuple[int, Report]] = []  # the reports of the last two windows, in order

    def flush() -> None:
        conn.executemany(
            "INSERT INTO items(id, source, url, canonical_url, guid, title, summary, text, lang,"
            " published, first_seen, last_seen, content_hash, entities, features, extra)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, '', ?, ?, ?, ?, ?, ?, ?, '{}')",
            batch["items"],
        )
        conn.executemany(
            "INSERT OR IGNORE INTO item_keys(key, item_id, kind, ts) VALUES (?, ?, ?, ?)",
            batch["keys"],
        )
        conn.executemany("INSERT INTO items_fts(rowid, title, body) VALUES (?, ?, ?)", batch["fts"])
        conn.executemany(
            "INSERT INTO stories(id, rep_item_id, title, url, source, lang, published,"
            " first_seen, last_seen, sources, languages, entities, item_count)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)",
            batch["stories"],
        )
        conn.executemany(
            "UPDATE stories SET last_seen = ?, sources = ?, languages = ?, entities = ?,"
            " item_count = ? WHERE id = ?",
            batch["grown"],
        )
        conn.executemany(
            "INSERT INTO story_items(item_id, story_id, reason, joined_at) VALUES (?, ?, ?, ?)",
            batch["story_items"],
        )
        conn.executemany(
            "INSERT OR IGNORE INTO story_topics(story_id, topic, first_at) VALUES (?, ?, ?)",
            batch["topics"],
        )
        conn.executemany(
            "INSERT INTO matches(item_id, topic, matched, score, explanation)"
            " VALUES (?, ?, 1, 3.0, ?)",
            batch["matches"],
        )
        conn.executemany(
            "INSERT OR IGNORE INTO cluster_keys(key, item_id, ts) VALUES (?, ?, ?)",
            batch["cluster"],
        )
        for rows in batch.values():
            rows.clear()

    rng = random.Random(11)
    for i in range(1, n_items + 1):
        when = start + timedelta(seconds=i * step)
        g = gen.report(i, when)
        item, ents = g.item, g.ents
        ts = when.isoformat(timespec="seconds")
        tsi = int(when.timestamp())
        title_n, body_n = normalize(item.title), normalize(item.summary)
        story = g.event.story if g.event is not None else i
        feats = "{}"
        if when >= index_from:
            m = match_for(g)
            f = build_features(item, m, gen.kinds, when.timestamp(), i, story)
            feats = f.to_json()
            batch["cluster"] += [(k, i, tsi) for k in lsh_keys(f)]
            report = Report.of(f)
            window.append((story, report))
            stems = report.terms.keys()
        else:
            if full_index:
                batch["cluster"] += [(rng.getrandbits(63), i, tsi) for _ in range(16)]
            stems = terms(f"{title_n} {lead(item.summary)}".strip(), item.lang).keys()
        # TermStats.count: every report filed counts its stems (term_df is never pruned)
        docs[item.lang] += 1
        df.update((item.lang, t) for t in stems)
        if when >= recent_from:
            recent[i] = g
        batch["items"].append(
            (
                i,
                item.source,
                item.url,
                item.url,
                item.guid,
                item.title,
                item.summary,
                item.lang,
                ts,
                ts,
                ts,
                content_hash(item),
                json.dumps(list(ents)),
                feats,
            )
        )
        batch["keys"] += [(k, i, kind, tsi) for k, kind in identity_keys(item)]
        batch["fts"].append((i, title_n, body_n))
        if story == i:
            batch["stories"].append(
                (
                    i,
                    i,
                    item.title,
                    item.url,
                    item.source,
                    item.lang,
                    ts,
                    ts,
                    ts,
                    json.dumps([item.source]),
                    json.dumps([item.lang]),
                    json.dumps(list(ents)),
                )
            )
            batch["story_items"].append((i, i, "new story", ts))
            if g.event is not None:
                open_stories[i] = _Story([item.source], [item.lang], list(ents))
        else:
            s = open_stories[story]
            s.count += 1
            s.sources += [item.source] if item.source not in s.sources else []
            s.langs += [item.lang] if item.lang not in s.langs else []
            s.ents += [e for e in ents if e not in s.ents]
            batch["grown"].append(
                (ts, json.dumps(s.sources), json.dumps(s.langs), json.dumps(s.ents), s.count, story)
            )
            batch["story_items"].append((i, story, f"same event as story {story}", ts))
        if sum(1 for k in ents.values() if k not in ("event", "theme")) >= 3:
            batch["topics"].append((story, "russia_military_africa", ts))
            batch["matches"].append((i, "russia_military_africa", '{"score": 3.0}'))
        if i % 20000 == 0:
            flush()
            live = {e.story for e in gen.open}
            for sid in [s for s in open_stories if s not in live]:
                del open_stories[sid]
            if i % 200000 == 0:
                print(f"  filled {i:,} items in {time.perf_counter() - t0:.0f} s", flush=True)
    flush()
    # the profiles of the window's stories, their members' rarest words (storage.story_join.
    # rarest) taken from the final counts, and what storage.story_index.save writes of them
    rarity = _FinalCounts(df, docs)
    for story, report in window:
        report = replace(report, rare=rarest(cast(TermStats, rarity), report))
        profiles.setdefault(story, StoryProfile(story)).add(report)
    conn.executemany(
        "INSERT INTO story_profiles(story_id, first_ts, last_ts, profile) VALUES (?, ?, ?, ?)",
        [(p.story_id, int(p.first_ts), int(p.last_ts), p.to_json()) for p in profiles.values()],
    )
    conn.executemany(
        "INSERT INTO story_keys(key, story_id, ts) VALUES (?, ?, ?)",
        [(key64(k), p.story_id, int(p.last_ts)) for p in profiles.values() for k in p.index_keys()],
    )
    conn.executemany(
        "INSERT INTO term_df(key, df) VALUES (?, ?)",
        [(key64(f"{lang}:{t}"), n) for (lang, t), n in df.items()]
        + [(key64(f"{lang}:"), n) for lang, n in docs.items()],
    )
    conn.execute("COMMIT")
    # one transaction leaves the full-text index in many segments, which the next small
    # commits would merge in one long crisis merge: start from a merged index instead
    conn.execute("INSERT INTO items_fts(items_fts) VALUES ('optimize')")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.execute("ANALYZE")
    return time.perf_counter() - t0, recent


def replay(gen: Generator, n_items: int, days: float = DAYS) -> dict[int, Generated]:
    """`fill`'s reports again, not stored: the generator's state and the recent reports as
    after `fill` (for a database copied from a --snapshot)."""
    start = END - timedelta(days=days)
    step = days * 86400 / n_items
    recent_from = END - timedelta(hours=40)
    recent = {}
    for i in range(1, n_items + 1):
        when = start + timedelta(seconds=i * step)
        g = gen.report(i, when)
        if when >= recent_from:
            recent[i] = g
    return recent


# -- the join decision, measured apart ----------------------------------------------------------


INGEST: Any = storage.ingest  # the module whose name `file_report` Store.ingest calls


def _file_report() -> Callable[..., Filed]:
    """The `file_report` that `storage.ingest` calls (the bench replaces it while it times)."""
    fn: Callable[..., Filed] = INGEST.file_report
    return fn


class Probe:
    """Times `storage.story_join.file_report` for every report that reaches it (through the
    name `storage.ingest` calls), and within it each part (wrappers installed while a pass
    runs): the near-duplicate lookup and decision, the story candidates (their profiles read
    and parsed, also counted apart), the term frequencies, the scoring, the writes."""

    PARTS = (
        (storage.story_join, "candidates", "near-duplicate lookup (LSH candidates)"),
        (storage.story_join, "decide", "near-duplicate decision"),
        (story_index, "candidates", "story candidates (SQL + profiles)"),
        (story_index, "profiles", "  of which profiles read + parsed"),
        (storage.story_join, "_load_terms", "term frequencies read"),
        (storage.story_join, "choose", "scoring (events.choose)"),
        (story_index, "save", "profile save"),
        (TermStats, "count", "term counts"),
        (story_index, "merge", "merges"),
    )
    DECISION = (
        "near-duplicate lookup (LSH candidates)",
        "near-duplicate decision",
        "story candidates (SQL + profiles)",
        "term frequencies read",
        "scoring (events.choose)",
    )

    def __init__(self) -> None:
        self.calls: list[float] = []  # seconds in file_report, one a report
        self.decisions: list[float] = []  # seconds of DECISION parts, one a report
        self.filed: list[Filed] = []
        self.parts: defaultdict[str, float] = defaultdict(float)
        self._now: defaultdict[str, float] = defaultdict(float)

    @contextmanager
    def installed(self, replace: Callable[..., Filed] | None = None) -> Iterator[Probe]:
        """Wrap the functions while the block runs; `replace`: file with it instead."""
        saved = [(owner, name, getattr(owner, name)) for owner, name, _ in self.PARTS]
        saved.append((INGEST, "file_report", _file_report()))
        try:
            for owner, name, label in self.PARTS:
                setattr(owner, name, self._timed(getattr(owner, name), label))
            inner = replace or _file_report()

            def file_report(*args: Any, **kwargs: Any) -> Filed:
                self._now.clear()
                t0 = time.perf_counter()
                filed = inner(*args, **kwargs)
                self.calls.append(time.perf_counter() - t0)
                self.decisions.append(sum(self._now[p] for p in self.DECISION))
                for part, spent in self._now.items():
                    self.parts[part] += spent
                self.filed.append(filed)
                return filed

            INGEST.file_report = file_report
            yield self
        finally:
            for owner, name, fn in saved:
                setattr(owner, name, fn)

    def _timed(self, fn: Callable[..., Any], label: str) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self._now[label] += time.perf_counter() - t0

        return timed

    def outcomes(self) -> dict[str, int]:
        out: Counter[str] = Counter()
        for f in self.filed:
            if f.story_is_new:
                out["new stories"] += 1
            elif f.reason.startswith("near-duplicate"):
                out["near-duplicate joins"] += 1
            else:
                out["same-event joins"] += 1
            if f.merged:
                out["reports that merged stories"] += 1
                out["stories merged"] += len(f.merged)
        return dict(out)

    def print(self, label: str, breakdown: bool = True) -> None:
        n = len(self.calls)
        if not n:
            return
        ms = [1000 * t for t in self.calls]
        print(
            f"  join decision + writes ({label}: time in story_join.file_report), average over"
            f" {n:,} new reports: {statistics.mean(ms):.3f} ms (median {statistics.median(ms):.3f},"
            f" p99 {sorted(ms)[int(n * 0.99)]:.3f})  (target < 2 ms)"
        )
        if any(self.decisions):
            ds = [1000 * t for t in self.decisions]
            print(
                f"  join decision alone (lookups + decide + candidates + terms + choose):"
                f" average {statistics.mean(ds):.3f} ms (median {statistics.median(ds):.3f},"
                f" p99 {sorted(ds)[int(n * 0.99)]:.3f})  (target < 2 ms)"
            )
        if breakdown:
            for _, _, part in self.PARTS:
                if part in self.parts:
                    print(f"    {part:42s} {1000 * self.parts[part] / n:7.3f} ms a report")
            rest = sum(self.calls) - sum(v for k, v in self.parts.items() if not k.startswith("  "))
            label = "story rows, cluster keys (the rest)"
            print(f"    {label:42s} {1000 * rest / n:7.3f} ms a report")
        print(f"  outcomes: {self.outcomes()}")


def near_duplicates_only(
    conn: Any,
    item_id: int,
    item: Item,
    match: MatchResult,
    feats: Any,
    lsh: tuple[int, ...],
    settings: Any,
    stats: Any,
    within: Any,
    now_s: str,
) -> Filed:
    """Filing as the store did before event clustering: the near-duplicate decision over the
    LSH candidates, else a story of its own (no story candidates, scoring, profile or terms)."""
    del stats, within
    dup = decide(
        feats,
        lsh_candidates(conn, lsh, feats.ts, settings.window_hours),
        settings.window_hours,
        settings.similarity,
    )
    file_cluster_keys(conn, item_id, lsh, feats.ts)
    if dup is None:
        story_id = story_writes.new_story(conn, item_id, item, match, now_s)
        return Filed(story_id, True, "new story", None)
    grew = story_writes.join_story(conn, dup.story_id, item, match, now_s)
    reason = f"{dup.kind} of item {dup.item_id}: {dup.why}"
    return Filed(dup.story_id, False, reason, dup.score, (), grew)


def timed_ingest(
    store: Store,
    gen: Generator,
    recent: dict[int, Generated],
    count: int,
    batch: int = 1,
    seed: int = 3,
    kinds: tuple[str, ...] = ("duplicate", "near-duplicate", "new"),
) -> dict[str, list[float]]:
    """Ingest `count` reports, in turn of each of `kinds`: exact duplicates, near-duplicates
    (of reports of the last 40 hours) and new reports.
    `batch` > 1: that many reports share a transaction, as a poll's reports do in the pipeline
    (Store.ingest_many); each report is charged its own time plus an equal share of the
    commit. `seed` picks the stored reports copied (and numbers the new ones)."""
    rng = random.Random(seed)
    clock = store.clock
    assert isinstance(clock, FixedClock)
    times: dict[str, list[float]] = {k: [] for k in kinds}
    outcomes: dict[str, list[str]] = {k: [] for k in times}
    stored = sorted(recent)
    pending: list[tuple[str, int]] = []  # (kind, index in times[kind]) of the open batch
    for j in range(count):
        kind = kinds[j % len(kinds)]
        if kind == "new":
            g = gen.report(10**9 + seed * 10**6 + j, clock.now())
            item, m = g.item, match_for(g)
        else:
            old = recent[rng.choice(stored)]
            m = match_for(old)
            src = old.item
            if kind == "duplicate":
                item = Item(
                    src.source,
                    src.url + "?utm_source=twitter&fbclid=x",
                    f"other-{seed}-{j}",
                    src.title,
                    summary=src.summary,
                    lang=src.lang,
                    published=src.published,
                )
            else:
                words = src.title.split()
                item = Item(
                    f"Syndicator {j % 50}",
                    f"https://syndicator{j % 50}.example/{seed}/{j}",
                    f"s-{seed}-{j}",
                    " ".join([*words[:-2], "(AFP)"]),
                    summary=src.summary,
                    lang=src.lang,
                    published=src.published,
                )
        if batch > 1 and not pending:
            store.conn.execute("BEGIN IMMEDIATE")
        t0 = time.perf_counter()
        result = store.ingest(item, m, gen.kinds)  # joins the batch's transaction, if open
        times[kind].append(time.perf_counter() - t0)
        if batch > 1:
            pending.append((kind, len(times[kind]) - 1))
            if len(pending) == batch or j == count - 1:
                t0 = time.perf_counter()
                store.conn.execute("COMMIT")
                share = (time.perf_counter() - t0) / len(pending)
                for k, at in pending:
                    times[k][at] += share
                pending = []
        clock.advance(2)
        outcomes[kind].append(
            "seen again"
            if not result.is_new
            else ("joined" if not result.story_is_new else "new story")
        )
    if len(kinds) > 1:
        for kind, outs in outcomes.items():
            counts = {o: outs.count(o) for o in sorted(set(outs))}
            print(f"  {kind:15s} outcomes: {counts}")
    return times


def _ms(ts: list[float]) -> str:
    return f"{1000 * statistics.mean(ts):.3f} ms" if ts else "-"


def print_ingest(times: dict[str, list[float]]) -> None:
    for kind, ts in times.items():
        worst = sorted(range(len(ts)), key=lambda k: -ts[k])[:3]
        slowest = ", ".join(f"{1000 * ts[k]:.0f} ms (#{k + 1})" for k in worst)
        print(f"  {kind:15s} average {_ms(ts)} over {len(ts)}; slowest {slowest}")
    inserted = times["near-duplicate"] + times["new"]  # stored as new items (not seen again)
    print(
        f"  new items inserted (near-duplicates and new): average"
        f" {_ms(inserted)} over {len(inserted)}  (target < 2 ms)"
    )


def compare(store: Store, gen: Generator, recent: dict[int, Generated], count: int) -> None:
    """Before (near-duplicates only) and now, alternated, on new reports and near-duplicates."""
    rounds: dict[str, list[Probe]] = {"before": [], "now": []}
    ingest: dict[str, list[float]] = {"before": [], "now": []}
    for r, label in enumerate(("before", "now", "before", "now")):
        probe = Probe()
        replace = near_duplicates_only if label == "before" else None
        with probe.installed(replace):
            times = timed_ingest(
                store, gen, recent, count, seed=20 + r, kinds=("near-duplicate", "new", "new")
            )
        rounds[label].append(probe)
        ingest[label] += times["near-duplicate"] + times["new"]
        ms = 1000 * statistics.mean(probe.calls)
        print(
            f"  round {r + 1} {label:6s}: file_report {ms:.3f} ms,"
            f" Store.ingest {_ms(times['near-duplicate'] + times['new'])} a new item;"
            f" {probe.outcomes()}",
            flush=True,
        )
    for label, probes in rounds.items():
        calls = [t for p in probes for t in p.calls]
        print(
            f"  {label:6s}: file_report average {1000 * statistics.mean(calls):.3f} ms,"
            f" Store.ingest of a new item {_ms(ingest[label])} (over {len(calls):,})"
        )


def profile(store: Store, gen: Generator, recent: dict[int, Generated], count: int) -> None:
    """cProfile of `count` new reports' ingest: the top costs under file_report."""
    prof = cProfile.Profile()
    real = _file_report()

    def profiled(*args: Any, **kwargs: Any) -> Filed:
        prof.enable()
        try:
            return real(*args, **kwargs)
        finally:
            prof.disable()

    INGEST.file_report = profiled
    try:
        timed_ingest(store, gen, recent, count, seed=40, kinds=("near-duplicate", "new", "new"))
    finally:
        INGEST.file_report = real
    for key in ("tottime", "cumulative"):
        out = io.StringIO()
        pstats.Stats(prof, stream=out).sort_stats(key).print_stats(25)
        text = out.getvalue()
        print(text[text.find("   ncalls") :])


QUERIES = [
    "haftar",
    "mali",
    "wagner africa corps",
    '"africa corps"',
    "ouagadougou traore",
    "niger attack",
    "junte transition",
    "صدام حفتر",
    "الفيلق الافريقي",
    "مالي",
    "bamako",
    "kidal menaka",
    "ba*",
    "killed attack gao",
    "rencontre niamey",
    "babeba",
    "no-such-word-anywhere",
    "tripoli benghazi",
    "فاغنر",
    "russie soudan",
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--ingest", type=int, default=3000)
    parser.add_argument(
        "--compare", type=int, default=1000, help="reports a round of before/now (0: none)"
    )
    parser.add_argument("--profile", type=int, default=0, help="new reports to profile")
    parser.add_argument(
        "--full-index", action="store_true", help="index every item, not only the window"
    )
    parser.add_argument("--keep", metavar="DIR", help="build the database in DIR and keep it")
    parser.add_argument("--pragma", action="append", default=[], help="extra PRAGMA for the run")
    parser.add_argument("--snapshot", metavar="DIR", help="copy the filled database into DIR")
    parser.add_argument(
        "--reuse", metavar="DIR", help="start from a --snapshot of the same --items, not a fill"
    )
    args = parser.parse_args()

    folder = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench_store_"))
    try:
        clock = FixedClock(END)
        gen = Generator()
        if args.reuse:
            shutil.copytree(args.reuse, folder, dirs_exist_ok=True)
            store = Store(open_state(str(folder)), clock)
            print(f"reusing the database of {args.reuse}; replaying the generator ...", flush=True)
            t0 = time.perf_counter()
            recent = replay(gen, args.items)
            fill_s = time.perf_counter() - t0
        else:
            store = Store(open_state(str(folder)), clock)
            print(f"filling {args.items:,} items (bulk path) ...", flush=True)
            fill_s, recent = fill(store, gen, args.items, args.full_index)
            if args.snapshot:
                store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                shutil.copytree(folder, args.snapshot, dirs_exist_ok=True)
        pages, free, page_size = (
            store.conn.execute(f"PRAGMA {p}").fetchone()[0]
            for p in ("page_count", "freelist_count", "page_size")
        )
        size = (pages - free) * page_size  # the data, whether still in the WAL or not
        count = {
            t: store.conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("cluster_keys", "stories", "story_profiles", "story_keys", "term_df")
        }
        print(
            f"fill (or replay): {fill_s:.0f} s; clustering index rows: {count['cluster_keys']:,};"
            f" stories {count['stories']:,}, profiles {count['story_profiles']:,},"
            f" story keys {count['story_keys']:,}, term_df rows {count['term_df']:,}"
        )

        for pragma in args.pragma:
            print(f"PRAGMA {pragma}: {store.conn.execute(f'PRAGMA {pragma}').fetchall()}")
        print(f"ingesting {args.ingest:,} reports through Store.ingest ...", flush=True)
        probe = Probe()
        with probe.installed():
            times = timed_ingest(store, gen, recent, args.ingest)
        every = [t for ts in times.values() for t in ts]
        print(
            f"ingest, average over {len(every):,}: {1000 * statistics.mean(every):.3f} ms"
            f" (median {1000 * statistics.median(every):.3f} ms,"
            f" p99 {1000 * sorted(every)[int(len(every) * 0.99)]:.3f} ms)"
        )
        print_ingest(times)
        probe.print("one report a transaction")
        print(
            f"ingesting {args.ingest:,} other reports in transactions of {POLL}, as the"
            " pipeline stores a poll ...",
            flush=True,
        )
        probe = Probe()
        with probe.installed():
            polled = timed_ingest(store, gen, recent, args.ingest, batch=POLL, seed=5)
        print_ingest(polled)
        probe.print(f"transactions of {POLL}", breakdown=False)
        if args.compare:
            print(
                f"before (near-duplicate decision only, as before event clustering) and now,"
                f" alternated, {args.compare:,} reports a round (1/3 near-duplicates, 2/3 new):",
                flush=True,
            )
            compare(store, gen, recent, args.compare)
        if args.profile:
            print(f"profile of file_report over {args.profile:,} reports:", flush=True)
            profile(store, gen, recent, args.profile)

        q_times = []
        for q in QUERIES:
            t0 = time.perf_counter()
            hits = store.search(q, 20)
            q_times.append(time.perf_counter() - t0)
            print(f"  search {q!r:28} {1000 * q_times[-1]:7.2f} ms  {len(hits)} hits")
        print(
            f"FTS query: average {1000 * statistics.mean(q_times):.2f} ms,"
            f" max {1000 * max(q_times):.2f} ms over {len(q_times)} queries"
        )
        t0 = time.perf_counter()
        pruned = store.prune(END + timedelta(days=1), DAYS)
        print(f"prune of the oldest day: {pruned:,} items in {time.perf_counter() - t0:.2f} s")
        n = store.item_count()
        print(
            f"database: {size / 1e6:.0f} MB for {args.items:,} items after the fill ="
            f" {size / (args.items / 1000) / 1e6:.2f} MB per 1,000 items"
            f" ({size / args.items:.0f} bytes an item); {n:,} items after ingest and prune"
        )
        store.conn.close()
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
