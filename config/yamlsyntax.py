"""YAML syntax errors in an operator's words, as many as can be found in one pass.

`compose(text, path)` parses the text into a node tree (libyaml's parser when PyYAML has it:
ten times faster than the pure-Python one on the default rules, with the same marks). On a
syntax error it says what is wrong and where in plain words (a tab, a line indented unlike its
neighbours, a bracket or quote never closed...), then repairs that line as a person would (the
indentation of a line above, the missing bracket, the quote left out) or, failing that, blanks
it, and parses again, so that the next error shows too. Lines are never added or removed, so
every later mark still points at the operator's file. It returns the tree of the repaired text
(checked for the schema's errors like any other, so that an indentation slip no longer hides
the other mistakes) with the syntax issues; the file is refused either way.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import yaml
from yaml.nodes import Node

from core.errors import RulesIssue

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when PyYAML was built with it
MAX_ERRORS = 20  # syntax errors reported at most; past that the file is better fixed first
MAX_CANDIDATES = 12  # repairs tried for one error (each a parse of the whole file)
_OPENERS = {"[": "]", "{": "}"}


def _parse(text: str) -> Node | None:
    return yaml.compose(text, Loader=_Loader)


def compose(text: str, path: str) -> tuple[Node | None, list[RulesIssue]]:
    """The node tree of `text` (repaired where it had syntax errors) and those errors."""
    issues: list[RulesIssue] = []
    lines = text.split("\n")
    for _ in range(MAX_ERRORS):
        try:
            return _parse("\n".join(lines)), issues
        except yaml.MarkedYAMLError as exc:
            line, col, message = describe(exc, lines)
            issue = RulesIssue(path, line, col, f"YAML syntax error: {message}")
            if issues and issues[-1] == issue:  # the repair did not help: stop here
                return None, issues
            issues.append(issue)
            repaired = _repair(exc, lines, line - 1)
            if repaired is None:
                return None, issues
            lines = repaired
        except yaml.reader.ReaderError as exc:
            line, col = _line_col("\n".join(lines), exc.position)
            issues.append(RulesIssue(path, line, col, _unreadable(exc)))
            return None, issues
        except yaml.YAMLError as exc:
            detail = " ".join(str(exc).split())
            issues.append(RulesIssue(path, 1, 1, f"the file cannot be read as YAML: {detail}"))
            return None, issues
    return None, issues


# -- what went wrong, in words ------------------------------------------------------------------


def describe(exc: yaml.MarkedYAMLError, lines: list[str]) -> tuple[int, int, str]:
    """(line, column, message) of a syntax error, both 1-based, in plain words."""
    mark = exc.problem_mark or exc.context_mark
    line, col = (mark.line, mark.column) if mark else (0, 0)
    context = exc.context_mark
    problem = (exc.problem or "").lower()
    here = lines[line] if line < len(lines) else ""
    ch = _char(lines, line, col)
    where = (line + 1, col + 1)
    if ch == "\t" or "tab" in problem:
        return (*where, "a tab character: YAML indents with spaces only (replace it by spaces)")
    if "cannot start any token" in problem:
        value = _value_at(here, col)
        return (*where, f"'{ch}' cannot begin a value in YAML: put the value in quotes ('{value}')")
    if "undefined alias" in problem:
        name = _value_at(here, col)
        return (
            *where,
            f"'{name}' begins with '*', which YAML reads as a reference to an anchor '&"
            f"{name[1:]}' (there is none): put the value in quotes ('{name}')",
        )
    if "quoted scalar" in (exc.context or "") and context is not None:
        opened = _char(lines, context.line, context.column) or "'"
        return (
            context.line + 1,
            context.column + 1,
            f"this quote ({opened}) is never closed: close it with {opened} at the end of the "
            "value",
        )
    if "simple key" in (exc.context or "") and context is not None:
        return (
            context.line + 1,
            context.column + 1,
            "this line has no ':': write 'key: value', or '- item' for a list item",
        )
    if "flow" in (exc.context or "") and (opener := _unclosed(lines, line, col)) is not None:
        at_line, at_col, opened = opener
        found = f"'{ch}'" if ch else "the end of the line"
        return (
            *where,
            f"the '{opened}' opened on line {at_line + 1}, column {at_col + 1} is not closed "
            f"before {found}: close it with '{_OPENERS[opened]}' (a value with ',', ':', or "
            "brackets in it goes in quotes)",
        )
    if "mapping values are not allowed" in problem:
        return (
            *where,
            "a second ': ' on this line: a value that contains ': ' goes in quotes, and a key "
            "goes on a line of its own",
        )
    if "block end" in problem or "expected key" in problem or "'-' indicator" in problem:
        return (*where, _indentation(lines, line, context))
    raw = f"{exc.problem or 'invalid YAML'}" + (f" ({exc.context})" if exc.context else "")
    return (*where, f"this line does not fit the YAML around it (the parser says: {raw})")


def _indentation(lines: list[str], line: int, context: yaml.Mark | None) -> str:
    here = lines[line] if line < len(lines) else ""
    indent = len(here) - len(here.lstrip(" "))
    above = _previous(lines, line)
    text = (
        f"indentation slip: this line is indented {indent} spaces, unlike the lines it belongs with"
    )
    if here.lstrip().startswith("-") and not here.lstrip().startswith("- "):
        return "a list item needs '- ' (a dash and a space) before its value"
    details = []
    if above is not None:
        before = lines[above]
        details.append(f"line {above + 1} is indented {len(before) - len(before.lstrip(' '))}")
    if context is not None and context.line != above:
        details.append(f"the block from line {context.line + 1} at {context.column}")
    if details:
        text += f" ({'; '.join(details)})"
    return text + "; the lines of one mapping or list line up exactly"


def _char(lines: list[str], line: int, col: int) -> str:
    """The character at a mark, or "" past the end of its line or of the file."""
    here = lines[line] if line < len(lines) else ""
    return here[col] if col < len(here) else ""


def _unclosed(lines: list[str], line: int, col: int) -> tuple[int, int, str] | None:
    """The last '[' or '{' before (line, col) that no bracket closes (quotes not read)."""
    depth = 0
    for at in range(min(line, len(lines) - 1), -1, -1):
        text = lines[at][:col] if at == line else lines[at]
        for i in range(len(text) - 1, -1, -1):
            if text[i] in "]}":
                depth += 1
            elif text[i] in _OPENERS:
                if depth == 0:
                    return at, i, text[i]
                depth -= 1
    return None


def _unreadable(exc: yaml.reader.ReaderError) -> str:
    return f"unreadable character {exc.character!r}: the file must be UTF-8 text ({exc.reason})"


def _value_at(line: str, col: int) -> str:
    """The value starting at `col`, up to the end of the line, a comma or a bracket."""
    m = re.match(r"[^,\]}#]*", line[col:])
    return (m.group(0) if m else "").strip() or line[col:].strip()


def _line_col(text: str, position: int) -> tuple[int, int]:
    before = text[:position]
    return before.count("\n") + 1, position - (before.rfind("\n") + 1) + 1


# -- repairs, so that parsing can go on -----------------------------------------------------------


def _repair(exc: yaml.MarkedYAMLError, lines: list[str], line: int) -> list[str] | None:
    """The repair of `line` (from 0, where the error was reported) that parses, or else gets
    furthest past it (the line blanked only when nothing else does); None when none does."""
    best: tuple[int, list[str]] | None = None
    *repairs, blank = [c for c in _candidates(exc, lines, line) if c != lines] or [lines]
    repairs = repairs[:MAX_CANDIDATES]
    marks = (exc.problem_mark, exc.context_mark)
    line = max([line, *(m.line for m in marks if m is not None)])  # past every mark
    for candidate in [*repairs, blank]:
        if candidate is blank and best is not None:
            break
        reached = _reached(candidate)
        if reached is None:
            return candidate
        if reached > line and (best is None or reached > best[0]):
            best = (reached, candidate)
    return best[1] if best else None


def _reached(lines: list[str]) -> int | None:
    """None when `lines` parse, else the line (from 0) of their first error."""
    try:
        _parse("\n".join(lines))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        return mark.line if mark is not None else -1
    except yaml.YAMLError:
        return -1
    return None


def _candidates(exc: yaml.MarkedYAMLError, lines: list[str], line: int) -> list[list[str]]:
    return list(_repairs(exc, lines, line))


def _repairs(exc: yaml.MarkedYAMLError, lines: list[str], line: int) -> Iterator[list[str]]:
    """Repairs to try, likeliest first; the last blanks the line."""
    mark = exc.problem_mark or exc.context_mark
    col = mark.column if mark is not None and mark.line == line else 0
    context = exc.context_mark
    here = lines[line] if line < len(lines) else ""

    if line >= len(lines):  # the end of the file: nothing there to repair
        return

    def changed(at: int, new: str) -> list[str]:
        out = list(lines)
        out[at] = new
        return out

    if "quoted scalar" in (exc.context or "") and context is not None:
        where = lines[context.line]
        yield changed(context.line, where[: context.column] + " " + where[context.column + 1 :])
    opener = _unclosed(lines, line, col) if "flow" in (exc.context or "") else None
    if opener is not None and line < len(lines):
        yield changed(line, here[:col] + _OPENERS[opener[2]] + here[col:])
    if here[col : col + 1] in ("@", "`", "%", "*", "|", ">", "!", "&"):
        yield changed(line, here[:col] + " " + here[col + 1 :])
    if "mapping values" in (exc.problem or "") and ": " in here[col:]:
        yield changed(line, here[:col] + " " + here[col + 1 :])
    stripped = here.lstrip(" \t")
    if stripped:
        for indent in _indents(lines, line):
            yield changed(line, " " * indent + stripped)
        before = _previous(lines, line)
        if before is not None:
            text = lines[before].lstrip(" \t")
            for indent in _indents(lines, before):
                yield changed(before, " " * indent + text)
    yield changed(line, "")


def _previous(lines: list[str], line: int) -> int | None:
    """The nearest line above `line` with content (not blank, not only a comment)."""
    for at in range(min(line, len(lines)) - 1, -1, -1):
        content = lines[at].strip()
        if content and not content.startswith("#"):
            return at
    return None


def _indents(lines: list[str], line: int) -> list[int]:
    """Indentations of the lines above `line`, nearest first, each once (a line's siblings
    and the blocks around it)."""
    seen: list[int] = []
    for at in range(min(line, len(lines)) - 1, -1, -1):
        content = lines[at].replace("\t", " ").strip()
        if not content or content.startswith("#"):
            continue
        indent = len(lines[at]) - len(lines[at].lstrip(" "))
        for candidate in (indent, indent + 2):
            if candidate not in seen:
                seen.append(candidate)
        if indent == 0 or len(seen) > 8:
            break
    return seen
