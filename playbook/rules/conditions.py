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
