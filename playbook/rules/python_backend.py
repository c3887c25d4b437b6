"""The plain Python matcher: the test oracle and the fallback where durable-rules is absent."""

from __future__ import annotations

from collections.abc import Sequence

from playbook.rules.conditions import CompiledRule, Facts, evaluate


class PythonMatcher:
    """Evaluates every compiled rule in order with the reference semantics."""

    name = "python"

    def __init__(self, rules: Sequence[CompiledRule], version: str = "") -> None:
        self._rules = list(rules)
        self.version = version

    def match(self, facts: Facts) -> list[str]:
        return [rule.id for rule in self._rules if evaluate(rule.cond, facts)]

    def close(self) -> None:
        self._rules = []
