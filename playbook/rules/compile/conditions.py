"""Backend-neutral compiled conditions: trees over flat, simple facts.

Everything textual (keyword lists, regexes, personal data, schedules) is computed in Python
before matching and arrives here as a boolean fact. What remains is a tree of comparisons on
booleans, numbers and short strings, which both matcher backends must evaluate identically.

Semantics (the contract the differential test checks):
- a comparison on a missing fact is false; `exists` is true only when the fact is present;
- `Not` negates its child, so `Not(Cmp("followers", "gt", 10))` is true when followers is
  missing;
- comparing values of different kinds (a string with a number) is false;
- booleans are their own kind: `True` never equals `1`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol, TypeAlias

Scalar: TypeAlias = bool | int | float | str
Facts: TypeAlias = dict[str, Scalar]
CmpOp: TypeAlias = Literal["eq", "neq", "gt", "gte", "lt", "lte", "exists"]


@dataclass(frozen=True, slots=True)
class Cmp:
    """Compare one fact with a constant (`exists` ignores the constant)."""

    fact: str
    op: CmpOp
    value: Scalar | None = None


@dataclass(frozen=True, slots=True)
class All:
    items: tuple[Cond, ...]


@dataclass(frozen=True, slots=True)
class Any_:
    items: tuple[Cond, ...]


@dataclass(frozen=True, slots=True)
class Not:
    item: Cond


@dataclass(frozen=True, slots=True)
class Const:
    """Always true or always false (an empty `all` is true, an empty `any` false)."""

    value: bool


Cond: TypeAlias = Cmp | All | Any_ | Not | Const


@dataclass(frozen=True, slots=True)
class CompiledRule:
    """One rule as a backend sees it: an id, a priority and a condition over simple facts."""

    id: str
    priority: int
    cond: Cond


class Matcher(Protocol):
    """Finds every rule whose condition holds for one set of facts."""

    name: str

    def match(self, facts: Facts) -> list[str]:
        """Ids of all matching rules, in ruleset order (priority sorting is the caller's)."""
        ...

    def close(self) -> None:
        """Release engine resources held for this ruleset."""
        ...


def _kind(value: Scalar) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    return "str"


def evaluate(cond: Cond, facts: Facts) -> bool:
    """The reference semantics: plain Python, used as oracle and fallback."""
    if isinstance(cond, Const):
        return cond.value
    if isinstance(cond, All):
        return all(evaluate(c, facts) for c in cond.items)
    if isinstance(cond, Any_):
        return any(evaluate(c, facts) for c in cond.items)
    if isinstance(cond, Not):
        return not evaluate(cond.item, facts)
    if cond.fact not in facts:
        return False
    if cond.op == "exists":
        return True
    seen = facts[cond.fact]
    want = cond.value
    if want is None or _kind(seen) != _kind(want):
        return False
    if cond.op == "eq":
        return seen == want
    if cond.op == "neq":
        return seen != want
    if isinstance(seen, bool) or isinstance(want, bool):
        return False  # booleans have no order
    if cond.op == "gt":
        return seen > want  # type: ignore[operator]
    if cond.op == "gte":
        return seen >= want  # type: ignore[operator]
    if cond.op == "lt":
        return seen < want  # type: ignore[operator]
    if cond.op == "lte":
        return seen <= want  # type: ignore[operator]
    raise ValueError(f"unknown operator {cond.op!r}")


def facts_used(cond: Cond) -> set[str]:
    """Names of the facts a condition reads."""
    if isinstance(cond, Cmp):
        return {cond.fact}
    if isinstance(cond, All | Any_):
        return set().union(*(facts_used(c) for c in cond.items)) if cond.items else set()
    if isinstance(cond, Not):
        return facts_used(cond.item)
    return set()


# --- negation normal form ----------------------------------------------------------------


def normalise(cond: Cond, negated: bool = False) -> Cond:
    """Push `Not` down to the comparisons, flatten and fold constants; same meaning."""
    if isinstance(cond, Const):
        return Const(cond.value != negated)
    if isinstance(cond, Not):
        return normalise(cond.item, not negated)
    if isinstance(cond, Cmp):
        if cond.op != "exists" and _never_holds(cond):
            return Const(negated)
        return Not(cond) if negated else cond
    conjunction = isinstance(cond, All) != negated  # De Morgan
    return _join(conjunction, [normalise(item, negated) for item in cond.items])


def _never_holds(cmp: Cmp) -> bool:
    # The reference is false for a missing constant and for ordering booleans.
    if cmp.value is None:
        return True
    return isinstance(cmp.value, bool) and cmp.op not in ("eq", "neq")


def _join(conjunction: bool, items: list[Cond]) -> Cond:
    flat: list[Cond] = []
    for item in items:
        if isinstance(item, Const):
            if item.value != conjunction:
                return item  # false in an All, true in an Any_
            continue
        if isinstance(item, All | Any_) and isinstance(item, All) == conjunction:
            flat.extend(item.items)
        else:
            flat.append(item)
    if len(flat) == 1:
        return flat[0]
    if not flat:
        return Const(conjunction)
    return All(tuple(flat)) if conjunction else Any_(tuple(flat))


# --- guards: what must be in the facts for a rule to hold ---------------------------------

# A key names something a fact set has: ("x", "bool", True) when fact x is True,
# ("x", "present", None) when x is there at all. Values of one kind that compare equal
# (1 and 1.0) make equal keys; True and 1 do not, as the kind is part of the key.
Key: TypeAlias = tuple[str, str, Scalar | None]
_PRESENT = "present"
# How often a key is expected to hold, relative: a fact being there is usual, a boolean
# being false common (derived text facts mostly are), one given value rare.
_PRESENT_COST, _FALSE_COST, _VALUE_COST = 30, 10, 1


def guard(cond: Cond, spread: Callable[[Key], int] = lambda key: 1) -> frozenset[Key] | None:
    """Keys at least one of which the facts have whenever `cond` holds.

    None when there is no such set (a rule that can hold on any facts: a negation, `true`);
    an empty set when the condition never holds. Chosen to be as rarely held as it can:
    `spread(key)` weighs a key by how many rules test it (a key that many rules test does
    little to tell them apart).
    """
    found = _guard(normalise(cond), spread)
    return None if found is None else found[1]


def tested_keys(cond: Cond) -> set[Key]:
    """The keys a guard of this condition may be made of."""
    cond = normalise(cond)
    if isinstance(cond, Cmp):
        return {_key(cond)[1]}
    if isinstance(cond, All | Any_):
        return set().union(*map(tested_keys, cond.items))
    return set()


def _key(cmp: Cmp) -> tuple[int, Key]:
    """The key a positive comparison needs, and how often it is expected to hold."""
    if cmp.op == "eq" and cmp.value is not None:
        cost = _FALSE_COST if cmp.value is False else _VALUE_COST
        return cost, (cmp.fact, _kind(cmp.value), cmp.value)
    return _PRESENT_COST, (cmp.fact, _PRESENT, None)


def _guard(cond: Cond, spread: Callable[[Key], int]) -> tuple[int, frozenset[Key]] | None:
    if isinstance(cond, Const):
        return None if cond.value else (0, frozenset())
    if isinstance(cond, Cmp):  # positive: normalised, so `Not` only wraps a comparison
        cost, key = _key(cond)
        return cost * spread(key), frozenset({key})
    if isinstance(cond, All):  # any one part's guard will do: the rarest
        parts = [g for item in cond.items if (g := _guard(item, spread)) is not None]
        return min(parts, key=lambda g: g[0], default=None)
    if isinstance(cond, Any_):  # every alternative needs one
        alternatives = [_guard(item, spread) for item in cond.items]
        if any(g is None for g in alternatives):
            return None
        keys = frozenset().union(*(g[1] for g in alternatives if g is not None))
        return sum(g[0] for g in alternatives if g is not None), keys
    return None  # a negated comparison holds on missing facts


class RuleIndex:
    """Which rules can hold for a fact set, found without evaluating the others.

    Each rule is filed under its guard's keys; for one fact set, the candidates are the
    rules filed under a key the facts have, plus the rules that have no guard. A rule left
    out cannot hold, so evaluating only the candidates gives exactly the matching rules, at
    a cost that follows the facts and the candidates rather than the size of the ruleset.
    """

    def __init__(self, conds: Sequence[Cond]) -> None:
        uses = Counter(key for cond in conds for key in tested_keys(cond))
        self.guards = [guard(cond, uses.__getitem__) for cond in conds]
        self.unguarded = [index for index, keys in enumerate(self.guards) if keys is None]
        # Most keys are "this derived fact is true": those are found from the true facts.
        # The others (numbers, strings, presence) from the few facts they name.
        self._when_true: dict[str, list[int]] = {}
        self._filed: dict[str, tuple[list[int], dict[tuple[str, Scalar], list[int]]]] = {}
        for index, keys in enumerate(self.guards):
            for fact, kind, value in keys or ():
                if kind == "bool" and value is True:
                    self._when_true.setdefault(fact, []).append(index)
                    continue
                present, values = self._filed.setdefault(fact, ([], {}))
                if kind == _PRESENT:
                    present.append(index)
                else:
                    assert value is not None
                    values.setdefault((kind, value), []).append(index)

    def candidates(self, facts: Facts) -> list[int]:
        """Indexes of the rules that may hold, in order."""
        found = set(self.unguarded)
        when_true = self._when_true
        for name in [name for name, value in facts.items() if value is True]:
            if name in when_true:
                found.update(when_true[name])
        for name, (present, values) in self._filed.items():
            if name not in facts:
                continue
            found.update(present)
            value = facts[name]
            found.update(values.get((_KINDS.get(value.__class__) or _kind(value), value), ()))
        return sorted(found)


_KINDS = {bool: "bool", int: "number", float: "number", str: "str"}
