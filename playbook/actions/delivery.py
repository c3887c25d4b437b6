"""Delivery: due outbox items sent through a CardSink, paced per channel, retried with backoff."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from playbook.actions import outbox
from playbook.actions.sinks import CardSink, Message, RateLimited, card_metadata
from playbook.core.clock import Clock, as_utc
from playbook.core.db import lock_keys, session_scope
from playbook.core.models import Incident, OutboxItem, SlackChannel, SlackMessage

log = logging.getLogger("playbook.outbox")
Render = Callable[[Session, Incident, datetime], Message]  # the card as it stands now

MAX_BACKOFF = timedelta(minutes=5)
MAX_HOLD = timedelta(hours=1)  # the longest a Retry-After may hold a channel back
PACE = timedelta(seconds=1)  # Slack: one chat.postMessage a second per channel
# How long a post in flight keeps its channel to itself. Shorter than the outbox LEASE so that
# an instance dying mid-post holds the channel up for seconds, not minutes.
RESERVE = timedelta(seconds=30)
LOCK_SPACE = 7305731  # pg_advisory_xact_lock(space, key): apart from grouping's locks


@dataclass(frozen=True)
class _Job:
    """One claimed item: what to send, worked out inside the claiming transaction."""

    item_id: int
    attempt: int
    kind: str  # "post" (a card's first post), "update", "notice" or "thread"
    channel: str
    message: Message
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
    (chat.update) are not paced; Slack limits them per workspace, not per channel. A sink
    that answers RateLimited holds back that channel alone, for as long as it asked.
    """

    def __init__(self, engine: Engine, sink: CardSink, clock: Clock, render: Render) -> None:
        self.engine = engine
        self.sink = sink
        self.clock = clock
        self.render = render

    def deliver_due(self, limit: int = 100) -> int:
        """Deliver what is due now; returns how many items were sent."""
        with session_scope(self.engine) as session:
            due = outbox.due_ids(session, self.clock.now(), limit)
        return sum(1 for item_id in due if self._deliver_one(item_id))

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
            return outbox.next_due(session)

    def _deliver_one(self, item_id: int) -> bool:
        job = self._claim(item_id)
        if job is None:
            return False
        try:
            channel, ts = self._call(job)
        except RateLimited as exc:
            self._settle_failure(job, exc, hold=min(timedelta(seconds=exc.retry_after), MAX_HOLD))
            return False
        except Exception as exc:  # noqa: BLE001 - any sink failure is retried later
            self._settle_failure(job, exc)
            return False
        self._settle(job, channel, ts)
        return True

    # --- claiming: one short transaction, serialised per channel and per card ---

    def _claim(self, item_id: int) -> _Job | None:
        """Claims a due item for a lease and reserves its channel; None if deferred or done."""
        with session_scope(self.engine) as session:
            item = outbox.take(session, item_id, self.clock.now())
            if item is None:
                return None
            incident = session.get(Incident, item.incident_id) if item.incident_id else None
            if incident is None or incident.id is None:
                outbox.record_sent(item, self.clock.now())
                return None
            ref = session.get(SlackMessage, incident.id)
            kind = _kind(item, ref)
            channel = ref.channel if ref is not None and kind in ("update", "thread") else None
            channel = channel or item.channel or ""
            paced = _pace_keys(session, channel) if kind != "update" else ()
            if session.get_bind().dialect.name == "postgresql":
                card = [f"card:{incident.id}"] if item.kind == "card" else []
                lock_keys(session, [*paced, *card], space=LOCK_SPACE)
            now = self.clock.now()  # after the locks: another instance may have posted since
            if kind == "thread" and ref is None:
                item.attempts += 1
                _retry(item, now, RuntimeError("the card is not posted yet"))
                return None
            free_at = _busy_until(session, item, paced, now)
            if free_at is not None:
                outbox.defer(item, min(free_at, now + PACE))
                return None
            job = self._job(session, item, incident, ref, kind, channel, paced, now)
            outbox.lease(item, now)
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
        retried = kind == "post" and outbox.card_attempted(session, incident.id or 0)
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
        """Makes the sink call(s); returns the channel and, for a card, its ts."""
        if job.kind == "post":
            return self._post_card(job)
        if job.kind == "update" and job.ts is not None:
            self.sink.update(job.channel, job.ts, job.message)
            return job.channel, job.ts
        if job.kind == "notice":
            return self.sink.post(job.channel, job.message)[0], None
        if job.ts is None:
            raise RuntimeError(f"no card to {job.kind} in incident {job.incident_id}")
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
            item = outbox.leased(session, job.item_id, job.attempt)
            if item is not None:  # else our lease ran out and another instance took it over
                outbox.record_sent(item, now)

    def _settle_failure(self, job: _Job, exc: Exception, hold: timedelta | None = None) -> None:
        """The post may have reached Slack anyway: the channel waits PACE, or `hold` when the
        sink asked for it (a 429 on this channel holds back this channel, and only it)."""
        with session_scope(self.engine) as session:
            now = self.clock.now()
            _free(session, job.paced, now + max(PACE, hold or PACE))
            item = outbox.leased(session, job.item_id, job.attempt)
            if item is not None:
                _retry(item, now, exc, hold)


def _retry(item: OutboxItem, now: datetime, exc: Exception, hold: timedelta | None = None) -> None:
    """Back to the queue: after `hold` when the sink said how long, else exponential backoff."""
    backoff = hold or min(timedelta(seconds=2 ** min(item.attempts, 10)), MAX_BACKOFF)
    outbox.record_failure(item, now + backoff, f"{type(exc).__name__}: {exc}")
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


# --- pacing: when each channel is free, under every key it is known by ---


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
    busy = outbox.card_leased_until(session, item)
    if paced:
        query = select(SlackChannel.free_at).where(col(SlackChannel.channel).in_(paced))
        busy += [as_utc(t) for t in session.exec(query).all() if t is not None]
    later = [t for t in busy if t > now]
    return max(later) if later else None


def _free(
    session: Session, keys: tuple[str, ...], free_at: datetime, *, channel_id: str | None = None
) -> None:
    """After a post: the channel is free again at `free_at`, under every key it is known by."""
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
