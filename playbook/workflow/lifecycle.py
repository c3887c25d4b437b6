"""Staff join two incidents that are one story: events, steps and grouping move to the survivor."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col, select

from playbook.actions import outbox
from playbook.core.errors import Conflict, InvalidInput, NotFound
from playbook.core.models import Event, Incident, IncidentBand, IncidentStatus, IncidentTerm
from playbook.incidents.audit import audit
from playbook.rules.source.model import SEVERITIES
from playbook.workflow.steps import refresh, steps_of

TAKES_OVER = ("complaint", "rumour")


def merge(session: Session, incident_id: int, into_id: int, *, by: str, now: datetime) -> Incident:
    """Merge incident `incident_id` into `into_id`; returns the survivor.

    Events move; steps of kinds the survivor lacks move with their state (done stays done);
    the merged incident's band keys and words move too, so later copies find the survivor.
    """
    if incident_id == into_id:
        raise InvalidInput("an incident cannot be merged into itself", field="into")
    merged, survivor = _get(session, incident_id, "incident_id"), _get(session, into_id, "into")
    for incident, field in ((merged, "incident_id"), (survivor, "into")):
        if incident.status in (IncidentStatus.MERGED, IncidentStatus.CLOSED):
            raise Conflict(f"incident {incident.id} is {incident.status}", field=field)
    session.execute(
        update(Event).where(col(Event.incident_id) == merged.id).values(incident_id=survivor.id)
    )
    _move_steps(session, merged, survivor, now)
    _move_grouping(session, merged, survivor, now)
    survivor.event_count += merged.event_count
    survivor.author_count += merged.author_count
    survivor.reach += merged.reach
    if SEVERITIES.index(merged.severity) > SEVERITIES.index(survivor.severity):
        survivor.severity = merged.severity
    if merged.category in TAKES_OVER and survivor.category not in TAKES_OVER:
        survivor.category = merged.category
    survivor.status = IncidentStatus.OPEN
    survivor.resolved_at = None
    before = merged.status
    merged.status = IncidentStatus.MERGED
    merged.summary = {**merged.summary, "merged_into": survivor.id}
    for incident in (merged, survivor):
        incident.updated_at = now
        incident.version += 1
    note = f"#{merged.id} merged into #{survivor.id} by {by}"
    audit(
        session,
        merged,
        actor=by,
        action="merged",
        at=now,
        from_state=before,
        to_state=IncidentStatus.MERGED,
        note=note,
        data={"into": survivor.id},
    )
    audit(
        session, survivor, actor=by, action="absorbed", at=now, note=note, data={"from": merged.id}
    )
    outbox.enqueue_card(session, survivor, now=now)
    outbox.enqueue_card(session, merged, now=now)  # the old card points at the survivor
    return survivor


def _get(session: Session, incident_id: int, field: str) -> Incident:
    incident = session.get(Incident, incident_id)
    if incident is None:
        raise NotFound(f"no incident {incident_id}", field=field)
    return incident


def _move_steps(session: Session, merged: Incident, survivor: Incident, now: datetime) -> None:
    kept = steps_of(session, survivor.id or 0)
    kinds = {s.kind for s in kept}
    last = max((s.position for s in kept), default=-1)
    moved = []
    for step in steps_of(session, merged.id or 0):
        if step.kind in kinds:
            continue  # the survivor's own step of this kind stands for both
        last += 1
        step.incident_id = survivor.id or 0
        step.position = last
        step.detail = {**step.detail, "merged_from": merged.id}
        step.updated_at = now
        moved.append(step)
    refresh([*kept, *moved])


def _move_grouping(session: Session, merged: Incident, survivor: Incident, now: datetime) -> None:
    """Band keys and term counts join the survivor's: grouping learns the two are one story."""
    have = set(
        session.exec(select(IncidentBand.band_key).where(IncidentBand.incident_id == survivor.id))
    )
    for band in session.exec(select(IncidentBand).where(IncidentBand.incident_id == merged.id)):
        if band.band_key not in have:
            session.add(
                IncidentBand(incident_id=survivor.id or 0, band_key=band.band_key, created_at=now)
            )
    if not survivor.signature:
        survivor.signature = list(merged.signature)
    words = {
        t.term: t
        for t in session.exec(select(IncidentTerm).where(IncidentTerm.incident_id == survivor.id))
    }
    for term in session.exec(select(IncidentTerm).where(IncidentTerm.incident_id == merged.id)):
        if term.term in words:
            words[term.term].count += term.count
        else:
            session.add(
                IncidentTerm(incident_id=survivor.id or 0, term=term.term, count=term.count)
            )
