"""Word stems' rarity as scoring asks for it (`storage.story_index.TermStats`): asked at once
(`many`, `settled`, through `stories.lexical.Lexicon`), it answers as asked stem by stem in the
order the plain path asks, across recounts, and `choose` decides the same either way; stories'
stem bags are read once (`load_bags`) until the frequencies start again. A rarity holds from its
first asking to the next recount, and so does a bag's norm."""

from __future__ import annotations

import math
import random
import sqlite3
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from storage import story_index
from storage.db import open_state
from storage.story_index import TermStats, idf
from stories.events import choose, compatible, score
from stories.profile import StoryProfile
from tests.story_parts import rep

VOCAB = [f"stem{i:03d}" for i in range(240)]


@pytest.fixture
def twins(tmp_path: Path) -> Iterator[tuple[TermStats, TermStats]]:
    """Two TermStats over two databases given the same counts."""
    conns: list[sqlite3.Connection] = [open_state(str(tmp_path / name)).conn for name in ("a", "b")]
    try:
        yield TermStats(conns[0]), TermStats(conns[1])
    finally:
        for conn in conns:
            conn.close()


def test_many_answers_as_stem_by_stem(twins: tuple[TermStats, TermStats]) -> None:
    fast, plain = twins
    rng = random.Random(7)
    for _ in range(300):  # a recount is due every report at first, then every hundredth
        lang = rng.choice(("en", "fr"))
        asked = list(dict.fromkeys(rng.sample(VOCAB, 40)))
        fast.load(lang, asked)
        plain.load(lang, asked)
        assert fast.many(lang, asked) == {t: plain(lang, t) for t in asked}
        counted = rng.sample(VOCAB, 25)
        fast.count(lang, counted)
        plain.count(lang, counted)


def test_choose_decides_as_with_rarity_asked_stem_by_stem(
    twins: tuple[TermStats, TermStats],
) -> None:
    fast, plain = twins
    rng = random.Random(11)

    def one_by_one(lang: str, stem: str) -> float:
        return plain(lang, stem)  # no `many` nor `settled`: every stem asked on its own

    stories: list[StoryProfile] = []
    for n in range(250):
        lang = rng.choice(("en", "en", "fr", "ar"))
        report = rep(
            n, lang=lang, ts=60.0 * n,
            anchors={a: "place" for a in rng.sample(["mali", "niger", "chad"], 2)},
            words=" ".join(rng.sample(VOCAB[: rng.choice((40, 120))], 20)),
        )  # fmt: skip
        for stats in twins:
            stats.load(lang, report.terms)
            for s in stories:
                for other, bag in s.terms.items():
                    stats.load(other, bag)
        got = choose(report, stories[-20:], fast, {}, 4.0, 48 * 3600.0)
        want = choose(report, stories[-20:], one_by_one, {}, 4.0, 48 * 3600.0)
        assert got == want
        story = StoryProfile(n) if got.join is None else stories[-20:][0].copy()
        story.add(report)
        stories.append(story)
        for stats in twins:
            stats.count(lang, report.terms.keys())


def test_a_recount_part_way_through_the_candidates(twins: tuple[TermStats, TermStats]) -> None:
    """The first story's stems all kept, the second's not, a recount due: asked stem by stem,
    the recount comes at the second story, and the third is weighed anew."""
    fast, plain = twins
    topic, other = VOCAB[:30], VOCAB[100:130]

    def one_by_one(lang: str, stem: str) -> float:
        return plain(lang, stem)

    def seen(item_id: int, words: list[str]) -> StoryProfile:
        story = StoryProfile(item_id)
        story.add(rep(item_id, words=" ".join(words)))
        return story

    stories = [seen(1, topic[:20]), seen(2, other[:20] + topic[2:4]), seen(3, topic[5:25])]
    report = rep(9, words=" ".join(topic[2:22]))
    for stats in twins:
        stats.count("en", topic)
        stats.load("en", VOCAB)
    for _ in range(3):
        assert choose(report, stories, fast, {}, 4.0, 48 * 3600.0) == choose(
            report, stories, one_by_one, {}, 4.0, 48 * 3600.0
        )
        for stats in twins:
            stats.count("en", other[:10])  # the second story's stems counted again


def test_bags_read_once_are_known_until_the_frequencies_start_again(
    twins: tuple[TermStats, TermStats], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`load_bags` passes over bags read before, and reads them again once the language's
    frequencies started again (past MAX_CACHED stems): it knows what `load` of them all would."""
    monkeypatch.setattr(story_index, "MAX_CACHED", 50)
    fast, plain = twins
    rng = random.Random(3)
    bags = [Counter(rng.sample(VOCAB, 20)) for _ in range(12)]
    for stats in twins:
        stats.count("en", VOCAB[:100])
    for _ in range(40):
        asked = rng.sample(bags, 4)
        stems = rng.sample(VOCAB, 10)
        fast.load_bags("en", stems, asked)
        plain.load("en", set(stems).union(*asked))
        wanted = set(stems).union(*asked)
        assert fast.many("en", wanted) == {t: plain("en", t) for t in wanted}
    assert fast.resets == plain.resets > 0


def test_a_rarity_holds_until_the_recount(twins: tuple[TermStats, TermStats]) -> None:
    """Reports counted change the counts, not the kept rarities: 1,000 reports, then 10 more
    holding "coup" leave its rarity as first asked; the 11th moves the count past a hundredth,
    and the next asking recounts from the counts as they stand."""
    stats, _ = twins
    for _ in range(1000):
        stats.count("en", ["army"])
    stats.load("en", ["coup", "army"])
    first = stats("en", "coup")
    assert first == idf(1000, 0)
    recounts = stats.resets
    for _ in range(10):
        stats.count("en", ["coup"])
    assert stats("en", "coup") == first and stats.many("en", ["coup"]) == {"coup": first}
    assert stats.resets == recounts
    stats.count("en", ["coup"])
    assert stats("en", "coup") == idf(1011, 11)
    assert stats.resets == recounts + 1


def test_a_bag_norm_is_kept_until_the_recount(twins: tuple[TermStats, TermStats]) -> None:
    """`choose` weighs a story's bag once while the rarities hold: its kept norm is what
    weighing it again gives, is dropped at a recount, and a changed copy of the bag (a story
    that gained a member) is weighed anew."""
    stats, _ = twins
    for _ in range(500):
        stats.count("en", VOCAB[:5])
    story = StoryProfile(1)
    story.add(rep(1, words=" ".join(VOCAB[:20])))
    report = rep(2, words=" ".join(VOCAB[10:30]))
    stats.load_bags("en", report.terms, [story.terms["en"]])
    bag = story.terms["en"]
    assert stats.bag_norm("en", bag) is None
    choose(report, [story], stats, {}, 4.0, 48 * 3600.0)
    kept = stats.bag_norm("en", bag)
    assert kept == math.sqrt(sum((n * stats("en", t)) ** 2 for t, n in bag.items()))
    grown = story.copy()
    grown.add(rep(3, words=" ".join(VOCAB[:40])))
    assert stats.bag_norm("en", grown.terms["en"]) is None
    for _ in range(6):
        stats.count("en", VOCAB[:5])
    stats("en", VOCAB[0])  # asked past a hundredth more reports: a recount
    assert stats.bag_norm("en", bag) is None


def test_choose_decides_as_when_every_candidate_is_scored(
    twins: tuple[TermStats, TermStats],
) -> None:
    """`choose` scores a candidate fully only while its words could lift it to the threshold or
    to the best: it joins, merges and names the nearest story as scoring every candidate (stem
    by stem) does, and what it leaves out scores below both."""
    fast, plain = twins
    rng = random.Random(5)
    people = ["khalifa_haftar", "saddam_haftar", "traore", "yevkurov", "tiani"]
    places = ["libya", "burkina_faso", "niger", "mali", "russia"]
    events = ["visit", "coup", "armed_attack", "withdrawal"]

    def one_by_one(lang: str, stem: str) -> float:
        return plain(lang, stem)

    stories: list[StoryProfile] = []
    left_out = joined = 0
    for n in range(300):
        lang = rng.choice(("en", "en", "fr", "ar"))
        named = rng.sample(people, 2) + rng.sample(places, 2)
        report = rep(
            n, lang=lang, ts=600.0 * n,
            anchors={e: "person" if e in people else "place" for e in named},
            title=tuple(rng.sample(named, 2)), events=tuple(rng.sample(events, rng.randint(0, 2))),
            words=" ".join(rng.sample(VOCAB[: rng.choice((40, 120))], 20)),
            numbers=tuple(rng.sample(["12", "40", "300"], rng.randint(0, 1))),
        )  # fmt: skip
        for stats in twins:
            stats.load(lang, report.terms)
            for s in stories[-20:]:
                for other, bag in s.terms.items():
                    stats.load(other, bag)
        got = choose(report, stories[-20:], fast, {}, 4.0, 48 * 3600.0)
        everyone = sorted(
            (score(report, s, one_by_one, {}) for s in stories[-20:] if s.n),
            key=lambda sc: (-sc.total, sc.story_id),
        )
        qualified = [sc for sc in everyone if sc.total >= 4.0]
        assert got.join == (qualified[0] if qualified else None)
        by_id = {s.story_id: s for s in stories}
        assert got.merge == tuple(
            sc.story_id
            for sc in qualified[1:]
            if compatible(by_id[qualified[0].story_id], by_id[sc.story_id])
        )
        if everyone:
            assert got.scores[0] == everyone[0]  # the nearest, when none is joined
            scored = {sc.story_id for sc in got.scores}
            assert set(got.scores) <= set(everyone)  # each scored as scoring them all does
            bar = min(4.0, everyone[0].total)
            assert all(sc.total < bar for sc in everyone if sc.story_id not in scored)
        left_out += len(everyone) - len(got.scores)
        joined += got.join is not None
        story = (
            StoryProfile(n)
            if got.join is None
            else next(s for s in stories if s.story_id == got.join.story_id).copy()
        )
        story.add(report)
        stories = [s for s in stories if s.story_id != story.story_id] + [story]
        for stats in twins:
            stats.count(lang, report.terms.keys())
    assert left_out > 0 and joined > 0  # the test saw candidates left out, and joins
