"""Reading a YAML node tree with every problem located at file:line:column.

`Reader` wraps PyYAML's composed nodes (which keep their marks) and collects `RulesIssue`s instead
of raising, so an operator sees every mistake of an edit at once. Values that fail a check come
back as None; callers skip them and carry on.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from config.model import LANGS
from core import duration
from core.errors import RulesIssue

ID_RE = re.compile(r"^[a-z][a-z0-9_]*$")
LANG_RE = re.compile(r"^[a-z]{2,3}$")


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    import difflib  # only when a name is wrong: every command that loads the rules starts faster

    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def close_code(code: str, codes: Iterable[str]) -> str:
    """The hint " (did you mean 'fr'?)" for a language code one letter off a known one (fe,
    ra, fra), where difflib finds two-letter words too short to compare."""
    for known in codes:
        swapped = len(code) == 2 and code[::-1] == known
        same_length = len(code) == len(known)
        one_off = same_length and sum(a != b for a, b in zip(code, known, strict=True)) == 1
        if swapped or one_off or (len(code) == 3 and code.startswith(known)):
            return f" (did you mean '{known}'?)"
    return ""


def is_quoted(node: Node) -> bool:
    return isinstance(node, ScalarNode) and node.style in ("'", '"')


class Reader:
    """Checks nodes and records located issues."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.issues: list[RulesIssue] = []
        self.warnings: list[RulesIssue] = []

    def error(self, node: Node, message: str) -> None:
        mark = node.start_mark
        self.issues.append(RulesIssue(self.path, mark.line + 1, mark.column + 1, message))

    def warn(self, node: Node, message: str) -> None:
        """Something the file says that is valid but likely not what was meant."""
        mark = node.start_mark
        issue = RulesIssue(self.path, mark.line + 1, mark.column + 1, message, warning=True)
        self.warnings.append(issue)

    def language(self, node: Node, code: str, what: str) -> None:
        """Warn when `code` (already a well-formed code) is not a language the monitor knows."""
        if code not in LANGS:
            self.warn(
                node,
                f"{what}: '{code}' is not a language the monitor knows ({', '.join(LANGS)})"
                + close_code(code, LANGS),
            )

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
        if is_quoted(node):
            self.warn(
                node,
                f"{what} is written as text ('{value}'): it is read as the number {number:g}; "
                "write it without quotes",
            )
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
        """A duration (`core.duration`) above zero; a bare number is seconds, with a warning."""
        value = self.text(node, what)
        if value is None:
            return None
        parsed = duration.parse(value)
        if parsed is None:
            self.error(node, f"{what} '{value}' is not a duration like {duration.EXAMPLES}")
            return None
        seconds, unit = parsed
        if not unit:
            self.warn(
                node,
                f"{what}: {value} has no unit: it is read as {seconds:g} seconds "
                f"({duration.shown(seconds)}); write {value}s or {duration.shown(seconds)}",
            )
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
                    key_node,
                    f"{what}: '{lang}' is not a language code such as {', '.join(LANGS)}"
                    + close_code(lang, LANGS),
                )
                continue
            self.language(key_node, lang, what)
            values = self.text_list(value_node, f"{what}.{lang}")
            if values:
                out[lang] = tuple(values)
        return out
