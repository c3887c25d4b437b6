"""Staff merge two incidents that are one story, or split one that is two."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col, select

from playbook.actions import outbox
from playbook.core.errors import Conflict, InvalidInput, NotFound
from playbook.core.models import Event, Incident, IncidentBand, IncidentStatus, IncidentTerm, Step
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


def split(
    session: Session, incident_id: int, event_ids: list[str], *, by: str, now: datetime
) -> Incident:
    """Move the chosen events (by their ids) into a new incident with a fresh copy of the
    workflow (every step open again); returns the new incident."""
    source = _get(session, incident_id, "incident_id")
    if source.status in (IncidentStatus.MERGED, IncidentStatus.CLOSED):
        raise Conflict(f"incident {source.id} is {source.status}", field="incident_id")
    wanted = set(event_ids)
    query = select(Event).where(Event.incident_id == source.id)
    events = [e for e in session.exec(query)]
    chosen = [e for e in events if e.external_id in wanted]
    missing = wanted - {e.external_id for e in chosen}
    if not chosen or missing:
        raise InvalidInput(
            f"not events of incident {source.id}: {sorted(missing)}", field="event_ids"
        )
    if len(chosen) == len(events):
        raise InvalidInput("a split leaves at least one event behind", field="event_ids")
    new = _split_incident(session, source, chosen, now)
    _copy_steps(session, source, new, now)
    source.event_count = max(source.event_count - len(chosen), 1)
    source.updated_at = now
    source.version += 1
    note = f"{len(chosen)} event(s) of #{source.id} split into #{new.id} by {by}"
    audit(session, source, actor=by, action="split", at=now, note=note, data={"into": new.id})
    audit(
        session,
        new,
        actor=by,
        action="created",
        at=now,
        to_state="open",
        note=note,
        data={"split_from": source.id, "events": sorted(wanted)},
    )
    outbox.enqueue_card(session, source, now=now)
    outbox.enqueue_card(session, new, now=now)
    return new


def _split_incident(
    session: Session, source: Incident, chosen: list[Event], now: datetime
) -> Incident:
    first = min(chosen, key=lambda e: e.id or 0)
    new = Incident(
        title=f"{source.category.capitalize()}: split from #{source.id}",
        category=source.category,
        severity=source.severity,
        event_count=len(chosen),
        author_count=len({e.author_key for e in chosen if e.author_key}) or 1,
        reach=sum(e.followers or 0 for e in chosen),
        rules_version=source.rules_version,
        matched_rules=list(source.matched_rules),
        channel=source.channel,
        language=source.language,
        topics=list(source.topics),
        root_source=first.source,
        root_external_id=first.external_id,
        summary={"split_from": source.id, "url": first.url},
        created_at=now,
        updated_at=now,
    )
    session.add(new)
    session.flush()
    for event in chosen:
        event.incident_id = new.id
    return new


def _copy_steps(session: Session, source: Incident, new: Incident, now: datetime) -> None:
    """The source's steps, open again, their prerequisites linked among the copies."""
    old = steps_of(session, source.id or 0)
    copies = [
        Step(
            incident_id=new.id or 0,
            position=step.position,
            kind=step.kind,
            title=step.title,
            owner=step.owner,
            applies_if=list(step.applies_if),
            detail={k: v for k, v in step.detail.items() if k not in ("done_by", "note")},
            due_at=step.due_at,
            created_at=now,
            updated_at=now,
        )
        for step in old
    ]
    session.add_all(copies)
    session.flush()
    ids = {o.id: c.id or 0 for o, c in zip(old, copies, strict=True)}
    for step, copy in zip(old, copies, strict=True):
        copy.depends_on = [ids[d] for d in step.depends_on if d in ids]
    refresh(copies)
