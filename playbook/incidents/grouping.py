"""Which open incident an event belongs to, and the incident's numbers as they grow."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, exists, func
from sqlmodel import Session, col, select

from playbook.core.db import lock_keys
from playbook.core.models import Event, Incident, IncidentBand
from playbook.incidents.audit import audit
from playbook.intake.events import EventIn
from playbook.intake.facts import IncidentStats
from playbook.rules.source.base import parse_duration
from playbook.rules.source.settings import GroupingSettings
from playbook.text.normalize import for_similarity
from playbook.text.similarity import band_keys, signature, similarity


@dataclass(frozen=True)
class Match:
    """The incident an event joins and why (shown by explain)."""

    incident: Incident
    reason: str


@dataclass(frozen=True)
class Fingerprint:
    """An event's text signature and LSH band keys (empty for texts too short to compare)."""

    signature: tuple[int, ...]
    keys: tuple[str, ...]


LSH_BANDS = 32
VELOCITY_CAP = 20_000  # events counted per 10 minutes at most: 2,000 a minute
MIN_SIMILARITY_CHARS = 12  # shorter texts ("ㅋㅋ", "RT") would group unrelated posts


def fingerprint(text: str) -> Fingerprint:
    if len(for_similarity(text)) < MIN_SIMILARITY_CHARS:
        return Fingerprint((), ())
    sig = tuple(signature(text))
    # 32 bands of 2 rows: copies at the default 0.6 similarity share a key almost surely
    # (16 bands missed about one in ten); candidates are then checked on the signature.
    return Fingerprint(sig, tuple(band_keys(sig, bands=LSH_BANDS)))


def find_incident(
    session: Session,
    event: EventIn,
    *,
    fp: Fingerprint | None = None,
    settings: GroupingSettings | None = None,
    now: datetime | None = None,
    parent: tuple[Event, Incident | None] | None = None,
) -> Match | None:
    """The open incident an event belongs to: its parent's, or a near-duplicate's.

    `parent` is the stored post the event refers to and that post's incident (None when it
    is not stored, or when the event refers to none): the caller reads them with its
    duplicate check, in one query.
    """
    by_parent = _by_parent(event, parent)
    if by_parent is not None or fp is None or not fp.keys or settings is None or now is None:
        return by_parent
    return _by_similarity(session, fp, settings, now)


def _by_similarity(
    session: Session, fp: Fingerprint, settings: GroupingSettings, now: datetime
) -> Match | None:
    if session.get_bind().dialect.name == "postgresql":
        # Instances grouping the same story at once take its keys' locks in one order, in
        # one statement (32 keys: one round trip, not 32).
        lock_keys(session, fp.keys)
    since = now - timedelta(seconds=parse_duration(settings.window))
    ids = select(IncidentBand.incident_id).where(col(IncidentBand.band_key).in_(fp.keys))
    query = select(Incident).where(
        col(Incident.id).in_(ids.distinct()),
        Incident.status == "open",
        col(Incident.updated_at) >= since,
    )
    best: tuple[float, Incident] | None = None
    for incident in session.exec(query):
        score = similarity(fp.signature, tuple(incident.signature)) if incident.signature else 0.0
        if score >= settings.similarity and (best is None or score > best[0]):
            best = (score, incident)
    if best is None:
        return None
    score, incident = best
    return Match(
        incident,
        f"text {score:.0%} similar to incident {incident.id} "
        f"(threshold {settings.similarity:.0%}, window {settings.window})",
    )


def remember(session: Session, incident: Incident, fp: Fingerprint, now: datetime) -> None:
    """Store a new incident's signature and band keys so later copies find it."""
    if not fp.keys:
        return
    incident.signature = list(fp.signature)
    for key in fp.keys:
        session.add(IncidentBand(incident_id=incident.id or 0, band_key=key, created_at=now))


def _by_parent(event: EventIn, stored: tuple[Event, Incident | None] | None) -> Match | None:
    """Reposts, quotes and replies join the open incident of the post they refer to."""
    parent = event.parent_id
    incident = stored[1] if stored is not None else None
    if parent is None or incident is None or incident.status == "closed":
        return None
    return Match(incident, f"refers to post {parent} of incident {incident.id}")


def incident_stats(session: Session, incident: Incident, now: datetime) -> IncidentStats:
    """Event count, velocity (events per minute over 10 minutes), authors and reach."""
    return stats_and_author(session, incident, now, None)[0]


def _stats_query() -> Any:
    # Counting stops at a cap: in a storm, an exact count of every copy would cost more per
    # event the bigger the storm; rules only need to know the rate is past their threshold.
    window = (
        select(Event.id)
        .where(
            Event.incident_id == bindparam("incident_id"),
            col(Event.received_at) >= bindparam("since"),
        )
        .limit(VELOCITY_CAP)
        .subquery()
    )
    recent = select(func.count()).select_from(window).scalar_subquery()
    seen = exists().where(
        col(Event.incident_id) == bindparam("incident_id"),
        col(Event.author_key) == bindparam("author_key"),
    )
    return select(recent, seen)


# Built once: in a storm, building a statement costs more than the database's work on it.
_STATS = _stats_query()


def stats_and_author(
    session: Session, incident: Incident, now: datetime, author_key: str | None
) -> tuple[IncidentStats, bool]:
    """The incident's numbers, and whether `author_key` already posted in it: one query."""
    params = {
        "incident_id": incident.id,
        "since": now - timedelta(minutes=10),
        "author_key": author_key,  # None matches no row: an anonymous author is never "seen"
    }
    count, author_seen = session.execute(_STATS, params).one()
    stats = IncidentStats(
        event_count=incident.event_count,
        velocity_10m=round(count / 10.0, 3),
        authors=incident.author_count,
        reach=incident.reach,
    )
    return stats, bool(author_seen)


def adopt_orphans(session: Session, incident: Incident, event: EventIn, now: datetime) -> int:
    """Reposts and replies that arrived before their post join its new incident.

    An orphan that opened an incident of its own (still open, one event) has that incident
    merged into this one; an ignored orphan is simply attached. Returns events moved.
    """
    query = select(Event).where(Event.source == event.source, Event.parent_id == event.id)
    moved = 0
    for orphan in session.exec(query):
        if orphan.incident_id == incident.id:
            continue
        if orphan.incident_id is not None:
            solo = session.get(Incident, orphan.incident_id)
            if solo is None or solo.status != "open" or solo.event_count > 1:
                continue
            solo.status = "merged"
            solo.updated_at = now
            solo.summary = {**solo.summary, "merged_into": incident.id}
            audit(
                session,
                solo,
                actor="playbook",
                action="merged",
                at=now,
                from_state="open",
                to_state="merged",
                note=f"its post {event.id} arrived: merged into #{incident.id}",
            )
        orphan.incident_id = incident.id
        incident.event_count += 1
        moved += 1
    return moved
