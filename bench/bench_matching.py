"""Benchmark: normalise + match realistic items with the default rules, and at 5,000 aliases
against a naive baseline (one compiled regex per alias), both in the same run. Prints figures.

Targets (issue #2): >= 5,000 items/s on one core with the default rules; >= 20x the naive
baseline at 5,000 aliases.
"""

from __future__ import annotations

import random
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from config import load_rules, parse_rules  # importable: path set up above
from core.text import normalize
from matching.engine import Matcher

ROOT = Path(__file__).resolve().parent.parent

LEADS = {
    "ar": (
        "وصل اللواء صدام حفتر إلى واغادوغو في زيارة رسمية التقى خلالها الرئيس الانتقالي إبراهيم "
        "تراوري وبحث الجانبان تعزيز التعاون العسكري والأمني في إطار تحالف دول الساحل وسط حديث "
        "عن دور روسي متزايد في المنطقة بعد استبدال مجموعة فاغنر بالفيلق الأفريقي وانسحاب القوات "
        "الأمريكية من قاعدة نيامي الجوية في النيجر"
    ),
    "fr": (
        "Le ministre malien de la Défense a reçu à Bamako une délégation russe conduite par le "
        "vice-ministre Iounous-Bek Evkourov pour discuter de la présence de l'Africa Corps au "
        "Sahel après le départ des forces françaises tandis que la CEDEAO s'inquiète du retrait "
        "du Mali, du Burkina Faso et du Niger de l'organisation régionale ouest-africaine"
    ),
    "en": (
        "Russia's deputy defence minister Yunus-Bek Yevkurov visited Benghazi for talks with "
        "Khalifa Haftar on a defence agreement as Moscow moves to replace Wagner Group "
        "mercenaries with the Africa Corps across Libya and the Sahel while Washington voiced "
        "concern about Russian warships docking at the port of Tobruk this month officials said"
    ),
    "noise": (
        "The central bank announced new measures to support the dinar as oil output rose to "
        "1.2 million barrels a day while the national football team prepared for the qualifier "
        "and the film festival opened with a screening attended by ministers and diplomats from "
        "several countries in the region including officials from neighbouring states"
    ),
}
TITLES = {
    "ar": "صدام حفتر في واغادوغو لتعزيز التعاون مع تحالف دول الساحل",
    "fr": "Sahel : Moscou renforce l'Africa Corps au Mali",
    "en": "Russia courts Haftar as Africa Corps replaces Wagner in Libya",
    "noise": "Libya's central bank moves to steady the dinar",
}


def make_items(n: int, rng: random.Random) -> list[tuple[str, str, str]]:
    keys = list(LEADS)
    items = []
    for i in range(n):
        key = rng.choice(keys)
        words = LEADS[key].split()
        rng.shuffle(words)  # same vocabulary, different order: no two items alike
        items.append((str(i), TITLES[key], " ".join(words[:60])))
    return items


def real_items() -> list[tuple[str, str, str]]:
    """Real feed items (tests/fixtures/feeds) and the evaluation corpus (tests/cases), as
    (id, title, ~60-word summary): what a cycle actually sees, mostly not relevant."""
    import json

    from config.model import Source
    from watchers import rss

    out = []
    for path in sorted((ROOT / "tests" / "fixtures" / "feeds").glob("*.xml")):
        source = Source(name=path.stem, kind="file", every_s=60, path=str(path))
        try:
            items = rss.parse(path.read_bytes(), source)
        except Exception:  # broken fixtures are there on purpose; skip them here
            continue
        out += [(i.guid, i.title, " ".join(i.summary.split()[:60])) for i in items]
    for path in sorted((ROOT / "tests" / "cases").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            doc = json.loads(line)
            out.append((doc["id"], doc["title"], doc["text"]))
    return out


def synthetic_rules(n_aliases: int, rng: random.Random) -> str:
    """A rules file with `n_aliases` spellings over 1,000 entities and one topic using them."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    lines = ["entities:"]
    per = n_aliases // 1000
    for e in range(1000):
        names = ["".join(rng.choice(letters) for _ in range(rng.randint(5, 9))) for _ in range(per)]
        if e == 0:
            names[: len(["wagner", "haftar", "sahel"])] = ["wagner", "haftar", "sahel"]
        lines.append(f"  e{e}: {{kind: other, aliases: {{en: [{', '.join(names)}]}}}}")
    lines += [
        "topics:",
        "  t:",
        "    title: {en: t}",
        "    threshold: 2",
        "    terms:",
    ]
    lines += [f"      - {{entity: e{e}, weight: 1}}" for e in range(1000)]
    return "\n".join(lines) + "\n"


def rate(fn, items) -> float:
    start = time.perf_counter()
    for doc_id, title, text in items:
        fn(doc_id, title, text)
    return len(items) / (time.perf_counter() - start)


def naive_matcher(rules_text: str):
    rules = parse_rules(rules_text, "synthetic")
    regexes = [
        (entity.id, re.compile(r"\b" + re.escape(normalize(alias)) + r"\b"))
        for entity in rules.entities.values()
        for spellings in entity.aliases.values()
        for alias in spellings
    ]

    def match(doc_id: str, title: str, text: str) -> set[str]:
        normal = normalize(title + " " + text)
        return {eid for eid, rx in regexes if rx.search(normal)}

    return match, len(regexes)


def main() -> None:
    rng = random.Random(7)
    items = make_items(20_000, rng)
    rules = load_rules(sys.argv[1] if len(sys.argv) > 1 else ROOT / "rules.yaml")
    matcher = Matcher.from_rules(rules)
    spellings = matcher.compiled.size
    rate(matcher.match, items[:500])  # warm up
    default_rate = rate(matcher.match, items)
    matched = sum(1 for i in items[:2000] if matcher.match(*i).matched_topics)
    print(
        f"default rules: {len(rules.entities)} entities, {spellings} automaton keys; "
        f"dense items (every one on topic, ~20 hits each): {default_rate:,.0f} items/s on one "
        f"core ({matched}/2000 matched a topic) [target >= 5,000]"
    )
    real = real_items()
    mixed = (real * (20_000 // len(real) + 1))[:20_000]
    real_rate = rate(matcher.match, mixed)
    hit = sum(1 for i in real if matcher.match(*i).matched_topics)
    print(
        f"default rules, real items ({len(real)} from tests/fixtures/feeds and tests/cases, "
        f"{hit} on topic), repeated to 20,000: {real_rate:,.0f} items/s on one core "
        f"[target >= 5,000]"
    )

    big_text = synthetic_rules(5000, rng)
    big = Matcher.from_rules(parse_rules(big_text, "synthetic"))
    naive, n_regex = naive_matcher(big_text)
    sample = items[:300]
    ac_rate = rate(big.match, items[:5000])
    naive_rate = rate(naive, sample)
    # the two must agree on which entities a document names
    for doc_id, title, text in sample[:100]:
        assert set(big.match(doc_id, title, text).entities) == naive(doc_id, title, text)
    print(
        f"5,000 aliases: automaton {ac_rate:,.0f} items/s, naive {n_regex} regexes "
        f"{naive_rate:,.0f} items/s, ratio {ac_rate / naive_rate:,.1f}x [target >= 20x]"
    )


if __name__ == "__main__":
    main()
