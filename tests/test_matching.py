"""Matching semantics, one table per DESIGN.md bullet, in Arabic, French, English and Russian."""

from __future__ import annotations

import pytest

from config import parse_rules
from matching.engine import Matcher
from matching.explain import Explainer

RULES = """
entities:
  wagner:
    kind: organisation
    aliases: {en: [Wagner, Wagner Group], fr: [Wagner, groupe Wagner], ar: [فاغنر, فاجنر], ru: [Вагнер*, ЧВК Вагнер*]}
    not_in: {en: [Richard Wagner], fr: [Richard Wagner]}
  africa_corps:
    kind: organisation
    aliases: {en: [Africa Corps], fr: [Africa Corps], ar: [الفيلق الأفريقي, الفيلق الافريقي, فيلق أفريقيا], ru: [Африканский корпус, Африканского корпуса]}
  africa: {kind: place, aliases: {en: [Africa], fr: [Afrique], ar: [أفريقيا]}}
  russia:
    kind: place
    aliases: {en: [Russia, Russian*], fr: [Russie, russe*], ar: [روسيا, روس*, الروسي*, موسكو], ru: [Росси*, российск*]}
  mali:
    kind: place
    aliases: {en: [Mali], fr: [Mali], ar: [مالي], ru: [Мали]}
    ambiguous: {ar: [مالي]}
    corroborated_by: [wagner, africa_corps, niger, burkina_faso, ouagadougou]
  niger:
    kind: place
    aliases: {fr: [Niger], ar: [النيجر], en: [Niger]}
    ambiguous: {en: [Niger]}
    not_in: {en: [Niger State, Niger Delta]}
  burkina_faso: {kind: place, aliases: {en: [Burkina Faso], fr: [Burkina Faso, Burkina], ar: [بوركينا فاسو]}}
  ouagadougou: {kind: place, aliases: {en: [Ouagadougou], fr: [Ouagadougou], ar: [واغادوغو]}}
  libya: {kind: place, aliases: {en: [Libya, Libyan], fr: [Libye, libyen*], ar: [ليبيا, الليبي, الليبية]}}
  lna:
    kind: organisation
    aliases: {en: [Libyan National Army, LNA], ar: [الجيش الوطني الليبي]}
  traore:
    kind: person
    aliases: {fr: [Ibrahim Traoré, capitaine Traoré], en: [Ibrahim Traore]}
    ambiguous: {fr: [Traoré], en: [Traore]}
  opera: {kind: theme, aliases: {en: [opera], fr: [opéra]}}
topics:
  russia_africa:
    title: {en: Russia in Africa}
    alert: instant
    threshold: 3
    terms:
      - {entity: wagner, weight: 2}
      - {entity: africa_corps, weight: 2}
      - {entity: russia, weight: 1}
      - {entity: mali, weight: 1}
      - {entity: niger, weight: 1}
      - {entity: libya, weight: 1}
      - {entity: lna, weight: 1}
      - {keyword: {en: [mercenar*], fr: [mercenaire*], ar: [مرتزقة], ru: [наемник*]}, weight: 1}
    require:
      - any: [wagner, africa_corps, russia]
      - any: [mali, niger, libya, lna, burkina_faso, ouagadougou, africa]
    near: {words: 12}
    exclude:
      - any: [opera]
  sahel:
    title: {en: Sahel}
    alert: digest
    threshold: 2
    terms:
      - {entity: mali, weight: 1}
      - {entity: niger, weight: 1}
      - {entity: burkina_faso, weight: 1}
      - {entity: ouagadougou, weight: 1}
      - {entity: traore, weight: 1}
"""


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher.from_rules(parse_rules(RULES, "test.yaml"))


def topics(matcher: Matcher, text: str) -> set[str]:
    return set(matcher.match("t", text, "").matched_topics)


def entities(matcher: Matcher, text: str) -> set[str]:
    return set(matcher.match("t", text, "").entities)


# (text, entities that must be found, entities that must not be)
WHOLE_WORDS = [
    ("Wagner fighters in Mali", {"wagner", "mali"}, set()),
    ("Somalia: drought worsens", set(), {"mali"}),
    ("Gli animali del Mali", {"mali"}, set()),
    ("gli animali dello zoo", set(), {"mali"}),
    ("Send an email to the desk", set(), {"mali"}),
    ("Normalize relations", set(), {"mali"}),
    ("Nigeria's Niger State floods", set(), {"niger"}),
    ("الصومالي يفوز", set(), {"mali"}),
    ("انتشار الفاغنرية في الخطاب", set(), {"wagner"}),
]

PROCLITICS = [
    ("وصل صدام حفتر بواغادوغو", {"ouagadougou"}),
    ("دعم روسي لفاغنر في ليبيا", {"wagner", "russia", "libya"}),
    ("ووصلت القوات وليبيا تراقب", {"libya"}),
    ("تدريبات للجيش الوطني الليبي", {"lna"}),
    ("وللجيش الوطني الليبي دور", {"lna"}),
    ("فالفيلق الأفريقي يحل محل فاجنر", {"africa_corps", "wagner"}),
    ("كفاغنر تماما", {"wagner"}),
]

WILDCARDS = [
    ("قواعد عسكرية روسية في أفريقيا", {"russia", "africa"}),
    ("Russian instructors arrive", {"russia"}),
    ("les instructeurs russes", {"russia"}),
    ("ЧВК Вагнера в Мали", {"wagner", "mali"}),
    ("Российские военные", {"russia"}),
]

ACCENTS = [
    ("Le capitaine Traore à Ouagadougou", {"traore", "ouagadougou"}),
    ("Le capitaine Traoré à Ouagadougou", {"traore", "ouagadougou"}),
    ("AFRIQUE: LA RUSSIE S'INSTALLE", {"africa", "russia"}),
]


@pytest.mark.parametrize(("text", "found", "absent"), WHOLE_WORDS)
def test_whole_words_only(matcher: Matcher, text: str, found: set[str], absent: set[str]) -> None:
    got = entities(matcher, text)
    assert found <= got, got
    assert not (absent & got), got


@pytest.mark.parametrize(("text", "found"), PROCLITICS + WILDCARDS + ACCENTS)
def test_spellings(matcher: Matcher, text: str, found: set[str]) -> None:
    assert found <= entities(matcher, text)


def test_prefix_al_is_not_a_proclitic(matcher: Matcher) -> None:
    # روس* allows suffixes, not the article: الروسية only matches through its own alias الروسي*
    result = matcher.match("t", "القوات الروسية", "")
    assert [h.term for h in result.hits] == ["الروسي*"]


def test_ambiguous_needs_corroboration(matcher: Matcher) -> None:
    assert "mali" not in entities(matcher, "دعم مالي للمصارف")  # "financial support"
    assert "mali" in entities(matcher, "فاغنر تنتشر في مالي")
    assert "niger" not in entities(matcher, "Floods on the Niger river")
    assert "niger" in entities(matcher, "Wagner moves from Mali to Niger")
    assert "traore" not in entities(matcher, "Moussa Traoré, footballeur")
    assert "traore" in entities(matcher, "Traoré reçoit une délégation à Ouagadougou")


def test_corroborated_by_restricts_who_corroborates(matcher: Matcher) -> None:
    # Libya is in the topic but not in mali's corroborated_by list
    result = matcher.match("t", "دعم مالي للمصارف الليبية", "")
    assert "mali" not in result.entities and "libya" in result.entities


def test_ambiguous_not_corroborated_by_itself(matcher: Matcher) -> None:
    result = matcher.match("t", "مالي مالي مالي", "")
    assert result.entities == ()
    hit = result.hits[0]
    assert hit.ambiguous
    assert any("not corroborated" in h.why for t in result.topics for h in t.hits)


def test_not_in_blocks_the_alias(matcher: Matcher) -> None:
    result = matcher.match("t", "Richard Wagner's Ring returns to Bayreuth", "")
    assert "wagner" not in result.entities
    assert any(h.why.startswith("inside a not_in") for h in result.hits)


def test_longest_match_wins(matcher: Matcher) -> None:
    result = matcher.match("t", "The Africa Corps replaces Wagner", "")
    assert "africa_corps" in result.entities
    assert "africa" not in result.entities


def test_topic_threshold_require_near_exclude(matcher: Matcher) -> None:
    assert topics(matcher, "Wagner mercenaries deployed in Mali") == {"russia_africa"}
    # score reached but no African place: a required group is missing
    miss = matcher.match("t", "Wagner mercenaries and Russian generals", "")
    ra = miss.topics[0]
    assert not ra.matched
    assert any("required group missing" in r for r in ra.reasons)
    # below threshold
    low = matcher.match("t", "Russia and Libya talk trade", "").topics[0]
    assert not low.matched and low.score == 2 and "below the threshold" in low.reasons[0]
    # the required groups too far apart
    filler = " ".join(["word"] * 30)
    far = matcher.match("t", f"Wagner mercenaries arrive. {filler} Later, in Mali", "").topics[0]
    assert not far.matched and any("outside the window" in r for r in far.reasons)
    # excluded
    ex = matcher.match("t", "Wagner opera festival with Russian stars in Libya", "").topics[0]
    assert not ex.matched and any(r.startswith("excluded") for r in ex.reasons)


def test_terms_count_once(matcher: Matcher) -> None:
    result = matcher.match("t", "Libya Libya Libya Libya and Russia", "")
    assert result.topics[0].score == 2


def test_hits_are_explained(matcher: Matcher) -> None:
    result = matcher.match(
        "doc1", "Wagner in Mali", "Russian mercenaries were seen in Bamako.", snippets=True
    )
    data = Explainer(matcher.rules).json(result)
    assert data["schema"] == 2 and data["id"] == "doc1"
    topic = data["topics"][0]
    assert topic["matched"] and topic["score"] == 5 and topic["threshold"] == 3
    assert topic["verdict"] == "match"
    by_term = {data["hits"][i]["term"]: data["hits"][i] for i in topic["hits"]}
    assert by_term["Wagner"]["field"] == "title" and by_term["Wagner"]["word"] == 1
    assert by_term["mercenar*"]["matched"] == "mercenaries"
    assert by_term["mercenar*"]["field"] == "text" and by_term["mercenar*"]["word"] == 2
    assert "Russian mercenaries" in by_term["mercenar*"]["snippet"]
    start, end = by_term["mercenar*"]["chars"]
    assert "Russian mercenaries were seen in Bamako."[start:end] == "mercenaries"


def test_explain_text_is_compact(matcher: Matcher) -> None:
    result = matcher.match("doc1", "Wagner in Africa Corps country", "Mali and Mali again")
    text = Explainer(matcher.rules).text(result)
    lines = text.splitlines()
    # the verdict, the score against the threshold and each scoring term with its weight
    assert (
        "  russia_africa: MATCH, score 5 / threshold 3: wagner 2 + africa_corps 2 + mali 1" in lines
    )
    # a score under half the threshold is no near miss
    assert "  sahel: no match, score 1 / threshold 2: mali 1" not in lines
    assert "  sahel: near miss, score 1 / threshold 2: mali 1" in lines
    # every hit once, numbered, with 1-based words in its field and the spelling's languages
    assert "    1. title word 1: 'Wagner' (en/fr) -> wagner" in lines
    assert "    3. text word 1: 'Mali' (en/fr) -> mali" in lines
    assert sum(1 for line in lines if "'Mali'" in line) == 2
    # "Africa" inside "Africa Corps" only counted, and shown with --verbose
    assert not any("'Africa' (en)" in line for line in lines)
    assert any(line.startswith("    (1 more inside a longer match") for line in lines)
    again = matcher.match("doc1", "Wagner in Africa Corps country", "Mali and Mali again", True)
    verbose = Explainer(matcher.rules).text(again, verbose=True)
    assert "'Africa' (en) -> africa [not counted: part of a longer match (africa_corps)]" in verbose
    assert "“Wagner in Africa Corps country”" in verbose


def test_a_zero_score_is_no_match_and_half_the_threshold_a_near_miss(matcher: Matcher) -> None:
    explain = Explainer(matcher.rules)
    nothing = explain.text(matcher.match("t", "Nothing here", ""))
    assert "  russia_africa: no match" in nothing.splitlines()
    low = matcher.match("t", "Russia speaks", "")
    assert low.topics[0].verdict == "no match" and low.topics[0].score == 1
    half = matcher.match("t", "Wagner speaks", "")
    assert half.topics[0].verdict == "near miss"
    assert "why not: required group missing" in explain.text(half)


def test_explain_json_writes_each_hit_once(matcher: Matcher) -> None:
    result = matcher.match("t", "Niger: floods", "Wagner in Niger", snippets=True)
    data = Explainer(matcher.rules).json(result)
    assert len(data["hits"]) == len(result.hits)
    for topic in data["topics"]:
        assert all(isinstance(i, int) and 0 <= i < len(data["hits"]) for i in topic["hits"])
    russia, sahel = data["topics"]
    # Niger: ambiguous in English, corroborated by Wagner for russia_africa; sahel finds no
    # other entity of its own, so it leaves both uncorroborated (each hit listed once)
    niger = [i for i, h in enumerate(data["hits"]) if h["entity"] == "niger"]
    assert len(niger) == 2 and set(niger) <= set(russia["hits"])
    assert russia["uncorroborated"] == [] and sahel["uncorroborated"] == niger
    assert russia["terms"] == {"wagner": 2, "niger": 1} and sahel["verdict"] == "no match"
    assert data["hits"][niger[0]]["chars"] == [0, 5] and data["hits"][niger[1]]["word"] == 3
