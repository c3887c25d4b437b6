"""Run the `examples:` written in a rules file: expected category, severity, rules and steps."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from pydantic import ValidationError

from playbook.intake.events import EventIn
from playbook.intake.facts import AuthorHistory, IncidentStats, TopicRate, topic_facts
from playbook.rules.playbook import Playbook
from playbook.rules.source.model import Example
from playbook.workflow.planner import plan


@dataclass
class ExampleResult:
    name: str
    index: int
    failures: list[str] = field(default_factory=list)
    matched_rules: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.failures


def run_example(playbook: Playbook, example: Example, index: int, now: datetime) -> ExampleResult:
    result = ExampleResult(example.name, index)
    try:
        event = EventIn.model_validate(example.event)
    except ValidationError as exc:
        result.failures.append(f"the example's event is invalid: {exc.errors()[0]['msg']}")
        return result
    history = AuthorHistory(**example.history.model_dump()) if example.history else None
    incident = IncidentStats(**example.incident.model_dump()) if example.incident else None
    facts = playbook.facts(event, now=now, history=history, incident=incident)
    if example.topic is not None:  # as busy for each topic the post is about (if any)
        rate = example.topic
        facts.update(
            topic_facts(
                {t: TopicRate(t, rate.velocity_10m, rate.event_count_1h) for t in facts["topics"]}
            )
        )
    decision = playbook.decide(facts, event)
    result.matched_rules = decision.matched_rules
    expect = example.expect
    kinds = [s.kind for s in plan(playbook.model, decision, event)]
    if expect.category is not None and decision.category != expect.category:
        result.failures.append(f"category is {decision.category}, expected {expect.category}")
    if expect.severity is not None:
        allowed = [expect.severity] if isinstance(expect.severity, str) else expect.severity
        if decision.severity not in allowed:
            result.failures.append(
                f"severity is {decision.severity}, expected " + " or ".join(allowed)
            )
    if expect.rules is not None and sorted(decision.matched_rules) != sorted(expect.rules):
        result.failures.append(f"matched rules {decision.matched_rules}, expected {expect.rules}")
    missing = [k for k in expect.steps or [] if k not in kinds]
    if missing:
        result.failures.append(f"steps {kinds} lack {missing}")
    unwanted = [k for k in expect.no_steps or [] if k in kinds]
    if unwanted:
        result.failures.append(f"steps {kinds} include {unwanted}, which must not be there")
    if expect.incident is not None and expect.incident == decision.ignored:
        result.failures.append(
            "an incident was opened" if decision.ignored is False else "no incident was opened"
        )
    return result


def run_examples(playbook: Playbook, now: datetime) -> list[ExampleResult]:
    return [
        run_example(playbook, example, index, now)
        for index, example in enumerate(playbook.model.examples)
    ]


def uncovered_rules(playbook: Playbook, results: list[ExampleResult]) -> list[str]:
    """Rules that no example exercises."""
    seen = {rule for result in results for rule in result.matched_rules}
    return [rule for rule in playbook.rule_ids if rule not in seen]
