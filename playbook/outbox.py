"""The database outbox: side effects queued in the event's transaction, delivered after."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from playbook.clock import Clock
from playbook.db import session_scope
from playbook.models import Incident, OutboxItem, SlackMessage

log = logging.getLogger("playbook.outbox")
MAX_BACKOFF = timedelta(minutes=5)


def enqueue_card(session: Session, incident: Incident, *, now: datetime) -> None:
    """Ask for the incident's card to be brought up to date; bursts coalesce into one item."""
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
    """A reply in the card's thread (who did what, when)."""
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
    query = select(func.count()).select_from(OutboxItem).where(OutboxItem.status == "pending")
    return session.exec(query).one()


class Deliverer:
    """Delivers due outbox items through a sink; safe to run in several instances."""

    def __init__(self, engine: Engine, sink: Any, clock: Clock, render: Any) -> None:
        self.engine = engine
        self.sink = sink
        self.clock = clock
        self.render = render  # (session, incident, now) -> Slack message dict

    def deliver_due(self, limit: int = 100) -> int:
        """Deliver what is due now; returns how many items were sent."""
        sent = 0
        for item_id in self._due_ids(limit):
            if self._deliver_one(item_id):
                sent += 1
        return sent

    def drain(self, max_rounds: int = 1000) -> int:
        """Deliver until nothing is due (tests and shutdown)."""
        total = 0
        for _ in range(max_rounds):
            count = self.deliver_due()
            total += count
            if count == 0:
                break
        return total

    def _due_ids(self, limit: int) -> list[int]:
        now = self.clock.now()
        with session_scope(self.engine) as session:
            query = (
                select(OutboxItem.id)
                .where(OutboxItem.status == "pending", col(OutboxItem.next_attempt_at) <= now)
                .order_by(col(OutboxItem.id))
                .limit(limit)
            )
            return [i for i in session.exec(query).all() if i is not None]

    def _deliver_one(self, item_id: int) -> bool:
        now = self.clock.now()
        with session_scope(self.engine) as session:
            query = select(OutboxItem).where(
                OutboxItem.id == item_id, OutboxItem.status == "pending"
            )
            if session.get_bind().dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True)
            item = session.exec(query).first()
            if item is None:
                return False
            try:
                self._send(session, item, now)
            except Exception as exc:  # noqa: BLE001 - any sink failure is retried later
                self._retry(item, now, exc)
                return False
            item.status = "sent"
            item.done_at = now
            return True

    def _send(self, session: Session, item: OutboxItem, now: datetime) -> None:
        incident = session.get(Incident, item.incident_id) if item.incident_id else None
        if incident is None:
            return
        ref = session.get(SlackMessage, incident.id)
        if item.kind == "card":
            message = self.render(session, incident, now)
            if ref is None:
                channel, ts = self.sink.post(item.channel or "", message)
                session.add(
                    SlackMessage(
                        incident_id=incident.id or 0,
                        channel=channel,
                        ts=ts,
                        version_sent=incident.version,
                        posted_at=now,
                        updated_at=now,
                    )
                )
            else:
                self.sink.update(ref.channel, ref.ts, message)
                ref.version_sent = incident.version
                ref.updated_at = now
        elif item.kind == "notice":
            self.sink.post(item.channel or "", item.payload)
        elif item.kind == "thread":
            if ref is None:
                raise RuntimeError("the card is not posted yet")
            self.sink.reply(ref.channel, ref.ts, item.payload)

    def _retry(self, item: OutboxItem, now: datetime, exc: Exception) -> None:
        item.attempts += 1
        wait = getattr(exc, "retry_after", None)
        backoff = (
            timedelta(seconds=wait)
            if wait
            else min(timedelta(seconds=2 ** min(item.attempts, 10)), MAX_BACKOFF)
        )
        item.next_attempt_at = now + backoff
        item.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        log.warning(
            "outbox item %s (%s) failed, attempt %d, next in %ss: %s",
            item.id,
            item.kind,
            item.attempts,
            int(backoff.total_seconds()),
            item.last_error,
        )
