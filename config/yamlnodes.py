"""Reading a YAML node tree with every problem located at file:line:column.

`Reader` wraps PyYAML's composed nodes (which keep their marks) and collects `RulesIssue`s instead
of raising, so an operator sees every mistake of an edit at once. Values that fail a check come
back as None; callers skip them and carry on.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from core.errors import RulesIssue

ID_RE = re.compile(r"^[a-z][a-z0-9_]*$")
LANG_RE = re.compile(r"^[a-z]{2,3}$")
_DURATION_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|sec|m|min|h|d)?\s*$")
_UNITS = {None: 1.0, "s": 1.0, "sec": 1.0, "m": 60.0, "min": 60.0, "h": 3600.0, "d": 86400.0}


def compose(text: str, path: str) -> tuple[Node | None, list[RulesIssue]]:
    """Parse YAML text into a node tree, or return the syntax error located."""
    try:
        return yaml.compose(text, Loader=yaml.SafeLoader), []
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = exc.problem or "invalid YAML"
        context = f" ({exc.context})" if exc.context else ""
        return None, [RulesIssue(path, line, col, f"YAML syntax error: {problem}{context}")]
    except yaml.reader.ReaderError as exc:
        line, col = _line_col(text, exc.position)
        return None, [RulesIssue(path, line, col, f"unreadable character: {exc.reason}")]
    except yaml.YAMLError as exc:
        detail = " ".join(str(exc).split())
        return None, [RulesIssue(path, 1, 1, f"YAML error: {detail}")]


def parse_duration(value: str) -> float | None:
    """Seconds in '90s', '10m', '1h', '2d' or a bare number of seconds; None unless above 0."""
    m = _DURATION_RE.match(value.lower())
    seconds = float(m.group(1)) * _UNITS[m.group(2)] if m else 0.0
    return seconds if seconds > 0 else None


def _line_col(text: str, position: int) -> tuple[int, int]:
    before = text[:position]
    return before.count("\n") + 1, position - (before.rfind("\n") + 1) + 1


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


class Reader:
    """Checks nodes and records located issues."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.issues: list[RulesIssue] = []

    def error(self, node: Node, message: str) -> None:
        mark = node.start_mark
        self.issues.append(RulesIssue(self.path, mark.line + 1, mark.column + 1, message))

    def mapping(
        self, node: Node, what: str, allowed: Iterable[str] | None = None
    ) -> dict[str, tuple[Node, Node]] | None:
        """A mapping's entries by key, flagging duplicate and (if `allowed`) unknown keys."""
        if not isinstance(node, MappingNode):
            self.error(node, f"{what} must be a mapping of 'key: value' lines")
            return None
        allowed_list = list(allowed) if allowed is not None else None
        out: dict[str, tuple[Node, Node]] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode):
                self.error(key_node, f"{what}: keys must be plain words")
                continue
            key = str(key_node.value)
            if key in out:
                first = out[key][0].start_mark.line + 1
                self.error(
                    key_node, f"{what}: duplicate key '{key}' (first defined on line {first})"
                )
                continue
            if allowed_list is not None and key not in allowed_list:
                hint = did_you_mean(key, allowed_list)
                self.error(
                    key_node,
                    f"{what}: unknown key '{key}'{hint}; allowed: {', '.join(allowed_list)}",
                )
                continue
            out[key] = (key_node, value_node)
        return out

    def sequence(self, node: Node, what: str) -> list[Node] | None:
        if not isinstance(node, SequenceNode):
            self.error(node, f"{what} must be a list")
            return None
        return list(node.value)

    def text(self, node: Node, what: str, empty_ok: bool = False) -> str | None:
        if not isinstance(node, ScalarNode) or node.tag == "tag:yaml.org,2002:null":
            self.error(node, f"{what} must be a piece of text")
            return None
        value = str(node.value).strip()
        if not value and not empty_ok:
            self.error(node, f"{what} must not be empty")
            return None
        return value

    def ident(self, node: Node, what: str) -> str | None:
        value = self.text(node, what)
        if value is not None and not ID_RE.match(value):
            self.error(node, f"{what} '{value}' must be lowercase letters, digits and _")
            return None
        return value

    def number(self, node: Node, what: str, positive: bool = True) -> float | None:
        value = self.text(node, what)
        if value is None:
            return None
        try:
            number = float(value)
        except ValueError:
            self.error(node, f"{what} must be a number, not '{value}'")
            return None
        if number != number or number in (float("inf"), float("-inf")):
            self.error(node, f"{what} must be a finite number")
            return None
        if positive and number <= 0:
            self.error(node, f"{what} must be greater than 0, not {value}")
            return None
        return number

    def integer(self, node: Node, what: str, minimum: int = 1) -> int | None:
        number = self.number(node, what, positive=False)
        if number is None:
            return None
        if number != int(number) or number < minimum:
            self.error(node, f"{what} must be a whole number of at least {minimum}")
            return None
        return int(number)

    def boolean(self, node: Node, what: str) -> bool | None:
        value = self.text(node, what)
        if value is None:
            return None
        if value.lower() in ("true", "yes", "on"):
            return True
        if value.lower() in ("false", "no", "off"):
            return False
        self.error(node, f"{what} must be true or false, not '{value}'")
        return None

    def duration(self, node: Node, what: str) -> float | None:
        """'90s', '10m', '1h', '2d' or a number of seconds; must be above zero."""
        value = self.text(node, what)
        if value is None:
            return None
        seconds = parse_duration(value)
        if seconds is None:
            self.error(node, f"{what} '{value}' is not a duration like 90s, 10m, 1h or 2d")
        return seconds

    def choice(self, node: Node, what: str, choices: Iterable[str]) -> str | None:
        options = list(choices)
        value = self.text(node, what)
        if value is not None and value not in options:
            self.error(
                node,
                f"{what} '{value}' is not one of {', '.join(options)}"
                + did_you_mean(value, options),
            )
            return None
        return value

    def text_list(self, node: Node, what: str) -> list[tuple[Node, str]] | None:
        """A non-empty list of texts (a single text is accepted as a list of one)."""
        if isinstance(node, ScalarNode) and node.tag != "tag:yaml.org,2002:null":
            value = self.text(node, what)
            return [(node, value)] if value is not None else None
        items = self.sequence(node, what)
        if items is None:
            return None
        if not items:
            self.error(node, f"{what} is an empty list: give at least one spelling or remove it")
            return None
        out: list[tuple[Node, str]] = []
        for item in items:
            value = self.text(item, f"an entry of {what}")
            if value is not None:
                out.append((item, value))
        return out

    def per_language(self, node: Node, what: str) -> dict[str, tuple[tuple[Node, str], ...]] | None:
        """`{lang: [spellings]}`: language codes to non-empty lists of texts."""
        entries = self.mapping(node, what)
        if entries is None:
            return None
        if not entries:
            self.error(node, f"{what} is empty: give spellings per language, e.g. en: [...]")
            return None
        out: dict[str, tuple[tuple[Node, str], ...]] = {}
        for lang, (key_node, value_node) in entries.items():
            if not LANG_RE.match(lang):
                self.error(
                    key_node, f"{what}: '{lang}' is not a language code such as ar, fr, en, ru"
                )
                continue
            values = self.text_list(value_node, f"{what}.{lang}")
            if values:
                out[lang] = tuple(values)
        return out
