"""Incidents that keep up: a post joining an incident may change what the incident needs.

The rules have already decided on the joining post; here their decision is weighed against
the incident. A complaint or a rumour takes over a milder incident (its category and its
steps); personal data adds a private channel; a resolved incident reopens when a complaint
joins it or new steps arrive. Steps already done stay done; each change is audited.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from playbook.core.models import Incident, IncidentStatus, Step
from playbook.incidents.audit import audit
from playbook.intake.events import EventIn
from playbook.rules.playbook import Decision
from playbook.rules.source.model import RulesFile
from playbook.workflow.planner import add_steps, plan
from playbook.workflow.steps import refresh

TAKES_OVER = ("complaint", "rumour")  # categories that outrank the incident's when they join
MILDER = ("question", "praise", "other")
NEEDS = ("private_channel",)  # kinds a joining post adds whatever the category


def keep_up(
    session: Session,
    incident: Incident,
    steps: list[Step],
    decision: Decision,
    event: EventIn,
    model: RulesFile,
    *,
    now: datetime,
) -> list[Step]:
    """Apply what the joining post changes; returns the steps added (already stored)."""
    if decision.ignored:
        return []
    raised = decision.category in TAKES_OVER and incident.category in MILDER
    if raised:
        _audit(session, incident, now, "category", incident.category, decision.category, event)
        incident.category = decision.category
    wanted = [
        p for p in plan(model, decision, event) if raised or p.kind in NEEDS
    ]  # a raised incident takes every step of its new category; otherwise only new needs
    added = add_steps(session, incident, steps, wanted, now, canonical=True) if wanted else []
    for step in added:
        step.detail = {**step.detail, "added_by": f"event {event.id}"}
    if added:
        kinds = ", ".join(s.kind for s in added)
        _audit(session, incident, now, "steps_added", None, f"+{len(added)}", event, kinds)
        refresh([*steps, *added])
    complaint = decision.category == "complaint"
    if incident.status == IncidentStatus.RESOLVED and (added or complaint):
        _audit(session, incident, now, "status", incident.status, IncidentStatus.OPEN, event)
        incident.status = IncidentStatus.OPEN
        incident.resolved_at = None
    return added


def _audit(
    session: Session,
    incident: Incident,
    now: datetime,
    action: str,
    before: str | None,
    after: str,
    event: EventIn,
    what: str = "",
) -> None:
    audit(
        session,
        incident,
        actor="playbook",
        action=action,
        at=now,
        from_state=before,
        to_state=after,
        note=f"event {event.id} joined the incident" + (f": {what}" if what else ""),
    )
