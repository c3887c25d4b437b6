"""The durable-rules matcher, used the safe way (../shared/notes/durable-rules.md).

Facts only (booleans, numbers, short strings) asserted under a fresh session per match; every
rule guarded against the engine's own state object; a catch-all so nothing is unhandled; the
session always deleted; no background threads; one uniquely named ruleset per instance.

Kinds are made explicit for the engine: each fact `x` is asserted as `x` plus a type tag
`x__k` ("b", "n" or "s"), so a comparison only holds between values of one kind, and negation
is pushed down to the leaves with the reference semantics (`Not(x > 1)` holds when x is
missing or of another kind).
"""

from __future__ import annotations

import itertools
import json
import re
import threading
from collections.abc import Sequence
from typing import Any

import durable_rules_engine as engine

from playbook.rules import conditions as c

_NAMES = itertools.count(1)
_FACT_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_HOISTED = re.compile(r"^h\d+$")
_CATCH_ALL = "__catch_all__"
_GUARD = {"$nex": {"$s": 1}}  # never match the engine's per-session state object
_OPS = {"eq": "$eq", "neq": "$neq", "gt": "$gt", "gte": "$gte", "lt": "$lt", "lte": "$lte"}
_NEGATE = {"eq": "neq", "neq": "eq", "gt": "lte", "gte": "lt", "lt": "gte", "lte": "gt"}


def _kind(value: c.Scalar) -> str:
    if isinstance(value, bool):
        return "b"
    if isinstance(value, int | float):
        return "n"
    return "s"


def _leaf(cmp: c.Cmp, negated: bool) -> dict[str, Any]:
    fact = cmp.fact
    if cmp.op == "exists":
        return {"$nex": {fact: 1}} if negated else {"$ex": {fact: 1}}
    value = cmp.value
    if value is None:
        return _always(negated)
    kind = _kind(value)
    if kind == "b" and cmp.op not in ("eq", "neq"):
        return _always(negated)  # booleans have no order
    op = _NEGATE[cmp.op] if negated else cmp.op
    same_kind = {"$and": [{f"{fact}__k": kind}, {_OPS[op]: {fact: _engine_value(value)}}]}
    if not negated:
        return same_kind
    # not(x OP v) holds when x is missing, of another kind, or of this kind and x NEG(OP) v.
    return {"$or": [{"$nex": {fact: 1}}, {"$neq": {f"{fact}__k": kind}}, same_kind]}


def _engine_value(value: c.Scalar) -> Any:
    if isinstance(value, bool):
        return 1 if value else 0  # the engine compares booleans as numbers
    return value


def _always(truth: bool) -> dict[str, Any]:
    return {"$ex": {"$s": 1}} if not truth else {"$nex": {"$s": 1}}


MAX_DEPTH = 2  # deeper and/or nesting makes the engine refuse the ruleset (error 113, measured)


def to_engine(
    cond: c.Cond, hoisted: list[tuple[c.Cond, bool]], negated: bool = False, depth: int = 0
) -> dict[str, Any]:
    """A condition in durable-rules' JSON form, negation pushed down to the leaves.

    And/or trees nested deeper than the engine accepts are cut: the subtree is appended to
    `hoisted` and evaluated before matching with the reference semantics, as fact `hN`.
    """
    if isinstance(cond, c.Const):
        return _always(cond.value != negated)
    if isinstance(cond, c.Not):
        return to_engine(cond.item, hoisted, not negated, depth)
    if isinstance(cond, c.All | c.Any_):
        if not cond.items:
            return _always(isinstance(cond, c.All) != negated)
        if depth >= MAX_DEPTH:
            hoisted.append((cond, negated))
            return {f"h{len(hoisted) - 1}": 1}
        parts = [to_engine(item, hoisted, negated, depth + 1) for item in cond.items]
        conjunction = isinstance(cond, c.All) != negated
        return {"$and" if conjunction else "$or": parts}
    return _leaf(cond, negated)


class DurableMatcher:
    """All matching rules for one fact set, from durable-rules' C engine."""

    name = "durable"

    def __init__(self, rules: Sequence[c.CompiledRule], version: str) -> None:
        self.version = version
        self._ids = [rule.id for rule in rules]
        self._ruleset = f"playbook_{_safe(version)}_{next(_NAMES)}"
        definition: dict[str, Any] = {}
        self._hoisted: list[tuple[c.Cond, bool]] = []
        for index, rule in enumerate(rules):
            engine_cond = to_engine(rule.cond, self._hoisted, depth=1)
            definition[f"r{index}"] = {"all": [{"m": {"$and": [_GUARD, engine_cond]}}], "pri": 1}
        definition[_CATCH_ALL] = {
            "all": [{"m": {"$and": [_GUARD, {"$ex": {"__t": 1}}]}}],
            "pri": 1000,
        }
        self._handle = engine.create_ruleset(self._ruleset, _dumps(definition))
        self._lock = threading.Lock()
        self._sessions = itertools.count(1)
        self._closed = False

    def match(self, facts: c.Facts) -> list[str]:
        fact = _encode(facts)
        for index, (subtree, negated) in enumerate(self._hoisted):
            fact[f"h{index}"] = int(c.evaluate(subtree, facts) != negated)
        with self._lock:
            if self._closed:
                raise RuntimeError("this matcher was closed")
            sid = f"m{next(self._sessions)}"
            fact["sid"] = sid
            fact["id"] = "f"
            fired: set[int] = set()
            try:
                code, state = engine.assert_fact(self._handle, _dumps(fact))
                if code not in (0, 3):
                    raise RuntimeError(f"durable-rules refused the facts (code {code})")
                self._drain(state, fired)
            finally:
                engine.delete_state(self._handle, sid)
        return [self._ids[i] for i in sorted(fired)]

    def _drain(self, state: int, fired: set[int]) -> None:
        result = engine.start_action_for_state(self._handle, state)
        actions = json.loads(result[1]) if result else None
        while actions:
            for name in actions:  # one action per round: {rule name: message}
                if name.startswith("r"):
                    fired.add(int(name[1:]))
            following = engine.complete_and_start_action(self._handle, state)
            actions = json.loads(following) if following else None

    def close(self) -> None:
        with self._lock:  # waits for an in-flight match to finish
            if not self._closed:
                self._closed = True
                engine.delete_ruleset(self._handle)


def _dumps(value: Any) -> str:
    # The engine reads UTF-8 text; \u escapes would never equal the Korean they stand for.
    return json.dumps(value, ensure_ascii=False)


def _safe(version: str) -> str:
    return re.sub(r"[^a-zA-Z0-9]", "", version)[:16] or "v"


def _encode(facts: c.Facts) -> dict[str, Any]:
    out: dict[str, Any] = {"__t": 1}
    for name, value in facts.items():
        if not _FACT_NAME.match(name) or name.endswith("__k") or _HOISTED.match(name):
            raise ValueError(f"fact name {name!r} is not allowed")
        if isinstance(value, str) and len(value) > 256:
            raise ValueError(f"fact {name!r} is longer than 256 characters")
        if not isinstance(value, bool | int | float | str):
            raise ValueError(f"fact {name!r} must be a boolean, number or short string")
        out[name] = _engine_value(value)
        out[f"{name}__k"] = _kind(value)
    return out
