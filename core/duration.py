"""Durations as operators write them, in rules.yaml (`every: 10m`, `window: 48h`) and on the
command line (`--since 2w`, `--every 15m`): the one grammar, a number and a unit.

Units: s or sec, m or min, h, d, w. `parse` also reads a number without a unit, and says so:
rules.yaml reads it as seconds (and `check` warns), the command line refuses it.
"""

from __future__ import annotations

import re

UNITS = {"s": 1.0, "sec": 1.0, "m": 60.0, "min": 60.0, "h": 3600.0, "d": 86400.0, "w": 604800.0}
EXAMPLES = "90s, 10m, 1h, 2d or 2w"
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([a-z]+)?\s*$")


def parse(text: str) -> tuple[float, bool] | None:
    """(seconds, whether a unit was written) for a duration above zero, else None."""
    m = _DURATION.match(text.lower())
    if m is None or (m.group(2) is not None and m.group(2) not in UNITS):
        return None
    seconds = float(m.group(1)) * UNITS[m.group(2) or "s"]
    return (seconds, m.group(2) is not None) if seconds > 0 else None


def shown(seconds: float) -> str:
    """`seconds` in the largest unit that holds it whole: 600 -> 10m, 90 -> 90s, 86400 -> 1d."""
    for unit in ("w", "d", "h", "m"):
        if seconds >= UNITS[unit] and seconds % UNITS[unit] == 0:
            return f"{seconds / UNITS[unit]:g}{unit}"
    return f"{seconds:g}s"
