"""The words of the interface in each subscriber language: the one list of interface languages
(`LANGS`), their names, and the lookups every message and reply goes through.

`text(lang, key, **values)` is a UI string with values formatted in; `plural(lang, key, n)`
the form of a counted phrase that agrees with `n` (Arabic has six: "خبر واحد", "خبران",
"3 أخبار", "11 خبرًا", "100 خبر"; French counts 0 and 1 as singular); `join(lang, items)` a
list with the language's comma ("،" in Arabic). The strings themselves are in one module per
language (en.py, fr.py, ar.py), keyed alike; a plural phrase is stored as `key#category`
(CLDR categories: zero, one, two, few, many, other). An unknown language falls back to
English. Values are formatted in as given: callers pass already-escaped HTML where the result
is HTML.
"""

from __future__ import annotations

from delivery.i18n import ar, en, fr

LANGS = ("en", "fr", "ar")  # the interface languages, in the order menus list them
LANG_NAMES = {"en": "English", "fr": "Français", "ar": "العربية"}  # each in its own language
STRINGS: dict[str, dict[str, str]] = {"en": en.STRINGS, "fr": fr.STRINGS, "ar": ar.STRINGS}
PLURAL_CATEGORIES = ("zero", "one", "two", "few", "many", "other")


def lang_or_default(lang: str | None, default: str = "en") -> str:
    """`lang` when the interface speaks it, else `default` (else English)."""
    if lang in STRINGS:
        return str(lang)
    return default if default in STRINGS else "en"


def text(lang: str, key: str, **values: object) -> str:
    """The UI string `key` in `lang`, with `values` formatted in."""
    table = STRINGS.get(lang, STRINGS["en"])
    template = table.get(key) or STRINGS["en"][key]
    return template.format(**values) if values else template


def plural_category(lang: str, n: int) -> str:
    """The CLDR plural category of the whole number `n` in `lang`."""
    if lang == "ar":
        rest = n % 100
        if n == 0:
            return "zero"
        if n in (1, 2):
            return "one" if n == 1 else "two"
        if 3 <= rest <= 10:
            return "few"
        return "many" if 11 <= rest <= 99 else "other"
    if lang == "fr":
        return "one" if n in (0, 1) else "other"
    return "one" if n == 1 else "other"


def plural_template(lang: str, key: str, n: int) -> str:
    """The template of the counted phrase `key` whose form agrees with `n` in `lang`."""
    lang = lang_or_default(lang)
    table = STRINGS[lang]
    return table.get(f"{key}#{plural_category(lang, n)}") or table[f"{key}#other"]


def plural(lang: str, key: str, n: int, **values: object) -> str:
    """The counted phrase `key` for `n` in `lang` ("1 story", "16 stories", "16 خبرًا")."""
    return plural_template(lang, key, n).format(n=n, **values)


def join(lang: str, items: list[str]) -> str:
    """`items` as a list in running text: "a, b, c"; in Arabic "a، b، c"."""
    return ("، " if lang == "ar" else ", ").join(items)


def mode_name(lang: str, mode: str, daily_at: str = "") -> str:
    """A delivery mode in words ("daily at 07:30", "يومياً 07:30")."""
    words = text(lang, f"mode_{mode}")
    return f"{words} {daily_at}" if mode == "daily" and daily_at else words


def quiet_hours(lang: str, quiet: tuple[int, int] | None, timezone: str) -> str:
    """Quiet hours as /status and /quiet both show them: "22:00-07:00 (Africa/Tripoli)"."""
    if quiet is None:
        return text(lang, "quiet_none")
    return f"{quiet[0]:02d}:00-{quiet[1]:02d}:00 ({timezone})"
