"""Story clustering measured on a labelled file: pairwise precision and recall.

    python bench/eval_clustering.py FILE.jsonl [--rules rules.yaml] [--jitter N] [--json]

FILE holds one report a line in the shape of ../shared/fixtures/events/dev.jsonl: `id`, `lang`,
`title`, `text`, `url`, `published`, `event` (the event's slug, null for a decoy), `outlet`.
Every report goes through the real matcher and store (a fresh database in a temporary folder),
in the order of its publication time, the store's clock at that time, as a live stream would
bring them. Then, over all pairs of reports: a pair put in one story is right when both have
the same `event`; precision and recall over all pairs and over pairs in two languages; and the
pairs joining a decoy to an event (two decoys together are not counted: some are close).

`--jitter N` runs N more times with the times of reports dated to the day only (12:00:00Z)
moved by up to 36 hours either way, and the others by up to 6 hours later (as an outlet's
feed may publish late), and prints the worst and mean of those runs too: a file's dates are
never exact, and the result should not hang on them.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from itertools import combinations
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from config import load_rules  # after the path is set
from config.model import Rules
from core.clock import FixedClock
from core.items import Item
from matching.engine import Matcher
from storage.db import open_state
from storage.store import Store

DAY_ONLY = "12:00:00Z"


@dataclass(frozen=True)
class Figures:
    precision: float
    recall: float
    cross_precision: float
    cross_recall: float
    decoy_pairs: int
    stories: int
    reports: int


def load(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def published(row: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(row["published"].replace("Z", "+00:00")).astimezone(UTC)


def cluster(rows: list[dict[str, Any]], rules: Rules, times: dict[str, datetime]) -> dict[str, int]:
    """Each report's story id after ingesting them all, in time order, through the store."""
    matcher, kinds = Matcher.from_rules(rules), rules.entity_kinds()
    ordered = sorted(rows, key=lambda r: (times[r["id"]], r["id"]))
    with tempfile.TemporaryDirectory() as folder:
        clock = FixedClock(times[ordered[0]["id"]])
        store = Store(open_state(folder), clock, rules.stories, background_checkpoint=False)
        item_of: dict[str, int] = {}
        try:
            for row in ordered:
                clock.set(times[row["id"]])  # the stream's own time
                item = Item(
                    source=row.get("outlet", ""),
                    url=row.get("url", ""),
                    guid=row["id"],
                    title=row["title"],
                    summary="" if row["text"] == row["title"] else row["text"],
                    lang=row.get("lang", ""),
                    published=times[row["id"]],
                )
                item_of[row["id"]] = store.ingest(item, matcher.match_item(item), kinds).item_id
            story_of = dict(store.conn.execute("SELECT item_id, story_id FROM story_items"))
        finally:
            store.close()
    return {rid: story_of[iid] for rid, iid in item_of.items()}


def score(rows: list[dict[str, Any]], story: dict[str, int]) -> Figures:
    tp = fp = fn = xtp = xfp = xfn = decoys = 0
    for a, b in combinations(rows, 2):
        gold = a["event"] is not None and a["event"] == b["event"]
        same = story[a["id"]] == story[b["id"]]
        cross = a["lang"] != b["lang"]
        if same and gold:
            tp += 1
            xtp += cross
        elif same:
            if a["event"] is None and b["event"] is None:
                continue  # two decoys together: not counted
            fp += 1
            xfp += cross
            decoys += a["event"] is None or b["event"] is None
        elif gold:
            fn += 1
            xfn += cross
    return Figures(
        precision=round(tp / (tp + fp), 3) if tp + fp else 1.0,
        recall=round(tp / (tp + fn), 3) if tp + fn else 1.0,
        cross_precision=round(xtp / (xtp + xfp), 3) if xtp + xfp else 1.0,
        cross_recall=round(xtp / (xtp + xfn), 3) if xtp + xfn else 1.0,
        decoy_pairs=decoys,
        stories=len(set(story.values())),
        reports=len(rows),
    )


def jittered(rows: list[dict[str, Any]], seed: int) -> dict[str, datetime]:
    rng = random.Random(seed)
    out = {}
    for row in rows:
        hours = rng.uniform(-36, 36) if row["published"].endswith(DAY_ONLY) else rng.uniform(0, 6)
        out[row["id"]] = published(row) + timedelta(hours=hours)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("file", type=Path, help="labelled reports, one JSON object a line")
    parser.add_argument("--rules", default="rules.yaml", help="rules file (default rules.yaml)")
    parser.add_argument(
        "--jitter", type=int, default=0, metavar="N", help="N runs with moved dates"
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    rows = load(args.file)
    rules = load_rules(args.rules)
    exact = score(rows, cluster(rows, rules, {r["id"]: published(r) for r in rows}))
    runs = [score(rows, cluster(rows, rules, jittered(rows, seed))) for seed in range(args.jitter)]
    if args.json:
        print(json.dumps({"dates_as_given": asdict(exact), "jittered": [asdict(r) for r in runs]}))
        return 0
    print(f"{args.file}: {exact.reports} reports, {exact.stories} stories")
    print(_line("dates as given", exact))
    if runs:
        worst = _combine(runs, min, max)
        mean = _combine(runs, _mean, _mean)
        print(_line(f"{len(runs)} jittered, worst", worst))
        print(_line(f"{len(runs)} jittered, mean", mean))
    return 0


def _mean(values: list[float]) -> float:
    return round(sum(values) / len(values), 3)


def _combine(runs: list[Figures], rate: Any, count: Any) -> Figures:
    """One Figures of many runs: `rate` of each rate, `count` of each count (min/max, mean)."""
    return Figures(
        precision=rate([r.precision for r in runs]),
        recall=rate([r.recall for r in runs]),
        cross_precision=rate([r.cross_precision for r in runs]),
        cross_recall=rate([r.cross_recall for r in runs]),
        decoy_pairs=round(count([r.decoy_pairs for r in runs])),
        stories=round(count([r.stories for r in runs])),
        reports=runs[0].reports,
    )


def _line(label: str, f: Figures) -> str:
    return (
        f"  {label:>22}: precision {f.precision:.3f}  recall {f.recall:.3f}  "
        f"cross-language precision {f.cross_precision:.3f}  recall {f.cross_recall:.3f}  "
        f"decoy pairs {f.decoy_pairs}  stories {f.stories}"
    )


if __name__ == "__main__":
    sys.exit(main())
