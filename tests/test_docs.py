"""Contracts with users: README's first lines, every CLI command documented and with --help,
every rules.yaml field in the operator's guide."""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path

import pytest

import bot
from config import loader, sections

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    # argparse has no public API for this: its subparsers action keeps them in `choices`
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def commands() -> list[str]:
    """Every command, and every action under one ("sources add"), as typed after bot.py."""
    out = []
    for name, sub in _subcommands(bot.build_parser()).items():
        out.append(name)
        out.extend(f"{name} {action}" for action in _subcommands(sub))
    return sorted(out)


def test_sources_actions_are_commands() -> None:
    assert {"sources add", "sources try", "sources import", "sources export"} <= set(commands())


def test_readme_starts_with_the_two_commands() -> None:
    first = [line.strip() for line in README.splitlines()[:2]]
    assert first[0].startswith("make run")
    assert first[1].startswith("make test")
    makefile = (ROOT / "Makefile").read_text()
    assert "\nrun:" in makefile and "\ntest:" in makefile
    # `make run` is what its README line says: the service, not one pass
    assert "the service" in first[0]
    run_recipe = makefile.split("\nrun:", 1)[1].split("\n\n", 1)[0]
    assert "bot.py run" in run_recipe


@pytest.mark.parametrize("name", commands())
def test_command_documented_and_has_help(name: str) -> None:
    assert f"python bot.py {name}" in README, f"{name} is missing from README's command table"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "bot.py"), *name.split(), "--help"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "--rules" in proc.stdout and "--state" in proc.stdout


def guide() -> str:
    return README.split("## Operator's guide to `rules.yaml`", 1)[1]


FIELDS = (
    list(loader.TOP_KEYS)
    + list(loader.ENTITY_KEYS)
    + list(loader.TOPIC_KEYS)
    + list(loader.EXCLUDE_KEYS)
    + list(sections.SOURCE_KEYS)
    + [key for keys in sections._allowed.values() for key in keys]
    + ["words", "any", "entity", "keyword", "weight"]
)


@pytest.mark.parametrize("field", sorted(set(FIELDS)))
def test_every_rules_field_in_the_guide(field: str) -> None:
    assert re.search(rf"`{field}`|\b{field}:", guide()), f"rules.yaml field '{field}' undocumented"
