"""A batch in one transaction answers and stores exactly what the events one by one would."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from playbook import batch
from playbook.batch import BatchContext, Failed, commit_batch
from playbook.core.clock import FakeClock
from playbook.core.db import make_engine, migrate, session_scope
from playbook.core.models import (
    AuditEntry,
    Event,
    Incident,
    IncidentBand,
    OutboxItem,
    Step,
    TopicCount,
)
from playbook.intake.events import EventIn
from playbook.pipeline import IngestResult, ingest
from playbook.rules.playbook import Playbook
from tests.conftest import RULES, _truncate

STORIES = [
    "한빛텔레콤 다음 달부터 인터넷 요금 30% 인상한다는 소문 돌던데 진짜임? 공지도 없이",
    "@hanbit_telecom 이번 달 요금이 두 배로 나왔는데 설명도 없네요. 진짜 황당합니다",
    "Hanbit Telecom's network has been down all morning in Busan. Unacceptable, no notice",
]
UNRELATED = [
    "한빛 매장 직원분 너무 친절하셔서 감사했어요 👍",
    "@hanbit_care 요금제 변경은 앱에서 어떻게 하나요?",
    "오늘 점심은 김치찌개",
    "한빛원 배터리 폭발했다는 소문 돌던데 진짜임?",
    "@hanbit_telecom 고객센터 상담원이 욕을 했어요. 녹음도 있습니다",
]
TABLES = (Incident, Step, Event, IncidentBand, AuditEntry, OutboxItem, TopicCount)
TAILS = ["", " #한빛", " ㅋㅋㅋ", " 😡", " 진짜 너무하네", "??", " RT pls"]


def stream(seed: int, size: int) -> list[EventIn]:
    """Copies of a few stories, replies, reposts, unrelated posts and repeats, shuffled."""
    rng = random.Random(seed)
    out: list[EventIn] = []
    for i in range(size):
        roll = rng.random()
        author = {"id": f"a{rng.randrange(12)}", "followers": rng.choice([3, 50, 900, 40_000])}
        if out and roll < 0.12:
            out.append(rng.choice(out))  # a repeat of the same (source, id)
            continue
        fields: dict[str, Any] = {"id": f"s{seed}-{i}", "source": "twitter", "author": author}
        if out and roll < 0.25:
            fields |= {"in_reply_to": rng.choice(out).id, "text": rng.choice(UNRELATED)}
        elif out and roll < 0.35:
            parent = rng.choice(out)
            fields |= {"repost_of": parent.id, "text": parent.text}
        elif roll < 0.7:
            fields["text"] = rng.choice(STORIES) + rng.choice(TAILS)
        else:
            fields["text"] = rng.choice(UNRELATED) + rng.choice(TAILS)
        if rng.random() < 0.2:
            fields["source"] = "x"
        out.append(EventIn.model_validate(fields))
    return out


def times(seed: int, size: int) -> list[datetime]:
    rng = random.Random(seed)
    start = FakeClock().now()
    moments = [start]
    for _ in range(size - 1):
        moments.append(moments[-1] + timedelta(seconds=rng.choice([0, 1, 7, 60, 400])))
    return moments


def shown(result: IngestResult) -> tuple[Any, ...]:
    """Everything the answer says, steps as they were right after the event."""
    steps = tuple((s.id, s.kind, s.status, tuple(s.depends_on)) for s in result.steps)
    return (
        result.event_id,
        result.duplicate,
        result.incident_id,
        result.incident_created,
        result.category,
        result.severity,
        tuple(result.matched_rules),
        steps,
        result.grouped_because,
    )


def stored(engine: Engine) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table, in id order: incidents, steps, events, bands, audit, outbox."""
    with Session(engine) as session:
        return {
            table.__tablename__: [  # type: ignore[attr-defined]
                row.model_dump()
                for row in session.exec(
                    select(table).order_by(*table.__table__.primary_key.columns)  # type: ignore[attr-defined]
                )
            ]
            for table in TABLES
        }


@pytest.fixture
def playbook() -> Iterator[Playbook]:
    loaded = Playbook.from_file(str(RULES))
    yield loaded
    loaded.close()


@pytest.fixture
def second_engine(db_engine: Engine, tmp_path: Path) -> Callable[[], Engine]:
    """A fresh database on the same backend (PostgreSQL: the same one, emptied)."""

    def fresh() -> Engine:
        if db_engine.dialect.name == "postgresql":
            _truncate(db_engine)
            return db_engine
        engine = make_engine(f"sqlite:///{tmp_path / 'second.db'}")
        migrate(engine)
        return engine

    return fresh


def one_by_one(
    engine: Engine, events: list[EventIn], moments: list[datetime], playbook: Playbook
) -> list[tuple[Any, ...]]:
    answers = []
    for event, now in zip(events, moments, strict=True):
        with session_scope(engine) as session:
            result = ingest(session, event, playbook=playbook, now=now, default_channel="#c")
            answers.append(shown(result))
    return answers


def batched(
    engine: Engine, events: list[EventIn], moments: list[datetime], playbook: Playbook
) -> list[tuple[Any, ...] | Failed]:
    context = BatchContext(playbook=playbook, now=iter(moments).__next__, default_channel="#c")
    return commit_batch(engine, events, context, shown)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_batch_matches_one_by_one(
    db_engine: Engine, second_engine: Callable[[], Engine], playbook: Playbook, seed: int
) -> None:
    events, moments = stream(seed, 70), times(seed, 70)
    expected = one_by_one(db_engine, events, moments, playbook)
    expected_rows = stored(db_engine)
    assert len(expected_rows["incident"]) >= 3  # the stream groups, splits and repeats
    assert any(answer[1] for answer in expected)  # some repeats
    assert any(answer[8] for answer in expected)  # some joined an incident
    engine = second_engine()
    assert batched(engine, events, moments, playbook) == expected
    assert stored(engine) == expected_rows


def test_a_failing_event_fails_alone(
    db_engine: Engine, playbook: Playbook, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The bad event's writes are undone with its savepoint; the others are kept."""
    real = batch.ingest

    def fails_after_writing(session: Session, event: EventIn, **kwargs: Any) -> IngestResult:
        result = real(session, event, **kwargs)
        if event.id == "bad":
            session.flush()
            raise RuntimeError("the disk said no")
        return result

    monkeypatch.setattr(batch, "ingest", fails_after_writing)
    events = [
        EventIn(id=name, source="twitter", text=text)
        for name, text in [("a", STORIES[0]), ("bad", STORIES[1]), ("c", STORIES[2] + "!")]
    ]
    moments = times(0, 3)
    answers = batched(db_engine, events, moments, playbook)
    assert isinstance(answers[1], Failed)
    assert answers[1].index == 1 and "disk" in str(answers[1].error)
    assert [a[0] for a in answers if not isinstance(a, Failed)] == ["a", "c"]
    rows = stored(db_engine)
    assert [e["external_id"] for e in rows["event"]] == ["a", "c"]
    assert len(rows["incident"]) == 2  # the bad event's incident went with its savepoint
