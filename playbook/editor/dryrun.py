"""A dry run over history: which stored posts would get another outcome under a draft."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from pydantic import ValidationError
from sqlmodel import Session, col, select

from playbook.core.clock import as_utc
from playbook.core.models import Event
from playbook.editor.explain import this_event_alone
from playbook.intake.events import EventIn
from playbook.intake.facts import topic_facts
from playbook.rules.playbook import Playbook
from playbook.text import pii
from playbook.workflow.planner import plan

SHOWN_CHARS = 100


@dataclass(frozen=True)
class Outcome:
    category: str
    severity: str
    steps: tuple[str, ...]


@dataclass(frozen=True)
class Change:
    event_id: int
    incident_id: int | None
    text: str
    before: Outcome
    after: Outcome
    what: tuple[str, ...]  # "category", "severity", "steps"


@dataclass
class DryRun:
    posts: int = 0
    changes: list[Change] = field(default_factory=list)


def outcome(playbook: Playbook, event: EventIn, now: datetime) -> Outcome:
    """Category, severity and step kinds of one post, the post alone (no stored history)."""
    facts = playbook.facts(event, now=now)
    facts.update(topic_facts(this_event_alone(facts["topics"])))
    decision = playbook.decide(facts, event)
    steps = tuple(s.kind for s in plan(playbook.model, decision, event))
    return Outcome(decision.category, decision.severity, steps)


def dry_run(session: Session, *, in_force: Playbook, draft: Playbook, limit: int) -> DryRun:
    """The last `limit` stored posts under both playbooks, each judged as when it arrived."""
    newest = select(Event).order_by(col(Event.received_at).desc(), col(Event.id).desc())
    result = DryRun()
    for stored in session.exec(newest.limit(limit)):
        try:
            event = EventIn.model_validate(stored.raw)
        except ValidationError:
            continue  # a row from an older shape: nothing to compare
        result.posts += 1
        at = as_utc(stored.received_at)
        before, after = outcome(in_force, event, at), outcome(draft, event, at)
        what = tuple(
            name
            for name in ("category", "severity", "steps")
            if getattr(before, name) != getattr(after, name)
        )
        if what:
            text = pii.redact(stored.text)[:SHOWN_CHARS]
            result.changes.append(
                Change(stored.id or 0, stored.incident_id, text, before, after, what)
            )
    return result
