"""Refuse editor regexes that do not compile or that can backtrack catastrophically."""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

# The standard library's own regex parser: the tree it gives is what `re` runs, after its
# own simplifications (`(a|b)` is already the class `[ab]`, `(a|ab)` is `a(?:|b)`).
_sre: Any = importlib.import_module("re._parser")

MAX_PATTERN = 1000  # characters; longer patterns are refused before parsing
_MANY = 10  # a repeat allowing more than this many rounds counts as open-ended

_NESTED = "nested"
_ALTERNATIVES = "alternatives"

Item = tuple[Any, Any]  # (opcode, argument), as the parser gives them
CharTest = Callable[[str], bool]


@dataclass(frozen=True)
class RegexProblem:
    message: str
    position: int | None = None  # 0-based character index in the pattern, when known


def check(pattern: str) -> list[RegexProblem]:
    """Problems with one pattern, in plain words; an empty list means it is safe to use."""
    if len(pattern) > MAX_PATTERN:
        return [
            RegexProblem(
                f"the pattern is {len(pattern)} characters long; keep it under {MAX_PATTERN} "
                "or split it into several simpler conditions."
            )
        ]
    try:
        re.compile(pattern)
        parsed = _sre.parse(pattern)
    except re.error as exc:
        return [RegexProblem(_invalid_message(exc), exc.pos)]
    except RecursionError:
        return [RegexProblem("the pattern nests brackets too deeply; simplify it.")]
    probes = _probe_chars(parsed)
    kinds = {kind for item in _repeats(parsed) for kind in _repeat_problems(item, probes)}
    if not kinds:
        return []
    return _locate(pattern, parsed.state.flags & re.VERBOSE, kinds, probes)


# --- What editors read -------------------------------------------------------------------


_PLAIN_ERRORS = {
    "missing ), unterminated subpattern": "a bracket ( is opened but never closed",
    "unbalanced parenthesis": "a closing bracket ) has no opening bracket",
    "nothing to repeat": "a repeat sign (*, + or ?) has nothing before it to repeat",
    "multiple repeat": "two repeat signs follow each other, like ** or +*",
    "unterminated character set": "a [ is opened but never closed with ]",
    "look-behind requires fixed-width pattern": (
        "a look-behind (?<=...) or (?<!...) must match a fixed number of characters"
    ),
}


def _invalid_message(exc: re.error) -> str:
    reason = _PLAIN_ERRORS.get(exc.msg, exc.msg)
    if exc.msg.startswith("bad escape"):
        reason = f"{exc.msg}; write \\\\ for a backslash itself"
    where = f" (at character {exc.pos + 1})" if exc.pos is not None else ""
    return f"this is not a valid pattern: {reason}{where}."


def _problem_message(kind: str, part: str | None) -> str:
    where = f"the repeated part `{part}`" if part else "a repeated part"
    if kind == _NESTED:
        return (
            f"{where} repeats something that itself repeats the same characters, so on a long "
            "post matching can try millions of ways to split the text and hang. Repeat only "
            "once (write `a+` rather than `(a+)+`), or end each round with a character the "
            "inner repeat cannot take, as in `(\\w+\\s)+`."
        )
    return (
        f"in {where}, two alternatives can match the same text, so on a long post matching "
        "can try millions of ways to split it and hang. Make every alternative start "
        "differently (write `(ab?)+` rather than `(a|ab)+`), or list single letters as `[ab]`."
    )


# --- Finding ambiguous repeats in the parse tree -----------------------------------------


def _repeats(items: Iterable[Item]) -> Iterator[Item]:
    """Every repeat in the tree, lookarounds and conditionals included."""
    for item in items:
        op, av = item
        if op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT, _sre.POSSESSIVE_REPEAT):
            yield item
        for child in _children(op, av):
            yield from _repeats(child)


def _children(op: Any, av: Any) -> list[Iterable[Item]]:
    if op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT, _sre.POSSESSIVE_REPEAT):
        return [av[2]]
    if op == _sre.SUBPATTERN:
        return [av[3]]
    if op in (_sre.ASSERT, _sre.ASSERT_NOT):
        return [av[1]]
    if op == _sre.ATOMIC_GROUP:
        return [av]
    if op == _sre.BRANCH:
        return list(av[1])
    if op == _sre.GROUPREF_EXISTS:
        return [branch for branch in av[1:] if branch is not None]
    return []


def _repeat_problems(item: Item, probes: str) -> set[str]:
    """What makes one repeat ambiguous: a repeat or an alternation inside that can split a
    stretch of text between rounds in more than one way."""
    op, (_low, high, body) = item
    if op == _sre.POSSESSIVE_REPEAT or high < 2:  # a possessive repeat never gives back
        return set()
    found: set[str] = set()
    # After one round may come the next round: the body's own start.
    _scan(list(body), _first(body), _is_open(high), probes, found)
    return found


def _scan(
    items: list[Item], follow_end: list[CharTest], outer_open: bool, probes: str, found: set[str]
) -> None:
    """Check each part of a repeated body against what can follow it inside the repeat."""
    for item, follow in zip(items, _follows(items, follow_end), strict=True):
        op, av = item
        if op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT):
            low, high, body = av
            first = _first(body)
            # The inner repeat may stop or go on when the next character suits both.
            if high > low and (outer_open or _is_open(high)) and _overlap(first, follow, probes):
                found.add(_NESTED)
            _scan(list(body), first + follow, outer_open, probes, found)
        elif op == _sre.SUBPATTERN:
            _scan(list(av[3]), follow, outer_open, probes, found)
        elif op == _sre.BRANCH:
            if outer_open and _alternatives_overlap(av[1], probes):
                found.add(_ALTERNATIVES)
            for branch in av[1]:
                _scan(list(branch), follow, outer_open, probes, found)
        elif op == _sre.GROUPREF_EXISTS:
            for branch in av[1:]:
                if branch is not None:
                    _scan(list(branch), follow, outer_open, probes, found)


def _follows(items: list[Item], follow_end: list[CharTest]) -> list[list[CharTest]]:
    """For each item, the characters that can come right after it."""
    follows: list[list[CharTest]] = []
    follow = follow_end
    for item in reversed(items):
        follows.append(follow)
        follow = _first([item]) + (follow if _nullable([item]) else [])
    return follows[::-1]


def _alternatives_overlap(branches: list[Any], probes: str) -> bool:
    # The parser moves a shared start out of the alternatives: `(a|ab)` arrives as
    # `a(?:|b)`, so an empty alternative means two of them began the same way.
    if any(_nullable(branch) for branch in branches):
        return True
    firsts = [_first(branch) for branch in branches]
    return any(_overlap(a, b, probes) for i, a in enumerate(firsts) for b in firsts[i + 1 :])


def _is_open(high: int) -> bool:
    return bool(high == _sre.MAXREPEAT or high > _MANY)


def _nullable(items: Iterable[Item]) -> bool:
    """Whether the sequence can match the empty string."""
    return all(_item_nullable(op, av) for op, av in items)


def _item_nullable(op: Any, av: Any) -> bool:
    if op in (_sre.LITERAL, _sre.NOT_LITERAL, _sre.ANY, _sre.IN):
        return False
    if op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT, _sre.POSSESSIVE_REPEAT):
        return bool(av[0] == 0 or _nullable(av[2]))
    if op == _sre.GROUPREF_EXISTS and av[2] is None:  # `(?(1)a)`: nothing when group 1 is
        return True
    if op in (_sre.SUBPATTERN, _sre.ATOMIC_GROUP, _sre.BRANCH, _sre.GROUPREF_EXISTS):
        return any(_nullable(branch) for branch in _children(op, av))
    return True  # anchors, lookarounds, back-references (which may be empty)


def _first(items: Iterable[Item]) -> list[CharTest]:
    """Tests for the characters a match of the sequence can start with."""
    tests: list[CharTest] = []
    for op, av in items:
        tests += _item_first(op, av)
        if not _item_nullable(op, av):
            break
    return tests


def _item_first(op: Any, av: Any) -> list[CharTest]:
    if op in (_sre.LITERAL, _sre.NOT_LITERAL, _sre.ANY, _sre.IN):
        return [_char_test(op, av)]
    if op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT, _sre.POSSESSIVE_REPEAT):
        return _first(av[2]) if av[1] > 0 else []
    if op in (_sre.SUBPATTERN, _sre.ATOMIC_GROUP, _sre.BRANCH, _sre.GROUPREF_EXISTS):
        return [test for branch in _children(op, av) for test in _first(branch)]
    if op == _sre.GROUPREF:
        return [_anything]  # a back-reference can repeat whatever its group took
    return []  # anchors and lookarounds take no characters


def _anything(_ch: str) -> bool:
    return True


def _char_test(op: Any, av: Any) -> CharTest:
    if op == _sre.LITERAL:
        return lambda ch: ch == chr(av)
    if op == _sre.NOT_LITERAL:
        return lambda ch: ch != chr(av)
    if op == _sre.ANY:
        return _anything
    negated = bool(av) and av[0][0] == _sre.NEGATE
    tests = [_set_member_test(o, a) for o, a in av if o != _sre.NEGATE]
    return lambda ch: any(test(ch) for test in tests) != negated


def _set_member_test(op: Any, av: Any) -> CharTest:
    if op == _sre.LITERAL:
        return lambda ch: ch == chr(av)
    if op == _sre.RANGE:
        return lambda ch: av[0] <= ord(ch) <= av[1]
    if op == _sre.CATEGORY:
        return _CATEGORIES.get(str(av), _anything)
    return _anything


_CATEGORIES: dict[str, CharTest] = {
    "CATEGORY_DIGIT": str.isdecimal,
    "CATEGORY_NOT_DIGIT": lambda ch: not ch.isdecimal(),
    "CATEGORY_SPACE": str.isspace,
    "CATEGORY_NOT_SPACE": lambda ch: not ch.isspace(),
    "CATEGORY_WORD": lambda ch: ch.isalnum() or ch == "_",
    "CATEGORY_NOT_WORD": lambda ch: not (ch.isalnum() or ch == "_"),
}


def _overlap(a: list[CharTest], b: list[CharTest], probes: str) -> bool:
    """Whether some character (in any case: rules may ignore case) passes a test of each."""
    if not a or not b:
        return False
    for ch in probes:
        variants = {ch, ch.lower(), ch.upper()}
        if any(t(v) for t in a for v in variants) and any(t(v) for t in b for v in variants):
            return True
    return False


# Characters tried when asking whether two character tests overlap: all of ASCII, some of
# every script editors use, and (added per pattern) each literal and range end it names,
# so that any two overlapping ranges share a tried character.
_BASE_PROBES = "".join(map(chr, range(128))) + "가힣ㄱㅋㅏᄀ éßЖ中ー０٣\u00a0\u3000\u2028😀"


def _probe_chars(parsed: Iterable[Item]) -> str:
    named: set[str] = set()
    for op, av in _all_items(parsed):
        if op in (_sre.LITERAL, _sre.NOT_LITERAL):
            named.add(chr(av))
        elif op == _sre.IN:
            for member_op, member in av:
                if member_op == _sre.LITERAL:
                    named.add(chr(member))
                elif member_op == _sre.RANGE:
                    named.update((chr(member[0]), chr(member[1])))
    return _BASE_PROBES + "".join(sorted(named))


def _all_items(items: Iterable[Item]) -> Iterator[Item]:
    for item in items:
        yield item
        for child in _children(*item):
            yield from _all_items(child)


# --- Pointing at the part of the pattern ---------------------------------------------------

_QUANTIFIER = re.compile(r"(?:[*+?]|\{\d*,?\d*\})[?+]?")
_VERBOSE_QUANTIFIER = re.compile(r"\s*(?:[*+?]|\{\d*,?\d*\})[?+]?")  # (?x) allows spaces


def _locate(pattern: str, verbose: int, kinds: set[str], probes: str) -> list[RegexProblem]:
    """One problem per repeated group that shows it on its own, outermost first."""
    problems: list[RegexProblem] = []
    placed: set[str] = set()
    reported: list[tuple[int, int]] = []
    for start, end in _quantified_groups(pattern, bool(verbose)):
        if any(s <= start and end <= e for s, e in reported):
            continue  # inside a group already reported
        part = pattern[start:end]
        for kind in sorted(_part_problems(part, verbose, probes) & kinds):
            problems.append(RegexProblem(_problem_message(kind, part), start))
            placed.add(kind)
            reported.append((start, end))
    # A problem no single group shows on its own is still reported, without a place.
    problems += [RegexProblem(_problem_message(k, None)) for k in sorted(kinds - placed)]
    return problems


def _part_problems(part: str, verbose: int, probes: str) -> set[str]:
    try:
        items = list(_sre.parse(("(?x)" if verbose else "") + part))
    except (re.error, RecursionError):  # e.g. a back-reference to a group outside the part
        return set()
    if len(items) != 1:
        return set()
    return _repeat_problems(items[0], probes)


def _quantified_groups(pattern: str, verbose: bool) -> list[tuple[int, int]]:
    """(start, end) of every bracketed group followed by a repeat sign, by start."""
    groups: list[tuple[int, int]] = []
    opened: list[int] = []
    i, in_class = 0, False
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            i += 1  # the escaped character is skipped below
        elif in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
            i += _class_opening(pattern, i + 1)
        elif verbose and ch == "#":
            newline = pattern.find("\n", i)
            i = len(pattern) if newline < 0 else newline
        elif ch == "(":
            opened.append(i)
        elif ch == ")" and opened:
            start = opened.pop()
            quantifier = (_VERBOSE_QUANTIFIER if verbose else _QUANTIFIER).match(pattern, i + 1)
            if quantifier:
                groups.append((start, quantifier.end()))
        i += 1
    return sorted(groups)


def _class_opening(pattern: str, i: int) -> int:
    """How many characters after `[` still belong to its opening: `^` and a literal `]`."""
    n = 1 if pattern.startswith("^", i) else 0
    return n + 1 if pattern.startswith("]", i + n) else n
