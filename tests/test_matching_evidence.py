"""Weighing evidence: the longest spelling of one entity, corroboration from anywhere in the report
but not from the same words, groups of entities found together (`members`/`at_least`), and
excludes that strong evidence lifts (`below`, `unless`); with their validation errors located."""

from __future__ import annotations

import pytest

from config import parse_rules
from core.errors import RulesError
from matching.engine import Matcher
from matching.explain import Explainer

RULES = """
entities:
  wagner:
    kind: organisation
    aliases: {en: [Wagner Group, Wagner fighters]}
    ambiguous: {en: [Wagner]}
    corroborated_by: [russia]
  russia: {kind: place, aliases: {en: [Russia, Russian]}}
  libya: {kind: place, aliases: {en: [Libya]}}
  dbeibah: {kind: person, aliases: {en: [Dbeibah]}}
  tripoli:
    kind: place
    aliases: {en: ['Tripoli, Libya']}
    ambiguous: {en: [Tripoli]}
    corroborated_by: [libya, dbeibah]
  sahel: {kind: place, aliases: {en: [Sahel states, Sahel]}}
  bloc:
    kind: organisation
    ambiguous: {en: [Sahel states]}
    corroborated_by: [sahel, mali]
    members: [mali, burkina_faso, niger]
    at_least: 3
  mali: {kind: place, aliases: {en: [Mali]}}
  burkina_faso: {kind: place, aliases: {en: [Burkina Faso]}}
  niger:
    kind: place
    aliases: {en: [Nigerien]}
    ambiguous: {en: [Niger]}
  ambassadors: {kind: theme, aliases: {en: [recall their ambassadors, joint statement]}}
  ww2: {kind: theme, aliases: {en: [Rommel]}}
  g5: {kind: organisation, aliases: {en: [G5 Sahel]}}
  aes: {kind: organisation, aliases: {en: [Alliance of Sahel States]}}
topics:
  russia_libya:
    title: {en: Russia in Libya}
    alert: instant
    threshold: 2
    terms:
      - {entity: russia, weight: 1}
      - {entity: wagner, weight: 4}
      - {entity: tripoli, weight: 1}
      - {entity: libya, weight: 1}
    require:
      - any: [russia, wagner]
      - any: [libya, tripoli]
    exclude:
      - {any: [ww2], below: 2}
  bloc_acts:
    title: {en: The bloc acts}
    alert: digest
    threshold: 3
    terms:
      - {entity: bloc, weight: 2}
      - {entity: mali, weight: 1}
      - {entity: ambassadors, weight: 1}
      - {entity: aes, weight: 3}
    exclude:
      - {any: [g5], unless: [aes]}
"""


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher.from_rules(parse_rules(RULES, "test.yaml"))


def counted(matcher: Matcher, text: str) -> set[str]:
    return set(matcher.match("t", text, "").entities)


def matched(matcher: Matcher, text: str) -> set[str]:
    return set(matcher.match("t", text, "").matched_topics)


# ── one entity, two spellings at one word: the longer wins ──────────────────────────────────


@pytest.mark.parametrize("text", ["Wagner Group", "Wagner fighters", "The Wagner Group left"])
def test_a_longer_alias_beats_the_ambiguous_first_word(matcher: Matcher, text: str) -> None:
    result = matcher.match("t", text, "")
    assert "wagner" in result.entities
    (hit,) = result.hits
    assert not hit.ambiguous and hit.term in ("Wagner Group", "Wagner fighters")


def test_the_ambiguous_word_alone_still_needs_corroboration(matcher: Matcher) -> None:
    assert "wagner" not in counted(matcher, "Wagner conducted")
    assert "wagner" in counted(matcher, "Wagner and Russia")


# ── corroboration ───────────────────────────────────────────────────────────────────────────


def test_corroborated_by_counts_wherever_it_is_found(matcher: Matcher) -> None:
    # dbeibah is in no topic, yet corroborates Tripoli: the operator named him
    result = matcher.match("t", "Dbeibah receives a Russian delegation in Tripoli", "")
    assert "tripoli" in result.entities
    assert result.matched_topics == ("russia_libya",)


def test_uncorroborated_tripoli_is_explained(matcher: Matcher) -> None:
    result = matcher.match("t", "A Russian delegation in Tripoli", "")
    assert "tripoli" not in result.entities
    assert "ambiguous, not corroborated" in Explainer(matcher.rules).text(result)


def test_a_spelling_does_not_corroborate_itself(matcher: Matcher) -> None:
    # "Sahel states" is a sahel alias and an ambiguous bloc spelling: the same words are no
    # second witness; the Sahel named elsewhere is
    assert "bloc" not in counted(matcher, "Sahel states recall their ambassadors")
    assert "bloc" in counted(matcher, "Sahel states recall their ambassadors. The Sahel is tense")


# ── groups ──────────────────────────────────────────────────────────────────────────────────


def test_a_group_is_found_when_enough_members_are(matcher: Matcher) -> None:
    result = matcher.match(
        "t", "Mali, Burkina Faso and Nigerien officials recall their ambassadors", ""
    )
    assert "bloc" in result.entities
    (group,) = [h for h in result.hits if h.entity == "bloc"]
    assert group.term == "3 of its members: mali, burkina_faso, niger"
    assert (group.start, group.end, group.field) == (0, 1, "title")
    assert "bloc_acts" in result.matched_topics
    assert "3 of its members" in Explainer(matcher.rules).text(result)


def test_an_ambiguous_member_counts_when_another_member_corroborates(matcher: Matcher) -> None:
    assert "bloc" in counted(matcher, "Mali, Burkina Faso and Niger issue a joint statement")
    assert "bloc" not in counted(matcher, "Mali and Burkina Faso issue a joint statement")
    assert "niger" not in counted(matcher, "Floods along the Niger")


def test_too_few_members_is_no_group(matcher: Matcher) -> None:
    result = matcher.match("t", "Mali and Burkina Faso recall their ambassadors", "")
    assert "bloc" not in result.entities
    assert not result.topics[1].matched and result.topics[1].score == 2


# ── excludes that evidence lifts ────────────────────────────────────────────────────────────


def test_exclude_below_vetoes_weak_reports_only(matcher: Matcher) -> None:
    weak = matcher.match("t", "Rommel in Libya, a Russian view", "").topics[0]
    assert weak.score == 2 and not weak.matched
    assert weak.reasons == ("excluded: found ww2",)
    strong = matcher.match("t", "Wagner fighters named after Rommel's corps reach Libya", "")
    topic = strong.topics[0]
    assert topic.score == 5 and topic.matched and topic.reasons == ()
    assert topic.notes == ("exclude ww2 lifted: score 5 is at least 2 x the threshold",)
    assert "note: exclude ww2 lifted" in Explainer(matcher.rules).text(strong)


def test_exclude_unless_an_anchor_is_found(matcher: Matcher) -> None:
    text = "The G5 Sahel force: Mali, Burkina Faso and Niger soldiers; a joint statement"
    assert "bloc_acts" not in matched(matcher, text)
    assert "bloc_acts" in matched(matcher, text + " of the Alliance of Sahel States")
    lifted = matcher.match("t", text + " of the Alliance of Sahel States", "").topics[1]
    assert lifted.notes == ("exclude g5 lifted: found aes",)


# ── validation ──────────────────────────────────────────────────────────────────────────────


def errors(text: str) -> list[str]:
    with pytest.raises(RulesError) as info:
        parse_rules(text, "rules.yaml")
    return [str(i) for i in info.value.issues]


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "members: [mali, burkina_faso, niger]",
            "members: [mali, burkina_fasso, niger]",
            "rules.yaml:20:21: entity 'bloc': members: unknown entity 'burkina_fasso' "
            "(did you mean 'burkina_faso'?)",
        ),
        (
            "members: [mali, burkina_faso, niger]",
            "members: [mali, bloc]",
            "rules.yaml:20:21: entity 'bloc': members: 'bloc' is listed twice or is the entity "
            "itself",
        ),
        (
            "    at_least: 3\n",
            "    at_least: 4\n",
            "rules.yaml:21:15: entity 'bloc': at_least 4 is more than its 3 members",
        ),
        (
            "    at_least: 3\n",
            "    at_least: 0\n",
            "rules.yaml:21:15: entity 'bloc': at_least must be a whole number of at least 1",
        ),
        (
            "  libya: {kind: place, aliases: {en: [Libya]}}",
            "  libya: {kind: place, aliases: {en: [Libya]}, at_least: 2}",
            "rules.yaml:8:48: entity 'libya': at_least needs 'members:'",
        ),
        (
            "  g5: {kind: organisation, aliases: {en: [G5 Sahel]}}",
            "  g5: {kind: organisation, members: [bloc, aes]}",
            "rules.yaml:30:38: entity 'g5': members: 'bloc' has members itself (groups do not "
            "nest)",
        ),
        (
            "{any: [ww2], below: 2}",
            "{any: [ww2], below: 1}",
            "rules.yaml:46:29: topic 'russia_libya': exclude: below 1 would never veto a match: "
            "it is a multiple of the threshold above 1 (e.g. 2: veto only under twice the "
            "threshold)",
        ),
        (
            "{any: [g5], unless: [aes]}",
            "{any: [g5], unless: [aess]}",
            "rules.yaml:57:30: topic 'bloc_acts': exclude: unless: unknown entity 'aess' (did "
            "you mean 'aes'?)",
        ),
        (
            "      - any: [libya, tripoli]",
            "      - {any: [libya, tripoli], below: 2}",
            "rules.yaml:44:33: topic 'russia_libya': require: a group: unknown key 'below'; "
            "allowed: any",
        ),
    ],
)
def test_bad_groups_and_excludes_are_located(old: str, new: str, expected: str) -> None:
    assert old in RULES
    assert errors(RULES.lstrip("\n").replace(old, new)) == [expected]
