"""Ingest many events in one transaction, each in a savepoint: one bad event fails alone."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from playbook.core.db import lock_keys, session_scope
from playbook.intake.events import EventIn
from playbook.pipeline import IngestResult, ingest
from playbook.rules.playbook import Playbook

T = TypeVar("T")

EVENT_LOCKS = 7305731  # advisory lock space of (source, id) keys, apart from grouping's
# PostgreSQL states worth a second try in a transaction of its own: deadlock, serialization.
RETRYABLE = frozenset(("40P01", "40001"))


@dataclass(frozen=True)
class Failed:
    """An event the batch could not store, and why; the batch's other events are kept."""

    index: int
    error: Exception


@dataclass(frozen=True)
class BatchContext:
    """What every event of a batch is ingested with; `now` is read once per event."""

    playbook: Playbook
    now: Callable[[], datetime]
    default_channel: str
    store_personal_data: bool = False


class BatchLost(RuntimeError):
    """The outer transaction was rolled back under a savepoint; nothing of the batch holds."""


def ingest_batch(
    session: Session,
    events: Sequence[EventIn],
    context: BatchContext,
    answer: Callable[[IngestResult], T],
) -> list[T | Failed]:
    """Ingest `events` in order in the caller's transaction, each in a SAVEPOINT.

    `answer` turns a result into what the caller keeps, before the next event can change
    the rows it shows (its steps). A failing event's savepoint is rolled back and the next
    goes on; its index and error are returned in its place.
    """
    if session.get_bind().dialect.name == "postgresql":
        # Another instance's batch with one of these events waits for ours to commit, then
        # finds it stored: no unique-key race, whose handler would roll back the whole batch.
        lock_keys(session, (f"{e.source}:{e.id}" for e in events), space=EVENT_LOCKS)
    outer = session.get_transaction() or session.begin()
    answers: list[T | Failed] = []
    for index, event in enumerate(events):
        try:
            with session.begin_nested():
                result = ingest(
                    session,
                    event,
                    playbook=context.playbook,
                    now=context.now(),
                    default_channel=context.default_channel,
                    store_personal_data=context.store_personal_data,
                )
                kept: T | Failed = answer(result)
        except Exception as exc:  # noqa: BLE001 - one event's failure is its answer alone
            kept = Failed(index, exc)
            # Counters set from UPDATE ... RETURNING in the rolled-back savepoint: read again.
            session.expire_all()
        if session.get_transaction() is not outer:
            # ingest's duplicate-race handler rolls back the outermost transaction.
            raise BatchLost(f"event {index} rolled back the batch's transaction")
        answers.append(kept)
    return answers


def retryable(failure: Failed) -> bool:
    """A lock conflict with another transaction: the event may well pass on its own."""
    error = failure.error
    code = getattr(getattr(error, "orig", None), "sqlstate", None)
    return isinstance(error, DBAPIError) and code in RETRYABLE


def commit_batch(
    engine: Engine,
    events: Sequence[EventIn],
    context: BatchContext,
    answer: Callable[[IngestResult], T],
) -> list[T | Failed]:
    """The batch in one transaction, committed; lock conflicts retried once after it."""
    if len(events) == 1:
        return [alone(engine, events[0], context, answer)]
    try:
        with session_scope(engine) as session:
            answers = ingest_batch(session, events, context, answer)
    except BatchLost:
        # Rare (a unique-key race the event locks did not prevent): one transaction each.
        return [alone(engine, event, context, answer, i) for i, event in enumerate(events)]
    for index, kept in enumerate(answers):
        if isinstance(kept, Failed) and retryable(kept):
            answers[index] = alone(engine, events[index], context, answer, index)
    return answers


def alone(
    engine: Engine,
    event: EventIn,
    context: BatchContext,
    answer: Callable[[IngestResult], T],
    index: int = 0,
) -> T | Failed:
    """One event in a transaction of its own: no savepoint, the transaction is the unit."""
    try:
        with session_scope(engine) as session:
            return answer(
                ingest(
                    session,
                    event,
                    playbook=context.playbook,
                    now=context.now(),
                    default_channel=context.default_channel,
                    store_personal_data=context.store_personal_data,
                )
            )
    except Exception as exc:  # noqa: BLE001 - one event's failure is its answer alone
        return Failed(index, exc)
