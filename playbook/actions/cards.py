"""An incident's card, rendered from the database at send time (the latest state wins)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from playbook.actions.card_view import CardView, StepView
from playbook.actions.slack_card import build_card
from playbook.clock import as_utc
from playbook.grouping import incident_stats
from playbook.models import Incident, Step
from playbook.workflow import steps_of

CHANNEL_LIMIT_DEFAULT = 280


def step_view(step: Step) -> StepView:
    detail = step.detail or {}
    lint = tuple(f"{f.get('code')}: {f.get('message')}" for f in detail.get("lint", []))
    return StepView(
        id=step.id or 0,
        kind=step.kind,
        title=step.title,
        status=step.status,
        owner=step.owner,
        assignee=step.assignee,
        due_at=as_utc(step.due_at) if step.due_at else None,
        version=step.version,
        can_act=step.status == "active",
        draft=detail.get("draft"),
        lint=lint,
        outcome=detail.get("outcome"),
        note=detail.get("skipped_reason") or detail.get("note"),
    )


def card_view(
    session: Session, incident: Incident, now: datetime, channel_limit: int = CHANNEL_LIMIT_DEFAULT
) -> CardView:
    summary = incident.summary or {}
    stats = incident_stats(session, incident, now)
    escalation = f"storm level {incident.storm_level}" if incident.storm_level else None
    return CardView(
        incident_id=incident.id or 0,
        title=incident.title,
        category=incident.category,
        severity=incident.severity,
        status=incident.status,
        rules_version=incident.rules_version,
        event_count=incident.event_count,
        velocity_10m=stats.velocity_10m if incident.event_count > 1 else None,
        author_handle=summary.get("author"),
        author_followers=summary.get("followers"),
        post_url=summary.get("url"),
        excerpt=summary.get("excerpt", ""),
        steps=tuple(step_view(s) for s in steps_of(session, incident.id or 0)),
        updated_at=as_utc(incident.updated_at),
        channel_limit=channel_limit,
        escalation=escalation,
    )


def render_card(session: Session, incident: Incident, now: datetime) -> dict[str, Any]:
    return build_card(card_view(session, incident, now), now)
