"""Which language a feed writes in, guessed from its items' text (pure, standard library only).

Arabic and Cyrillic script tell Arabic (or Persian) and Russian (or Ukrainian) apart from the
Latin-script languages; among those, the most frequent function words decide (the, and, of;
le, les, des; ...). Used when an operator tries a new source, to compare with the language the
feed declares; the monitor itself never needs it (a source's `lang` is preferred).
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Iterable

# Function words that are frequent in one language and rare in the others listed.
_WORDS = {
    "en": "the and of to is for on with that by from at was has have are this said were",
    "fr": "le la les des du et est une dans pour que qui sur au aux par avec pas ont été",
    "es": "el los las del y una para por con según sus fue más entre",
    "pt": "os as do da dos das e em uma não com para ao pelo pela foi",
    "de": "der die das und ist nicht mit den von zu ein eine im auch sich wird",
    "it": "il gli della delle di che per una non con nel alla sono",
}
_OWNER: dict[str, str] = {}
for _lang, _words in _WORDS.items():
    for _word in _words.split():
        _OWNER.setdefault(_word, _lang)  # a word listed twice counts for the first language
_PERSIAN = set("پچژگکی")
_UKRAINIAN = set("іїєґ")
MIN_LETTERS = 40  # fewer letters than this: no guess
MIN_WORDS = 5  # function words needed to tell Latin-script languages apart


def detect(texts: Iterable[str]) -> str:
    """A two-letter code for the language of `texts` (ar, fa, ru, uk, en, fr, es, pt, de, it),
    or "" when there is too little text to tell."""
    scripts: Counter[str] = Counter()
    marks: Counter[str] = Counter()
    words: Counter[str] = Counter()
    for text in texts:
        for ch in text:
            if not ch.isalpha():
                continue
            name = unicodedata.name(ch, "")
            script = name.split(" ", 1)[0]
            scripts[script] += 1
            lower = ch.lower()
            if lower in _PERSIAN:
                marks["fa"] += 1
            elif lower in _UKRAINIAN:
                marks["uk"] += 1
        for word in text.lower().split():
            lang = _OWNER.get(word.strip(".,;:!?«»\"'()"))
            if lang:
                words[lang] += 1
    letters = sum(scripts.values())
    if letters < MIN_LETTERS:
        return ""
    if scripts["ARABIC"] > letters / 2:
        return "fa" if marks["fa"] > scripts["ARABIC"] / 50 else "ar"
    if scripts["CYRILLIC"] > letters / 2:
        return "uk" if marks["uk"] > scripts["CYRILLIC"] / 100 else "ru"
    if scripts["LATIN"] > letters / 2 and sum(words.values()) >= MIN_WORDS:
        return words.most_common(1)[0][0]
    return ""
