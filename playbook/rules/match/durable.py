"""The durable-rules matcher: compiled conditions run by its C engine, used the safe way."""

from __future__ import annotations

import itertools
import json
import math
import re
import struct
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import durable_rules_engine as engine

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
SHARD_RULES = 32  # rules per ruleset: a match asserts only the shards whose rules may hold

_FACT_NAME = re.compile(r"[a-z][a-z0-9_]*")
_GUARD = {"$nex": {"$s": 1}}  # never match the engine's own per-session state object
_BUCKET = "q"  # always "-": each bucket's test is "not its number"
_LOW, _HIGH = "", "~"  # "absent or another kind": sorts below / above every encoded value
_OPS = {"eq", "neq", "gt", "gte", "lt", "lte", "exists"}
_NEGATED = {"eq": "neq", "gt": "lte", "gte": "lt", "lt": "gte", "lte": "gt"}
_SIGN, _ONES = 1 << 63, (1 << 64) - 1
# Names the engine recognises by FNV-1a hash alone: a property must not share a hash with one.
_ENGINE_NAMES = (  # noqa: SIM905 (a word list reads better than 33 quoted strings)
    "sid id $s $i $m $l $r $and $or $eq $neq $gt $gte $lt $lte $ex $nex $mt $imt $iall $iany "
    "$add $sub $mul $div $forward all any pri count cap dist name"
).split()
_RULESETS = itertools.count(1)

Kind = Literal["b", "n", "s"]
Shape = Literal["one", "all", "any"]


def _kind(value: c.Scalar) -> Kind:
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
class _Leaf:
    """One comparison as one test, or as two joined by $and / by exclusive $or."""

    cond: c.Cond
    shape: Shape
    tests: tuple[dict[str, Any], ...]
    group: str | None = None  # equality tests on one property: at most one holds


@dataclass
class _Node:
    cond: c.Cond
    conjunction: bool
    parts: list[_Node | _Leaf] = field(default_factory=list)

    def nodes(self) -> int:
        """The $and/$or objects this emits: what the engine's 15-per-rule limit counts."""
        return 1 + sum(_cost(part, self.conjunction) for part in self.parts)

    def paths(self) -> int:
        """How many times the rule can fire for one fact (an upper bound)."""
        counts = [p.paths() if isinstance(p, _Node) else 1 for p in self.parts]
        if self.conjunction:
            return math.prod(counts)
        ungrouped = (n for p, n in zip(self.parts, counts, strict=True) if _ungrouped(p))
        return sum(ungrouped) + len(self._groups())

    def pending(self) -> int:
        """Alternatives left on the engine's walk stack along the worst path (an upper bound)."""
        deeper = [p.pending() for p in self.parts if isinstance(p, _Node)]
        if self.conjunction:
            return sum(deeper)
        alternatives = sum(map(_ungrouped, self.parts)) + len(self._groups())
        return alternatives - 1 + max(deeper, default=0)

    def weight(self) -> int:
        return 1 + self.pending()

    def _groups(self) -> set[str]:
        return {p.group for p in self.parts if isinstance(p, _Leaf) and p.group}

    def emit(self) -> dict[str, Any]:
        parts: list[dict[str, Any]] = []
        for part in self.parts:
            if isinstance(part, _Node):
                parts.append(part.emit())
            elif _cost(part, self.conjunction):
                parts.append({"$and" if part.shape == "all" else "$or": list(part.tests)})
            else:
                parts.extend(part.tests)
        return {"$and" if self.conjunction else "$or": parts}


def _cost(part: _Node | _Leaf, conjunction: bool) -> int:
    if isinstance(part, _Node):
        return part.nodes()
    return int(part.shape == ("any" if conjunction else "all"))


def _ungrouped(part: _Node | _Leaf) -> bool:
    return isinstance(part, _Node) or part.group is None


class _Compiler:
    """Compiles normalised conditions, recording the properties each match must assert."""

    def __init__(self) -> None:
        self.props: dict[str, tuple[str, Kind | None, str]] = {}  # name: fact, kind, sentinel
        self.hoisted: list[c.Cond] = []

    def rule(self, rule: c.CompiledRule) -> _Node | None:
        """The rule within the engine's limits, or None if it never holds."""
        cond = c.normalise(rule.cond)
        if cond == c.Const(False):
            return None
        tree = _Node(cond, True, [_Leaf(cond, "one", (_GUARD,))])
        self._add(tree, cond)
        while not _fits(tree):
            parent, index = _smallest_sufficient_part(tree)
            parent.parts[index] = self._hoist(parent.parts[index].cond)
        return tree

    def _add(self, node: _Node, cond: c.Cond) -> None:
        if isinstance(cond, c.Const):
            return  # only a whole rule can be constant after normalising: true here
        if isinstance(cond, c.All | c.Any_) and isinstance(cond, c.All) == node.conjunction:
            for item in cond.items:
                self._add(node, item)
        elif isinstance(cond, c.All | c.Any_):
            child = _Node(cond, isinstance(cond, c.All))
            self._add(child, cond)
            node.parts.append(child)
        else:
            leaf = self._leaf(cond)
            if not any(isinstance(p, _Leaf) and p.tests == leaf.tests for p in node.parts):
                node.parts.append(leaf)  # a repeated alternative would fire twice

    def _leaf(self, cond: c.Cond) -> _Leaf:
        negated = isinstance(cond, c.Not)
        cmp = cond.item if isinstance(cond, c.Not) else cond
        assert isinstance(cmp, c.Cmp)
        if cmp.op == "exists":
            present = self._prop(cmp.fact, None, _LOW)
            return _Leaf(cond, "one", ({"$neq" if negated else "$eq": {present: "1"}},))
        assert cmp.value is not None
        kind, key = _kind(cmp.value), encode(cmp.value)
        # Absent or another kind reads as _LOW or _HIGH, on the side that makes the test
        # false when positive and true when negated.
        upward = cmp.op in ("lt", "lte")
        prop = self._prop(cmp.fact, kind, _HIGH if upward else _LOW)
        if cmp.op == "neq" and negated:  # absent, another kind, or equal
            return _Leaf(cond, "any", ({"$eq": {prop: key}}, {"$eq": {prop: _LOW}}))
        if cmp.op == "neq":  # present, this kind, and different
            return _Leaf(cond, "all", ({"$neq": {prop: key}}, {"$neq": {prop: _LOW}}))
        op = _NEGATED[cmp.op] if negated else cmp.op
        group = prop if op == "eq" else None
        return _Leaf(cond, "one", ({f"${op}": {prop: key}},), group)

    def _prop(self, fact: str, kind: Kind | None, sentinel: str) -> str:
        side = "h" if sentinel == _HIGH else "l"
        name = f"{kind}{side}_{fact}" if kind else f"p_{fact}"
        self.props[name] = (fact, kind, sentinel)
        return name

    def _hoist(self, cond: c.Cond) -> _Leaf:
        """Too big for the engine: evaluate this part in Python and assert the answer."""
        self.hoisted.append(cond)
        return _Leaf(cond, "one", ({"$eq": {f"h{len(self.hoisted) - 1}": "1"}},))


def _fits(tree: _Node) -> bool:
    return (
        tree.nodes() <= MAX_NODES and tree.paths() <= MAX_PATHS and tree.weight() <= BUCKET_WEIGHT
    )


def _smallest_sufficient_part(tree: _Node) -> tuple[_Node, int]:
    """The smallest part whose hoisting makes the rule fit, else the biggest part.

    Hoisting keeps exact answers but moves work to Python: the engine should keep the most.
    """
    found = sorted(_candidates(tree), key=lambda place: _size(place[0].parts[place[1]]))
    for parent, index in found:
        part = parent.parts[index]
        parent.parts[index] = _Leaf(part.cond, "one", ())  # a trial: one plain test
        fits = _fits(tree)
        parent.parts[index] = part
        if fits:
            return parent, index
    return found[-1]


def _candidates(node: _Node) -> Iterator[tuple[_Node, int]]:
    """Parts whose hoisting would save $and/$or objects, paths or pending alternatives."""
    for index, part in enumerate(node.parts):
        if isinstance(part, _Node):
            yield node, index
            yield from _candidates(part)
        elif _cost(part, node.conjunction):
            yield node, index


def _size(part: _Node | _Leaf) -> int:
    """How many comparisons a part holds: the work hoisting it moves to Python."""
    return sum(map(_size, part.parts)) if isinstance(part, _Node) else 1


def _check_rule(rule: c.CompiledRule) -> None:
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


# --- the matcher -------------------------------------------------------------------------


class DurableMatcher:
    """All matching rules for one fact set, from durable-rules' C engine.

    Each match asserts one fact under a fresh session and deletes the session afterwards.
    A fact `x` is asserted as one text property per kind and side a rule reads (`nl_x`,
    `nh_x`, `sl_x`, ...), holding the encoded value, or a sentinel when x is absent or of
    another kind, so every comparison and its negation is a single alpha test. A part of a
    rule past the engine's limits (nodes, paths, pending alternatives) is evaluated in
    Python first and asserted as `hN`: exact either way, and `hoisted` counts them.

    The rules are spread over several rulesets ("shards") of at most SHARD_RULES rules,
    rules filed under the same guard (facts they cannot hold without) kept together. A fact
    set is asserted only in the shards holding a rule the guard index says may hold: the
    others cannot fire. So a ruleset is never past the engine's capacity, and one match
    costs the shards the facts concern, not the size of the ruleset.
    """

    name = "durable"

    def __init__(self, rules: Sequence[c.CompiledRule], version: str) -> None:
        self.version = version
        self._ids = [rule.id for rule in rules]
        for rule in rules:
            _check_rule(rule)
        self._index = c.RuleIndex([rule.cond for rule in rules])
        self.ruleset = f"playbook_{_safe(version)}_{next(_RULESETS)}"
        self._shards: list[_Shard] = []
        self._shard_of: dict[int, int] = {}
        self._lock = threading.Lock()
        self._closed = False
        try:
            for number, shard in enumerate(_pack(rules, _by_guard(self._index.guards))):
                shard.load(f"{self.ruleset}_{number}")
                self._shards.append(shard)
                self._shard_of.update(dict.fromkeys(shard.trees, number))
        except BaseException:
            self.close()
            raise

    @property
    def hoisted(self) -> int:
        """How many subconditions were too big for the engine and run in Python instead."""
        return sum(len(shard.compiler.hoisted) for shard in self._shards)

    @property
    def shards(self) -> int:
        """How many engine rulesets hold the rules."""
        return len(self._shards)

    def match(self, facts: c.Facts) -> list[str]:
        check_facts(facts)
        shard_of = self._shard_of
        wanted = {shard_of[i] for i in self._index.candidates(facts) if i in shard_of}
        encoded: dict[str, tuple[Kind, str]] = {}  # shared by the shards' messages
        messages = [
            (shard, shard.message(facts, encoded))
            for shard in map(self._shards.__getitem__, sorted(wanted))
        ]
        fired: set[int] = set()
        with self._lock:
            if self._closed:
                raise RuntimeError(f"matcher {self.ruleset} is closed")
            for shard, message in messages:
                fired.update(shard.run(message))
        return [self._ids[index] for index in sorted(fired)]

    def close(self) -> None:
        with self._lock:  # waits for the match in flight, if any
            if not self._closed:
                self._closed = True
                for shard in self._shards:
                    shard.close()


def _by_guard(guards: list[frozenset[c.Key] | None]) -> list[int]:
    """Rule indexes with rules of one guard next to each other, unguarded ones first."""

    def order(index: int) -> tuple[bool, list[str]]:
        keys = guards[index]
        return keys is not None, sorted(map(repr, keys or ()))

    return sorted(range(len(guards)), key=order)


def _pack(rules: Sequence[c.CompiledRule], order: list[int]) -> list[_Shard]:
    """Fill shards in order, starting a new one when a rule would not fit."""
    shards = [_Shard()]
    for index in order:
        if shards[-1].add(index, rules[index]):
            continue
        shards.append(_Shard())
        if not shards[-1].add(index, rules[index]):
            raise ValueError(f"rule {rules[index].id!r} is too big for one durable-rules ruleset")
    return [shard for shard in shards if shard.trees]


class _Shard:
    """One engine ruleset: some of the rules, the properties they read, their hoisted parts."""

    def __init__(self) -> None:
        self.compiler = _Compiler()
        self.trees: dict[int, _Node] = {}  # by the rule's index in the whole ruleset
        self.loads: list[int] = []  # the weight in each bucket
        self.handle = 0  # the engine's, once loaded
        self._sessions = itertools.count(1)

    def add(self, index: int, rule: c.CompiledRule) -> bool:
        """Compile one rule into this shard; False (and nothing changed) if it does not fit."""
        props, hoisted = dict(self.compiler.props), len(self.compiler.hoisted)
        tree = self.compiler.rule(rule)
        if tree is None:
            return True  # it never holds: no shard needs it
        loads = list(self.loads)
        bucket = _first_fit(loads, tree.weight())
        names = 1 + len(self.compiler.props) + len(self.compiler.hoisted)
        if len(self.trees) >= SHARD_RULES or len(loads) > MAX_BUCKETS or names > MAX_PROPERTIES:
            self.compiler.props = props
            del self.compiler.hoisted[hoisted:]
            return False
        tree.parts.insert(1, _Leaf(c.Const(True), "one", ({"$neq": {_BUCKET: str(bucket)}},)))
        self.loads = loads
        self.trees[index] = tree
        return True

    def load(self, ruleset: str) -> None:
        self.props = sorted(self.compiler.props.items())
        self.facts = {fact for fact, _, _ in self.compiler.props.values()}
        hoisted = _hoisted_names(self.compiler.hoisted)
        _check_names([_BUCKET, *(name for name, _ in self.props), *hoisted])
        definition: dict[str, Any] = {
            f"r{i}": {"all": [{"m": t.emit()}]} for i, t in self.trees.items()
        }
        # Lowest priority: a fact no rule matches is still handled (unhandled ones leak).
        definition["none"] = {"all": [{"m": _GUARD}], "pri": 1000}
        self.handle = engine.create_ruleset(ruleset, _dumps(definition))

    def close(self) -> None:
        if self.handle:
            engine.delete_ruleset(self.handle)
            self.handle = 0

    def message(self, facts: c.Facts, encoded: dict[str, tuple[Kind, str]]) -> dict[str, str]:
        """The fact as this shard's rules read it; `encoded` keeps encodings for the next."""
        for name in self.facts:
            if name in facts and name not in encoded:
                encoded[name] = _kind(facts[name]), encode(facts[name])
        message = {"id": "f", _BUCKET: "-"}
        for prop, (fact, kind, sentinel) in self.props:
            seen = encoded.get(fact)
            if seen is None or (kind is not None and seen[0] != kind):
                message[prop] = sentinel
            else:
                message[prop] = seen[1] if kind else "1"
        for index, cond in enumerate(self.compiler.hoisted):
            message[f"h{index}"] = "1" if c.evaluate(cond, facts) else "0"
        return message

    def run(self, message: dict[str, str]) -> set[int]:
        """Assert under a fresh session, collect every rule that fired, delete the session."""
        sid = f"s{next(self._sessions)}"
        message["sid"] = sid
        try:
            code, state = engine.assert_fact(self.handle, _dumps(message))
        except engine.error as error:  # refused before a session existed (measured)
            raise RuntimeError(f"durable-rules refused the facts: {error}") from error
        if code != 0:  # unhandled: deleting that session crashes; the catch-all prevents it
            raise RuntimeError(f"durable-rules did not handle the facts (code {code})")
        try:
            return set(_drain(self.handle, state))
        finally:
            engine.delete_state(self.handle, sid)


def _drain(handle: int, state: int) -> Iterator[int]:
    started = engine.start_action_for_state(handle, state)
    action = started[1] if started else None
    while action:
        name = action[2 : action.index('"', 2)]  # '{"r12":{...}}': no need to parse the fact
        if name.startswith("r"):
            yield int(name[1:])
        action = engine.complete_and_start_action(handle, state)


def _first_fit(loads: list[int], weight: int) -> int:
    for bucket, load in enumerate(loads):
        if load + weight <= BUCKET_WEIGHT:
            loads[bucket] += weight
            return bucket
    loads.append(weight)
    return len(loads) - 1


def _hoisted_names(hoisted: list[c.Cond]) -> list[str]:
    return [f"h{index}" for index in range(len(hoisted))]


def _check_names(names: list[str]) -> None:
    if len(names) > MAX_PROPERTIES:
        raise ValueError(f"the rules read {len(names)} properties; durable-rules takes 252")
    seen = {fnv1a(name): name for name in _ENGINE_NAMES}
    for name in names:
        other = seen.setdefault(fnv1a(name), name)
        if other != name:  # the engine would confuse the two
            raise ValueError(f"durable-rules cannot tell {name!r} from {other!r} (same hash)")


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


def _safe(version: str) -> str:
    return re.sub(r"[^a-zA-Z0-9]", "", version)[:16] or "v"
