"""The lexical part of a report's score against a story (pure): the cosine of their word-stem
bags weighted by rarity, and which of the story's bags the report is compared with.

Rarity comes from an `Idf`, a function (language, stem) -> inverse document frequency. One that
also offers the `Rarities` methods (the store's `storage.story_index.TermStats` does) is asked
at once for every stem a comparison needs (`settled`), and remembers a story's bag norm while
its rarities hold (`bag_norm`, `keep_norm`): a report compared with 20 stories then weighs its
own stems once and each story's bag once a recount of the rarities, not once a report. Either
way the answers are those of asking stem by stem, in the order `cosine` asks.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Collection, Mapping
from typing import Protocol, runtime_checkable

from stories.profile import Report, StoryProfile

LEXICAL = 4.0
LEXICAL_ACROSS = 2.0  # between two languages written in Latin letters (names, cognates)
LATIN = frozenset({"en", "fr"})

Idf = Callable[[str, str], float]  # (language, stem) -> inverse document frequency


@runtime_checkable
class Rarities(Protocol):
    """An `Idf` that can give many rarities at once and keep bag norms (see the docstring)."""

    resets: int  # changes whenever a kept rarity may have changed

    def __call__(self, lang: str, stem: str) -> float: ...

    def settled(self, lang: str, stems: Collection[str]) -> Mapping[str, float] | None:
        """The rarities of `stems` (and maybe more), or None when asking them one by one would
        first recount."""

    def bag_norm(self, lang: str, bag: Counter[str]) -> float | None:
        """The norm kept for `bag` since the last change of `resets`, or None."""

    def keep_norm(self, lang: str, bag: Counter[str], norm: float) -> None:
        """Keep `bag`'s norm (until `resets` changes)."""


def compared(r: Report, s: StoryProfile) -> tuple[bool, list[tuple[str, Counter[str]]]]:
    """The story's stem bags that the report's words are compared with, as (language, bag),
    and whether that is within the report's language: its own language's, else, between
    English and French, each of those."""
    bag = s.terms.get(r.lang)
    if not r.terms:
        return True, []
    if bag:
        return True, [(r.lang, bag)]
    if r.lang in LATIN:
        return False, [(lang, b) for lang, b in s.terms.items() if lang in LATIN]
    return True, []


class Lexicon:
    """One report's words as scoring compares them with its candidate stories' (`choose`):
    where `idf` is `Rarities`, the rarities of the report's stems and its norm per language,
    computed once while they hold, and the stories' bag norms as `idf` keeps them."""

    def __init__(self, terms: Counter[str], idf: Idf) -> None:
        self.terms = terms
        self._idf = idf if isinstance(idf, Rarities) else None
        # per language: `resets` when the report's stems were last settled, those rarities
        # (kept by `idf`, so holding any stem settled since) and the report's norm under them
        self._mine: dict[str, tuple[int, Mapping[str, float], float]] = {}

    def mine(self, lang: str) -> tuple[Mapping[str, float], float]:
        """(the rarities of the report's stems, its norm) under `lang`'s rarities, or raises
        LookupError when `idf` cannot settle them (then they are asked one by one)."""
        idf = self._idf
        if idf is None:
            raise LookupError(lang)
        mine = self._mine.get(lang)
        if mine is None or mine[0] != idf.resets:
            found = idf.settled(lang, self.terms.keys())
            if found is None:
                raise LookupError(lang)
            mine = (idf.resets, found, _norm(self.terms, found))
            self._mine[lang] = mine
        return mine[1], mine[2]

    def norms(self, lang: str, bag: Counter[str]) -> tuple[Mapping[str, float], float, float]:
        """(the rarities of the report's stems, the report's norm, the bag's), or raises
        LookupError as `mine` does."""
        weights, norm = self.mine(lang)
        idf = self._idf
        assert idf is not None  # `mine` answered
        theirs = idf.bag_norm(lang, bag)
        if theirs is None:
            rarities = idf.settled(lang, bag.keys())
            if rarities is None:
                raise LookupError(lang)
            theirs = _norm(bag, rarities)
            idf.keep_norm(lang, bag, theirs)
        return weights, norm, theirs


def cosine(
    a: Counter[str], b: Counter[str], lang: str, idf: Idf, lexicon: Lexicon | None = None
) -> tuple[float, tuple[str, ...]]:
    """The cosine of two stem bags weighted by rarity, and the stems that weighed most.
    `lexicon`: when `a` is its report's bag, the rarities read beforehand."""
    common = a.keys() & b.keys()
    if not common:
        return 0.0, ()
    try:
        if lexicon is None or lexicon.terms is not a:
            raise LookupError(lang)
        weights, norm_a, norm_b = lexicon.norms(lang, b)
    except LookupError:
        weights = _weights(idf, lang, a.keys() | b.keys())
        norm_a, norm_b = _norm(a, weights), _norm(b, weights)
    dot = {t: a[t] * b[t] * weights[t] ** 2 for t in common}
    if not norm_a or not norm_b:
        return 0.0, ()
    top = tuple(t for t, _ in sorted(dot.items(), key=lambda kv: -kv[1])[:4])
    return sum(dot.values()) / (norm_a * norm_b), top


def ceiling(
    a: Counter[str], common: Collection[str], lang: str, idf: Idf, lexicon: Lexicon | None = None
) -> float:
    """The most the cosine of `a` with a bag sharing its stems `common` can be, whatever the
    bag's weights: the weighted norm of `a` on `common` over its own (Cauchy-Schwarz).
    Asks the rarities of `a`'s stems (as `cosine` would first)."""
    try:
        if lexicon is None or lexicon.terms is not a:
            raise LookupError(lang)
        weights, norm = lexicon.mine(lang)
    except LookupError:
        weights = _weights(idf, lang, a.keys())
        norm = _norm(a, weights)
    if not norm:
        return 0.0
    return math.sqrt(sum([(a[t] * weights[t]) ** 2 for t in common])) / norm


def _norm(bag: Counter[str], weights: Mapping[str, float]) -> float:
    return math.sqrt(sum([(n * weights[t]) ** 2 for t, n in bag.items()]))


def _weights(idf: Idf, lang: str, stems: Collection[str]) -> Mapping[str, float]:
    """Rarity of each stem: in one call when `idf` offers it (`many`), else stem by stem."""
    many = getattr(idf, "many", None)
    if many is not None:
        found: Mapping[str, float] = many(lang, stems)
        return found
    return {t: idf(lang, t) for t in stems}
