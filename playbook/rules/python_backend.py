"""The plain Python matcher: the test oracle and the fallback where durable-rules is absent."""

from __future__ import annotations

from collections.abc import Sequence

from playbook.rules.conditions import CompiledRule, Facts, RuleIndex, evaluate


class PythonMatcher:
    """Evaluates, with the reference semantics, the rules that the index says may hold.

    The index files each rule under facts it cannot hold without, so one match costs the
    candidates, not the whole ruleset; `indexed=False` evaluates every rule (the oracle).
    """

    name = "python"

    def __init__(
        self, rules: Sequence[CompiledRule], version: str = "", *, indexed: bool = True
    ) -> None:
        self._rules = list(rules)
        self.version = version
        self._index = RuleIndex([rule.cond for rule in self._rules]) if indexed else None

    def match(self, facts: Facts) -> list[str]:
        rules = self._rules
        if self._index is None:
            return [rule.id for rule in rules if evaluate(rule.cond, facts)]
        return [
            rules[i].id for i in self._index.candidates(facts) if evaluate(rules[i].cond, facts)
        ]

    def close(self) -> None:
        self._rules = []
