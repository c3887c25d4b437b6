"""Refuse editor regexes that do not compile or that can backtrack catastrophically."""

from __future__ import annotations

import re
import re._parser as sre_parse
from dataclasses import dataclass
from re._constants import BRANCH, MAX_REPEAT, MAXREPEAT, MIN_REPEAT, SUBPATTERN
from typing import Any

MAX_PATTERN = 500


@dataclass(frozen=True)
class RegexProblem:
    message: str
    position: int | None = None


def check(pattern: str) -> list[RegexProblem]:
    """Plain-language problems with one pattern; an empty list means it is safe to use."""
    if len(pattern) > MAX_PATTERN:
        return [RegexProblem(f"the pattern is longer than {MAX_PATTERN} characters")]
    try:
        re.compile(pattern)
        parsed = sre_parse.parse(pattern)
    except re.error as exc:
        return [RegexProblem(f"it is not a valid pattern: {exc.msg}", exc.pos)]
    problems: list[RegexProblem] = []
    _walk(list(parsed), inside_repeat=False, problems=problems)
    return problems


def _is_repeat(op: Any) -> bool:
    return op in (MAX_REPEAT, MIN_REPEAT)


def _unbounded(args: Any) -> bool:
    return args[1] == MAXREPEAT or args[1] > 100


def _walk(items: list[Any], *, inside_repeat: bool, problems: list[RegexProblem]) -> None:
    for op, args in items:
        if _is_repeat(op):
            body = list(args[2])
            if inside_repeat and _unbounded(args):
                problems.append(
                    RegexProblem(
                        "a repeated group contains another open-ended repeat, as in (a+)+; on some "
                        "texts matching it takes forever. Remove the inner or the outer repeat"
                    )
                )
                return
            if _unbounded(args) and _overlapping_branches(body):
                problems.append(
                    RegexProblem(
                        "a repeated group has alternatives that can match the same text, as in "
                        "(a|ab)*; on some texts matching it takes forever. Make the alternatives "
                        "start differently"
                    )
                )
                return
            _walk(body, inside_repeat=inside_repeat or _unbounded(args), problems=problems)
        elif op == SUBPATTERN:
            _walk(list(args[-1]), inside_repeat=inside_repeat, problems=problems)
        elif op == BRANCH:
            for branch in args[1]:
                _walk(list(branch), inside_repeat=inside_repeat, problems=problems)


def _first_chars(items: list[Any]) -> set[Any] | None:
    """A rough set of what a sequence can start with; None when it could be anything."""
    for op, args in items:
        name = str(op)
        if name == "LITERAL":
            return {("lit", args)}
        if name == "IN" or name == "ANY" or name == "CATEGORY":
            return None
        if op == SUBPATTERN:
            return _first_chars(list(args[-1]))
        if op == BRANCH:
            union: set[Any] = set()
            for branch in args[1]:
                first = _first_chars(list(branch))
                if first is None:
                    return None
                union |= first
            return union
        if _is_repeat(op):
            return None if args[0] == 0 else _first_chars(list(args[2]))
        if name in ("AT", "GROUPREF"):
            continue
        return None
    return set()


def _overlapping_branches(body: list[Any]) -> bool:
    for op, args in body:
        if op == SUBPATTERN:
            return _overlapping_branches(list(args[-1]))
        if op == BRANCH:
            seen: list[set[Any] | None] = [_first_chars(list(b)) for b in args[1]]
            for i, a in enumerate(seen):
                for b in seen[i + 1 :]:
                    if a is None or b is None or a & b:
                        return True
            return False
    return False
