"""One builder per operator: a leaf test becomes an engine condition or a derived boolean fact."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from playbook.core.errors import RuleProblem
from playbook.intake.facts import engine_name
from playbook.rules.compile import conditions as c
from playbook.rules.compile.checks import check_list
from playbook.rules.compile.context import Context
from playbook.rules.source.model import Leaf
from playbook.rules.source.positions import pattern_position
from playbook.text.keywords import KeywordSet, TermList
from playbook.text.regex_safety import check as check_regex

MAX_MATCH_CHARS = 20_000  # regexes see at most this much text: bounded work per event
_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def _build_equals(
    ctx: Context, leaf: Leaf, kind: str, path: tuple[Any, ...], rule: str | None
) -> c.Cond:
    value = leaf.equals
    fact = leaf.fact
    if kind in ("text", "list") or (kind == "string" and leaf.case_sensitive):
        return _derived_equals(ctx, leaf, kind)
    if kind == "bool":
        if not isinstance(value, bool):
            ctx.problem(path, f"`{fact}` is true or false, not `{value}`", rule=rule)
            return c.Const(False)
        return c.Cmp(engine_name(fact), "eq", value)
    if kind == "number":
        if isinstance(value, bool) or not isinstance(value, int | float):
            ctx.problem(path, f"`{fact}` is a number, not `{value}`", rule=rule)
            return c.Const(False)
        return c.Cmp(engine_name(fact), "eq", _number(value))
    return c.Cmp(engine_name(fact), "eq", str(value).casefold())


def _derived_equals(ctx: Context, leaf: Leaf, kind: str) -> c.Cond:
    fact, value, sensitive = leaf.fact, str(leaf.equals), leaf.case_sensitive
    want = value if sensitive else value.casefold()
    if kind == "list":
        return ctx.derive(
            ("eq-list", fact, want), lambda f: want in [x.casefold() for x in f.get(fact, [])]
        )
    if sensitive:
        return ctx.derive(("eq-cs", fact, want), lambda f: f.get(fact) == want)
    return ctx.derive(
        ("eq", fact, want), lambda f: isinstance(f.get(fact), str) and f[fact].casefold() == want
    )


def _build_in(
    ctx: Context, leaf: Leaf, kind: str, path: tuple[Any, ...], rule: str | None
) -> c.Cond:
    values = leaf.in_ or []
    if kind == "list":
        wanted = {str(v).casefold() for v in values}
        return ctx.derive(
            ("in-list", leaf.fact, tuple(sorted(wanted))),
            lambda f: bool(wanted & {x.casefold() for x in f.get(leaf.fact, [])}),
        )
    if kind == "number":
        bad = [v for v in values if isinstance(v, str)]
        if bad:
            ctx.problem(path, f"`{leaf.fact}` is a number; `{bad[0]}` is not", rule=rule)
            return c.Const(False)
        items = tuple(c.Cmp(engine_name(leaf.fact), "eq", _number(float(v))) for v in values)
        return c.Any_(items)
    fold = (lambda s: s) if leaf.case_sensitive else str.casefold
    return c.Any_(tuple(c.Cmp(engine_name(leaf.fact), "eq", fold(str(v))) for v in values))


def _build_contains_any(
    ctx: Context, leaf: Leaf, kind: str, path: tuple[Any, ...], rule: str | None
) -> c.Cond:
    operand = leaf.contains_any
    fact = leaf.fact
    if kind == "list":
        terms = _terms(ctx, operand, path, rule)
        wanted = {t.casefold() for t in terms}
        return ctx.derive(
            ("has-list", fact, tuple(sorted(wanted))),
            lambda f: bool(wanted & {x.casefold() for x in f.get(fact, [])}),
        )
    if isinstance(operand, str) and leaf.word_boundary is None and not leaf.case_sensitive:
        if not check_list(ctx, operand, path, rule):
            return c.Const(False)
        keywords: TermList = ctx.lists[operand]
        key: tuple[Any, ...] = ("list", fact, operand)
    else:
        terms = _terms(ctx, operand, path, rule)
        if not terms:
            return c.Const(False)
        keywords = KeywordSet(terms, word_boundary=bool(leaf.word_boundary))
        key = ("terms", fact, tuple(terms), bool(leaf.word_boundary), leaf.case_sensitive)
        if leaf.case_sensitive:
            raw = tuple(terms)
            return ctx.derive(
                key, lambda f: isinstance(f.get(fact), str) and any(t in f[fact] for t in raw)
            )
    return ctx.derive(key, lambda f: isinstance(f.get(fact), str) and keywords.hits(f[fact]))


def _terms(ctx: Context, operand: Any, path: tuple[Any, ...], rule: str | None) -> list[str]:
    if isinstance(operand, list):
        return [str(t) for t in operand]
    if check_list(ctx, operand, path, rule):
        return list(ctx.source.model.lists[operand].terms)
    return []


def _build_matches(
    ctx: Context, leaf: Leaf, kind: str, path: tuple[Any, ...], rule: str | None
) -> c.Cond:
    pattern = leaf.matches or ""
    problems = check_regex(pattern)
    if problems:
        for problem in problems:
            message = f"regex `{pattern}`: {problem.message}"
            where = pattern_position(ctx.source, path, pattern, problem.position)
            if where is None:
                ctx.problem(path, message, rule=rule)
            else:
                ctx.problems.append(RuleProblem(ctx.source.file, *where, message, rule))
        return c.Const(False)
    flags = 0 if leaf.case_sensitive else re.IGNORECASE
    compiled = re.compile(pattern, flags)
    fact = leaf.fact
    return ctx.derive(
        ("re", fact, pattern, flags),
        lambda f: (
            isinstance(f.get(fact), str) and compiled.search(f[fact][:MAX_MATCH_CHARS]) is not None
        ),
    )


def _build_compare(op: c.CmpOp) -> Callable[..., c.Cond]:
    def build(
        ctx: Context, leaf: Leaf, kind: str, path: tuple[Any, ...], rule: str | None
    ) -> c.Cond:
        return c.Cmp(engine_name(leaf.fact), op, _number(leaf.operand))

    return build


def _build_between(
    ctx: Context, leaf: Leaf, kind: str, path: tuple[Any, ...], rule: str | None
) -> c.Cond:
    low, high = leaf.between or (0, 0)
    if low > high:
        ctx.problem(
            path, f"`between` needs the smaller number first, not [{low}, {high}]", rule=rule
        )
        return c.Const(False)
    fact = engine_name(leaf.fact)
    return c.All((c.Cmp(fact, "gte", _number(low)), c.Cmp(fact, "lte", _number(high))))


def _build_exists(
    ctx: Context, leaf: Leaf, kind: str, path: tuple[Any, ...], rule: str | None
) -> c.Cond:
    fact = leaf.fact
    if kind in ("text", "list", "time"):
        present = ctx.derive(("exists", fact), lambda f: f.get(fact) not in (None, "", []))
        return present if leaf.exists else c.Not(present)
    cond = c.Cmp(engine_name(fact), "exists")
    return cond if leaf.exists else c.Not(cond)


def _build_schedule(
    ctx: Context, leaf: Leaf, kind: str, path: tuple[Any, ...], rule: str | None
) -> c.Cond:
    schedule = leaf.in_schedule
    assert schedule is not None
    try:
        zone = ZoneInfo(schedule.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        ctx.problem(
            (*path, "timezone"),
            f"unknown timezone `{schedule.timezone}`",
            rule=rule,
            suggestion="use a name such as Asia/Seoul or UTC",
        )
        return c.Const(False)
    start, end = time.fromisoformat(schedule.start), time.fromisoformat(schedule.end)
    days = {_DAYS.index(d) for d in schedule.days}
    fact = leaf.fact

    def within(f: dict[str, Any]) -> bool:
        moment = f.get(fact)
        if not isinstance(moment, datetime):
            return False
        local = moment.astimezone(zone)
        clock = local.time()
        inside = start <= clock < end if start <= end else (clock >= start or clock < end)
        return local.weekday() in days and inside

    key = ("schedule", fact, schedule.timezone, schedule.start, schedule.end, tuple(schedule.days))
    return ctx.derive(key, within)


LEAF_BUILDERS: dict[str, Callable[..., c.Cond]] = {
    "equals": _build_equals,
    "in": _build_in,
    "contains_any": _build_contains_any,
    "matches": _build_matches,
    "greater_than": _build_compare("gt"),
    "less_than": _build_compare("lt"),
    "at_least": _build_compare("gte"),
    "at_most": _build_compare("lte"),
    "between": _build_between,
    "exists": _build_exists,
    "in_schedule": _build_schedule,
}
