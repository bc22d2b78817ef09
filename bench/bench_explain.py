"""Benchmark: `explain --json` and text `explain`, end to end, on realistic 60-word reports.

The reports are made from the real rules' spellings: in the languages of the default sources,
as many reports in each as it has sources, the words of real news (the fixture feeds of
tests/fixtures/feeds, the seed article, and the off-topic reports of tests/cases) shuffled
into a title of 8 words and a text of 52, with 0 to 4 spellings of the rules' entities and
keywords of that language put in at random places (three reports in eight get none, as most
of a real stream names nothing the rules know). Each run is the real
command (`python bot.py explain [--json] FILE.jsonl > /dev/null`); its rate is the reports over
the wall time, and, beside it, over the time past start-up (the same command on an empty file:
loading the rules and compiling them). With `--before REV` the same reports go through the code
of that git revision too (a copy made with `git archive`, run with this interpreter).

Target (issue 16): >= 5,000 reports/s for `--json`, text as fast.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from config import load_rules  # importable: path set up above
from config.model import LANGS, Rules

ROOT = Path(__file__).resolve().parent.parent

TARGET = 5_000
SPELLINGS_PER_REPORT = (0, 0, 0, 1, 1, 2, 3, 4)
TITLE_WORDS, TEXT_WORDS = 8, 52


def news_words() -> dict[str, list[str]]:
    """Words of real news per language: feed items, the seed article, off-topic reports."""
    from config.model import Source
    from watchers import rss

    words: dict[str, list[str]] = {lang: [] for lang in LANGS}
    for path in sorted((ROOT / "tests" / "fixtures" / "feeds").glob("*.xml")):
        lang = path.name.removeprefix("synthetic_").split("_", 1)[0]
        source = Source(name=path.stem, kind="file", every_s=60, path=str(path))
        try:
            items = rss.parse(path.read_bytes(), source)
        except Exception:  # broken fixtures are there on purpose; skip them here
            continue
        if lang in words:
            words[lang] += [w for i in items for w in f"{i.title} {i.summary}".split()]
    for path in sorted((ROOT / "seeds").glob("*.txt")):
        words["ar"] += path.read_text(encoding="utf-8").split()
    for path in sorted((ROOT / "tests" / "cases").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            doc = json.loads(line)
            if doc.get("lang") in words and not doc.get("expect"):
                words[doc["lang"]] += f"{doc['title']} {doc['text']}".split()
    return words


def rule_spellings(rules: Rules) -> dict[str, list[str]]:
    """Every spelling of the rules per language (a wildcard's stem as written)."""
    out: dict[str, list[str]] = {lang: [] for lang in LANGS}
    tables = [t for e in rules.entities.values() for t in (e.aliases, e.ambiguous)]
    tables += [t.keyword for topic in rules.topics.values() for t in topic.terms if t.keyword]
    for table in tables:
        for lang, values in table.items():
            if lang in out:
                out[lang] += [v.removesuffix("*") for v in values]
    return out


def make_reports(n: int, rules: Rules, seed: int = 16) -> list[dict[str, str]]:
    rng = random.Random(seed)
    words = news_words()
    spellings = rule_spellings(rules)
    langs = [s.lang for s in rules.sources if words.get(s.lang) and spellings.get(s.lang)]
    reports = []
    for i in range(n):
        lang = rng.choice(langs)
        text = rng.sample(words[lang], TEXT_WORDS)
        title = rng.sample(words[lang], TITLE_WORDS)
        for _ in range(rng.choice(SPELLINGS_PER_REPORT)):
            where = title if rng.random() < 0.25 else text
            where.insert(rng.randrange(len(where) + 1), rng.choice(spellings[lang]))
        reports.append({"id": f"r{i}", "title": " ".join(title), "text": " ".join(text)})
    return reports


def timed(root: Path, rules: Path, path: Path, fmt: list[str]) -> float:
    """Wall seconds of `bot.py explain` over `path`, output thrown away."""
    command = [sys.executable, str(root / "bot.py"), "explain", *fmt, "--rules", str(rules)]
    start = time.perf_counter()
    subprocess.run([*command, str(path)], cwd=root, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def measure(label: str, root: Path, rules: Path, reports: Path, empty: Path) -> None:
    for name, fmt in (("--json", ["--json"]), ("text", [])):
        base = min(timed(root, rules, empty, fmt) for _ in range(2))
        total = timed(root, rules, reports, fmt)
        n = sum(1 for _ in reports.open(encoding="utf-8"))
        print(
            f"{label}: explain {name}: {n / total:,.0f} reports/s end to end ({total:.2f} s), "
            f"{n / max(total - base, 1e-9):,.0f} reports/s past start-up ({base:.2f} s) "
            f"[target >= {TARGET:,}]"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=20_000)
    parser.add_argument("--before", metavar="REV", help="also run this git revision's code")
    args = parser.parse_args()
    rules_path = ROOT / "rules.yaml"
    reports = make_reports(args.items, load_rules(rules_path))
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        data, empty = folder / "reports.jsonl", folder / "empty.jsonl"
        data.write_text(
            "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in reports), encoding="utf-8"
        )
        empty.write_text("", encoding="utf-8")
        if args.before:
            old = folder / "before"
            old.mkdir()
            archive = subprocess.run(
                ["git", "-C", str(ROOT), "archive", args.before],
                check=True,
                capture_output=True,
            ).stdout
            subprocess.run(["tar", "-x", "-C", str(old)], input=archive, check=True)
            measure(f"before ({args.before})", old, rules_path, data, empty)
        measure("now", ROOT, rules_path, data, empty)


if __name__ == "__main__":
    main()
