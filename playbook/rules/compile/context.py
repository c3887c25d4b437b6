"""The state of one compilation: problems found, derived facts, compiled leaves, keyword lists."""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from playbook.core.errors import RuleProblem
from playbook.rules.compile import conditions as c
from playbook.rules.source.loader import Source
from playbook.text.keywords import TermList

Predicate = Callable[[dict[str, Any]], bool]


@dataclass
class Derivation:
    """A boolean fact computed in Python before matching (text, lists, schedules)."""

    name: str
    predicate: Predicate


@dataclass
class Context:
    """What compiling one rules file has found so far; problems are raised together at the end."""

    source: Source
    problems: list[RuleProblem] = field(default_factory=list)
    derivations: list[Derivation] = field(default_factory=list)
    leaves: dict[int, c.Cond] = field(default_factory=dict)
    lists: dict[str, TermList] = field(default_factory=dict)
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
    """A `did you mean` hint for a misspelt name, if one known name is close."""
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    return f"did you mean `{close[0]}`?" if close else None
