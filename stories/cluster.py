"""A report's clustering features, and the near-duplicate decision (pure).

A report is described by its `Features`: normalised title and lead, the numbers it states, the
entities the matcher counted (with their kinds, which of them are in the title, the order they
first appear in, and the first place its headline names), language and time. `stories.profile`
and `stories.events` read the same features to tell whether it reports the event of a story.

`lsh_keys` gives the LSH band keys of a one-permutation MinHash over the title + lead
character 4-grams (16 bands of 3 values: a pair at Jaccard 0.55 shares a band with probability
~0.95, a pair at 0.1 with ~0.016), under which the store files a report so that its copies are
found by lookup, never by a scan.

`decide(new, candidates, window_hours, similarity)` then checks each candidate and returns the
story of the one `new` is a copy of, or None: character n-gram Jaccard (title + lead, or lead
alone when both leads are long) at least `similarity`, within `window_hours` of each other,
and guarded: a number in one headline that the other report contradicts ("killed 12" vs
"killed 40"), or different named places (each names a place the other does not, one of them
in its headline), keep reports apart.

A candidate whose stored MinHash sketch agrees with the new report's in fewer than 8 of 48
positions (MIN_ESTIMATE; fewer still under a low `similarity`), for title + lead and, where
leads alone would be compared, for the leads too, is no near-duplicate and is not compared
n-gram by n-gram.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from core.entities import within_of
from core.items import Item
from core.text import normalize
from matching.result import MatchResult
from stories.fingerprint import (
    LEAD_CHARS,
    SHINGLE,
    band_keys,
    estimate,
    gram_hashes,
    jaccard,
    lead,
    minhash,
    minhash_of,
    numbers,
    shingles,
    sketch,
)

LEAD_WORDS = 60  # words of text after the title that count as the lead for entities
MIN_LEAD = 80  # normalised characters: shorter leads are not compared on their own
# Below this estimated Jaccard (fewer than 8 of 48 sketch positions agree) a candidate is not
# compared n-gram by n-gram: it shares too little with the new report. A pair at a true Jaccard
# of 0.4 falls this low about once in 9,000 (at the default threshold, 0.55, never in practice;
# at 0.3, once in 100, where LSH finds such a pair only one time in three anyway). An unrelated
# report (0.02 to 0.06) that LSH returned by a chance shared band passes one time in twenty.
# An operator's lower `similarity` lowers it to a third of that threshold.
MIN_ESTIMATE = 0.16


@dataclass(frozen=True)
class Features:
    """What clustering knows about one stored or incoming report."""

    item_id: int
    story_id: int
    lang: str
    ts: float  # published (or first seen) as a POSIX timestamp
    title: str  # normalised
    lead: str  # normalised, at most LEAD_CHARS
    numbers: frozenset[str] = frozenset()
    title_numbers: frozenset[str] = frozenset()
    entities: Mapping[str, str] = field(default_factory=dict)  # entity id -> kind
    title_entities: frozenset[str] = frozenset()
    lead_entities: frozenset[str] = frozenset()  # in the title or the first LEAD_WORDS words
    # The lead entities in the order they first appear (title first), and the first place the
    # title names, as the outermost place it lies in ("" when the title names none).
    order: tuple[str, ...] = ()
    head: str = ""
    sketch: bytes = b""  # stories.fingerprint.sketch of the MinHash ("" for older records)
    lead_sketch: bytes = b""  # the same of the lead alone, when it is MIN_LEAD long or more
    # The full MinHash of title + lead when computed here (not stored): its LSH band keys.
    minhash: tuple[int, ...] = field(default=(), compare=False, repr=False)

    def __getstate__(self) -> dict[str, Any]:
        """Pickled without `minhash` (a parse worker sends the band keys computed from it)."""
        state = dict(self.__dict__)
        state["minhash"] = ()
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)  # frozen: filled as dataclasses' own unpickling would

    def core(self) -> dict[str, str]:
        """The entities of the title and lead (who and where), else all of them, with kinds."""
        if self.lead_entities:
            return {e: k for e, k in self.entities.items() if e in self.lead_entities}
        return dict(self.entities)

    @property
    def text(self) -> str:
        return f"{self.title} {self.lead}".strip()

    def places(self) -> frozenset[str]:
        return frozenset(e for e, k in self.entities.items() if k == "place")

    def to_json(self) -> str:
        """The stored form (item and story ids are kept by the store, not here)."""
        return json.dumps(
            {
                "lang": self.lang,
                "ts": self.ts,
                "t": self.title,
                "l": self.lead,
                "n": sorted(self.numbers),
                "tn": sorted(self.title_numbers),
                "e": dict(self.entities),
                "te": sorted(self.title_entities),
                "le": sorted(self.lead_entities),
                "o": list(self.order),
                "h": self.head,
                "s": self.sketch.hex(),
                "ls": self.lead_sketch.hex(),
            },
            ensure_ascii=False,
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, item_id: int, story_id: int, text: str) -> Features:
        d: dict[str, Any] = json.loads(text)
        return cls(
            item_id=item_id,
            story_id=story_id,
            lang=d.get("lang", ""),
            ts=float(d.get("ts", 0.0)),
            title=d.get("t", ""),
            lead=d.get("l", ""),
            numbers=frozenset(d.get("n", ())),
            title_numbers=frozenset(d.get("tn", ())),
            entities=dict(d.get("e", {})),
            title_entities=frozenset(d.get("te", ())),
            lead_entities=frozenset(d.get("le", ())),
            order=tuple(d.get("o", ())),
            head=d.get("h", ""),
            sketch=bytes.fromhex(d.get("s", "")),
            lead_sketch=bytes.fromhex(d.get("ls", "")),
        )


@dataclass(frozen=True)
class Decision:
    """Join `story_id`: the report is a near-duplicate of its item `item_id`."""

    story_id: int
    item_id: int
    kind: str
    score: float
    why: str

    @property
    def reason(self) -> str:
        """What `bot.py story` says of a report that joined so."""
        return f"{self.kind} of item {self.item_id}: {self.why}"


def build_features(
    item: Item,
    match: MatchResult,
    entity_kinds: Mapping[str, str],
    ts: float,
    item_id: int = 0,
    story_id: int = 0,
) -> Features:
    """Features of `item` as matched by `match` (`entity_kinds`: entity id -> kind, and the
    places a place lies in when it is a `core.entities.EntityKinds`: a report naming Benghazi
    names Libya too)."""
    within = within_of(entity_kinds)
    body = item.summary or item.text
    ents = {e: entity_kinds.get(e, "other") for e in match.entities}
    title = normalize(item.title)
    title_words = len(title.split())
    title_ents, lead_ents = set(), set()
    order: dict[str, None] = {}
    head = ""
    for h in sorted(match.hits, key=lambda h: h.start):
        if h.entity in ents and h.counted:
            if h.field == "title":
                title_ents.add(h.entity)
                if not head and ents[h.entity] == "place":
                    head = _outermost(h.entity, within)
            if h.field == "title" or h.start < title_words + LEAD_WORDS:
                lead_ents.add(h.entity)
                order.setdefault(h.entity)
    for place in [e for e in lead_ents if ents[e] == "place"]:
        outer = within.get(place, "")
        while outer and outer not in lead_ents:  # a city's country counts as named too
            ents.setdefault(outer, "place")
            lead_ents.add(outer)
            if place in title_ents:
                title_ents.add(outer)
            outer = within.get(outer, "")
    lead_text = lead(body)
    signature, whole_sketch, lead_sketch = sketches(title, lead_text)
    return Features(
        item_id=item_id,
        story_id=story_id,
        lang=item.lang,
        ts=ts,
        title=title,
        lead=lead_text,
        numbers=numbers(f"{item.title}\n{body[: LEAD_CHARS + 50]}"),
        title_numbers=numbers(item.title),
        entities=ents,
        title_entities=frozenset(title_ents),
        lead_entities=frozenset(lead_ents),
        order=tuple(order),
        head=head,
        sketch=whole_sketch,
        lead_sketch=lead_sketch,
        minhash=signature,
    )


def _outermost(place: str, within: Mapping[str, str]) -> str:
    seen = {place}
    while (outer := within.get(place, "")) and outer not in seen:
        seen.add(outer)
        place = outer
    return place


def sketches(title: str, lead_text: str) -> tuple[tuple[int, ...], bytes, bytes]:
    """(MinHash of normalised title + lead, its sketch, the sketch of the lead alone when it is
    MIN_LEAD long or more, else b""): what `Features` keeps of them."""
    if len(title) >= SHINGLE and len(lead_text) >= SHINGLE:
        # one vectorised pass over both, less the grams that straddle them
        both = gram_hashes(title + lead_text)
        lead_grams = both[len(title) :]
        title_lead = np.concatenate((both[: len(title) - SHINGLE + 1], lead_grams))
    else:
        lead_grams = gram_hashes(lead_text)
        title_lead = np.concatenate((gram_hashes(title), lead_grams))
    signature = minhash_of(title_lead)
    lead_signature = minhash_of(lead_grams) if len(lead_text) >= MIN_LEAD else ()
    return signature, sketch(signature), sketch(lead_signature)


def grams(f: Features) -> frozenset[str]:
    """The report's character 4-grams: those of its title and of its lead."""
    return shingles(f.title) | shingles(f.lead)


def lsh_keys(f: Features) -> list[int]:
    """The LSH band keys of the MinHash of `grams(f)`."""
    return band_keys(f.minhash or minhash((f.title, f.lead)))


def similarity(
    a: Features, b: Features, a_grams: frozenset[str] | None = None
) -> tuple[float, float]:
    """(score, Jaccard of title + lead): the score is the character 4-gram Jaccard of title +
    lead, or of the leads alone when both are long and that is higher (a re-titled wire copy).
    `a_grams`: `grams(a)` when already computed (one new report meets many candidates)."""
    whole = jaccard(grams(a) if a_grams is None else a_grams, grams(b))
    score = whole
    if len(a.lead) >= MIN_LEAD and len(b.lead) >= MIN_LEAD:
        score = max(score, jaccard(shingles(a.lead), shingles(b.lead)))
    return score, whole


def _far_apart(a: Features, b: Features, floor: float) -> bool:
    """Whether the sketches say `a` and `b` cannot be near-duplicates: title + lead estimated
    below `floor`, and, where the leads alone would be compared (both MIN_LEAD long), the
    leads too. Without sketches (older records), never."""
    whole = estimate(a.sketch, b.sketch)
    if whole is None or whole >= floor:
        return False
    if len(a.lead) < MIN_LEAD or len(b.lead) < MIN_LEAD:
        return True
    leads = estimate(a.lead_sketch, b.lead_sketch)
    return leads is not None and leads < floor


def numbers_conflict(a: Features, b: Features) -> bool:
    """A headline number that the other report contradicts (it states numbers, not this one)."""
    for x, y in ((a, b), (b, a)):
        if x.title_numbers and y.numbers and not (x.title_numbers & y.numbers):
            return True
    return False


def places_conflict(a: Features, b: Features) -> bool:
    """Each names a place the other does not, and one of those is in its headline."""
    pa, pb = a.places(), b.places()
    only_a, only_b = pa - pb, pb - pa
    if not only_a or not only_b:
        return False
    return bool(only_a & a.title_entities) or bool(only_b & b.title_entities)


def decide(
    new: Features,
    candidates: Iterable[Features],
    window_hours: float,
    min_similarity: float,
) -> Decision | None:
    """The story of the stored report that `new` is a near-duplicate of (the most similar
    one), or None."""
    window_s = window_hours * 3600.0
    best: tuple[float, float, Decision] | None = None
    new_grams: frozenset[str] | None = None
    floor = min(MIN_ESTIMATE, min_similarity / 3)
    for c in candidates:
        if c.item_id == new.item_id or abs(c.ts - new.ts) > window_s:
            continue
        if numbers_conflict(new, c) or places_conflict(new, c):
            continue
        if _far_apart(new, c, floor):
            continue
        if new_grams is None:
            new_grams = grams(new)
        sim, whole = similarity(new, c, new_grams)
        if sim < min_similarity:
            continue
        decision = Decision(
            c.story_id, c.item_id, "near-duplicate", sim, f"n-gram similarity {sim:.2f}"
        )
        if best is None or (decision.score, whole) > best[:2]:
            best = (decision.score, whole, decision)
    return best[2] if best else None
