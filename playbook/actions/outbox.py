"""The database outbox: side effects queued in the event's transaction, delivered after."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from playbook.actions.sinks import card_metadata
from playbook.core.clock import Clock, as_utc
from playbook.core.db import lock_keys, session_scope
from playbook.core.models import Incident, OutboxItem, SlackChannel, SlackMessage

log = logging.getLogger("playbook.outbox")
MAX_BACKOFF = timedelta(minutes=5)
PACE = timedelta(seconds=1)  # Slack: one chat.postMessage a second per channel
# A claimed item is retried by any instance after this, should its own die mid-call. It must
# outlast any one Slack call (10 s timeout, one reconnect, two 429 waits).
LEASE = timedelta(minutes=2)
# How long a post in flight keeps its channel to itself. Shorter than LEASE so that an instance
# dying mid-post holds the channel up for seconds, not minutes; a call outliving it risks a 429.
RESERVE = timedelta(seconds=30)
LOCK_SPACE = 7305731  # pg_advisory_xact_lock(space, key): apart from grouping's locks
LIVE = ("pending", "sending")


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
    """Items not yet delivered (including those an instance is sending right now)."""
    query = select(func.count()).select_from(OutboxItem).where(col(OutboxItem.status).in_(LIVE))
    return session.exec(query).one()


@dataclass(frozen=True)
class _Job:
    """One claimed item: what to send, worked out inside the claiming transaction."""

    item_id: int
    attempt: int
    kind: str  # "post" (a card's first post), "update", "notice" or "thread"
    channel: str
    message: dict[str, Any]
    incident_id: int
    version: int = 0
    ts: str | None = None
    paced: tuple[str, ...] = ()  # channel keys whose pace this post uses
    look_in: str | None = None  # an earlier attempt may have posted the card here: find it


class Deliverer:
    """Delivers due outbox items through a sink; safe to run in several instances.

    An item is claimed in one short transaction, sent with no transaction open, and settled
    in another. Posts (chat.postMessage) are paced per channel through the `slack_channel`
    table: at most one a second, across every instance sharing the database. Card updates
    (chat.update) are not paced; Slack limits them per workspace, not per channel.
    """

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

    def drain(
        self, max_rounds: int = 1000, *, wait: Callable[[datetime], object] | None = None
    ) -> int:
        """Deliver until nothing is due (tests and shutdown); returns how many were sent.

        Without `wait`, items deferred to later (a paced channel, a retry) stay queued. With it,
        `wait(moment)` is called to let time reach the next deferred item and delivery goes on
        until the outbox is empty: tests pass a FakeClock's `set`.
        """
        total = 0
        for _ in range(max_rounds):
            count = self.deliver_due()
            total += count
            if count:
                continue
            due = self.next_due()
            if wait is None or due is None or due <= self.clock.now():
                break
            wait(due)
        return total

    def next_due(self) -> datetime | None:
        """When the earliest undelivered item is due, or None when there is none."""
        with session_scope(self.engine) as session:
            query = select(func.min(OutboxItem.next_attempt_at)).where(
                col(OutboxItem.status).in_(LIVE)
            )
            due = session.exec(query).one()
        return as_utc(due) if due is not None else None

    def _due_ids(self, limit: int) -> list[int]:
        now = self.clock.now()
        with session_scope(self.engine) as session:
            query = (
                select(OutboxItem.id)
                .where(col(OutboxItem.status).in_(LIVE), col(OutboxItem.next_attempt_at) <= now)
                .order_by(col(OutboxItem.id))
                .limit(limit)
            )
            return [i for i in session.exec(query).all() if i is not None]

    def _deliver_one(self, item_id: int) -> bool:
        job = self._claim(item_id)
        if job is None:
            return False
        try:
            channel, ts = self._call(job)
        except Exception as exc:  # noqa: BLE001 - any sink failure is retried later
            self._settle_failure(job, exc)
            return False
        self._settle(job, channel, ts)
        return True

    # --- claiming: one short transaction, serialised per channel and per card ---

    def _claim(self, item_id: int) -> _Job | None:
        """Claims a due item for LEASE and reserves its channel; None if deferred or done."""
        with session_scope(self.engine) as session:
            query = select(OutboxItem).where(
                OutboxItem.id == item_id, col(OutboxItem.status).in_(LIVE)
            )
            postgres = session.get_bind().dialect.name == "postgresql"
            if postgres:
                query = query.with_for_update(skip_locked=True)
            item = session.exec(query).first()
            if item is None or as_utc(item.next_attempt_at) > self.clock.now():
                return None  # another instance has it, or has just deferred it
            incident = session.get(Incident, item.incident_id) if item.incident_id else None
            if incident is None or incident.id is None:
                item.status, item.done_at = "sent", self.clock.now()
                return None
            ref = session.get(SlackMessage, incident.id)
            kind = _kind(item, ref)
            channel = ref.channel if ref is not None and kind in ("update", "thread") else None
            channel = channel or item.channel or ""
            paced = _pace_keys(session, channel) if kind != "update" else ()
            if postgres:
                card = [f"card:{incident.id}"] if item.kind == "card" else []
                lock_keys(session, [*paced, *card], space=LOCK_SPACE)
            now = self.clock.now()  # after the locks: another instance may have posted since
            if kind == "thread" and ref is None:
                item.status, item.attempts = "pending", item.attempts + 1
                self._retry(item, now, RuntimeError("the card is not posted yet"))
                return None
            free_at = _busy_until(session, item, paced, now)
            if free_at is not None:
                item.status = "pending"
                item.next_attempt_at = min(free_at, now + PACE)
                return None
            job = self._job(session, item, incident, ref, kind, channel, paced, now)
            item.status, item.attempts, item.next_attempt_at = "sending", job.attempt, now + LEASE
            for key in paced:
                _set_free_at(session, key, now + RESERVE)  # held until this post is settled
            return job

    def _job(
        self,
        session: Session,
        item: OutboxItem,
        incident: Incident,
        ref: SlackMessage | None,
        kind: str,
        channel: str,
        paced: tuple[str, ...],
        now: datetime,
    ) -> _Job:
        card = item.kind == "card"
        retried = kind == "post" and _attempted(session, incident.id or 0)
        return _Job(
            item_id=item.id or 0,
            attempt=item.attempts + 1,
            kind=kind,
            channel=channel,
            message=self.render(session, incident, now) if card else item.payload,
            incident_id=incident.id or 0,
            version=incident.version if card else 0,
            ts=ref.ts if ref is not None else None,
            paced=paced,
            look_in=_known_id(session, channel) if retried else None,
        )

    # --- sending: no transaction open ---

    def _call(self, job: _Job) -> tuple[str, str | None]:
        """Makes the Slack call(s); returns the channel and, for a card, its ts."""
        if job.kind == "post":
            return self._post_card(job)
        if job.kind == "update":
            self.sink.update(job.channel, job.ts, job.message)
            return job.channel, job.ts
        if job.kind == "notice":
            return self.sink.post(job.channel, job.message)[0], None
        self.sink.reply(job.channel, job.ts, job.message)
        return job.channel, None

    def _post_card(self, job: _Job) -> tuple[str, str]:
        """Posts a card once: after an attempt that may have reached Slack, adopts that post."""
        found = self.sink.find_card(job.look_in, job.incident_id) if job.look_in else None
        if found is None:
            message = {**job.message, "metadata": card_metadata(job.incident_id)}
            channel, ts = self.sink.post(job.channel, message)
            return str(channel), str(ts)
        channel, ts = found
        log.info("incident %s: card %s found in %s, updated in place", job.incident_id, ts, channel)
        self.sink.update(channel, ts, job.message)
        return channel, ts

    # --- settling: a second short transaction ---

    def _settle(self, job: _Job, channel: str, ts: str | None) -> None:
        with session_scope(self.engine) as session:
            now = self.clock.now()
            _free(session, job.paced, now + PACE, channel_id=channel if job.paced else None)
            if job.kind in ("post", "update") and ts is not None:
                _record_card(session, job, channel, ts, now)
            item = session.get(OutboxItem, job.item_id)
            if item is None or item.status != "sending" or item.attempts != job.attempt:
                return  # our lease ran out and another instance took the item over
            item.status, item.done_at = "sent", now

    def _settle_failure(self, job: _Job, exc: Exception) -> None:
        with session_scope(self.engine) as session:
            now = self.clock.now()
            _free(session, job.paced, now + PACE)  # the post may have reached Slack anyway
            item = session.get(OutboxItem, job.item_id)
            if item is None or item.status != "sending" or item.attempts != job.attempt:
                return
            item.status = "pending"
            self._retry(item, now, exc)

    def _retry(self, item: OutboxItem, now: datetime, exc: Exception) -> None:
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


def _kind(item: OutboxItem, ref: SlackMessage | None) -> str:
    if item.kind == "card":
        return "update" if ref is not None else "post"
    return item.kind


def _attempted(session: Session, incident_id: int) -> bool:
    """Whether a post of this card was started before (committed when claimed, before the call)."""
    query = select(OutboxItem.id).where(
        OutboxItem.incident_id == incident_id,
        OutboxItem.kind == "card",
        col(OutboxItem.attempts) > 0,
    )
    return session.exec(query.limit(1)).first() is not None


def _known_id(session: Session, channel: str) -> str:
    """The channel's id if a post there has told us, else the channel as addressed."""
    row = session.get(SlackChannel, channel)
    return row.channel_id if row is not None and row.channel_id else channel


def _record_card(session: Session, job: _Job, channel: str, ts: str, now: datetime) -> None:
    ref = session.get(SlackMessage, job.incident_id)
    if ref is None:
        ref = SlackMessage(incident_id=job.incident_id, channel=channel, ts=ts, posted_at=now)
    ref.version_sent = max(ref.version_sent, job.version)
    ref.updated_at = now
    session.add(ref)


def _pace_keys(session: Session, channel: str) -> tuple[str, ...]:
    """The keys one channel is known by: as addressed, and its id (name -> id learnt on post)."""
    if not channel:
        return ()
    rows = session.exec(
        select(SlackChannel).where(
            or_(col(SlackChannel.channel) == channel, col(SlackChannel.channel_id) == channel)
        )
    ).all()
    keys = {channel, *(r.channel for r in rows), *(r.channel_id for r in rows if r.channel_id)}
    return tuple(sorted(keys))


def _busy_until(
    session: Session, item: OutboxItem, paced: tuple[str, ...], now: datetime
) -> datetime | None:
    """When the item's channel (or, for a card, another claim on the same card) frees up."""
    busy: list[datetime] = []
    if paced:
        query = select(SlackChannel.free_at).where(col(SlackChannel.channel).in_(paced))
        busy += [as_utc(t) for t in session.exec(query).all() if t is not None]
    if item.kind == "card":
        query = select(OutboxItem.next_attempt_at).where(
            OutboxItem.incident_id == item.incident_id,
            OutboxItem.kind == "card",
            OutboxItem.status == "sending",
            OutboxItem.id != item.id,
        )
        busy += [as_utc(t) for t in session.exec(query).all() if t is not None]
    later = [t for t in busy if t > now]
    return max(later) if later else None


def _free(
    session: Session, keys: tuple[str, ...], free_at: datetime, *, channel_id: str | None = None
) -> None:
    """After a post: the channel is free again one PACE later, under every key it is known by."""
    for key in keys:
        _set_free_at(session, key, free_at, channel_id=channel_id if channel_id != key else None)
    if channel_id and keys and channel_id not in keys:
        _set_free_at(session, channel_id, free_at)


def _set_free_at(
    session: Session, channel: str, free_at: datetime, *, channel_id: str | None = None
) -> None:
    values: dict[str, Any] = {"channel": channel, "free_at": free_at}
    if channel_id:
        values["channel_id"] = channel_id
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = insert(SlackChannel).values(**values)
    changes = {k: statement.excluded[k] for k in values if k != "channel"}
    session.execute(statement.on_conflict_do_update(index_elements=["channel"], set_=changes))
