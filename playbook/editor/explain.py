"""Explain a decision: every rule, every condition, the value seen, held or failed."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from playbook.intake.events import EventIn
from playbook.intake.facts import AuthorHistory, IncidentStats, TopicRate, summary, topic_facts
from playbook.rules import triage
from playbook.rules.compile import conditions as c
from playbook.rules.playbook import Decision, Playbook
from playbook.rules.source.model import AllOf, AnyOf, Condition, Leaf, NotOf, Ref
from playbook.text import pii
from playbook.text.keywords import WordSet
from playbook.text.morph import Match
from playbook.workflow.planner import PlannedStep, plan

SHOWN_CHARS = 120
TopicRates = Callable[[Sequence[str]], Mapping[str, TopicRate]]


def this_event_alone(topics: Sequence[str]) -> dict[str, TopicRate]:
    """Topic rates when nothing is stored: this event, one in ten minutes."""
    return {t: TopicRate(topic=t, velocity_10m=0.1, event_count_1h=1) for t in topics}


def _shown(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, str):
        value = pii.redact(value[: SHOWN_CHARS * 4])  # explain never shows personal data
        return value if len(value) <= SHOWN_CHARS else value[: SHOWN_CHARS - 1] + "…"
    return value


def explain_condition(
    playbook: Playbook, cond: Condition, facts: dict[str, Any], engine_facts: c.Facts
) -> dict[str, Any]:
    """A tree mirroring the rule's `when`, each node with `held`."""
    if isinstance(cond, AllOf):
        items = [explain_condition(playbook, i, facts, engine_facts) for i in cond.all]
        return {"all": items, "held": all(i["held"] for i in items)}
    if isinstance(cond, AnyOf):
        items = [explain_condition(playbook, i, facts, engine_facts) for i in cond.any]
        return {"any": items, "held": any(i["held"] for i in items)}
    if isinstance(cond, NotOf):
        inner = explain_condition(playbook, cond.not_, facts, engine_facts)
        return {"not": inner, "held": not inner["held"]}
    if isinstance(cond, Ref):
        named = playbook.compiled.conditions[cond.condition]
        inner = explain_condition(playbook, named, facts, engine_facts)
        return {"condition": cond.condition, "detail": inner, "held": inner["held"]}
    return _leaf(playbook, cond, facts, engine_facts)


def _leaf(
    playbook: Playbook, leaf: Leaf, facts: dict[str, Any], engine_facts: c.Facts
) -> dict[str, Any]:
    compiled = playbook.compiled.leaves.get(id(leaf), c.Const(False))
    held = c.evaluate(compiled, engine_facts)
    node: dict[str, Any] = {
        "fact": leaf.fact,
        "operator": leaf.operator,
        "expected": _shown(
            leaf.operand.model_dump() if hasattr(leaf.operand, "model_dump") else leaf.operand
        ),
        "held": held,
    }
    if leaf.fact in facts:
        node["actual"] = _shown(facts[leaf.fact])
    else:
        node["actual"] = None
        node["note"] = f"`{leaf.fact}` is missing from this event, so the test is false"
    if leaf.operator == "contains_any" and isinstance(leaf.contains_any, str):
        words = playbook.compiled.lists.get(leaf.contains_any)
        value = facts.get(leaf.fact)
        if words is not None and isinstance(value, str):
            node["found"] = words.find(value)[:10]
            if isinstance(words, WordSet):
                node["matches"] = [_match_shown(m) for m in words.matches(value)[:10]]
    return node


def _match_shown(match: Match) -> dict[str, Any]:
    """Which term of a `match: words` list was found, as what text, and whether negated."""
    return {
        "term": match.term,
        "kind": match.kind.value,
        "text": _shown(match.found),
        "negated": match.negated,
    }


def explain(
    playbook: Playbook,
    event: EventIn,
    *,
    now: datetime,
    history: AuthorHistory | None = None,
    incident: IncidentStats | None = None,
    topic_rates: TopicRates = this_event_alone,
) -> dict[str, Any]:
    """The whole story of one event against one playbook; stores nothing.

    `topic_rates` gives each topic's velocity with this event counted (the database's
    figures in the service; without a database, this event alone).
    """
    facts = playbook.facts(event, now=now, history=history, incident=incident)
    rates = topic_rates(facts["topics"])
    facts.update(topic_facts(rates))
    engine_facts = playbook.engine_facts(facts)
    decision = playbook.decide(facts, event)
    return {
        "rules_version": playbook.version,
        "model_version": playbook.model_version,
        "category": decision.category,
        "severity": decision.severity,
        "matched_rules": decision.matched_rules,
        "suppressed_rules": decision.suppressed_rules,
        "incident": not decision.ignored,
        "model": triage.explain(playbook.triage, event.text),  # its category, and why
        "facts": {k: _shown(v) for k, v in summary(facts).items()},
        "topics": [
            {"topic": r.topic, "velocity_10m": r.velocity_10m, "event_count_1h": r.event_count_1h}
            for r in rates.values()
        ],
        "rules": _rules_shown(playbook, decision, facts, engine_facts),
        "steps": [_step_shown(s) for s in plan(playbook.model, decision, event)],
    }


def _rules_shown(
    playbook: Playbook, decision: Decision, facts: dict[str, Any], engine_facts: c.Facts
) -> list[dict[str, Any]]:
    """Every rule with its status and its condition tree, leaf by leaf."""
    rules = []
    for rule in playbook.model.rules:
        tree = explain_condition(playbook, rule.when, facts, engine_facts)
        status = (
            "matched"
            if rule.id in decision.matched_rules
            else "suppressed by a stop rule"
            if rule.id in decision.suppressed_rules
            else "not matched"
        )
        rules.append(
            {
                "id": rule.id,
                "priority": rule.priority,
                "stop": rule.stop,
                "status": status,
                "when": tree,
            }
        )
    return rules


def _step_shown(step: PlannedStep) -> dict[str, Any]:
    return {
        "kind": step.kind,
        "title": step.title,
        "owner": step.owner,
        "due_in_seconds": step.due_in,
        "requires": list(step.requires),
        "applies_if": list(step.applies_if),
        "draft": step.draft,
        "lint": step.lint,
        "detail": step.detail,
        "rule": step.rule,
    }
