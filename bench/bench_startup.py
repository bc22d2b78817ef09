"""Benchmark: how long each command that does not run the service takes to start.

A command's start-up is Python's own start plus every import it makes before its work: bot.py
(which registers every command) and what the command's handler imports. Measured with
`python -X importtime` on a small script that imports bot.py and then, as the handler would,
the modules the command uses (COMMANDS below), so no database or network is needed: the
wall time of that process, the least of five runs, and the import time `-X importtime` adds
up. The code is compiled first (`compileall`), as the Docker image does: where
PYTHONDONTWRITEBYTECODE is set and nothing was compiled, every start compiles every module
again. With `--before REV` the same is measured on the code of that git revision (a copy made
with `git archive`), where every command imported everything at bot.py's import.

Where valgrind is on PATH, each line also gives the instructions those imports execute
(callgrind's count: unlike wall time, it does not vary with the machine's load).

Target (issue 16): < 0.15 s for check, explain, search, sources, export, story, backtest.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_S = 0.15
# What each command's handler imports before it starts its work (see cli/), invoked as an
# operator most often does: explain with text output and a text file (--json and .jsonl input
# add orjson, with dataclasses, uuid and json: ~50M instructions, ~25 ms).
COMMANDS = {
    "check": ["config"],
    "explain": ["config", "matching.engine", "matching.explain", "cli.explain_workers"],
    "search": ["storage.queries", "storage.connect"],
    "sources": ["config", "core.health", "storage.health", "storage.connect"],
    "export": ["storage.exports", "storage.connect", "csv"],
    "story": ["storage.queries", "storage.connect"],
    "backtest": ["config", "matching.engine", "storage.queries", "storage.connect"],
}


def startup(root: Path, modules: list[str]) -> tuple[float, float]:
    """(wall seconds, seconds of imports) for bot.py and `modules`, the least of five."""
    script = (  # a module the revision does not have is skipped (its code was elsewhere)
        "import importlib, sys; sys.argv = ['bot.py']; import bot\n"
        f"for m in {modules!r}:\n"
        "    try: importlib.import_module(m)\n"
        "    except ImportError: pass\n"
    )
    walls, imports = [], []
    for _ in range(5):
        start = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-X", "importtime", "-c", script],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        )
        walls.append(time.perf_counter() - start)
        total = 0
        for line in proc.stderr.splitlines():
            parts = line.split("|")
            # top-level imports only (no indentation before the name): their cumulative time
            if len(parts) == 3 and parts[1].strip().isdigit() and not parts[2].startswith("  "):
                total += int(parts[1])
        imports.append(total / 1e6)
    return min(walls), min(imports)


def instructions(root: Path, modules: list[str]) -> int | None:
    """Instructions the same imports execute (callgrind), which do not vary with the machine's
    load as wall time does; None without valgrind on PATH."""
    if shutil.which("valgrind") is None:
        return None
    imports = "".join(f"; import {m}" for m in modules)
    proc = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable, "-c",
         f"import sys; sys.argv = ['bot.py']; import bot{imports}"],
        cwd=root, capture_output=True, text=True, check=False,
    )  # fmt: skip
    found = re.search(r"Collected : (\d+)", proc.stderr)
    return int(found.group(1)) if found else None


def _counted(root: Path, modules: list[str]) -> str:
    count = instructions(root, modules)
    return f", {count / 1e6:.0f}M instructions" if count is not None else ""


def measure(label: str, root: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", "-x", r"\.venv|\.lockenv|state", str(root)],
        check=True,
    )
    base, _ = startup(root, [])
    print(f"{label}: bot.py alone (what --help costs) {base:.3f} s{_counted(root, [])}")
    for command, modules in COMMANDS.items():
        wall, imports = startup(root, modules)
        mark = "ok" if wall < TARGET_S else "over"
        print(
            f"{label}: {command:9} starts in {wall:.3f} s (imports {imports:.3f} s"
            f"{_counted(root, modules)}) [target < {TARGET_S} s: {mark}]"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", metavar="REV", help="also measure this git revision")
    args = parser.parse_args()
    if args.before:
        with tempfile.TemporaryDirectory() as tmp:
            archive = subprocess.run(
                ["git", "-C", str(ROOT), "archive", args.before], check=True, capture_output=True
            ).stdout
            subprocess.run(["tar", "-x", "-C", tmp], input=archive, check=True)
            measure(f"before ({args.before})", Path(tmp))
    measure("now", ROOT)


if __name__ == "__main__":
    main()
