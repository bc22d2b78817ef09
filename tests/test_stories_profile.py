"""What a story keeps (issue 12): the StoryProfile its members add up to, and the Report a
stored report is seen as (its title and lead, entities, events, word stems, numbers)."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

import pytest

from stories.cluster import Features
from stories.events import score
from stories.profile import Report, StoryProfile
from stories.terms import terms
from tests.story_parts import flat_idf, parts, profile, rep


def members() -> list[Report]:
    return [
        rep(1, lang="ar", ts=100.0, anchors={"khalifa_haftar": "person", "benghazi": "place"},
            title=("khalifa_haftar",), head="libya", events=("visit", "signing"),
            themes=("cooperation",), words="حفتر وفد روس", numbers=("12",)),
        rep(2, lang="ru", ts=50.0, anchors={"yevkurov": "person", "libya": "place"},
            title=("yevkurov", "libya"), head="libya", events=("visit",),
            words="евкуро ливию визит", numbers=("12", "1500")),
        rep(3, lang="en", ts=400.0, anchors={"khalifa_haftar": "person", "yevkurov": "person",
                                             "lna": "organisation"},
            title=("yevkurov",), events=("signing",), themes=("defence_cooperation",),
            words="yevkur haftar benghaz talks talks"),
    ]  # fmt: skip


def test_a_profile_counts_its_members() -> None:
    p = profile(*members(), story_id=7)
    assert (p.story_id, p.n, p.first_ts, p.last_ts) == (7, 3, 50.0, 400.0)
    assert p.mean_ts == pytest.approx(550.0 / 3)
    assert p.langs == Counter({"ar": 1, "ru": 1, "en": 1})
    assert p.anchors == Counter(
        {"khalifa_haftar": 2, "yevkurov": 2, "benghazi": 1, "libya": 1, "lna": 1}
    )
    assert p.title_anchors == Counter({"yevkurov": 2, "khalifa_haftar": 1, "libya": 1})
    assert p.kinds["lna"] == "organisation" and p.kinds["benghazi"] == "place"
    assert p.heads == Counter({"libya": 2})
    assert p.events == Counter({"visit": 2, "signing": 2})
    assert p.primaries == Counter({"visit": 2, "signing": 1})
    assert p.numbers == Counter({"12": 2, "1500": 1})
    assert p.terms["en"] == Counter({"talks": 2, "yevkur": 1, "haftar": 1, "benghaz": 1})
    assert p.support(p.anchors, "khalifa_haftar") == pytest.approx(2 / 3)
    assert p.support(p.anchors, "absent") == 0.0
    assert sorted(p.index_keys()) == sorted(
        ["e:khalifa_haftar", "e:benghazi", "e:yevkurov", "e:libya", "e:lna", "v:visit",
         "v:signing"]
    )  # fmt: skip


def test_a_profile_survives_its_json_round_trip() -> None:
    p = profile(*members(), story_id=7)
    text = p.to_json()
    back = StoryProfile.from_json(7, text)
    assert back == p
    assert back.to_json() == text
    assert "حفتر" in text and "евкуро" in text  # stored as written, not escaped
    assert StoryProfile.from_json(8, "{}") == StoryProfile(8)


def test_merging_a_profile_is_adding_its_members() -> None:
    one, two, three = members()
    everything = profile(one, two, three, story_id=1)
    mine, theirs = profile(one, story_id=1), profile(two, three, story_id=2)
    mine.merge(theirs)
    assert mine == everything
    # into an empty profile, and of an empty one
    empty = StoryProfile(1)
    empty.merge(profile(one, two, three, story_id=5))
    assert empty == everything
    unchanged = profile(one, story_id=1)
    unchanged.merge(StoryProfile(9))
    assert unchanged == profile(one, story_id=1)


def test_a_report_is_seen_through_its_title_and_lead() -> None:
    text = "russian cargo planes land at al khadim"
    lead = "three russian cargo planes landed at the base east of benghazi carrying 12 tonnes"
    f = Features(
        item_id=7,
        story_id=0,
        lang="en",
        ts=123.0,
        title=text,
        lead=lead,
        numbers=frozenset({"3", "12"}),
        title_numbers=frozenset({"3"}),
        entities={
            "russia": "place",
            "kharruba": "place",
            "libya": "place",
            "benghazi": "place",
            "lna": "organisation",
            "airlift": "event",
            "visit": "event",
            "arms": "theme",
            "jufra": "place",  # far down the text: background
        },
        title_entities=frozenset({"russia", "airlift", "kharruba", "libya"}),
        lead_entities=frozenset(
            {"russia", "airlift", "kharruba", "libya", "benghazi", "lna", "visit", "arms"}
        ),
        order=("russia", "airlift", "kharruba", "benghazi", "lna", "visit", "arms"),
        head="russia",
    )
    r = Report.of(f)
    assert (r.item_id, r.lang, r.ts, r.head) == (7, "en", 123.0, "russia")
    assert r.anchors == {
        "russia": "place",
        "kharruba": "place",
        "libya": "place",
        "benghazi": "place",
        "lna": "organisation",
    }
    assert r.title_anchors == {"russia", "kharruba", "libya"}  # the event is not an anchor
    assert r.events == ("airlift", "visit") and r.primary == "airlift"
    assert r.themes == {"arms"}
    assert "12" in r.numbers
    assert r.terms == terms(f"{text} {lead}", "en")
    assert r.terms["russia"] == 2 and r.terms["cargo"] == 2 and "the" not in r.terms
    # without lead entities (a report with no text), every entity is its core
    bare = Report.of(replace(f, lead_entities=frozenset(), order=()))
    assert "jufra" in bare.anchors
    assert bare.events == ("airlift", "visit")  # in name order, lacking any other


def test_only_numbers_of_two_digits_or_more_count_as_shared() -> None:
    """Small numbers ("three states", "two ships") say little about an event."""

    def seen(item_id: int, stated: set[str]) -> Report:
        f = Features(
            item_id=item_id, story_id=0, lang="en", ts=0.0, title="attack on army post",
            lead="", numbers=frozenset(stated), entities={"mali": "place", "armed_attack": "event"},
            lead_entities=frozenset({"mali", "armed_attack"}), order=("mali", "armed_attack"),
        )  # fmt: skip
        return Report.of(f)

    story = profile(seen(1, {"3", "12", "40"}))
    got = parts(score(seen(2, {"3", "12"}), story, flat_idf, {}))
    assert got["numbers 12"] == pytest.approx(1.0)
    assert not any(label.startswith("numbers") and "3" in label for label in got)
    capped = parts(score(seen(3, {"3", "12", "40"}), story, flat_idf, {}))
    assert capped["numbers 12, 40"] == pytest.approx(2.0)
