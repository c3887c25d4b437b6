"""The outbox queue: side effects queued in the event's transaction, claimed, leased, recorded.

It knows rows, not channels: how and when an item goes out is delivery's business.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from playbook.core.clock import as_utc
from playbook.core.models import Incident, OutboxItem

# A claimed item is retried by any instance after this, should its own die mid-call. It must
# outlast any one call (10 s timeout, one reconnect).
LEASE = timedelta(minutes=2)
LIVE = ("pending", "sending")


def wants_card(incident: Incident) -> bool:
    return bool(incident.summary.get("card", True))


def enqueue_card(session: Session, incident: Incident, *, now: datetime) -> None:
    """Ask for the incident's card to be brought up to date; bursts coalesce into one item.
    An incident its rules opened without a card (`card: false`) gets none."""
    if not wants_card(incident):
        return
    query = select(OutboxItem.id).where(
        OutboxItem.incident_id == incident.id,
        OutboxItem.kind == "card",
        OutboxItem.status == "pending",
    )
    if session.exec(query.limit(1)).first() is not None:
        return
    session.add(
        OutboxItem(
            kind="card",
            incident_id=incident.id,
            channel=incident.channel,
            next_attempt_at=now,
            created_at=now,
        )
    )


def enqueue_thread(
    session: Session, incident: Incident, message: dict[str, Any], *, now: datetime
) -> None:
    """A reply in the card's thread (who did what, when); none without a card."""
    if not wants_card(incident):
        return
    session.add(
        OutboxItem(
            kind="thread",
            incident_id=incident.id,
            channel=incident.channel,
            payload=message,
            next_attempt_at=now,
            created_at=now,
        )
    )


def enqueue_notice(
    session: Session, incident: Incident, channel: str, message: dict[str, Any], *, now: datetime
) -> None:
    """A one-off message to another channel (a storm notice to the crisis room)."""
    session.add(
        OutboxItem(
            kind="notice",
            incident_id=incident.id,
            channel=channel,
            payload=message,
            next_attempt_at=now,
            created_at=now,
        )
    )


def pending_count(session: Session) -> int:
    """Items not yet delivered (including those an instance is sending right now)."""
    query = select(func.count()).select_from(OutboxItem).where(col(OutboxItem.status).in_(LIVE))
    return session.exec(query).one()


def due_ids(session: Session, now: datetime, limit: int) -> list[int]:
    """Undelivered items due by `now`, oldest first."""
    query = (
        select(OutboxItem.id)
        .where(col(OutboxItem.status).in_(LIVE), col(OutboxItem.next_attempt_at) <= now)
        .order_by(col(OutboxItem.id))
        .limit(limit)
    )
    return [i for i in session.exec(query).all() if i is not None]


def next_due(session: Session) -> datetime | None:
    """When the earliest undelivered item is due, or None when there is none."""
    query = select(func.min(OutboxItem.next_attempt_at)).where(col(OutboxItem.status).in_(LIVE))
    due = session.exec(query).one()
    return as_utc(due) if due is not None else None


# --- claiming and leasing -----------------------------------------------------------------------


def take(session: Session, item_id: int, now: datetime) -> OutboxItem | None:
    """The item, row-locked on PostgreSQL, if it is undelivered and due; None if another
    instance holds it or has just deferred it."""
    query = select(OutboxItem).where(OutboxItem.id == item_id, col(OutboxItem.status).in_(LIVE))
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    item = session.exec(query).first()
    if item is None or as_utc(item.next_attempt_at) > now:
        return None
    return item


def lease(item: OutboxItem, now: datetime) -> int:
    """The item is being sent until LEASE from now; returns this attempt's number."""
    item.status, item.attempts, item.next_attempt_at = "sending", item.attempts + 1, now + LEASE
    return item.attempts


def defer(item: OutboxItem, until: datetime) -> None:
    """Not now: the item waits, untried, until `until`."""
    item.status, item.next_attempt_at = "pending", until


def record_failure(item: OutboxItem, until: datetime, error: str) -> None:
    """A failed attempt: the item is tried again at `until`."""
    item.status, item.next_attempt_at, item.last_error = "pending", until, error[:2000]


def record_sent(item: OutboxItem, now: datetime) -> None:
    item.status, item.done_at = "sent", now


def leased(session: Session, item_id: int, attempt: int) -> OutboxItem | None:
    """The item if this attempt still holds its lease (else another instance took it over)."""
    item = session.get(OutboxItem, item_id)
    if item is None or item.status != "sending" or item.attempts != attempt:
        return None
    return item


def card_attempted(session: Session, incident_id: int) -> bool:
    """Whether a post of this card was started before (committed when claimed, before the call)."""
    query = select(OutboxItem.id).where(
        OutboxItem.incident_id == incident_id,
        OutboxItem.kind == "card",
        col(OutboxItem.attempts) > 0,
    )
    return session.exec(query.limit(1)).first() is not None


def card_leased_until(session: Session, item: OutboxItem) -> list[datetime]:
    """Leases other instances hold on the same card (a card is sent by one at a time)."""
    if item.kind != "card":
        return []
    query = select(OutboxItem.next_attempt_at).where(
        OutboxItem.incident_id == item.incident_id,
        OutboxItem.kind == "card",
        OutboxItem.status == "sending",
        OutboxItem.id != item.id,
    )
    return [as_utc(t) for t in session.exec(query).all() if t is not None]
