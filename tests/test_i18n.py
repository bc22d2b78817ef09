"""The interface in every language (issue 14, point 6; issue 17: i18n completeness): every UI
string exists in every language with the same placeholders, every key the code asks for
exists, counted phrases agree with their number (Arabic has six forms), lists use the
language's comma, and modes, languages and quiet hours read the same everywhere."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from delivery import i18n, render
from delivery.commands import MENU, menus
from delivery.i18n import LANG_NAMES, LANGS, STRINGS, join, mode_name, plural, quiet_hours

ROOT = Path(__file__).resolve().parent.parent


def fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def base(key: str) -> str:
    return key.split("#", 1)[0]


@pytest.mark.parametrize("lang", LANGS)
def test_every_string_exists_in_every_language_with_the_same_placeholders(lang: str) -> None:
    english = {base(k) for k in STRINGS["en"]}
    assert {base(k) for k in STRINGS[lang]} == english
    for key, template in STRINGS[lang].items():
        twin = STRINGS["en"].get(key) or STRINGS["en"][f"{base(key)}#other"]
        counted = {"n"} if "#" in key else set()  # "خبر واحد" need not show its number
        assert fields(template) - counted == fields(twin) - counted, (lang, key)
        assert template.strip(), (lang, key)


def test_counted_phrases_have_the_forms_each_language_needs() -> None:
    counted = {base(k) for k in STRINGS["en"] if "#" in k}
    needs = {
        "en": ("one", "other"),
        "fr": ("one", "other"),
        "ar": ("one", "two", "few", "many", "other"),
    }
    for lang, forms in needs.items():
        for key in counted:
            for form in forms:
                assert f"{key}#{form}" in STRINGS[lang], (lang, key, form)


def test_every_key_the_code_asks_for_exists() -> None:
    asked: set[str] = set()
    call = re.compile(r"""\b(?:text|say_key|plural|plural_template)\([^()"']*?["']([a-z_]+)["']""")
    for path in (ROOT / "delivery").rglob("*.py"):
        asked.update(call.findall(path.read_text(encoding="utf-8")))
    asked -= {"update"}  # not a key: the first argument of say_key
    known = {base(k) for k in STRINGS["en"]}
    assert asked and asked <= known, sorted(asked - known)
    for lang in LANGS:  # the keys built from a value
        for mode in ("instant", "hourly", "daily"):
            assert f"mode_{mode}" in STRINGS[lang]
        for layout in ("full", "short"):
            assert f"format_{layout}" in STRINGS[lang]


@pytest.mark.parametrize(
    ("n", "said"),
    [
        (0, "لا أخبار"),
        (1, "خبر واحد"),
        (2, "خبران"),
        (3, "3 أخبار"),
        (10, "10 أخبار"),
        (11, "11 خبرًا"),
        (16, "16 خبرًا"),
        (99, "99 خبرًا"),
        (100, "100 خبر"),
        (102, "102 خبر"),
        (103, "103 أخبار"),
        (111, "111 خبرًا"),
    ],
)
def test_arabic_number_agreement(n: int, said: str) -> None:
    assert plural("ar", "stories", n) == said


def test_english_and_french_counts() -> None:
    assert [plural("en", "stories", n) for n in (1, 2, 16)] == [
        "1 story",
        "2 stories",
        "16 stories",
    ]
    assert [plural("fr", "alerts", n) for n in (0, 1, 2)] == ["0 alerte", "1 alerte", "2 alertes"]
    assert "16 أخبار" not in render.digest_header("ar", 16, 1, 1)
    assert "16 خبرًا" in render.digest_header("ar", 16, 1, 1)


def test_lists_modes_languages_and_quiet_hours_in_words() -> None:
    assert join("ar", ["أ", "ب", "ج"]) == "أ، ب، ج"
    assert join("fr", ["a", "b"]) == "a, b"
    assert mode_name("ar", "instant") == "فوري"
    assert mode_name("ar", "daily", "07:30") == "يومي 07:30"
    assert mode_name("fr", "hourly") == "toutes les heures"
    assert LANG_NAMES == {"en": "English", "fr": "Français", "ar": "العربية"}
    assert quiet_hours("fr", (22, 7), "Africa/Tripoli") == "22:00-07:00 (Africa/Tripoli)"
    assert quiet_hours("ar", None, "UTC") == "لا شيء"
    assert i18n.lang_or_default("ru", "fr") == "fr"


def test_the_command_menu_in_each_language() -> None:
    by_lang = menus()
    assert set(by_lang) == {None, "fr", "ar"}  # None: the default menu, in English
    for commands in by_lang.values():
        assert [c.command for c in commands] == list(MENU)
        assert all(3 <= len(c.description) <= 256 for c in commands)  # Telegram's bounds
    arabic = {c.command: c.description for c in by_lang["ar"]}
    assert arabic["start"] == "اشتراك" and arabic["lang"] == "اللغة"
