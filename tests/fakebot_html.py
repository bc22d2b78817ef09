"""Telegram's HTML parse mode as the local Bot API server (tests/fakebotapi.py) checks it: the
allowed tags and attributes, balanced tags, known entities; the plain text it leaves, measured
in UTF-16 code units as Telegram measures it."""

from __future__ import annotations

import re

TAGS = {
    "b": (),
    "strong": (),
    "i": (),
    "em": (),
    "u": (),
    "ins": (),
    "s": (),
    "strike": (),
    "del": (),
    "tg-spoiler": (),
    "span": ("class",),
    "a": ("href",),
    "code": ("class",),
    "pre": (),
    "blockquote": ("expandable",),
    "tg-emoji": ("emoji-id",),
}
_TAG = re.compile(
    r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[a-zA-Z-]+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s>]+))?)*)\s*>"
)
_ATTR = re.compile(r"([a-zA-Z-]+)(?:\s*=\s*(\"[^\"]*\"|'[^']*'|[^\s>]+))?")
_ENTITY = re.compile(r"&(?:lt|gt|amp|quot|#[0-9]{1,7}|#x[0-9a-fA-F]{1,6});")
_NAMED = {"&lt;": "<", "&gt;": ">", "&amp;": "&", "&quot;": '"'}


class ParseEntitiesError(Exception):
    pass


def parse_html(html: str) -> str:
    """Telegram's HTML parse mode: the plain text, or ParseEntitiesError as Telegram words it."""
    out: list[str] = []
    stack: list[str] = []
    i = 0

    def offset(pos: int) -> int:
        return len(html[:pos].encode("utf-8"))

    while i < len(html):
        ch = html[i]
        if ch == "<":
            m = _TAG.match(html, i)
            if m is None:
                raise ParseEntitiesError(f"Unsupported start tag at byte offset {offset(i)}")
            closing, name, attrs = m.group(1), m.group(2).lower(), m.group(3)
            if name not in TAGS:
                raise ParseEntitiesError(
                    f'Unsupported start tag "{name}" at byte offset {offset(i)}'
                )
            if closing:
                if not stack:
                    raise ParseEntitiesError(f"Unexpected end tag at byte offset {offset(i)}")
                if stack[-1] != name:
                    raise ParseEntitiesError(
                        f'Unmatched end tag at byte offset {offset(i)}, expected "</{stack[-1]}>",'
                        f' found "</{name}>"'
                    )
                stack.pop()
            else:
                for attr, _value in _ATTR.findall(attrs):
                    if attr.lower() not in TAGS[name]:
                        raise ParseEntitiesError(
                            f'Unsupported attribute "{attr}" of tag "{name}" at byte offset {offset(i)}'
                        )
                if name == "a" and "href" not in attrs:
                    raise ParseEntitiesError('Tag "a" must have attribute "href"')
                stack.append(name)
            i = m.end()
        elif ch == "&":
            m = _ENTITY.match(html, i)
            if m is None:
                raise ParseEntitiesError(f"Character entity expected at byte offset {offset(i)}")
            token = m.group(0)
            if token in _NAMED:
                out.append(_NAMED[token])
            elif token.startswith("&#x"):
                out.append(chr(int(token[3:-1], 16)))
            else:
                out.append(chr(int(token[2:-1])))
            i = m.end()
        else:
            out.append(ch)  # Telegram accepts a bare ">"
            i += 1
    if stack:
        raise ParseEntitiesError(f'Can\'t find end tag corresponding to start tag "{stack[-1]}"')
    return "".join(out)


def utf16_len(s: str) -> int:
    return len(s.encode("utf-16-le")) // 2
