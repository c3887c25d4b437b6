"""The durable-rules matcher: rules sharded over engine rulesets, one fresh session per match."""

from __future__ import annotations

import itertools
import json
import re
import threading
from collections.abc import Iterator, Sequence
from typing import Any

import durable_rules_engine as engine

from playbook.rules.compile import conditions as c
from playbook.rules.match import durable_form as form
from playbook.rules.match.durable_form import (
    BUCKET_WEIGHT,
    MAX_BUCKETS,
    MAX_NODES,
    MAX_PROPERTIES,
    encode,
    fnv1a,
)

__all__ = [  # the engine's limits and encodings, as the tests read them
    "BUCKET_WEIGHT",
    "MAX_BUCKETS",
    "MAX_NODES",
    "MAX_PROPERTIES",
    "SHARD_RULES",
    "DurableMatcher",
    "encode",
    "engine",
    "fnv1a",
]

SHARD_RULES = 32  # rules per ruleset: a match asserts only the shards whose rules may hold
_BUCKET = "q"  # always "-": each bucket's test is "not its number"
_RULESETS = itertools.count(1)


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
            form.check_rule(rule)
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
        form.check_facts(facts)
        shard_of = self._shard_of
        wanted = {shard_of[i] for i in self._index.candidates(facts) if i in shard_of}
        encoded: dict[str, tuple[form.Kind, str]] = {}  # shared by the shards' messages
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
        self.compiler = form.RuleCompiler()
        self.trees: dict[int, form.Node] = {}  # by the rule's index in the whole ruleset
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
        tree.parts.insert(1, form.Leaf(c.Const(True), "one", ({"$neq": {_BUCKET: str(bucket)}},)))
        self.loads = loads
        self.trees[index] = tree
        return True

    def load(self, ruleset: str) -> None:
        self.props = sorted(self.compiler.props.items())
        self.facts = {fact for fact, _, _ in self.compiler.props.values()}
        hoisted = _hoisted_names(self.compiler.hoisted)
        form.check_names([_BUCKET, *(name for name, _ in self.props), *hoisted])
        definition: dict[str, Any] = {
            f"r{i}": {"all": [{"m": t.emit()}]} for i, t in self.trees.items()
        }
        # Lowest priority: a fact no rule matches is still handled (unhandled ones leak).
        definition["none"] = {"all": [{"m": form.GUARD}], "pri": 1000}
        self.handle = engine.create_ruleset(ruleset, _dumps(definition))

    def close(self) -> None:
        if self.handle:
            engine.delete_ruleset(self.handle)
            self.handle = 0

    def message(self, facts: c.Facts, encoded: dict[str, tuple[form.Kind, str]]) -> dict[str, str]:
        """The fact as this shard's rules read it; `encoded` keeps encodings for the next."""
        for name in self.facts:
            if name in facts and name not in encoded:
                encoded[name] = form.kind_of(facts[name]), encode(facts[name])
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


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


def _safe(version: str) -> str:
    return re.sub(r"[^a-zA-Z0-9]", "", version)[:16] or "v"
