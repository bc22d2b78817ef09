"""core/text.py: the Arabic word forms shared by matching, search and story clustering.

`proclitic_forms` is what both the matcher (`matching.compile.key_forms`) and full-text search
(`storage.fts`) glue to an Arabic word; the parity tests hold them to the same forms through a
real store: every form the matcher recognises for a spelling of rules.yaml is found by a search
for that spelling (the bug fixed: a search for الجيش found لالجيش but not وللجيش).
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from config import load_rules, parse_rules
from config.model import Rules
from core.clock import FixedClock
from core.items import Item
from core.text import PROCLITICS, arabic_stem, is_arabic, normalize, proclitic_forms
from matching.compile import key_forms
from matching.engine import Matcher
from matching.result import MatchResult
from storage.db import open_state
from storage.fts import fts_query
from storage.store import Store
from stories.terms import stem, terms

ROOT = Path(__file__).resolve().parent.parent
T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)

# ── proclitic_forms ───────────────────────────────────────────────────────────────────────────


def test_every_proclitic_is_glued_to_a_plain_word() -> None:
    forms = proclitic_forms("فاغنر")
    assert forms == [p + "فاغنر" for p in PROCLITICS]
    assert len(forms) == 11 and len(set(forms)) == 11
    assert "وفاغنر" in forms and "بفاغنر" in forms and "وبفاغنر" in forms and "فلفاغنر" in forms


def test_lam_before_the_article_drops_its_alif() -> None:
    forms = proclitic_forms("الجيش")
    assert "للجيش" in forms  # ل + الجيش
    assert "وللجيش" in forms  # و + ل + الجيش
    assert "فللجيش" in forms  # ف + ل + الجيش
    assert "لالجيش" not in forms and "ولالجيش" not in forms and "فلالجيش" not in forms
    # the other proclitics keep the article whole
    assert {"والجيش", "فالجيش", "بالجيش", "كالجيش", "وبالجيش", "وكالجيش"} <= set(forms)
    assert len(forms) == len(PROCLITICS)


def test_a_lam_initial_word_without_the_article_keeps_its_letters() -> None:
    assert "للبيا" not in proclitic_forms("ليبيا")
    assert "لليبيا" in proclitic_forms("ليبيا") and "وليبيا" in proclitic_forms("ليبيا")


@pytest.mark.parametrize("word", ["wagner", "Вагнер", "traore", "2026", ""])
def test_no_forms_for_a_word_that_is_not_arabic(word: str) -> None:
    assert proclitic_forms(word) == []


def test_is_arabic() -> None:
    assert is_arabic("حفتر") and is_arabic("x حفتر")
    assert not is_arabic("Haftar") and not is_arabic("Хафтар") and not is_arabic("")


# ── arabic_stem ───────────────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize(
    "forms",
    [
        ("الجزائر", "والجزائر", "بالجزائر", "للجزائر", "وللجزائر", "كالجزائر", "فالجزائر"),
        ("السفير", "والسفير", "بالسفير", "سفيرها", "سفيره", "والسفيرين"),
        ("الانقلاب", "والانقلاب", "بالانقلاب"),
    ],
    ids=["algeria", "ambassador", "coup"],
)
def test_a_word_with_and_without_proclitics_and_article_has_one_stem(
    forms: tuple[str, ...],
) -> None:
    stems = {arabic_stem(normalize(f)) for f in forms}
    assert len(stems) == 1, stems
    assert {stem(normalize(f)) for f in forms} == stems  # what clustering compares


def test_the_algeria_stem() -> None:
    assert arabic_stem("والجزائر") == arabic_stem("بالجزائر") == arabic_stem("الجزائر") == "جزائر"
    assert arabic_stem(normalize("الجزائر")) == "جزاير"  # normalised, the hamza seat is ي


@pytest.mark.parametrize(
    "word", ["باماكو", "كييف", "فاغنر", "ليبيا", "بنغازي", "لافروف", "وفد", "ولد"]
)
def test_a_word_that_only_begins_like_a_proclitic_keeps_its_first_letter(word: str) -> None:
    assert arabic_stem(word)[0] == word[0]
    assert arabic_stem(word) == word[: len(arabic_stem(word))]


def test_a_stem_keeps_at_least_three_letters() -> None:
    assert arabic_stem("بيتها") == "بيت"  # the pronoun off
    assert arabic_stem("لها") == "لها"  # too short to lose anything
    assert arabic_stem("الهدف") == "هدف"  # the article off
    assert all(len(arabic_stem(w)) >= 3 for w in ("والسفراء", "بالقوات", "الروسية", "مالي"))


def test_words_that_are_not_arabic_come_back_unchanged() -> None:
    for word in ("wagner", "bamako", "нигера", "2026"):
        assert arabic_stem(word) == word


def test_clustering_terms_of_arabic_text_meet_across_proclitics() -> None:
    a = terms(normalize("الجزائر تستدعي السفير"), "ar")
    b = terms(normalize("واستدعت بالجزائر سفيرها"), "ar")
    assert "جزاير" in a and "جزاير" in b and "سفير" in a and "سفير" in b
    assert "في" not in terms(normalize("في الجزائر"), "ar")  # a stop word


# ── Parity: what the matcher recognises, search finds ─────────────────────────────────────────

# Entities of rules.yaml whose Arabic spellings are checked: one-word and several-word names,
# the article and none, ambiguous spellings and wildcards.
PARITY_ENTITIES = ("lna", "algeria", "africa_corps", "ambassador_recall", "juntas", "tobruk")
SUFFIX = "ها"  # what a wildcard spelling's form is written with in the document


@pytest.fixture(scope="module")
def rules() -> Rules:
    return load_rules(str(ROOT / "rules.yaml"))


def spellings(rules: Rules) -> list[tuple[str, str]]:
    """(entity id, Arabic spelling) for every alias and ambiguous alias of PARITY_ENTITIES."""
    out = []
    for eid in PARITY_ENTITIES:
        entity = rules.entities[eid]
        for table in (entity.aliases, entity.ambiguous):
            out += [(eid, s) for s in table.get("ar", ())]
    return out


def written(form: str, wildcard: bool) -> str:
    """The words of an automaton key as a document writes them (a wildcard with an ending)."""
    words = form.strip()
    return words + SUFFIX if wildcard else words


def document(n: int, words: str) -> Item:
    url = f"https://parity.example/{n}-{zlib.crc32(words.encode()):08x}"
    return Item(
        f"Parity {n}",
        url,
        url,
        f"نشرة رقم {n} من المراسل",
        summary=f"وقالت المصادر إن {words} كان في صلب النقاش مساء اليوم",
        lang="ar",
        published=T0,
    )


@pytest.fixture
def store(tmp_path: Path, rules: Rules) -> Iterator[Store]:
    s = Store(open_state(str(tmp_path / "state")), FixedClock(T0), rules.stories)
    yield s
    s.close()


def test_every_form_the_matcher_recognises_is_found_by_a_search_for_the_spelling(
    rules: Rules, store: Store
) -> None:
    matcher = Matcher.from_rules(rules)
    kinds = rules.entity_kinds()
    cases = spellings(rules)
    assert len(cases) > 40 and any(s.endswith("*") for _, s in cases)
    docs: list[tuple[tuple[str, str], str, Item, MatchResult]] = []
    for eid, spelling in cases:
        forms = key_forms(spelling)
        assert len(forms) == 1 + len(PROCLITICS), spelling  # every spelling here is Arabic
        for form, wildcard in forms:
            words = written(form, wildcard)
            item = document(len(docs), words)
            match = matcher.match_item(item)
            # the matcher finds the entity there (counted or not: ambiguous spellings)
            assert any(h.entity == eid for h in match.hits), (eid, spelling, words)
            docs.append(((eid, spelling), words, item, match))
    stored = store.ingest_many([(item, match) for _, _, item, match in docs], kinds)
    assert all(r.is_new for r in stored)
    expected: dict[tuple[str, str], dict[int, str]] = {}
    for (case, words, _, _), result in zip(docs, stored, strict=True):
        expected.setdefault(case, {})[result.item_id] = words
    n = len(docs)
    assert n == len(cases) * (1 + len(PROCLITICS))
    missed = {}
    for (eid, spelling), ids in expected.items():
        # the reports the search's own query finds (a search answers one result per story)
        found = {
            row[0]
            for row in store.conn.execute(
                "SELECT rowid FROM items_fts WHERE items_fts MATCH ?", (fts_query(spelling),)
            )
        }
        lost = sorted(words for item_id, words in ids.items() if item_id not in found)
        if lost:
            missed[f"{eid}: {spelling}"] = lost
    assert missed == {}


ARMY_RULES = """
entities:
  army:
    kind: organisation
    aliases: {ar: [الجيش]}
  libya:
    kind: place
    aliases: {ar: [ليبيا]}
topics:
  army_libya:
    title: {en: The army in Libya}
    alert: instant
    threshold: 1
    terms:
      - {entity: army, weight: 1}
"""


@pytest.mark.parametrize(
    "word",
    [
        "الجيش",
        *proclitic_forms("الجيش"),
        "لالجيش",  # ل before the article is written لل: neither recognises this
        "ولالجيش",
        "جيش",  # no article: another word for both
        "الجيشان",  # another word, not an ending (الجيش has no wildcard)
        "والجيشين",
    ],
)
def test_search_finds_a_word_exactly_when_the_matcher_recognises_it(
    tmp_path: Path, word: str
) -> None:
    rules = parse_rules(ARMY_RULES)
    matcher = Matcher.from_rules(rules)
    store = Store(open_state(str(tmp_path / "state")), FixedClock(T0), rules.stories)
    try:
        item = Item(
            "Parity",
            "https://parity.example/army",
            "army-1",
            "بيان من ليبيا",
            summary=f"أصدرت قيادة {word} بيانا مساء اليوم",
            lang="ar",
            published=T0,
        )
        match = matcher.match_item(item)
        recognised = "army" in match.entities
        item_id = store.ingest(item, match, rules.entity_kinds()).item_id
        found = item_id in {h.item_id for h in store.search("الجيش")}
        assert found == recognised
        assert recognised == (word == "الجيش" or word in proclitic_forms("الجيش"))
    finally:
        store.close()


def test_search_for_the_army_finds_wa_li_l_jaysh_and_not_li_al_jaysh(tmp_path: Path) -> None:
    """The bug fixed: وللجيش (and the army, for the army) was missed, لالجيش was found."""
    rules = parse_rules(ARMY_RULES)
    store = Store(open_state(str(tmp_path / "state")), FixedClock(T0), rules.stories)
    matcher = Matcher.from_rules(rules)
    try:
        ids = {}
        for n, word in enumerate(("وللجيش", "للجيش", "لالجيش")):
            item = Item(
                f"Outlet {n}",
                f"https://outlet{n}.example/a",
                f"g{n}",
                f"خبر {n}",
                summary=f"قدمت الحكومة الدعم {word} في ليبيا",
                lang="ar",
                published=T0,
            )
            ids[word] = store.ingest(item, matcher.match_item(item), rules.entity_kinds()).item_id
        found = {
            row[0]
            for row in store.conn.execute(
                "SELECT rowid FROM items_fts WHERE items_fts MATCH ?", (fts_query("الجيش"),)
            )
        }  # the reports the search's query finds (a search answers one result per story)
        assert ids["وللجيش"] in found and ids["للجيش"] in found
        assert ids["لالجيش"] not in found
    finally:
        store.close()


def test_every_unambiguous_alias_counts_its_entity_on_its_own(rules: Rules) -> None:
    """An alias listed under `aliases` (not `ambiguous`) needs no corroboration: a report that
    names the entity only by it counts the entity (and a search for it finds the report).

    It failed before issue 15's fix: the matcher kept one hit per (entity, start word), the
    first the automaton reported, the shortest key ending first. Where an ambiguous spelling of
    the same entity begins a longer unambiguous alias (Wagner / Wagner Group, القيادة العامة /
    القيادة العامة للقوات المسلحة, طرابلس / طرابلس الغرب), the longer alias was dropped as "the
    same thing found twice", and without corroboration the entity was not counted."""
    matcher = Matcher.from_rules(rules)
    missed = []
    for entity in rules.entities.values():
        doubtful = {s for spellings in entity.ambiguous.values() for s in spellings}
        for lang, spellings in entity.aliases.items():
            for spelling in spellings:
                if spelling in doubtful:
                    continue
                words = key_forms(spelling)[0][0].strip()
                result = matcher.match(f"{entity.id}:{spelling}", "", f"one two {words} three")
                if entity.id not in result.entities:
                    missed.append(f"{entity.id} [{lang}] {spelling}")
    assert missed == []
