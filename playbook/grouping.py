"""Which open incident an event belongs to, and the incident's numbers as they grow."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func
from sqlmodel import Session, col, select

from playbook.clock import as_utc
from playbook.events import EventIn
from playbook.facts import IncidentStats
from playbook.models import Event, Incident


@dataclass(frozen=True)
class Match:
    """The incident an event joins and why (shown by explain)."""

    incident: Incident
    reason: str


def find_incident(session: Session, event: EventIn) -> Match | None:
    """Reposts, quotes and replies join the open incident of the post they refer to."""
    parent = event.parent_id
    if parent is None:
        return None
    query = select(Event).where(Event.source == event.source, Event.external_id == parent)
    stored = session.exec(query).first()
    if stored is None or stored.incident_id is None:
        return None
    incident = session.get(Incident, stored.incident_id)
    if incident is None or incident.status == "closed":
        return None
    return Match(incident, f"refers to post {parent} of incident {incident.id}")


def incident_stats(session: Session, incident: Incident, now: datetime) -> IncidentStats:
    """Event count, velocity (events per minute over 10 minutes), authors and reach."""
    since = now - timedelta(minutes=10)
    recent_query = select(func.count()).where(
        Event.incident_id == incident.id, col(Event.received_at) >= since
    )
    recent = session.exec(recent_query).one()
    return IncidentStats(
        event_count=incident.event_count,
        velocity_10m=round(recent / 10.0, 3),
        authors=incident.author_count,
        reach=incident.reach,
    )


def author_seen(session: Session, incident_id: int, author_key: str | None) -> bool:
    if author_key is None:
        return False
    query = select(Event.id).where(Event.incident_id == incident_id, Event.author_key == author_key)
    return session.exec(query.limit(1)).first() is not None


def age(moment: datetime, now: datetime) -> timedelta:
    return now - as_utc(moment)
