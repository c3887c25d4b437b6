"""Where a character of a scalar's value sits in the YAML text: line and column, 1-based."""

from __future__ import annotations

import re
from typing import Any

from playbook.rules.source.loader import Source

# PyYAML counts lines at each of these breaks.
_LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")
_ESCAPES = {  # YAML's one-letter escapes in double quotes, each one character
    "0": "\0", "a": "\a", "b": "\b", "t": "\t", "\t": "\t", "n": "\n", "v": "\v",
    "f": "\f", "r": "\r", "e": "\x1b", " ": " ", "/": "/", "\\": "\\", '"': '"',
    "N": "\x85", "_": "\xa0", "L": "\u2028", "P": "\u2029",
}  # fmt: skip
_HEX_ESCAPES = {"x": 2, "u": 4, "U": 8}
Spot = tuple[str, int, int]  # a character of a scalar's value, with its line and column


def pattern_position(
    source: Source, path: tuple[Any, ...], pattern: str, offset: int | None
) -> tuple[int, int] | None:
    """Line and column (1-based) of character `offset` of a pattern written at `path`.

    The scalar's text is read back in its style (plain, quoted with escapes, literal
    block) and used only if it spells exactly the pattern; None otherwise (folded or
    multi-line quoted text, or no offset), and the caller points at the value's start.
    """
    start = source.located.values.get(path)
    if offset is None or start is None or not 0 <= offset < len(pattern):
        return None
    spots = _scalar_spots(_LINE_BREAK.split(source.text), start.line, start.column)
    if spots is None or "".join(ch for ch, _, _ in spots[: len(pattern)]) != pattern:
        return None
    _, line, column = spots[offset]
    return line, column


def _scalar_spots(lines: list[str], line: int, column: int) -> list[Spot] | None:
    if not 0 < line <= len(lines):
        return None
    text, at = lines[line - 1], column - 1
    style = text[at : at + 1]
    if style == '"':
        return _double_quoted(text, line, at + 1)
    if style == "'":
        return _single_quoted(text, line, at + 1)
    if style == "|":
        return _literal_block(lines, line, text[at + 1 :])
    if style in (">", ""):
        return None  # folded lines join with spaces: not reliably mapped
    return [(ch, line, i + 1) for i, ch in enumerate(text[at:], start=at)]  # plain, one line


def _single_quoted(text: str, line: int, i: int) -> list[Spot] | None:
    spots: list[Spot] = []
    while i < len(text):
        if text[i] == "'":
            if not text.startswith("''", i):
                return spots
            spots.append(("'", line, i + 1))
            i += 2
        else:
            spots.append((text[i], line, i + 1))
            i += 1
    return None  # continues on the next line: folded


def _double_quoted(text: str, line: int, i: int) -> list[Spot] | None:
    spots: list[Spot] = []
    while i < len(text):
        ch = text[i]
        if ch == '"':
            return spots
        width = 1
        if ch == "\\":
            code = text[i + 1 : i + 2]
            if code in _HEX_ESCAPES:
                digits = text[i + 2 : i + 2 + _HEX_ESCAPES[code]]
                if len(digits) != _HEX_ESCAPES[code]:
                    return None
                try:
                    ch = chr(int(digits, 16))
                except ValueError:
                    return None
                width = 2 + len(digits)
            elif code in _ESCAPES:
                ch, width = _ESCAPES[code], 2
            else:
                return None  # an escaped line break, or invalid
        spots.append((ch, line, i + 1))
        i += width
    return None  # continues on the next line: folded


def _literal_block(lines: list[str], line: int, header: str) -> list[Spot] | None:
    indicator = header.split("#", 1)[0].strip().lstrip("+-").rstrip("+-")
    if indicator:
        return None  # an explicit indentation: rare in rules, so not mapped
    spots: list[Spot] = []
    indent: int | None = None
    for number in range(line + 1, len(lines) + 1):
        text = lines[number - 1]
        body = text.lstrip(" ")
        if indent is None and body:
            indent = len(text) - len(body)
        if indent is not None and body and len(text) - len(body) < indent:
            break
        start = indent if indent is not None and body else len(text)
        spots += [(ch, number, i + 1) for i, ch in enumerate(text[start:], start=start)]
        spots.append(("\n", number, len(text) + 1))
    return spots
