"""The audit trail: who changed what on an incident, when, from what to what, under which rules."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from playbook.core.models import AuditEntry, Incident, Step


def audit(
    session: Session,
    incident: Incident,
    *,
    actor: str,
    action: str,
    at: datetime,
    step: Step | None = None,
    from_state: str | None = None,
    to_state: str | None = None,
    note: str | None = None,
    data: dict | None = None,
) -> None:
    session.add(
        AuditEntry(
            incident_id=incident.id or 0,
            step_id=step.id if step else None,
            actor=actor,
            action=action,
            from_state=from_state,
            to_state=to_state,
            note=note,
            data=data or {},
            rules_version=incident.rules_version,
            at=at,
        )
    )
