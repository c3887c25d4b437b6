"""An incident as a whole: resolve, close, reopen, give it an owner; one function per action.

The HTTP API and Slack (card buttons, `/playbook`) call these same functions; each is audited
and queues the card update.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from sqlmodel import Session, col, select

from playbook.actions import outbox
from playbook.core.errors import Conflict, InvalidInput, NotFound
from playbook.core.models import Incident, IncidentStatus
from playbook.incidents.audit import audit

LifecycleAction = Literal["resolve", "close", "reopen", "assign"]
ACTIONS: tuple[LifecycleAction, ...] = ("resolve", "close", "reopen", "assign")
PAST = {"resolve": "resolved", "close": "closed", "reopen": "reopened", "assign": "assigned"}


def load_incident(session: Session, incident_id: int) -> Incident:
    """The incident, locked for this transaction on PostgreSQL (actions on it take turns)."""
    query = select(Incident).where(col(Incident.id) == incident_id)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    incident = session.exec(query).first()
    if incident is None:
        raise NotFound(f"no incident {incident_id}", field="incident_id")
    return incident


def _move(
    session: Session,
    incident: Incident,
    to: IncidentStatus,
    allowed_from: tuple[IncidentStatus, ...],
    *,
    action: str,
    by: str,
    now: datetime,
    note: str | None,
) -> Incident:
    if incident.status not in allowed_from:
        raise Conflict(
            f"incident {incident.id} is {incident.status}: it cannot be {PAST[action]}",
            field="action",
        )
    before = incident.status
    incident.status = to
    if to != IncidentStatus.OPEN:
        incident.resolved_at = incident.resolved_at or now
    else:
        incident.resolved_at = None
    _changed(session, incident, action=action, by=by, now=now, note=note, before=before)
    return incident


def _changed(
    session: Session,
    incident: Incident,
    *,
    action: str,
    by: str,
    now: datetime,
    note: str | None,
    before: str,
    data: dict | None = None,
) -> None:
    incident.version += 1
    incident.updated_at = now
    audit(
        session,
        incident,
        actor=by,
        action=action,
        at=now,
        from_state=before,
        to_state=incident.status,
        note=note,
        data=data or {},
    )
    outbox.enqueue_card(session, incident, now=now)


def resolve(
    session: Session, incident: Incident, *, by: str, now: datetime, note: str | None = None
) -> Incident:
    """Handled: the answer is out, whatever steps were left open."""
    return _move(
        session,
        incident,
        IncidentStatus.RESOLVED,
        (IncidentStatus.OPEN,),
        action="resolve",
        by=by,
        now=now,
        note=note,
    )


def close(
    session: Session, incident: Incident, *, by: str, now: datetime, note: str | None = None
) -> Incident:
    """Finished for good: new posts about it open a new incident."""
    return _move(
        session,
        incident,
        IncidentStatus.CLOSED,
        (IncidentStatus.OPEN, IncidentStatus.RESOLVED),
        action="close",
        by=by,
        now=now,
        note=note,
    )


def reopen(
    session: Session, incident: Incident, *, by: str, now: datetime, note: str | None = None
) -> Incident:
    """Back to work: a resolved or closed incident is open again."""
    return _move(
        session,
        incident,
        IncidentStatus.OPEN,
        (IncidentStatus.RESOLVED, IncidentStatus.CLOSED),
        action="reopen",
        by=by,
        now=now,
        note=note,
    )


def assign(
    session: Session,
    incident: Incident,
    *,
    by: str,
    now: datetime,
    assignee: str | None,
    note: str | None = None,
) -> Incident:
    """Give the incident an owner: the person who leads it as a whole."""
    if not assignee or not assignee.strip():
        raise InvalidInput("`assignee` is required to assign an incident", field="assignee")
    if incident.status == IncidentStatus.MERGED:
        raise Conflict(f"incident {incident.id} was merged: assign the one it joined", field="id")
    before_owner = incident.owner
    incident.owner = assignee.strip()
    data = {"from_owner": before_owner, "owner": incident.owner}
    _changed(
        session,
        incident,
        action="assign",
        by=by,
        now=now,
        note=note,
        before=incident.status,
        data=data,
    )
    return incident


def apply(
    session: Session,
    incident_id: int,
    action: LifecycleAction,
    *,
    by: str,
    now: datetime,
    note: str | None = None,
    assignee: str | None = None,
) -> Incident:
    """One lifecycle action on one incident, as the API and Slack ask for it."""
    incident = load_incident(session, incident_id)
    if action == "assign":
        return assign(session, incident, by=by, now=now, assignee=assignee, note=note)
    if action == "resolve":
        return resolve(session, incident, by=by, now=now, note=note)
    if action == "close":
        return close(session, incident, by=by, now=now, note=note)
    if action == "reopen":
        return reopen(session, incident, by=by, now=now, note=note)
    raise InvalidInput(
        f"unknown action `{action}`; use one of " + ", ".join(ACTIONS), field="action"
    )
