"""Compiled conditions in durable-rules' JSON form, within the engine's measured limits.

Facts are encoded so that one alpha test compares them exactly; a part of a rule past the
limits is hoisted (evaluated in Python, its answer asserted). Pure Python: no engine here.
"""

from __future__ import annotations

import math
import re
import struct
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from playbook.rules.compile import conditions as c

# Limits of durable-rules 2.0.28, measured (see ../shared/notes/durable-rules.md).
MAX_STRING = 256
MAX_INT = 2**53  # the engine compares ints with floats as doubles: exact only up to here
MAX_NODES = 15  # $and/$or per rule: two expression slots each, and 32 slots are refused (113)
MAX_PATHS = 64  # a rule fires once per alpha path that holds (~12 µs each); Ors multiply
# The engine walks its alpha network with a stack of 64 pending nodes (65: error 303), and
# every rule, and every alternative of an $or, that holds waits there. Rules are grouped in
# buckets under one always-true test each: at most 31 pending buckets, plus one bucket's
# rules weighing at most 28 (a rule weighs 1 plus the alternatives it may leave pending).
BUCKET_WEIGHT = 28
MAX_BUCKETS = 32
MAX_PROPERTIES = 252  # a message of more than 254 properties is refused (302); sid, id are two
_FACT_NAME = re.compile(r"[a-z][a-z0-9_]*")
GUARD = {"$nex": {"$s": 1}}  # never match the engine's own per-session state object
_LOW, _HIGH = "", "~"  # "absent or another kind": sorts below / above every encoded value
_OPS = {"eq", "neq", "gt", "gte", "lt", "lte", "exists"}
_NEGATED = {"eq": "neq", "gt": "lte", "gte": "lt", "lt": "gte", "lte": "gt"}
_SIGN, _ONES = 1 << 63, (1 << 64) - 1
# Names the engine recognises by FNV-1a hash alone: a property must not share a hash with one.
_ENGINE_NAMES = (  # noqa: SIM905 (a word list reads better than 33 quoted strings)
    "sid id $s $i $m $l $r $and $or $eq $neq $gt $gte $lt $lte $ex $nex $mt $imt $iall $iany "
    "$add $sub $mul $div $forward all any pri count cap dist name"
).split()

Kind = Literal["b", "n", "s"]
Shape = Literal["one", "all", "any"]


def kind_of(value: c.Scalar) -> Kind:
    if isinstance(value, bool):
        return "b"
    return "n" if isinstance(value, int | float) else "s"


def encode(value: c.Scalar) -> str:
    """Text whose byte order is the value order within its kind: "v" and hex digits.

    The engine compares strings with strncmp over the raw JSON, so a shorter fact string is
    compared through its closing quote ("ab" > "ab " there). Hex digits all sort after the
    quote, and UTF-8 keeps code-point order; numbers become IEEE-754 bits in total order.
    """
    if isinstance(value, bool):
        return "v1" if value else "v0"
    if isinstance(value, str):
        return "v" + value.encode("utf-8", "surrogatepass").hex()
    (bits,) = struct.unpack(">Q", struct.pack(">d", float(value) + 0.0))  # + 0.0: no -0.0
    return f"v{bits ^ _ONES if bits & _SIGN else bits | _SIGN:016x}"


def check_facts(facts: c.Facts) -> None:
    """Refuse what the engine cannot compare exactly (ValueError)."""
    for name, value in facts.items():
        if name not in _GOOD_NAMES:
            if not isinstance(name, str) or not _FACT_NAME.fullmatch(name):
                raise ValueError(f"fact name {name!r} does not match [a-z][a-z0-9_]*")
            if len(_GOOD_NAMES) < 100_000:  # the playbook's fact names: checked once
                _GOOD_NAMES.add(name)
        if value.__class__ is bool:
            continue
        _check_value(f"fact {name!r}", value)
        if isinstance(value, str) and len(value) > MAX_STRING:
            raise ValueError(f"fact {name!r} is longer than {MAX_STRING} characters")


_GOOD_NAMES: set[str] = set()


def _check_value(what: str, value: object) -> None:
    if isinstance(value, bool | str):
        return
    if isinstance(value, int):
        if abs(value) > MAX_INT:
            raise ValueError(f"{what}: integers beyond ±2**53 are not compared exactly")
    elif isinstance(value, float):
        if math.isnan(value):
            raise ValueError(f"{what}: NaN cannot be compared")
    else:
        raise ValueError(f"{what} must be a boolean, number or string, not {type(value).__name__}")


def fnv1a(name: str) -> int:
    """The engine's 32-bit FNV-1a hash of a name (ASCII), by which it finds properties."""
    digest = 0x811C9DC5
    for byte in name.encode("ascii"):
        digest = ((digest ^ byte) * 16777619) & 0xFFFFFFFF
    return digest


# --- the engine's form: alpha tests under $and/$or ------------------------------------


@dataclass
class Leaf:
    """One comparison as one test, or as two joined by $and / by exclusive $or."""

    cond: c.Cond
    shape: Shape
    tests: tuple[dict[str, Any], ...]
    group: str | None = None  # equality tests on one property: at most one holds


@dataclass
class Node:
    cond: c.Cond
    conjunction: bool
    parts: list[Node | Leaf] = field(default_factory=list)

    def nodes(self) -> int:
        """The $and/$or objects this emits: what the engine's 15-per-rule limit counts."""
        return 1 + sum(_cost(part, self.conjunction) for part in self.parts)

    def paths(self) -> int:
        """How many times the rule can fire for one fact (an upper bound)."""
        counts = [p.paths() if isinstance(p, Node) else 1 for p in self.parts]
        if self.conjunction:
            return math.prod(counts)
        ungrouped = (n for p, n in zip(self.parts, counts, strict=True) if _ungrouped(p))
        return sum(ungrouped) + len(self._groups())

    def pending(self) -> int:
        """Alternatives left on the engine's walk stack along the worst path (an upper bound)."""
        deeper = [p.pending() for p in self.parts if isinstance(p, Node)]
        if self.conjunction:
            return sum(deeper)
        alternatives = sum(map(_ungrouped, self.parts)) + len(self._groups())
        return alternatives - 1 + max(deeper, default=0)

    def weight(self) -> int:
        return 1 + self.pending()

    def _groups(self) -> set[str]:
        return {p.group for p in self.parts if isinstance(p, Leaf) and p.group}

    def emit(self) -> dict[str, Any]:
        parts: list[dict[str, Any]] = []
        for part in self.parts:
            if isinstance(part, Node):
                parts.append(part.emit())
            elif _cost(part, self.conjunction):
                parts.append({"$and" if part.shape == "all" else "$or": list(part.tests)})
            else:
                parts.extend(part.tests)
        return {"$and" if self.conjunction else "$or": parts}


def _cost(part: Node | Leaf, conjunction: bool) -> int:
    if isinstance(part, Node):
        return part.nodes()
    return int(part.shape == ("any" if conjunction else "all"))


def _ungrouped(part: Node | Leaf) -> bool:
    return isinstance(part, Node) or part.group is None


class RuleCompiler:
    """Compiles normalised conditions, recording the properties each match must assert."""

    def __init__(self) -> None:
        self.props: dict[str, tuple[str, Kind | None, str]] = {}  # name: fact, kind, sentinel
        self.hoisted: list[c.Cond] = []

    def rule(self, rule: c.CompiledRule) -> Node | None:
        """The rule within the engine's limits, or None if it never holds."""
        cond = c.normalise(rule.cond)
        if cond == c.Const(False):
            return None
        tree = Node(cond, True, [Leaf(cond, "one", (GUARD,))])
        self._add(tree, cond)
        while not _fits(tree):
            parent, index = _smallest_sufficient_part(tree)
            parent.parts[index] = self._hoist(parent.parts[index].cond)
        return tree

    def _add(self, node: Node, cond: c.Cond) -> None:
        if isinstance(cond, c.Const):
            return  # only a whole rule can be constant after normalising: true here
        if isinstance(cond, c.All | c.Any_) and isinstance(cond, c.All) == node.conjunction:
            for item in cond.items:
                self._add(node, item)
        elif isinstance(cond, c.All | c.Any_):
            child = Node(cond, isinstance(cond, c.All))
            self._add(child, cond)
            node.parts.append(child)
        else:
            leaf = self._leaf(cond)
            if not any(isinstance(p, Leaf) and p.tests == leaf.tests for p in node.parts):
                node.parts.append(leaf)  # a repeated alternative would fire twice

    def _leaf(self, cond: c.Cond) -> Leaf:
        negated = isinstance(cond, c.Not)
        cmp = cond.item if isinstance(cond, c.Not) else cond
        assert isinstance(cmp, c.Cmp)
        if cmp.op == "exists":
            present = self._prop(cmp.fact, None, _LOW)
            return Leaf(cond, "one", ({"$neq" if negated else "$eq": {present: "1"}},))
        assert cmp.value is not None
        kind, key = kind_of(cmp.value), encode(cmp.value)
        # Absent or another kind reads as _LOW or _HIGH, on the side that makes the test
        # false when positive and true when negated.
        upward = cmp.op in ("lt", "lte")
        prop = self._prop(cmp.fact, kind, _HIGH if upward else _LOW)
        if cmp.op == "neq" and negated:  # absent, another kind, or equal
            return Leaf(cond, "any", ({"$eq": {prop: key}}, {"$eq": {prop: _LOW}}))
        if cmp.op == "neq":  # present, this kind, and different
            return Leaf(cond, "all", ({"$neq": {prop: key}}, {"$neq": {prop: _LOW}}))
        op = _NEGATED[cmp.op] if negated else cmp.op
        group = prop if op == "eq" else None
        return Leaf(cond, "one", ({f"${op}": {prop: key}},), group)

    def _prop(self, fact: str, kind: Kind | None, sentinel: str) -> str:
        side = "h" if sentinel == _HIGH else "l"
        name = f"{kind}{side}_{fact}" if kind else f"p_{fact}"
        self.props[name] = (fact, kind, sentinel)
        return name

    def _hoist(self, cond: c.Cond) -> Leaf:
        """Too big for the engine: evaluate this part in Python and assert the answer."""
        self.hoisted.append(cond)
        return Leaf(cond, "one", ({"$eq": {f"h{len(self.hoisted) - 1}": "1"}},))


def _fits(tree: Node) -> bool:
    return (
        tree.nodes() <= MAX_NODES and tree.paths() <= MAX_PATHS and tree.weight() <= BUCKET_WEIGHT
    )


def _smallest_sufficient_part(tree: Node) -> tuple[Node, int]:
    """The smallest part whose hoisting makes the rule fit, else the biggest part.

    Hoisting keeps exact answers but moves work to Python: the engine should keep the most.
    """
    found = sorted(_candidates(tree), key=lambda place: _size(place[0].parts[place[1]]))
    for parent, index in found:
        part = parent.parts[index]
        parent.parts[index] = Leaf(part.cond, "one", ())  # a trial: one plain test
        fits = _fits(tree)
        parent.parts[index] = part
        if fits:
            return parent, index
    return found[-1]


def _candidates(node: Node) -> Iterator[tuple[Node, int]]:
    """Parts whose hoisting would save $and/$or objects, paths or pending alternatives."""
    for index, part in enumerate(node.parts):
        if isinstance(part, Node):
            yield node, index
            yield from _candidates(part)
        elif _cost(part, node.conjunction):
            yield node, index


def _size(part: Node | Leaf) -> int:
    """How many comparisons a part holds: the work hoisting it moves to Python."""
    return sum(map(_size, part.parts)) if isinstance(part, Node) else 1


def check_rule(rule: c.CompiledRule) -> None:
    for cmp in _comparisons(rule.cond):
        if not _FACT_NAME.fullmatch(cmp.fact):
            raise ValueError(f"rule {rule.id!r}: fact name {cmp.fact!r} is not allowed")
        if cmp.op not in _OPS:
            raise ValueError(f"rule {rule.id!r}: unknown operator {cmp.op!r}")
        if cmp.op != "exists" and cmp.value is not None:
            _check_value(f"rule {rule.id!r}", cmp.value)


def _comparisons(cond: c.Cond) -> Iterator[c.Cmp]:
    if isinstance(cond, c.Cmp):
        yield cond
    elif isinstance(cond, c.Not):
        yield from _comparisons(cond.item)
    elif isinstance(cond, c.All | c.Any_):
        for item in cond.items:
            yield from _comparisons(item)


def check_names(names: list[str]) -> None:
    if len(names) > MAX_PROPERTIES:
        raise ValueError(f"the rules read {len(names)} properties; durable-rules takes 252")
    seen = {fnv1a(name): name for name in _ENGINE_NAMES}
    for name in names:
        other = seen.setdefault(fnv1a(name), name)
        if other != name:  # the engine would confuse the two
            raise ValueError(f"durable-rules cannot tell {name!r} from {other!r} (same hash)")
