"""Finding incidents: the filters the board and `GET /v1/incidents` share, with cursor paging."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from playbook.core.clock import as_utc
from playbook.core.models import Event, Incident, Step
from playbook.rules.source.model import SEVERITIES


@dataclass(frozen=True)
class IncidentFilter:
    """Every field narrows the list; None leaves it open."""

    status: str | None = None
    severity: str | None = None
    category: str | None = None
    channel: str | None = None
    q: str | None = None
    since: datetime | None = None


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def find_incidents(
    session: Session, where: IncidentFilter, *, limit: int, cursor: int | None = None
) -> tuple[list[Incident], int | None]:
    """Newest first; returns the page and the cursor of the next one (None at the end)."""
    query = select(Incident).order_by(col(Incident.id).desc()).limit(limit + 1)
    if where.status:
        query = query.where(Incident.status == where.status)
    if where.severity:
        query = query.where(Incident.severity == where.severity)
    if where.category:
        query = query.where(Incident.category == where.category)
    if where.channel:
        query = query.where(Incident.channel == where.channel)
    if where.q and where.q.strip():
        query = query.where(col(Incident.title).ilike(_like(where.q.strip()), escape="\\"))
    if where.since:
        query = query.where(col(Incident.updated_at) >= where.since)
    if cursor is not None:
        query = query.where(col(Incident.id) < cursor)
    rows = list(session.exec(query))
    more = len(rows) > limit
    page = rows[:limit]
    return page, (page[-1].id if more and page else None)


def by_urgency(incidents: list[Incident]) -> list[Incident]:
    """Most severe first; among equals, the oldest first (it has waited longest)."""

    def rank(incident: Incident) -> tuple[int, datetime]:
        level = SEVERITIES.index(incident.severity) if incident.severity in SEVERITIES else -1
        return (-level, as_utc(incident.created_at))

    return sorted(incidents, key=rank)


def volume(
    session: Session, incident_ids: list[int], *, start: datetime, end: datetime
) -> dict[int, list[int]]:
    """Events received per minute from `start` to `end`, per incident (zeros included)."""
    minutes = max(1, int((end - start).total_seconds() // 60) + 1)
    counts: dict[int, list[int]] = defaultdict(lambda: [0] * minutes)
    if not incident_ids:
        return {}
    query = select(Event.incident_id, Event.received_at).where(
        col(Event.incident_id).in_(incident_ids),
        col(Event.received_at) >= start,
        col(Event.received_at) <= end,
    )
    for incident_id, received in session.exec(query):
        index = int((as_utc(received) - start).total_seconds() // 60)
        if incident_id is not None and 0 <= index < minutes:
            counts[incident_id][index] += 1
    return {i: counts[i] for i in incident_ids}


def recent_volume(
    session: Session, incident_ids: list[int], *, now: datetime, minutes: int = 30
) -> dict[int, list[int]]:
    return volume(session, incident_ids, start=now - timedelta(minutes=minutes - 1), end=now)


def next_due(steps: list[Step]) -> Step | None:
    """The open step due soonest (steps without a deadline come last, in workflow order)."""
    open_steps = [s for s in steps if s.status in ("active", "pending")]
    if not open_steps:
        return None
    far = datetime.max.replace(tzinfo=as_utc(datetime.now()).tzinfo)
    return min(open_steps, key=lambda s: (as_utc(s.due_at) if s.due_at else far, s.position))


def steps_by_incident(session: Session, incident_ids: list[int]) -> dict[int, list[Step]]:
    out: dict[int, list[Step]] = {i: [] for i in incident_ids}
    if not incident_ids:
        return out
    query = select(Step).where(col(Step.incident_id).in_(incident_ids)).order_by(col(Step.position))
    for step in session.exec(query):
        out[step.incident_id].append(step)
    return out
