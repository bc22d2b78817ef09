"""Crash points for fault-injection tests: `crash_point(name)` kills the process at once
(SIGKILL, as a power cut or the OOM killer would) when the environment variable
SAHELWATCH_CRASH_AT names that point. Unset, as in any real deployment, it does nothing.

The points, in the order a report goes through them: `stored` (a poll's reports are
committed, delivery has not been handed them), `queued` (delivery has queued what they
imply, the store has not yet marked it settled). tests/test_e2e_stories.py and bench/soak.py
use them to prove that a crash there loses and repeats nothing.
"""

from __future__ import annotations

import os
import signal

ENV = "SAHELWATCH_CRASH_AT"


def crash_point(name: str) -> None:
    """Die here when SAHELWATCH_CRASH_AT names `name` (a comma-separated list may name several)."""
    points = os.environ.get(ENV)
    if points and name in points.split(","):
        os.kill(os.getpid(), signal.SIGKILL)
