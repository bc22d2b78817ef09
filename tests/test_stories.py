"""stories/: canonical URLs, fingerprints and numbers, and the pure clustering decision."""

from __future__ import annotations

import random
from dataclasses import replace

import numpy as np
import pytest

from core.items import Item
from matching.result import MatchResult
from stories.canonical import canonical_url
from stories.cluster import (
    MIN_ESTIMATE,
    MIN_LEAD,
    Features,
    build_features,
    decide,
    grams,
    numbers_conflict,
    places_conflict,
    sketches,
)
from stories.fingerprint import (
    band_keys,
    estimate,
    gram_hashes,
    jaccard,
    key64,
    lead,
    minhash,
    minhash_of,
    numbers,
    shingles,
    sketch,
    title_fingerprint,
)

PINNED_BANDS = [3767297087362701008, 5122369154242300488]
PINNED_KEY = 5693152752542731351
PINNED_SKETCH = "592e2e4d4d969696"


@pytest.mark.parametrize(
    ("url", "hint", "expected"),
    [
        # Al Jazeera's feed links carry ?traffic_source=rss
        (
            "https://www.aljazeera.com/news/2026/8/13/uk-drought-imperils-farmers?traffic_source=rss",
            None,
            "https://aljazeera.com/news/2026/8/13/uk-drought-imperils-farmers",
        ),
        # the BBC's carry at_medium / at_campaign
        (
            "https://www.bbc.co.uk/news/articles/c5y49xp2wrno?at_medium=RSS&at_campaign=rss",
            None,
            "https://bbc.co.uk/news/articles/c5y49xp2wrno",
        ),
        (
            "HTTP://WWW.Example.COM:80/Path/To/Story/?utm_source=x&utm_medium=y&fbclid=abc#comments",
            None,
            "https://example.com/Path/To/Story",
        ),
        ("https://example.com:8443/a?b=2&a=1&gclid=z", None, "https://example.com:8443/a?a=1&b=2"),
        ("https://example.com/a%7eb/", None, "https://example.com/a~b"),
        ("https://example.com/", None, "https://example.com"),
        # AMP / mobile folded only when the page's canonical link says so
        ("https://m.example.com/story/amp", None, "https://m.example.com/story/amp"),
        (
            "https://m.example.com/story/amp",
            "https://www.example.com/story/",
            "https://example.com/story",
        ),
        # a useless hint is ignored
        ("https://example.com/x?utm_campaign=a", "/relative", "https://example.com/x"),
        ("not a url", None, "not a url"),
    ],
)
def test_canonical_url(url: str, hint: str | None, expected: str) -> None:
    assert canonical_url(url, hint) == expected


def test_title_fingerprint_ignores_case_punctuation_and_diacritics() -> None:
    a = "Travis Kelce shares first details from his wedding - 'Best night of my life'"
    b = "Travis Kelce shares first details from his wedding: 'Best night of my life'"
    assert title_fingerprint(a) == title_fingerprint(b)
    assert title_fingerprint("Traoré reçoit Haftar") == title_fingerprint("TRAORE recoit haftar")
    assert title_fingerprint("صدامُ حفتر في واغادوغو") == title_fingerprint("صدام حفتر في واغادوغو")
    assert title_fingerprint("Haftar in Ouagadougou") != title_fingerprint("Haftar in Niamey")
    assert title_fingerprint("...") == ""


def test_numbers_are_canonical_and_skip_years() -> None:
    assert numbers("Gunmen killed 12 soldiers") == {"12"}
    assert numbers("plus de 1 500 combattants, 2,5 millions") == {"1500", "2.5"}
    assert numbers("نحو ١٥٠٠ مقاتل") == {"1500"}
    assert numbers("1,800 personnel in 2024") == {"1800"}
    assert numbers("no figures here") == frozenset()


def test_minhash_estimates_jaccard_and_is_stable() -> None:
    texts = (
        "Saddam Haftar arrived in Ouagadougou on Tuesday for an official visit",
        "Saddam Haftar arrived in Ouagadougou on Tuesday for a visit",
        "Floods in Niger displaced thousands of families this week",
    )
    a, b, c = (lead(t) for t in texts)
    sa, sb, sc = (band_keys(minhash((t,))) for t in (a, b, c))
    assert len(minhash((a,))) == 48 and len(sa) == 16
    assert jaccard(shingles(a), shingles(b)) > 0.7 and set(sa) & set(sb)
    assert jaccard(shingles(a), shingles(c)) < 0.1 and not set(sa) & set(sc)
    # the same grams give the same signature, however they are split between texts
    assert minhash((a, a)) == minhash((a,))
    assert len(gram_hashes(a)) == len(a) - 3 and len(set(gram_hashes(a).tolist())) == len(
        shingles(a)
    )
    assert minhash(("abc",)) == minhash(("abc",)) and minhash(("",)) == ()


def test_stored_hashes_do_not_change_between_versions() -> None:
    """Band keys are stored: a change of hashing would split stories across an upgrade."""
    assert band_keys(minhash(("haftar",)))[:2] == PINNED_BANDS
    assert key64("e:mali|wagner") == PINNED_KEY
    assert sketch(minhash(("wagner convoy seen near bamako",)))[:8].hex() == PINNED_SKETCH


def feat(
    item_id: int,
    title: str,
    text: str = "",
    lang: str = "en",
    ts: float = 0.0,
    ents: dict[str, str] | None = None,
    title_ents: tuple[str, ...] = (),
    story_id: int | None = None,
    sketched: bool = False,
) -> Features:
    """Features as the store keeps them (`sketched`: with the MinHash sketch of a report stored
    by this version; without, like a report stored before sketches were kept)."""
    norm_lead = lead(text)
    mark = sketch(minhash((title.lower(), norm_lead))) if sketched else b""
    lead_mark = sketch(minhash((norm_lead,))) if sketched and len(norm_lead) >= MIN_LEAD else b""
    return Features(
        item_id=item_id,
        story_id=story_id if story_id is not None else item_id,
        lang=lang,
        ts=ts,
        title=title.lower(),
        lead=norm_lead,
        numbers=numbers(f"{title} {text}"),
        title_numbers=numbers(title),
        entities=ents or {},
        title_entities=frozenset(title_ents),
        sketch=mark,
        lead_sketch=lead_mark,
    )


LEAD = (
    "Jihadist fighters attacked an army post in the north of the country on Sunday,"
    " the army said in a statement, adding that reinforcements had been sent."
)


def test_number_guard_keeps_different_tolls_apart() -> None:
    a = feat(1, "Attack kills 12 soldiers in northern Mali", LEAD)
    b = feat(2, "Attack kills 40 soldiers in northern Mali", LEAD)
    c = feat(3, "Attack kills 12 soldiers in Mali's north", LEAD)
    assert numbers_conflict(a, b)
    assert not numbers_conflict(a, c)
    assert decide(b, [a], 48, 0.55) is None
    joined = decide(c, [a], 48, 0.55)
    assert joined is not None and joined.kind == "near-duplicate" and joined.story_id == 1


def test_place_guard_keeps_different_places_apart() -> None:
    bf = {"burkina_faso": "place"}
    ml = {"mali": "place"}
    a = feat(
        1,
        "Burkina Faso junta extends transition by five years",
        LEAD,
        ents=bf,
        title_ents=("burkina_faso",),
    )
    b = feat(2, "Mali junta extends transition by five years", LEAD, ents=ml, title_ents=("mali",))
    assert places_conflict(a, b)
    assert decide(b, [a], 48, 0.55) is None


def test_window_and_best_candidate() -> None:
    a = feat(1, "Saddam Haftar visits Ouagadougou", LEAD, ts=0)
    later = feat(2, "Saddam Haftar visits Ouagadougou", LEAD, ts=49 * 3600)
    assert decide(later, [a], 48, 0.55) is None
    close = feat(3, "Saddam Haftar visits Ouagadougou", LEAD, ts=47 * 3600, story_id=7)
    weak = feat(4, "Saddam Haftar visits Niamey", LEAD, ts=47 * 3600, story_id=8)
    d = decide(later, [weak, close], 48, 0.55)
    assert d is not None and d.story_id == 7


def test_features_round_trip_json() -> None:
    f = feat(
        9,
        "Attack kills 12",
        LEAD,
        lang="fr",
        ts=123.0,
        ents={"mali": "place"},
        title_ents=("mali",),
        sketched=True,
    )
    back = Features.from_json(9, 9, f.to_json())
    assert back == f and len(back.sketch) == 48
    # a record stored before sketches were kept reads back without one
    old = f.to_json().replace(f',"s":"{f.sketch.hex()}"', "")
    assert Features.from_json(9, 9, old).sketch == b""


def test_sketch_estimates_jaccard() -> None:
    copy = feat(1, "Attack on army post in northern Mali kills soldiers", LEAD, sketched=True)
    wire = feat(2, "Army post attacked in northern Mali, soldiers killed", LEAD, sketched=True)
    other = feat(
        3,
        "Tripoli talks on the budget stall again",
        "Delegates from both governments left the meeting without an agreement on oil revenue.",
        sketched=True,
    )
    near = estimate(copy.sketch, wire.sketch)
    exact = jaccard(grams(copy), grams(wire))
    assert near is not None and abs(near - exact) < 0.2 and near >= MIN_ESTIMATE
    far = estimate(copy.sketch, other.sketch)
    assert far is not None and far < MIN_ESTIMATE
    assert estimate(copy.sketch, b"") is None and estimate(b"", b"") is None


def test_decide_trusts_a_low_estimate_and_compares_unsketched_records_exactly() -> None:
    new = feat(1, "Attack on army post in northern Mali kills soldiers", LEAD, sketched=True)
    twin = feat(2, "Attack on army post in northern Mali kills soldiers", LEAD)
    found = decide(new, [twin], window_hours=48, min_similarity=0.55)  # no sketch: exact
    assert found is not None and found.kind == "near-duplicate"
    # the same text under sketches that share nothing: skipped without an n-gram comparison
    stranger = replace(
        twin,
        sketch=bytes(b ^ 0xFF for b in new.sketch),
        lead_sketch=bytes(b ^ 0xFF for b in new.lead_sketch),
    )
    assert decide(new, [stranger], window_hours=48, min_similarity=0.55) is None


def agreeing(base: Features, item_id: int, same: int) -> Features:
    """`base` as another record whose sketch agrees with base's in `same` of 48 positions."""
    mark = bytes(b if i < same else b ^ 0xFF for i, b in enumerate(base.sketch))
    return replace(base, item_id=item_id, story_id=item_id, sketch=mark)


def test_the_estimate_floor_is_8_of_48_or_a_third_of_a_low_threshold() -> None:
    title = "Attack on army post in northern Mali kills soldiers"
    new = feat(1, title, "Short lead.", sketched=True)  # too short to be compared alone
    assert decide(new, [agreeing(new, 2, 7)], 48, 0.55) is None
    assert decide(new, [agreeing(new, 3, 8)], 48, 0.55) is not None
    assert decide(new, [agreeing(new, 4, 5)], 48, 0.3) is not None  # floor 0.1: 5/48 passes
    assert decide(new, [agreeing(new, 5, 4)], 48, 0.3) is None
    assert decide(new, [agreeing(new, 6, 0)], 48, 0.0) is not None  # no floor at all


def test_a_candidate_far_apart_by_sketch_is_no_near_duplicate() -> None:
    """The same event in another language shares no n-grams: the sketch skips it here, and
    story clustering (stories.events) decides whether it is the same event."""
    visit = {
        "saddam_haftar": "person",
        "khalifa_haftar": "person",
        "ouagadougou": "place",
        "burkina_faso": "place",
    }
    ar = feat(1, "صدام حفتر في واغادوغو", lang="ar", ents=visit, sketched=True)
    fr = feat(2, "Saddam Haftar en visite à Ouagadougou", lang="fr", ents=visit, sketched=True)
    rough = estimate(ar.sketch, fr.sketch)
    assert rough is not None and rough < MIN_ESTIMATE
    assert decide(fr, [ar], 48, 0.55) is None


def test_a_retitled_wire_copy_is_not_skipped_on_its_whole_sketch() -> None:
    """Same lead, different headlines: compared on the leads alone, so a title + lead sketch
    that agrees little (long headlines over a short lead) is not enough to skip it."""
    wire = "Gunmen attacked a convoy near Menaka on Sunday, local officials said on Monday morning."
    a = feat(
        1, "Regional officials confirm overnight assault on a supply column", wire, sketched=True
    )
    b = feat(
        2, "Ministry says soldiers repelled militants who targeted trucks", wire, sketched=True
    )
    assert len(a.lead) >= MIN_LEAD and a.lead_sketch == b.lead_sketch
    apart = replace(b, sketch=bytes(x ^ 0xFF for x in a.sketch))  # whole estimate: 0
    found = decide(a, [apart], 48, 0.55)
    assert found is not None and found.kind == "near-duplicate" and found.score == 1.0
    both = replace(apart, lead_sketch=bytes(x ^ 0xFF for x in a.lead_sketch))
    assert decide(a, [both], 48, 0.55) is None


def test_build_features_keeps_the_minhash_its_keys_come_from() -> None:
    item = Item(
        source="s", url="https://x.test/1", guid="1", title="Wagner convoy seen near Bamako",
        summary=LEAD, lang="en",
    )  # fmt: skip
    f = build_features(item, MatchResult(doc_id="1", topics=(), hits=(), entities=()), {}, 0.0)
    assert f.minhash == minhash((f.title, f.lead)) and f.sketch == sketch(f.minhash)


def test_sketches_hash_title_and_lead_as_two_texts() -> None:
    """`sketches` hashes title + lead in one pass: the grams that straddle the two are not
    grams of the report, and every stored key and sketch must stay what it was."""
    rng = random.Random(7)
    alphabet = "abc xyzé字𞤀"
    for _ in range(300):
        title = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 12)))
        lead_text = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 120)))
        lead_grams = gram_hashes(lead_text)
        expected = minhash_of(np.concatenate((gram_hashes(title), lead_grams)))
        signature, whole, _ = sketches(title, lead_text)
        assert signature == expected and whole == sketch(expected)
