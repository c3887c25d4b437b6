"""Joining an incident from many clients at once: no lost update of its counters (issue 13.1)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func
from sqlmodel import Session, col, select

from playbook.core.db import session_scope
from playbook.core.models import Event, Incident
from playbook.intake.events import EventIn
from playbook.pipeline import ingest
from service.runtime import Runtime

CLIENTS = 8
REPOSTS = 200
ROOT = {
    "id": "root-1",
    "source": "twitter",
    "text": "@hanbit_telecom 이번 달 요금이 두 배로 나왔는데 설명도 없네요. 진짜 황당합니다",
    "author": {"id": "1", "handle": "first", "followers": 300},
    "mentions": ["hanbit_telecom"],
}


def post(runtime: Runtime, raw: dict) -> int | None:
    with session_scope(runtime.engine) as session:
        result = ingest(
            session,
            EventIn.model_validate(raw),
            playbook=runtime.rules.playbook,
            now=runtime.clock.now(),
            default_channel="#crisis-response",
        )
        return result.incident_id


def repost(number: int) -> dict:
    # Authors repeat (every fourth repost is by an earlier author): author_count must not count
    # them twice, whichever client stores them.
    author = number % (REPOSTS * 3 // 4)
    return {
        **ROOT,
        "id": f"rp-{number}",
        "text": f"RT {ROOT['text']}",
        "author": {"id": f"a{author}", "handle": f"fan{author}", "followers": 10},
        "repost_of": ROOT["id"],
    }


def test_concurrent_reposts_keep_counts_equal_to_rows(runtime: Runtime) -> None:
    incident_id = post(runtime, ROOT)
    assert incident_id is not None
    with ThreadPoolExecutor(CLIENTS) as pool:
        joined = list(pool.map(lambda n: post(runtime, repost(n)), range(REPOSTS)))
    assert set(joined) == {incident_id}
    with Session(runtime.engine) as session:
        incident = session.get(Incident, incident_id)
        assert incident is not None
        rows = session.exec(
            select(func.count(col(Event.id))).where(Event.incident_id == incident_id)
        ).one()
        authors = session.exec(
            select(func.count(func.distinct(Event.author_key))).where(
                Event.incident_id == incident_id
            )
        ).one()
    assert rows == REPOSTS + 1
    assert incident.event_count == rows
    assert incident.author_count == authors == REPOSTS * 3 // 4 + 1
    assert incident.version >= REPOSTS + 1
