"""The default rules.yaml against its evaluation corpus (tests/cases/*.jsonl) and the seed article.

Every corpus document must match exactly the topics it expects (hard negatives expect none); the
seed article must match the topics in seeds/expected.yaml and name every entity listed there; a
table per semantics bullet of DESIGN.md pins the spellings the default rules rely on, per language.
Run with -s to see the per-topic precision/recall table.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from config import Rules
from matching.engine import Matcher
from matching.result import MatchResult

ROOT = Path(__file__).resolve().parent.parent
CASES = ROOT / "tests" / "cases"
TOPICS = (
    "russia_military_africa",
    "haftar_russia_sahel",
    "sahel_states_alliance",
    "western_concern",
)
# The corpus must stay big enough to mean something: (positives, hard negatives) per language.
MIN_CASES = {"ar": (20, 20), "fr": (20, 20), "en": (20, 20), "ru": (10, 10)}


def _load_cases() -> list[dict[str, Any]]:
    cases = []
    for path in sorted(CASES.glob("*.jsonl")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if line.strip():
                case = json.loads(line)
                case["where"] = f"{path.relative_to(ROOT)}:{number}"
                cases.append(case)
    return cases


CORPUS = _load_cases()
SEEDS = yaml.safe_load((ROOT / "seeds" / "expected.yaml").read_text(encoding="utf-8"))["seeds"]


def _why(result: MatchResult, topics: set[str]) -> str:
    """Score, scored terms and reasons for the topics named, one line each."""
    lines = []
    for topic in result.topics:
        if topic.id in topics:
            verdict = "MATCH" if topic.matched else "no match"
            lines.append(
                f"    {topic.id}: {verdict}, score {topic.score:g}/{topic.threshold:g}, "
                f"terms {list(topic.terms)}, reasons {list(topic.reasons)}"
            )
    return "\n".join(lines)


# ── the corpus ──────────────────────────────────────────────────────────────────────────────


def test_corpus_is_well_formed_and_big_enough() -> None:
    ids = Counter(case["id"] for case in CORPUS)
    assert not [i for i, n in ids.items() if n > 1], "duplicate case ids"
    counts: dict[str, list[int]] = {lang: [0, 0] for lang in MIN_CASES}
    for case in CORPUS:
        assert set(case) >= {"id", "lang", "title", "text", "expect", "note"}, case["where"]
        assert set(case["expect"]) <= set(TOPICS), f"{case['where']}: unknown topic in expect"
        assert case["note"].strip(), f"{case['where']}: say why in 'note'"
        counts.setdefault(case["lang"], [0, 0])[0 if case["expect"] else 1] += 1
    for lang, (positives, negatives) in MIN_CASES.items():
        assert counts[lang][0] >= positives, f"{lang}: only {counts[lang][0]} positive cases"
        assert counts[lang][1] >= negatives, f"{lang}: only {counts[lang][1]} hard negatives"


@pytest.mark.parametrize("case", CORPUS, ids=[c["id"] for c in CORPUS])
def test_case(matcher: Matcher, case: dict[str, Any]) -> None:
    result = matcher.match(case["id"], case["title"], case["text"])
    got, want = set(result.matched_topics), set(case["expect"])
    assert got == want, (
        f"{case['id']} ({case['where']}): expected {sorted(want) or 'no topic'}, "
        f"got {sorted(got) or 'no topic'}\n  title: {case['title']}\n  note: {case['note']}\n"
        + _why(result, got ^ want)
    )


def _f1(c: Counter[str]) -> tuple[float, float, float]:
    precision = c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else 1.0
    recall = c["tp"] / (c["tp"] + c["fn"]) if c["tp"] + c["fn"] else 1.0
    both = precision + recall
    return precision, recall, 2 * precision * recall / both if both else 0.0


def test_corpus_precision_and_recall(matcher: Matcher) -> None:
    counts = {topic: Counter[str]() for topic in TOPICS}
    by_lang: dict[str, Counter[str]] = {}
    for case in CORPUS:
        got = set(matcher.match(case["id"], case["title"], case["text"]).matched_topics)
        for topic in TOPICS:
            key = {(True, True): "tp", (True, False): "fp", (False, True): "fn"}.get(
                (topic in got, topic in case["expect"]), "tn"
            )
            counts[topic][key] += 1
            by_lang.setdefault(case["lang"], Counter())[key] += 1
    print("per language, over (document, topic) pairs:")
    for lang, c in sorted(by_lang.items()):
        print(f"  {lang}: precision %.3f recall %.3f F1 %.3f" % _f1(c))
    print(f"\ncorpus: {len(CORPUS)} documents")
    print(f"{'topic':<24} {'tp':>4} {'fp':>4} {'fn':>4} {'tn':>4} {'precision':>10} {'recall':>7}")
    figures = {}
    for topic, c in counts.items():
        precision = c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else 1.0
        recall = c["tp"] / (c["tp"] + c["fn"]) if c["tp"] + c["fn"] else 1.0
        figures[topic] = (precision, recall)
        print(
            f"{topic:<24} {c['tp']:>4} {c['fp']:>4} {c['fn']:>4} {c['tn']:>4} "
            f"{precision:>10.3f} {recall:>7.3f}"
        )
        assert c["tp"] >= 5, f"{topic}: fewer than 5 positive cases in the corpus"
    assert all(p == 1.0 and r == 1.0 for p, r in figures.values()), figures


# ── the seed article ─────────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize("seed", SEEDS, ids=[s["file"] for s in SEEDS])
def test_seed(matcher: Matcher, seed: dict[str, Any]) -> None:
    title, _, text = (ROOT / seed["file"]).read_text(encoding="utf-8").partition("\n")
    result = matcher.match(seed["file"], title, text)
    assert set(result.matched_topics) == set(seed["topics"]), _why(result, set(TOPICS))
    missing = [e for e in seed["entities"] if e not in result.entities]
    assert not missing, f"{seed['file']}: explain does not name {missing}"


def test_seed_covers_the_first_three_topics() -> None:
    assert {"russia_military_africa", "haftar_russia_sahel", "sahel_states_alliance"} <= set(
        SEEDS[0]["topics"]
    )


# ── one table per semantics bullet, per language: (bullet, lang, text, found, absent) ───────

SEMANTICS: list[tuple[str, str, str, set[str], set[str]]] = [
    # whole words only
    ("whole-words", "en", "Somalia and Malawi sign a deal, the email said", set(), {"mali"}),
    ("whole-words", "en", "Nigeria's president visits Abuja", set(), {"niger"}),
    ("whole-words", "fr", "Les animali du zoo; la Somalie", set(), {"mali"}),
    ("whole-words", "ar", "انتشار نزعة فاغنرية في الموسيقى", set(), {"wagner"}),
    ("whole-words", "ar", "الجيش الصومالي وفاغنر", {"wagner"}, {"mali"}),
    ("whole-words", "ru", "Армия Сомали", set(), {"mali"}),
    ("whole-words", "ru", "нигерийцы в Абудже", set(), {"niger"}),
    # Arabic proclitics
    ("proclitics", "ar", "وصل صدام حفتر بواغادوغو", {"saddam_haftar", "ouagadougou"}, set()),
    ("proclitics", "ar", "دعم روسي لفاغنر", {"wagner", "russia"}, set()),
    ("proclitics", "ar", "بين مصر وليبيا", {"libya"}, set()),
    ("proclitics", "ar", "تدريبات للجيش الوطني الليبي", {"lna"}, set()),
    ("proclitics", "ar", "فالفيلق الأفريقي حل محل فاجنر", {"africa_corps", "wagner"}, set()),
    ("proclitics", "ar", "وصل الوفد وبنغازي تستعد", {"benghazi"}, set()),
    # wildcards (and what they must not reach)
    ("wildcards", "ru", "Вагнеровцы в Ливии", {"wagner", "libya"}, set()),
    ("wildcards", "ru", "переговоры с Хафтаром и Евкуровым", {"haftar", "yevkurov"}, set()),
    ("wildcards", "ru", "российских военных в Сахеле", {"russian_forces", "sahel"}, set()),
    (
        "wildcards",
        "fr",
        "les autorités libyennes et des mercenaires",
        {"libya", "mercenaries"},
        set(),
    ),
    (
        "wildcards",
        "en",
        "Libyan officials warn of destabilising mercenaries",
        {"libya", "destabilisation", "mercenaries"},
        set(),
    ),
    ("wildcards", "en", "The military operation began", set(), {"opera"}),
    # accents and letter forms
    ("accents", "fr", "le capitaine Traore à Ouagadougou", {"ibrahim_traore"}, set()),
    ("accents", "fr", "le colonel Assimi Goita", {"assimi_goita"}, set()),
    ("accents", "en", "Burkinabè soldiers", {"burkina_faso"}, set()),
    (
        "accents",
        "ar",
        "الفيلق الإفريقي وڤاغنر في افريقيا",
        {"africa_corps", "wagner", "africa"},
        set(),
    ),
    ("accents", "ru", "наёмники в Мали", {"mercenaries"}, set()),
    # ambiguous spellings, with and without corroboration
    ("ambiguous", "ar", "دعم مالي للمصارف الليبية", {"libya"}, {"mali"}),
    ("ambiguous", "ar", "فاغنر تنتشر في مالي", {"wagner", "mali"}, set()),
    ("ambiguous", "en", "Heavy rain in Niger", set(), {"niger"}),
    ("ambiguous", "en", "Niger's junta expels French troops", {"niger"}, set()),
    ("ambiguous", "fr", "Traoré signe chez Ajax", set(), {"ibrahim_traore"}),
    ("ambiguous", "fr", "Traoré reçoit à Ouagadougou", {"ibrahim_traore"}, set()),
    ("ambiguous", "ru", "Траоре забил гол", set(), {"ibrahim_traore"}),
    ("ambiguous", "ru", "Траоре в Буркина-Фасо", {"ibrahim_traore"}, set()),
    ("ambiguous", "en", "Wagner conducted the orchestra", set(), {"wagner"}),
    ("ambiguous", "en", "Wagner fighters in Mali", {"wagner"}, set()),
    ("ambiguous", "en", "Rain in Tripoli", set(), {"tripoli"}),
    ("ambiguous", "en", "Clashes in Tripoli as Libyan factions fight", {"tripoli", "libya"}, set()),
    ("ambiguous", "en", "Dateline: Tripoli, Libya", {"tripoli"}, set()),
    ("ambiguous", "en", "AES shares rose", set(), {"aes"}),
    ("ambiguous", "fr", "L'AES et le Mali", {"aes", "mali"}, set()),
    # not_in phrases
    ("not_in", "en", "Richard Wagner and Russian Libya", {"russia", "libya"}, {"wagner"}),
    ("not_in", "en", "Floods in Niger State and the Niger Delta", set(), {"niger"}),
    ("not_in", "fr", "La crue du fleuve Niger à Bamako", {"bamako"}, {"niger"}),
    ("not_in", "ar", "فيضان نهر النيجر في مالي", set(), {"niger"}),
    ("not_in", "ar", "طرابلس الشام وطرابلس لبنان وليبيا", {"libya"}, {"tripoli"}),
    ("not_in", "ru", "в штате Нигер", set(), {"niger"}),
]


@pytest.mark.parametrize(
    ("bullet", "lang", "text", "found", "absent"),
    SEMANTICS,
    ids=[f"{row[0]}-{row[1]}-{i}" for i, row in enumerate(SEMANTICS)],
)
def test_semantics_table(
    matcher: Matcher, bullet: str, lang: str, text: str, found: set[str], absent: set[str]
) -> None:
    entities = set(matcher.match("t", text, "").entities)
    assert found <= entities, f"[{bullet}/{lang}] {text!r}: missing {found - entities}"
    assert not absent & entities, f"[{bullet}/{lang}] {text!r}: wrongly found {absent & entities}"


def _spellings_alone(rules: Rules) -> list[tuple[str, str, str]]:
    """(entity id, language, spelling) for every non-ambiguous alias of the default rules."""
    out: list[tuple[str, str, str]] = []
    for entity in rules.entities.values():
        doubtful = {s for values in entity.ambiguous.values() for s in values}
        for lang, values in entity.aliases.items():
            out.extend((entity.id, lang, s) for s in values if s not in doubtful)
    return out


def test_every_unambiguous_spelling_is_recognised_standing_alone(
    rules: Rules, matcher: Matcher
) -> None:
    spellings = _spellings_alone(rules)
    assert len(spellings) > 1300
    missed = []
    for eid, lang, spelling in spellings:
        text = spelling.removesuffix("*")
        if eid not in matcher.match("t", text, "").entities:
            missed.append(f"{eid} [{lang}] {spelling!r}")
    assert not missed, f"{len(missed)} of {len(spellings)} spellings not recognised: {missed}"


def test_arabic_spellings_with_final_heh_for_teh_marbuta_are_recognised(
    rules: Rules, matcher: Matcher
) -> None:
    # ة and ه are one letter to the normaliser: a base named قاعدة الخروبه is قاعدة الخروبة
    variants = [
        (eid, spelling.replace("ة", "ه"))
        for eid, lang, spelling in _spellings_alone(rules)
        if lang == "ar" and "ة" in spelling
    ]
    assert len(variants) > 100
    missed = [
        v for v in variants if v[0] not in matcher.match("t", v[1].removesuffix("*"), "").entities
    ]
    assert not missed


def test_every_topic_keyword_is_recognised_standing_alone(rules: Rules, matcher: Matcher) -> None:
    missed = []
    for topic in rules.topics.values():
        terms = list(topic.terms)
        for group in (*topic.require, *topic.exclude):
            terms.extend((*group.members, *group.unless))
        for term in terms:
            for values in (term.keyword or {}).values():
                for spelling in values:
                    hits = matcher.match("t", spelling.removesuffix("*"), "").hits
                    if not any(h.keyword == f"{topic.id}:{term.key}" for h in hits):
                        missed.append(f"{topic.id}: {spelling!r}")
    assert not missed


def test_every_topic_has_titles_and_the_first_two_alert_instantly(rules: Rules) -> None:
    assert tuple(rules.topics) == TOPICS
    for topic in rules.topics.values():
        assert {"en", "fr", "ar"} <= set(topic.title), topic.id
    assert rules.topics["russia_military_africa"].alert == "instant"
    assert rules.topics["haftar_russia_sahel"].alert == "instant"


def test_sources_cover_four_languages_searches_channels_and_the_offline_demo(
    rules: Rules,
) -> None:
    kinds = Counter(s.kind for s in rules.sources)
    assert kinds["gdelt"] >= 1 and kinds["google_news"] >= 2
    assert {s.lang for s in rules.sources if s.kind == "rss"} >= {"ar", "fr", "en", "ru"}
    assert sum(s.lang == "ru" for s in rules.sources if s.kind == "rss") >= 6
    channels = [s for s in rules.sources if s.kind == "telegram_channel"]
    assert len(channels) >= 3 and all(s.lang == "ru" for s in channels)
    demo = [s for s in rules.sources if s.name == "Offline demo"]
    assert demo and demo[0].kind == "file" and demo[0].path == "seeds/feeds"
    assert rules.access.mode == "open" and rules.access.admins == ()
