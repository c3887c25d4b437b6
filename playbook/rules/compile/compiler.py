"""Compile a typed rules file: text tests become derived facts, the rest engine conditions."""

from __future__ import annotations

import difflib
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from playbook.core.errors import RuleProblem, RulesInvalid
from playbook.intake.facts import FACTS, fact_kind, is_known_fact
from playbook.rules.compile import conditions as c
from playbook.rules.source.loader import Source
from playbook.rules.source.model import (
    OUTCOME_STEPS,
    PLACEHOLDER,
    PLACEHOLDERS,
    STEP_KINDS,
    AllOf,
    AnyOf,
    Condition,
    Leaf,
    NotOf,
    Ref,
    RulesFile,
)
from playbook.text.keywords import KeywordSet
from playbook.text.regex_safety import check as check_regex

Predicate = Callable[[dict[str, Any]], bool]
MAX_MATCH_CHARS = 20_000  # regexes see at most this much text: bounded work per event

_OPERATORS_FOR: dict[str, set[str]] = {
    "text": {"contains_any", "matches", "equals", "exists"},
    "string": {"equals", "in", "contains_any", "matches", "exists"},
    "number": {
        "equals",
        "in",
        "greater_than",
        "less_than",
        "at_least",
        "at_most",
        "between",
        "exists",
    },
    "bool": {"equals", "exists"},
    "list": {"contains_any", "equals", "in", "exists"},
    "time": {"in_schedule", "exists"},
}
_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass
class Derivation:
    """A boolean fact computed in Python before matching (text, lists, schedules)."""

    name: str
    predicate: Predicate


@dataclass
class Compiled:
    """The output of compilation: engine rules, derivations and a leaf index for explain."""

    rules: list[c.CompiledRule]
    derivations: list[Derivation]
    leaves: dict[int, c.Cond]
    engine_facts: set[str]
    lists: dict[str, KeywordSet]
    conditions: dict[str, Condition]


@dataclass
class _Context:
    source: Source
    problems: list[RuleProblem] = field(default_factory=list)
    derivations: list[Derivation] = field(default_factory=list)
    leaves: dict[int, c.Cond] = field(default_factory=dict)
    lists: dict[str, KeywordSet] = field(default_factory=dict)
    derived_cache: dict[tuple[Any, ...], str] = field(default_factory=dict)

    def problem(
        self,
        path: tuple[Any, ...],
        message: str,
        *,
        rule: str | None = None,
        suggestion: str | None = None,
        key: bool = False,
    ) -> None:
        self.problems.append(
            self.source.located.problem(
                path, message, rule=rule, suggestion=suggestion, prefer_key=key
            )
        )

    def derive(self, key: tuple[Any, ...], predicate: Predicate) -> c.Cmp:
        name = self.derived_cache.get(key)
        if name is None:
            name = f"x_{len(self.derivations)}"
            self.derived_cache[key] = name
            self.derivations.append(Derivation(name, predicate))
        return c.Cmp(name, "eq", True)


def suggest(name: str, known: list[str]) -> str | None:
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    return f"did you mean `{close[0]}`?" if close else None


def version_of(text: str) -> str:
    """The rules version: a short content hash recorded on every incident."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def compile_source(source: Source) -> Compiled:
    """Validate references and compile every rule; all problems are raised together."""
    ctx = _Context(source)
    model = source.model
    _compile_lists(ctx, model)
    _check_references(ctx, model)
    rules = []
    for index, rule in enumerate(model.rules):
        cond = _compile(ctx, rule.when, ("rules", index, "when"), rule.id, ())
        rules.append(c.CompiledRule(rule.id, rule.priority, cond))
    for name, cond_model in model.conditions.items():
        _compile(ctx, cond_model, ("conditions", name), None, (name,))
    _check_reachable(ctx, model)
    if ctx.problems:
        raise RulesInvalid(_unique(ctx.problems))
    engine_facts = set().union(*(c.facts_used(r.cond) for r in rules)) if rules else set()
    derived = {d.name for d in ctx.derivations}
    return Compiled(
        rules,
        ctx.derivations,
        ctx.leaves,
        engine_facts - derived,
        ctx.lists,
        dict(model.conditions),
    )


def _unique(problems: list[RuleProblem]) -> list[RuleProblem]:
    seen: set[str] = set()
    out = []
    for problem in problems:
        if str(problem) not in seen:
            seen.add(str(problem))
            out.append(problem)
    return out


def _implies(narrow: Condition, broad: Condition, named: dict[str, Condition]) -> bool:
    """True when `narrow` can only hold where `broad` holds (a sound, structural check)."""
    narrow, broad = _resolve(narrow, named), _resolve(broad, named)
    if narrow == broad or (isinstance(broad, AllOf) and not broad.all):
        return True
    if isinstance(broad, AllOf):
        return all(_implies(narrow, item, named) for item in broad.all)
    if isinstance(broad, AnyOf):
        return any(_implies(narrow, item, named) for item in broad.any)
    if isinstance(narrow, AllOf):
        return any(_implies(item, broad, named) for item in narrow.all)
    if isinstance(narrow, AnyOf):
        return bool(narrow.any) and all(_implies(item, broad, named) for item in narrow.any)
    return False


def _resolve(cond: Condition, named: dict[str, Condition], depth: int = 0) -> Condition:
    while isinstance(cond, Ref) and cond.condition in named and depth < 20:
        cond, depth = named[cond.condition], depth + 1
    return cond


def _check_reachable(ctx: _Context, model: RulesFile) -> None:
    """A rule below a `stop` rule that holds whenever it holds can never take effect."""
    order = sorted(range(len(model.rules)), key=lambda i: (-model.rules[i].priority, i))
    for position, index in enumerate(order):
        rule = model.rules[index]
        for earlier in order[:position]:
            stopper = model.rules[earlier]
            if (
                stopper.stop
                and stopper.priority >= rule.priority
                and _implies(rule.when, stopper.when, model.conditions)
            ):
                ctx.problem(
                    ("rules", index, "id"),
                    f"rule `{rule.id}` can never take effect: "
                    f"whenever it matches, `{stopper.id}` (priority {stopper.priority}, "
                    "stop) matches first",
                    rule=rule.id,
                    suggestion=f"give it a priority above {stopper.priority} or "
                    "narrow the stop rule",
                )
                break


def _compile_lists(ctx: _Context, model: RulesFile) -> None:
    for name, spec in model.lists.items():
        ctx.lists[name] = KeywordSet(
            spec.terms, word_boundary=spec.word_boundary, compact=spec.compact
        )


def _check_references(ctx: _Context, model: RulesFile) -> None:
    seen: dict[str, int] = {}
    for index, rule in enumerate(model.rules):
        if rule.id in seen:
            ctx.problem(
                ("rules", index, "id"),
                f"rule id `{rule.id}` is used twice (also rule number {seen[rule.id] + 1})",
                rule=rule.id,
            )
        seen.setdefault(rule.id, index)
        for s_index, step in enumerate(rule.then.steps):
            _check_step(ctx, model, step, ("rules", index, "then", "steps", s_index), rule.id)
    for s_index, step in enumerate(model.default.steps):
        _check_step(ctx, model, step, ("default", "steps", s_index), None)
    for topic, expert in model.experts.items():
        if expert.keywords and expert.keywords not in model.lists:
            ctx.problem(
                ("experts", topic, "keywords"),
                f"unknown list `{expert.keywords}`",
                suggestion=suggest(expert.keywords, list(model.lists)),
            )


def _check_step(
    ctx: _Context, model: RulesFile, step: Any, path: tuple[Any, ...], rule: str | None
) -> None:
    if step.kind not in STEP_KINDS:
        ctx.problem(
            (*path, "kind"),
            f"unknown step kind `{step.kind}`",
            rule=rule,
            suggestion=suggest(step.kind, list(STEP_KINDS)),
        )
    for r_index, required in enumerate(step.requires or []):
        if required not in STEP_KINDS:
            ctx.problem(
                (*path, "requires", r_index),
                f"unknown step kind `{required}`",
                rule=rule,
                suggestion=suggest(required, list(STEP_KINDS)),
            )
    owner = step.owner or ""
    if owner.startswith("expert:"):
        topic = owner.removeprefix("expert:")
        if topic not in model.experts:
            ctx.problem(
                (*path, "owner"),
                f"unknown expert topic `{topic}`",
                rule=rule,
                suggestion=suggest(topic, list(model.experts)),
            )
    if owner == "advocates" and model.advocates is None:
        ctx.problem((*path, "owner"), "owner `advocates` needs an `advocates:` section", rule=rule)
    for language in ("ko", "en"):
        text = getattr(step.draft, language, None) if step.draft else None
        for name in PLACEHOLDER.findall(text or ""):
            if name not in PLACEHOLDERS:
                ctx.problem(
                    (*path, "draft", language),
                    f"unknown placeholder `{{{name}}}` in the draft; "
                    f"use {', '.join('{' + p + '}' for p in PLACEHOLDERS)}",
                    rule=rule,
                    suggestion=suggest(name, list(PLACEHOLDERS)),
                )
    if step.applies_if and step.kind not in OUTCOME_STEPS:
        ctx.problem(
            (*path, "applies_if"),
            f"`applies_if` is only for steps that follow verification ({', '.join(OUTCOME_STEPS)})",
            rule=rule,
        )


def _compile(
    ctx: _Context, cond: Condition, path: tuple[Any, ...], rule: str | None, stack: tuple[str, ...]
) -> c.Cond:
    if isinstance(cond, AllOf):
        return c.All(
            tuple(
                _compile(ctx, item, (*path, "all", i), rule, stack)
                for i, item in enumerate(cond.all)
            )
        )
    if isinstance(cond, AnyOf):
        return c.Any_(
            tuple(
                _compile(ctx, item, (*path, "any", i), rule, stack)
                for i, item in enumerate(cond.any)
            )
        )
    if isinstance(cond, NotOf):
        return c.Not(_compile(ctx, cond.not_, (*path, "not"), rule, stack))
    if isinstance(cond, Ref):
        return _compile_ref(ctx, cond, path, rule, stack)
    compiled = _compile_leaf(ctx, cond, path, rule)
    ctx.leaves[id(cond)] = compiled
    return compiled


def _compile_ref(
    ctx: _Context, ref: Ref, path: tuple[Any, ...], rule: str | None, stack: tuple[str, ...]
) -> c.Cond:
    named = ctx.source.model.conditions
    if ref.condition not in named:
        ctx.problem(
            (*path, "condition"),
            f"unknown condition `{ref.condition}`",
            rule=rule,
            suggestion=suggest(ref.condition, list(named)),
        )
        return c.Const(False)
    if ref.condition in stack:
        chain = " -> ".join((*stack, ref.condition))
        ctx.problem(
            (*path, "condition"), f"conditions refer to each other in a loop: {chain}", rule=rule
        )
        return c.Const(False)
    return _compile(
        ctx, named[ref.condition], ("conditions", ref.condition), rule, (*stack, ref.condition)
    )


def _compile_leaf(ctx: _Context, leaf: Leaf, path: tuple[Any, ...], rule: str | None) -> c.Cond:
    if not is_known_fact(leaf.fact):
        ctx.problem(
            (*path, "fact"),
            f"unknown fact `{leaf.fact}`",
            rule=rule,
            suggestion=suggest(leaf.fact, list(FACTS)),
        )
        return c.Const(False)
    kind = fact_kind(leaf.fact)
    operator = leaf.operator
    if operator not in _OPERATORS_FOR[kind]:
        allowed = ", ".join(sorted(_OPERATORS_FOR[kind]))
        ctx.problem(
            (*path, operator),
            f"`{operator}` cannot test `{leaf.fact}` (a {kind}); use one of: {allowed}",
            rule=rule,
            key=True,
        )
        return c.Const(False)
    builder = _LEAF_BUILDERS[operator]
    return builder(ctx, leaf, kind, (*path, operator), rule)


# --- leaf builders: each returns an engine condition or a derived boolean fact ---------------


def _engine(fact: str) -> str:
    from playbook.intake.facts import engine_name

    return engine_name(fact)


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def _build_equals(
    ctx: _Context, leaf: Leaf, kind: str, path: tuple[Any, ...], rule: str | None
) -> c.Cond:
    value = leaf.equals
    fact = leaf.fact
    if kind in ("text", "list") or (kind == "string" and leaf.case_sensitive):
        return _derived_equals(ctx, leaf, kind)
    if kind == "bool":
        if not isinstance(value, bool):
            ctx.problem(path, f"`{fact}` is true or false, not `{value}`", rule=rule)
            return c.Const(False)
        return c.Cmp(_engine(fact), "eq", value)
    if kind == "number":
        if isinstance(value, bool) or not isinstance(value, int | float):
            ctx.problem(path, f"`{fact}` is a number, not `{value}`", rule=rule)
            return c.Const(False)
        return c.Cmp(_engine(fact), "eq", _number(value))
    return c.Cmp(_engine(fact), "eq", str(value).casefold())


def _derived_equals(ctx: _Context, leaf: Leaf, kind: str) -> c.Cond:
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
    ctx: _Context, leaf: Leaf, kind: str, path: tuple[Any, ...], rule: str | None
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
        items = tuple(c.Cmp(_engine(leaf.fact), "eq", _number(float(v))) for v in values)
        return c.Any_(items)
    fold = (lambda s: s) if leaf.case_sensitive else str.casefold
    return c.Any_(tuple(c.Cmp(_engine(leaf.fact), "eq", fold(str(v))) for v in values))


def _build_contains_any(
    ctx: _Context, leaf: Leaf, kind: str, path: tuple[Any, ...], rule: str | None
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
        if operand not in ctx.lists:
            ctx.problem(
                path,
                f"unknown list `{operand}`",
                rule=rule,
                suggestion=suggest(operand, list(ctx.lists)),
            )
            return c.Const(False)
        keywords = ctx.lists[operand]
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


def _terms(ctx: _Context, operand: Any, path: tuple[Any, ...], rule: str | None) -> list[str]:
    if isinstance(operand, list):
        return [str(t) for t in operand]
    if operand in ctx.lists:
        return list(ctx.source.model.lists[operand].terms)
    ctx.problem(
        path,
        f"unknown list `{operand}`",
        rule=rule,
        suggestion=suggest(str(operand), list(ctx.lists)),
    )
    return []


def _build_matches(
    ctx: _Context, leaf: Leaf, kind: str, path: tuple[Any, ...], rule: str | None
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


def _build_compare(op: c.CmpOp) -> Callable[..., c.Cond]:
    def build(
        ctx: _Context, leaf: Leaf, kind: str, path: tuple[Any, ...], rule: str | None
    ) -> c.Cond:
        return c.Cmp(_engine(leaf.fact), op, _number(leaf.operand))

    return build


def _build_between(
    ctx: _Context, leaf: Leaf, kind: str, path: tuple[Any, ...], rule: str | None
) -> c.Cond:
    low, high = leaf.between or (0, 0)
    if low > high:
        ctx.problem(
            path, f"`between` needs the smaller number first, not [{low}, {high}]", rule=rule
        )
        return c.Const(False)
    fact = _engine(leaf.fact)
    return c.All((c.Cmp(fact, "gte", _number(low)), c.Cmp(fact, "lte", _number(high))))


def _build_exists(
    ctx: _Context, leaf: Leaf, kind: str, path: tuple[Any, ...], rule: str | None
) -> c.Cond:
    fact = leaf.fact
    if kind in ("text", "list", "time"):
        present = ctx.derive(("exists", fact), lambda f: f.get(fact) not in (None, "", []))
        return present if leaf.exists else c.Not(present)
    cond = c.Cmp(_engine(fact), "exists")
    return cond if leaf.exists else c.Not(cond)


def _build_schedule(
    ctx: _Context, leaf: Leaf, kind: str, path: tuple[Any, ...], rule: str | None
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


_LEAF_BUILDERS: dict[str, Callable[..., c.Cond]] = {
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
