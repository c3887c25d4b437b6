"""Per-topic velocity: events carrying each expert topic, counted per 10 seconds in the database.

The counts live in one small table (a row per topic per 10 seconds), so every service
instance sees the same numbers, and reading a topic's rate costs one indexed query.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, case, func
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, delete, select

from playbook.core.clock import as_utc
from playbook.core.models import TopicCount
from playbook.intake.facts import TopicRate

BUCKET_SECONDS = 10
VELOCITY_WINDOW = 600  # velocity_10m: events per minute over the last 10 minutes
COUNT_WINDOW = 3600  # event_count_1h
KEPT_SECONDS = COUNT_WINDOW  # older buckets are never read again


def bucket_of(moment: datetime) -> int:
    seconds = int(as_utc(moment).timestamp())
    return seconds - seconds % BUCKET_SECONDS


# Built once: statements are the costly part of a query in Python, not the database's work.
_RATES = (
    select(
        TopicCount.topic,
        func.sum(
            case(
                (col(TopicCount.bucket) > bindparam("velocity_after"), TopicCount.events),
                else_=0,
            )
        ),
        func.sum(TopicCount.events),
    )
    .where(
        col(TopicCount.topic).in_(bindparam("topics", expanding=True)),
        col(TopicCount.bucket) > bindparam("count_after"),
    )
    .group_by(TopicCount.topic)
)
_UPSERTS: dict[str, Any] = {}


def topic_rates(
    session: Session, topics: Iterable[str], now: datetime, *, plus: int = 0
) -> dict[str, TopicRate]:
    """Each topic's velocity and hourly count; `plus` adds events not stored yet (this one).

    A bucket counts while it started less than 10 minutes (or an hour) ago, so an event
    drops out of the window between 9m50s and 10m after it arrived.
    """
    wanted = sorted(set(topics))
    if not wanted:
        return {}
    seconds = int(as_utc(now).timestamp())
    params = {
        "topics": wanted,
        "velocity_after": seconds - VELOCITY_WINDOW,
        "count_after": seconds - COUNT_WINDOW,
    }
    counts = {topic: (int(ten), int(hour)) for topic, ten, hour in session.execute(_RATES, params)}
    rates = {}
    for topic in wanted:
        ten, hour = counts.get(topic, (0, 0))
        rates[topic] = TopicRate(
            topic=topic,
            velocity_10m=round((ten + plus) / (VELOCITY_WINDOW / 60), 3),
            event_count_1h=hour + plus,
        )
    return rates


def count_event(session: Session, topics: Iterable[str], now: datetime) -> None:
    """Add one event to each of its topics' current bucket, in topic order."""
    rows = [{"topic": t, "bucket": bucket_of(now)} for t in sorted(set(topics))]
    if rows:
        # Concurrent instances add to the same rows; sorted topics take their locks in order.
        session.execute(_upsert(session.get_bind().dialect.name), rows)


def _upsert(dialect_name: str) -> Any:
    if dialect_name not in _UPSERTS:
        table = TopicCount.__table__  # type: ignore[attr-defined]
        dialect = postgresql if dialect_name == "postgresql" else sqlite
        insert = dialect.insert(table).values(
            topic=bindparam("topic"), bucket=bindparam("bucket"), events=1
        )
        _UPSERTS[dialect_name] = insert.on_conflict_do_update(
            index_elements=["topic", "bucket"],
            set_={"events": table.c.events + insert.excluded.events},
        )
    return _UPSERTS[dialect_name]


def prune(session: Session, now: datetime) -> None:
    """Drop buckets older than an hour; a few rows per topic, so an occasional sweep is enough."""
    cutoff = bucket_of(now) - KEPT_SECONDS
    session.execute(delete(TopicCount).where(col(TopicCount.bucket) <= cutoff))
