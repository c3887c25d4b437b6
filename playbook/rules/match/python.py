"""The plain Python matcher: the test oracle and the fallback where durable-rules is absent."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator, Sequence

from playbook.rules.compile.conditions import (
    All,
    Any_,
    CompiledRule,
    Cond,
    Const,
    Facts,
    Not,
    RuleIndex,
    evaluate,
)

Memo = dict[int, bool]
Test = Callable[[Facts, Memo], bool]


class PythonMatcher:
    """Evaluates, with the reference semantics, the rules that the index says may hold.

    The index files each rule under facts it cannot hold without, so one match costs the
    candidates, not the whole ruleset. Rules are compiled to closures, and a sub-condition
    that several rules share (a named condition) is worked out once per fact set.
    `indexed=False` evaluates every rule with `evaluate` itself: the oracle in tests.
    """

    name = "python"

    def __init__(
        self, rules: Sequence[CompiledRule], version: str = "", *, indexed: bool = True
    ) -> None:
        self._rules = list(rules)
        self.version = version
        self._index = RuleIndex([rule.cond for rule in self._rules]) if indexed else None
        self._tests = _Compiler([rule.cond for rule in self._rules]).tests if indexed else []

    def match(self, facts: Facts) -> list[str]:
        rules = self._rules
        if self._index is None:
            return [rule.id for rule in rules if evaluate(rule.cond, facts)]
        tests, memo = self._tests, Memo()
        return [rules[i].id for i in self._index.candidates(facts) if tests[i](facts, memo)]

    def close(self) -> None:
        self._rules = []


class _Compiler:
    """Closures with the meaning of `evaluate`; shared sub-conditions get a memo slot.

    Conditions are told apart by their repr, not by `==`: `Cmp("a", "eq", 0)` equals
    `Cmp("a", "eq", False)` as a dataclass, yet one tests a number and the other a boolean.
    """

    def __init__(self, conds: list[Cond]) -> None:
        uses = Counter(part for cond in conds for part in set(_composites(cond)))
        self._slots = {part: slot for slot, part in enumerate(p for p, n in uses.items() if n > 1)}
        self._made: dict[str, Test] = {}
        self.tests = [self._test(cond) for cond in conds]

    def _test(self, cond: Cond) -> Test:
        key = repr(cond)
        made = self._made.get(key)
        if made is None:
            made = self._made[key] = self._remembered(key, self._build(cond))
        return made

    def _remembered(self, key: str, test: Test) -> Test:
        slot = self._slots.get(key)
        if slot is None:
            return test

        def remembered(facts: Facts, memo: Memo) -> bool:
            found = memo.get(slot)
            if found is None:
                found = memo[slot] = test(facts, memo)
            return found

        return remembered

    def _build(self, cond: Cond) -> Test:
        if isinstance(cond, Const):
            value = cond.value
            return lambda facts, memo: value
        if isinstance(cond, Not):
            item = self._test(cond.item)
            return lambda facts, memo: not item(facts, memo)
        if isinstance(cond, All):
            items = [self._test(item) for item in cond.items]
            return lambda facts, memo: all(item(facts, memo) for item in items)
        if isinstance(cond, Any_):
            items = [self._test(item) for item in cond.items]
            return lambda facts, memo: any(item(facts, memo) for item in items)
        if cond.op == "eq" and isinstance(cond.value, bool):  # most tests: a derived flag
            fact, flag = cond.fact, cond.value
            return lambda facts, memo: facts.get(fact) is flag  # bools are singletons
        return lambda facts, memo: evaluate(cond, facts)


def _composites(cond: Cond) -> Iterator[str]:
    """The repr of every All, Any_ and Not in a condition, itself included."""
    if isinstance(cond, All | Any_):
        yield repr(cond)
        for item in cond.items:
            yield from _composites(item)
    elif isinstance(cond, Not):
        yield repr(cond)
        yield from _composites(cond.item)
