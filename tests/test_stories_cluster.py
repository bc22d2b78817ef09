"""Clustering through the store: syndicated copies and an Arabic/French pair fold into one story;
different events with similar wording or shared background entities stay apart."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from config.model import Stories
from core.clock import FixedClock
from core.items import Item
from core.text import normalize
from matching.result import Hit, MatchResult, TopicResult
from storage.db import open_state
from storage.store import Store

T0 = datetime(2026, 8, 13, 9, 0, tzinfo=UTC)
SEED = Path(__file__).parent.parent / "seeds" / "000_7c00669dfb40f5f8.txt"

KINDS = {
    "saddam_haftar": "person",
    "khalifa_haftar": "person",
    "ibrahim_traore": "person",
    "yevkurov": "person",
    "ouagadougou": "place",
    "burkina_faso": "place",
    "libya": "place",
    "mali": "place",
    "niger": "place",
    "russia": "place",
    "benghazi": "place",
    "menaka": "place",
    "gao": "place",
    "aes": "organisation",
    "lna": "organisation",
    "wagner": "organisation",
    "africa_corps": "organisation",
    "jnim": "organisation",
}


def match(
    item: Item,
    title: tuple[str, ...] = (),
    lead: tuple[str, ...] = (),
    background: tuple[str, ...] = (),
    topics: tuple[str, ...] = ("russia_military_africa",),
) -> MatchResult:
    """The MatchResult a matcher would give: entities in the title, early in the text (lead) and
    far down the text (background)."""
    n = len(normalize(item.title).split())
    hits = [Hit(e, e, None, item.lang, 0, 1, "title", e) for e in title]
    hits += [
        Hit(e, e, None, item.lang, n + 5 + i, n + 6 + i, "text", e) for i, e in enumerate(lead)
    ]
    hits += [
        Hit(e, e, None, item.lang, n + 200 + i, n + 201 + i, "text", e)
        for i, e in enumerate(background)
    ]
    ents = tuple(dict.fromkeys((*title, *lead, *background)))
    results = tuple(TopicResult(t, True, 4.0, 3.0, tuple(hits)) for t in topics)
    return MatchResult(item.guid, results, ents, tuple(hits))


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(T0)


@pytest.fixture
def store(tmp_path: Path, clock: FixedClock) -> Iterator[Store]:
    s = Store(open_state(str(tmp_path)), clock, Stories(window_hours=48, similarity=0.55))
    yield s
    s.close()


WIRE_LEAD = (
    "Saddam Haftar, son of eastern Libyan commander Khalifa Haftar, arrived in Ouagadougou on"
    " Tuesday for an official visit and held talks with Burkina Faso's transitional president"
    " Ibrahim Traore, the Libyan National Army said."
)
VISIT = (
    "saddam_haftar",
    "khalifa_haftar",
    "libya",
    "ouagadougou",
    "burkina_faso",
    "ibrahim_traore",
    "lna",
)


def test_syndicated_copies_with_different_titles_fold_into_one_story(
    store: Store, clock: FixedClock
) -> None:
    copies = [
        Item(
            "France 24 English",
            "https://www.france24.com/en/africa/20260813-haftar-burkina",
            "f24-1",
            "Libya's Saddam Haftar visits Burkina Faso junta in Ouagadougou",
            summary=WIRE_LEAD,
            lang="en",
            published=T0,
        ),
        Item(
            "Barron's",
            "https://www.barrons.com/news/haftar-son-burkina-traore-4b1c",
            "barrons-1",
            "Haftar's son meets Burkina leader Traore as Russia courts the Sahel",
            summary=WIRE_LEAD.replace(
                "the Libyan National Army said.", "the Libyan National Army said in a statement."
            ),
            lang="en",
            published=T0,
        ),
        Item(
            "Africanews",
            "https://www.africanews.com/2026/08/13/eastern-libya-strongman-son",
            "an-1",
            "Eastern Libya strongman's son in Ouagadougou for talks",
            summary="OUAGADOUGOU (AFP) - " + WIRE_LEAD,
            lang="en",
            published=T0,
        ),
    ]
    titles = [
        ("saddam_haftar", "libya", "burkina_faso", "ouagadougou"),
        ("khalifa_haftar", "burkina_faso", "ibrahim_traore", "russia"),
        ("libya", "ouagadougou"),
    ]
    results = []
    for item, title_ents in zip(copies, titles, strict=True):
        results.append(store.ingest(item, match(item, title_ents, VISIT), KINDS))
        clock.advance(1200)
    assert [r.story_is_new for r in results] == [True, False, False]
    assert len({r.story_id for r in results}) == 1
    story = results[-1].story
    assert story.sources == ("France 24 English", "Barron's", "Africanews")
    assert story.title == copies[0].title and len(story.items) == 3
    assert "near-duplicate" in results[1].reason
    # the copies add sources, not topics: only the first report brings the topic
    assert [r.new_topics for r in results] == [("russia_military_africa",), (), ()]


def seed_parts() -> tuple[str, str, str]:
    lines = [ln for ln in SEED.read_text(encoding="utf-8").splitlines() if ln.strip()]
    return lines[0], lines[1], "\n".join(lines[1:])


def test_arabic_and_french_reports_of_one_event_fold_into_one_story(
    store: Store, clock: FixedClock
) -> None:
    title, lead, text = seed_parts()
    ar = Item(
        "Al Jazeera Arabic",
        "https://www.aljazeera.net/news/politics/2026/8/13/haftar",
        "ajn-1",
        title,
        summary=lead,
        text=text,
        lang="ar",
        published=T0,
    )
    r_ar = store.ingest(
        ar,
        match(
            ar,
            ("saddam_haftar", "ouagadougou", "aes"),
            ("lna", "burkina_faso", "khalifa_haftar"),
            (
                "ibrahim_traore",
                "russia",
                "niger",
                "mali",
                "libya",
                "wagner",
                "africa_corps",
                "yevkurov",
                "benghazi",
            ),
        ),
        KINDS,
    )
    clock.advance(3 * 3600)
    fr = Item(
        "RFI Afrique",
        "https://www.rfi.fr/fr/afrique/20260813-burkina-saddam-haftar-ouagadougou",
        "rfi-1",
        "Burkina: Saddam Haftar, fils du maréchal libyen, reçu à Ouagadougou",
        summary=(
            "Le général Saddam Haftar, fils du maréchal Khalifa Haftar, a été reçu mardi à"
            " Ouagadougou par le président de la transition, le capitaine Ibrahim Traoré, pour"
            " renforcer la coopération militaire avec l'Alliance des États du Sahel."
        ),
        lang="fr",
        published=T0 + timedelta(hours=2),
    )
    r_fr = store.ingest(
        fr,
        match(
            fr,
            ("burkina_faso", "saddam_haftar", "ouagadougou"),
            ("khalifa_haftar", "ibrahim_traore", "aes"),
        ),
        KINDS,
    )
    assert r_ar.story_is_new and not r_fr.story_is_new
    assert r_fr.story_id == r_ar.story_id
    assert "same event" in r_fr.reason and "saddam_haftar" in r_fr.reason
    assert r_fr.story.languages == ("ar", "fr")
    assert r_fr.story.sources == ("Al Jazeera Arabic", "RFI Afrique")


ATTACK_LEAD = (
    "Jihadist fighters linked to al-Qaeda attacked an army post in the region on Sunday, the"
    " army said in a statement on Monday, adding that reinforcements had been sent and that a"
    " search operation was under way."
)


def test_different_events_with_similar_wording_stay_apart(store: Store) -> None:
    menaka = Item(
        "Reuters Africa",
        "https://reuters.example/mali-menaka",
        "r-1",
        "Attack kills 12 soldiers near Menaka in northern Mali",
        summary=ATTACK_LEAD,
        lang="en",
        published=T0,
    )
    gao = Item(
        "Reuters Africa",
        "https://reuters.example/mali-gao",
        "r-2",
        "Attack kills 40 soldiers near Gao in northern Mali",
        summary=ATTACK_LEAD,
        lang="en",
        published=T0,
    )
    r1 = store.ingest(menaka, match(menaka, ("menaka", "mali"), ("jnim",)), KINDS)
    r2 = store.ingest(gao, match(gao, ("gao", "mali"), ("jnim",)), KINDS)
    assert r2.story_is_new and r1.story_id != r2.story_id

    lead = (
        "The military government announced on state television that the transition to"
        " civilian rule would be extended by five years from the date of the new charter."
    )
    bf = Item(
        "AFP",
        "https://afp.example/bf-transition",
        "a-1",
        "Burkina Faso junta extends transition by five years",
        summary=lead,
        lang="en",
        published=T0,
    )
    ml = Item(
        "AFP",
        "https://afp.example/ml-transition",
        "a-2",
        "Mali junta extends transition by five years",
        summary=lead,
        lang="en",
        published=T0,
    )
    r3 = store.ingest(bf, match(bf, ("burkina_faso",)), KINDS)
    r4 = store.ingest(ml, match(ml, ("mali",)), KINDS)
    assert r4.story_is_new and r3.story_id != r4.story_id

    # a copy of the Menaka report with the same toll does join it
    copy = Item(
        "Le Monde Afrique (EN)",
        "https://lemonde.example/menaka",
        "lm-1",
        "12 soldiers killed in attack near Menaka, Mali army says",
        summary=ATTACK_LEAD,
        lang="en",
        published=T0,
    )
    r5 = store.ingest(copy, match(copy, ("menaka", "mali"), ("jnim",)), KINDS)
    assert r5.story_id == r1.story_id


def test_cross_language_reports_of_different_events_stay_apart(store: Store) -> None:
    title, lead, text = seed_parts()
    ar = Item(
        "Al Jazeera Arabic",
        "https://aljazeera.net/1",
        "ajn-1",
        title,
        summary=lead,
        text=text,
        lang="ar",
        published=T0,
    )
    store.ingest(
        ar,
        match(
            ar, ("saddam_haftar", "ouagadougou", "aes"), ("lna", "burkina_faso", "khalifa_haftar")
        ),
        KINDS,
    )
    fr = Item(
        "Le Monde",
        "https://lemonde.fr/yevkurov-benghazi",
        "lm-2",
        "Le vice-ministre russe Iounous-Bek Evkourov à Benghazi chez Khalifa Haftar",
        summary="Le vice-ministre russe de la défense a été reçu par le maréchal Khalifa"
        " Haftar à Benghazi, sa cinquième visite en Libye depuis août.",
        lang="fr",
        published=T0,
    )
    r = store.ingest(
        fr, match(fr, ("russia", "benghazi", "khalifa_haftar", "yevkurov"), ("libya",)), KINDS
    )
    assert r.story_is_new


def test_a_report_outside_the_window_starts_a_new_story(store: Store, clock: FixedClock) -> None:
    a = Item(
        "AFP",
        "https://afp.example/1",
        "1",
        "Saddam Haftar visits Ouagadougou",
        summary=WIRE_LEAD,
        lang="en",
        published=T0,
    )
    b = Item(
        "Reuters",
        "https://reuters.example/1",
        "2",
        "Saddam Haftar visits Ouagadougou",
        summary=WIRE_LEAD,
        lang="en",
        published=T0 + timedelta(hours=72),
    )
    store.ingest(a, match(a, ("saddam_haftar", "ouagadougou")), KINDS)
    clock.advance(72 * 3600)
    assert store.ingest(b, match(b, ("saddam_haftar", "ouagadougou")), KINDS).story_is_new


def test_with_the_real_matcher_and_rules(store: Store) -> None:
    """The project's rules.yaml and matcher on the seed article, a French report of the same
    visit, and an English report of another Haftar meeting the same day."""
    from config import load_rules
    from matching.engine import Matcher

    rules = load_rules(str(Path(__file__).parent.parent / "rules.yaml"))
    matcher = Matcher.from_rules(rules)
    kinds = {e.id: e.kind for e in rules.entities.values()}
    title, lead, text = seed_parts()
    ar = Item("Al Jazeera Arabic", "https://aljazeera.net/1", "1", title, summary=lead,
              text=text, lang="ar", published=T0)  # fmt: skip
    fr = Item(
        "RFI Afrique",
        "https://rfi.fr/1",
        "2",
        "Burkina: Saddam Haftar, fils du maréchal libyen, reçu à Ouagadougou",
        summary=(
            "Le général Saddam Haftar, fils du maréchal Khalifa Haftar, a été reçu mardi à"
            " Ouagadougou par le président de la transition, le capitaine Ibrahim Traoré, pour"
            " renforcer la coopération militaire avec l'Alliance des États du Sahel."
        ),
        lang="fr",
        published=T0 + timedelta(hours=2),
    )
    en = Item(
        "AFP",
        "https://afp.com/1",
        "3",
        "Russia's deputy defence minister Yevkurov visits Benghazi for talks with Khalifa Haftar",
        summary=(
            "Russian deputy defence minister Yunus-Bek Yevkurov met Libyan commander Khalifa"
            " Haftar in Benghazi on Monday, his fifth visit since August, as Moscow reorganises"
            " the Wagner group into the Africa Corps."
        ),
        lang="en",
        published=T0 + timedelta(hours=1),
    )
    r_ar, r_fr, r_en = (store.ingest(it, matcher.match_item(it), kinds) for it in (ar, fr, en))
    assert r_fr.story_id == r_ar.story_id and "same event" in r_fr.reason
    assert r_en.story_is_new
