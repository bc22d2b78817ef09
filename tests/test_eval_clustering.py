"""Story clustering on the labelled development set, through `bench/eval_clustering.py` (the
real matcher, rules and store): the floors of issue 12 hold with the dates as given, and the
precision and recall floors hold when the dates move by a day or so."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEV = ROOT / "tests" / "fixtures" / "events" / "dev.jsonl"


def test_dev_set_meets_the_floors() -> None:
    out = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "eval_clustering.py"), str(DEV), "--jitter", "3",
         "--json", "--rules", str(ROOT / "rules.yaml")],
        capture_output=True, text=True, check=True, cwd=ROOT,
    )  # fmt: skip
    figures = json.loads(out.stdout)
    exact = figures["dates_as_given"]
    assert exact["reports"] == 84
    assert exact["precision"] >= 0.95, exact
    assert exact["recall"] >= 0.85, exact
    assert exact["cross_recall"] >= 0.75, exact
    assert exact["decoy_pairs"] == 0, exact
    for run in figures["jittered"]:
        assert run["precision"] >= 0.95, run
        assert run["recall"] >= 0.85, run
        assert run["cross_recall"] >= 0.75, run
