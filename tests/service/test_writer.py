"""Group commit: concurrent POST /v1/events gathered into one batch, each answered when stored."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from playbook import batch
from playbook.core.models import Event
from playbook.intake.events import EventIn
from playbook.pipeline import IngestResult
from service.runtime import Runtime
from service.writer import Writer, commit_events

STORY = "한빛텔레콤 다음 달부터 인터넷 요금 30% 인상한다는 소문 돌던데 진짜임? 공지도 없이"
OTHER = "@hanbit_telecom 고객센터 상담원이 욕을 했어요. 녹음도 있습니다 정말 화나네요"
THREADS = 8


def gather_eight(runtime: Runtime) -> list[int]:
    """The writer waits (a minute at most) until it holds 8 events: one batch, no timing."""
    sizes: list[int] = []
    runtime.writer = Writer(
        lambda events: commit_events(runtime, events),
        wait_ms=60_000,
        max_events=THREADS,
        on_batch=sizes.append,
    )
    return sizes


def post_together(client: TestClient, bodies: list[dict[str, Any]]) -> list[Any]:
    answers: list[Any] = [None] * len(bodies)
    start = threading.Barrier(len(bodies))

    def post(index: int) -> None:
        start.wait()
        answers[index] = client.post("/v1/events", json=bodies[index])

    threads = [threading.Thread(target=post, args=(i,)) for i in range(len(bodies))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def bodies() -> list[dict[str, Any]]:
    """Four copies of one story, then four of another (first of each by a known author)."""
    return [
        {
            "id": f"e{i}",
            "source": "twitter",
            "text": (STORY if i % 2 == 0 else OTHER) + " " * (i // 2) + "!" * (i // 2),
            "author": {"id": f"a{i}", "followers": 100},
        }
        for i in range(THREADS)
    ]


def stored_ids(runtime: Runtime) -> list[str]:
    with Session(runtime.engine) as session:
        return sorted(e.external_id for e in session.exec(select(Event)))


def test_concurrent_events_are_committed_together(client: TestClient, runtime: Runtime) -> None:
    sizes = gather_eight(runtime)
    answers = post_together(client, bodies())
    assert [a.status_code for a in answers] == [200] * THREADS, [a.text for a in answers]
    assert sizes == [THREADS]
    incident = {a.json()["event_id"]: a.json()["incident_id"] for a in answers}
    story = {incident[f"e{i}"] for i in range(0, THREADS, 2)}
    other = {incident[f"e{i}"] for i in range(1, THREADS, 2)}
    assert len(story) == 1 and len(other) == 1 and story != other
    assert sum(a.json()["incident_created"] for a in answers) == 2
    assert stored_ids(runtime) == sorted(f"e{i}" for i in range(THREADS))
    with Session(runtime.engine) as session:
        for event in session.exec(select(Event)):
            assert event.incident_id == incident[event.external_id]


def test_a_failing_event_fails_its_request_alone(
    client: TestClient, runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = batch.ingest

    def fails_for_e3(session: Session, event: EventIn, **kwargs: Any) -> IngestResult:
        result = real(session, event, **kwargs)
        if event.id == "e3":
            raise RuntimeError("the disk said no")
        return result

    monkeypatch.setattr(batch, "ingest", fails_for_e3)
    sizes = gather_eight(runtime)
    answers = post_together(client, bodies())
    assert sizes == [THREADS]
    status = {body["id"]: a.status_code for body, a in zip(bodies(), answers, strict=True)}
    assert status.pop("e3") == 500
    assert set(status.values()) == {200}
    assert stored_ids(runtime) == sorted(f"e{i}" for i in range(THREADS) if i != 3)


def test_flush_commits_what_is_gathered(runtime: Runtime) -> None:
    """A writer waiting a minute for more events commits at once when flushed."""
    sizes = gather_eight(runtime)
    gathered = threading.Event()
    runtime.writer.on_batch = lambda n: (sizes.append(n), gathered.set())
    answers: list[Any] = []
    first = EventIn.model_validate(bodies()[0])
    thread = threading.Thread(target=lambda: answers.append(runtime.writer.submit(first)))
    thread.start()
    runtime.writer.flush()
    thread.join(timeout=30)
    assert gathered.is_set() and sizes == [1]
    assert answers[0].event_id == "e0" and answers[0].incident_created
    assert stored_ids(runtime) == ["e0"]
    runtime.writer.close()
