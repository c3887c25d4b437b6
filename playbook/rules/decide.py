"""The hit policy: matched rules by priority up to the first `stop`, merged into a Decision."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from playbook.rules.source.model import SEVERITIES, Default, Rule, StepSpec


@dataclass
class Decision:
    """What the rules decided for one event: its category, severity and the steps to plan."""

    category: str
    severity: str
    matched_rules: list[str]
    suppressed_rules: list[str]
    # The steps the winning rules name, first rule first, one per kind (the default's when no
    # rule won); the workflow's planner turns them into steps.
    specs: list[tuple[StepSpec, str | None]]
    channel: str | None
    language: str
    facts: dict[str, Any]
    topics: list[str]
    card: bool = True  # false: no Slack card for the incident (`then: {card: false}`)

    @property
    def ignored(self) -> bool:
        return not self.specs


def priority_order(rules: Sequence[Rule]) -> list[int]:
    """Rule indexes, highest priority first; the file's order breaks ties."""
    return sorted(range(len(rules)), key=lambda i: (-rules[i].priority, i))


def winners(
    rules: Sequence[Rule], order: Sequence[int], matched: Collection[str]
) -> tuple[list[Rule], list[str]]:
    """The matched rules that take effect, in order, and the ids a `stop` rule suppressed."""
    won: list[Rule] = []
    suppressed: list[str] = []
    stopped = False
    for index in order:
        rule = rules[index]
        if rule.id not in matched:
            continue
        if stopped:
            suppressed.append(rule.id)
            continue
        won.append(rule)
        stopped = rule.stop
    return won, suppressed


def decision(
    default: Default, won: list[Rule], suppressed: list[str], facts: dict[str, Any]
) -> Decision:
    """First category and channel named, the highest severity, each step kind's first spec."""
    category = next((r.then.category for r in won if r.then.category), default.category)
    severities = [r.then.severity for r in won if r.then.severity] or [default.severity]
    severity = max(severities, key=SEVERITIES.index)
    channel = next((r.then.channel for r in won if r.then.channel), None)
    card = next((r.then.card for r in won if r.then.card is not None), True)
    language = "ko" if facts.get("language") == "ko" else "en"
    return Decision(
        category,
        severity,
        [r.id for r in won],
        suppressed,
        _specs(default, won),
        channel,
        language,
        facts,
        list(facts.get("topics", [])),
        card,
    )


def _specs(default: Default, won: list[Rule]) -> list[tuple[StepSpec, str | None]]:
    specs: dict[str, tuple[StepSpec, str | None]] = {}
    for rule in won:
        for spec in rule.then.steps:
            specs.setdefault(spec.kind, (spec, rule.id))
    if not won:
        for spec in default.steps:
            specs.setdefault(spec.kind, (spec, None))
    return list(specs.values())
