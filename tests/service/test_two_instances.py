"""Two service instances over one PostgreSQL database group one story into one incident."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from playbook.actions.console import ConsoleSink
from playbook.core.clock import FakeClock
from playbook.core.db import make_engine, session_scope
from playbook.core.models import Incident
from playbook.core.settings import Settings
from playbook.intake.events import EventIn
from playbook.pipeline import ingest
from service.runtime import Runtime
from tests.conftest import RULES, _truncate

STORY = "한빛텔레콤 다음 달부터 인터넷 요금 30% 인상한다는 소문 돌던데 진짜임? 공지도 없이"
TAILS = ["", " #한빛", " ㅋㅋㅋ", " 😡", " 진짜 너무하네", "??"]


@pytest.fixture
def instances(postgres_engine: Engine, postgres_url: str) -> Iterator[list[Runtime]]:
    _truncate(postgres_engine)
    built = []
    for _ in range(2):
        settings = Settings(database_url=postgres_url, rules_file=RULES, watch_rules=False)
        engine = make_engine(postgres_url)  # each instance has its own pool, as in production
        built.append(Runtime.build(settings, clock=FakeClock(), sink=ConsoleSink(), engine=engine))
    yield built
    for runtime in built:
        runtime.rules.close()
        runtime.engine.dispose()
    _truncate(postgres_engine)


def test_concurrent_copies_make_one_incident(instances: list[Runtime]) -> None:
    events = [
        EventIn(
            id=f"t{i}",
            source="twitter",
            text=STORY + TAILS[i % len(TAILS)],
            author={"id": f"a{i}", "followers": 50},
        )
        for i in range(40)
    ]
    barrier = threading.Barrier(len(instances) * 2)
    errors: list[BaseException] = []

    def work(runtime: Runtime, share: list[EventIn]) -> None:
        barrier.wait()
        try:
            for event in share:
                with session_scope(runtime.engine) as session:
                    ingest(
                        session,
                        event,
                        playbook=runtime.rules.playbook,
                        now=runtime.clock.now(),
                        default_channel="#c",
                    )
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    shares = [events[k::4] for k in range(4)]
    threads = [threading.Thread(target=work, args=(instances[k % 2], shares[k])) for k in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with Session(instances[0].engine) as session:
        incidents = session.exec(select(Incident)).all()
        stored = session.exec(text("SELECT count(*) FROM event")).one()  # type: ignore[call-overload]
    assert stored[0] == 40
    assert len(incidents) == 1
    assert incidents[0].event_count == 40
