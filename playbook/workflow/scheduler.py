"""Due times: a reminder when a step falls due, an escalation when it stays overdue.

Driven by the database: each reminder or escalation is claimed with a conditional UPDATE, so
several service instances never fire the same one twice. Time comes from the runtime's clock.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from playbook.actions import outbox
from playbook.actions.card_view import CardView
from playbook.actions.slack.messages import build_reminder
from playbook.core.clock import as_utc
from playbook.core.db import session_scope
from playbook.core.models import Incident, Step, StepStatus
from playbook.rules.source.model import RulesFile, in_force, parse_duration
from playbook.workflow.actions import escalate
from playbook.workflow.view import card_view, step_view


def run_due(engine: Engine, rules: RulesFile, now: datetime) -> int:
    """Send what has fallen due; returns how many reminders and escalations were queued."""
    with session_scope(engine) as session:
        due = session.exec(
            select(Step.id).where(
                # Only steps that can be acted on: one parked behind triage is nobody's delay.
                Step.status == StepStatus.ACTIVE,
                col(Step.due_at) <= now,
                col(Step.escalated_at).is_(None),
            )
        ).all()
    return sum(_one(engine, rules, step_id, now) for step_id in due if step_id is not None)


def _one(engine: Engine, rules: RulesFile, step_id: int, now: datetime) -> int:
    with session_scope(engine) as session:
        step = session.get(Step, step_id)
        if step is None or step.due_at is None:
            return 0
        overdue = now - as_utc(step.due_at)
        escalate_after = timedelta(seconds=parse_duration(rules.settings.escalation.after))
        if overdue >= escalate_after and _claim(session, step_id, "escalated_at", now):
            session.refresh(step)
            incident = session.get(Incident, step.incident_id)
            if incident is not None:
                since = f"overdue since {as_utc(step.due_at):%Y-%m-%d %H:%M} UTC"
                escalate(
                    session, incident, step, model=rules, actor="playbook", now=now, note=since
                )
            return 1
        if step.reminded_at is None and _claim(session, step_id, "reminded_at", now):
            incident = session.get(Incident, step.incident_id)
            if incident is not None:
                view = _view(session, incident, rules, now)
                shown = step_view(step, language=view.language)
                message = build_reminder(view, shown, now)
                outbox.enqueue_thread(session, incident, message, now=now)
            return 1
    return 0


def _view(session: Session, incident: Incident, rules: RulesFile, now: datetime) -> CardView:
    return card_view(session, incident, now, **in_force(rules))


def _claim(session: Session, step_id: int, column: str, now: datetime) -> bool:
    """Set the timestamp only if nobody has: exactly one instance wins."""
    target = getattr(Step, column)
    result = session.execute(
        update(Step).where(col(Step.id) == step_id, col(target).is_(None)).values({column: now})
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]
