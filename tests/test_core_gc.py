"""core.gc_tuning: every command runs with the collector settings the benchmark measured."""

from __future__ import annotations

import gc
import subprocess
import sys
from pathlib import Path

from core import gc_tuning

ROOT = Path(__file__).resolve().parents[1]


def test_tune_applies_the_thresholds_and_freezes_what_is_alive() -> None:
    before, was_tuned = gc.get_threshold(), gc_tuning._tuned
    gc_tuning._tuned = False  # an earlier in-process bot.main may have tuned this process
    try:
        gc_tuning.tune()
        assert gc.get_threshold() == gc_tuning.THRESHOLDS
        assert gc.get_freeze_count() > 0
        gc.set_threshold(700, 10, 10)
        gc_tuning.tune()  # once per process: a second call changes nothing
        assert gc.get_threshold() == (700, 10, 10)
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
        gc_tuning._tuned = was_tuned


def test_bot_commands_run_tuned() -> None:
    code = (
        "import gc, sys, bot\n"
        "bot.main(['check', '--rules', 'rules.yaml'])\n"
        "print(gc.get_threshold())\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    assert out.strip().splitlines()[-1] == str(gc_tuning.THRESHOLDS)
