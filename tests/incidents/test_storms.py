"""One incident per story: reposts, replies and near-duplicates group; storms escalate once."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from playbook.actions.console import ConsoleSink
from playbook.core.clock import FakeClock
from playbook.core.models import AuditEntry
from playbook.core.settings import REPO_ROOT, Settings
from service.app import create_app
from service.runtime import Runtime

RUMOUR = "한빛텔레콤 다음 달에 인터넷 요금 30% 인상한다는 소문 돌던데 진짜임? 공지도 없이?"
VARIANTS = [
    RUMOUR,
    f"RT @someone: {RUMOUR}",
    f"{RUMOUR} #한빛 #요금인상 😡😡",
    "한빛텔레콤 다음달에 인터넷 요금 30% 인상한다는 소문 돌던데 진짜임?? 공지도 없이",
    f"{RUMOUR} 2026",
]
OTHER = "한빛원 배터리 폭발했다는 얘기 들었는데 사실인가요 다들 조심하세요"


@pytest.fixture
def storm_client(
    settings: Settings, clock: FakeClock, db_engine: Engine, tmp_path: Path
) -> Iterator[tuple[TestClient, Runtime]]:
    rules = (REPO_ROOT / "rules.yaml").read_text(encoding="utf-8")
    small = rules.replace("velocity_10m: 30 ", "velocity_10m: 0.5 ").replace(
        "event_count: 100\n", "event_count: 8\n"
    )
    assert small != rules
    path = tmp_path / "rules.yaml"
    path.write_text(small, encoding="utf-8")
    settings.rules_file = path
    runtime = Runtime.build(settings, clock=clock, sink=ConsoleSink(), engine=db_engine)
    with TestClient(create_app(runtime, workers=False), client=("127.0.0.1", 1)) as client:
        yield client, runtime
    runtime.rules.close()


def post(client: TestClient, i: int, text: str, **extra: object) -> dict:
    body = {
        "id": f"e{i}",
        "source": "twitter",
        "text": text,
        "author": {"id": f"a{i}", "handle": f"user{i}", "followers": 100},
        **extra,
    }
    answer = client.post("/v1/events", json=body)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_near_duplicates_join_one_incident(storm_client) -> None:
    client, _ = storm_client
    first = post(client, 0, VARIANTS[0])
    assert first["incident_created"]
    for i, text in enumerate(VARIANTS[1:], start=1):
        joined = post(client, i, text)
        assert joined["incident_id"] == first["incident_id"], text
        assert "similar to incident" in joined["grouped_because"]
    other = post(client, 99, OTHER)
    assert other["incident_id"] != first["incident_id"]


def test_replies_and_reposts_join_by_reference(storm_client) -> None:
    client, _ = storm_client
    first = post(client, 0, VARIANTS[0])
    reply = post(client, 1, "ㅋㅋ 설마", in_reply_to="e0")
    assert reply["incident_id"] == first["incident_id"]
    assert reply["grouped_because"] == f"refers to post e0 of incident {first['incident_id']}"


def test_storm_escalates_once(storm_client, clock: FakeClock, db_engine: Engine) -> None:
    client, runtime = storm_client
    first = post(client, 0, VARIANTS[0])
    incident = first["incident_id"]
    for i in range(1, 12):
        clock.advance(seconds=10)
        post(client, i, VARIANTS[i % len(VARIANTS)])
    detail = client.get(f"/v1/incidents/{incident}").json()
    assert detail["event_count"] == 12
    assert detail["severity"] == "critical"
    kinds = [s["kind"] for s in detail["steps"]]
    assert kinds.count("convene_committee") == 1
    assert "engage_advocates" in kinds
    with Session(db_engine) as session:
        storms = session.exec(select(AuditEntry).where(AuditEntry.action == "storm")).all()
    assert len(storms) == 1  # edge-triggered: once per crossing, not once per event
    numbers = storms[0].data
    assert numbers["velocity_10m"] >= 0.5 or numbers["event_count"] >= 8
    assert numbers["thresholds"] == {"velocity_10m": 0.5, "event_count": 8}
    runtime.deliverer.drain()
    notices = [m for m in runtime.sink.messages if m["channel"] == "#crisis-room"]  # type: ignore[attr-defined]
    assert len(notices) == 1 and "Storm" in notices[0]["text"]


def test_closed_incident_is_not_reopened_by_an_old_copy(storm_client, db_engine: Engine) -> None:
    client, _ = storm_client
    first = post(client, 0, VARIANTS[0])
    from playbook.core.models import Incident

    with Session(db_engine) as session:
        incident = session.get(Incident, first["incident_id"])
        assert incident is not None
        incident.status = "closed"
        session.add(incident)
        session.commit()
    copy = post(client, 1, VARIANTS[1])
    assert copy["incident_id"] != first["incident_id"]


def test_copies_arriving_before_their_post_are_attached(storm_client) -> None:
    client, _ = storm_client
    early = post(
        client,
        1,
        "RT @user0: 한빛 인터넷 또 먹통이래요 다들 괜찮으세요? 너무 화나네요",
        repost_of="e0",
    )
    reply = post(client, 2, "ㅋㅋ 설마", in_reply_to="e0")
    original = post(client, 0, "한빛텔레콤 인터넷 또 먹통입니다. 벌써 세 시간째예요. 너무 화나네요")
    assert original["incident_created"]
    detail = client.get(f"/v1/incidents/{original['incident_id']}").json()
    assert detail["event_count"] == 3
    assert {e["id"] for e in detail["events"]} == {"e0", "e1", "e2"}
    if early["incident_id"] not in (None, original["incident_id"]):
        merged = client.get(f"/v1/incidents/{early['incident_id']}").json()
        assert merged["status"] == "merged"
    assert reply["incident_id"] in (None, original["incident_id"], early["incident_id"])


def test_a_joining_event_costs_few_statements_however_big_the_storm(
    storm_client, db_engine: Engine
) -> None:
    """Reposts and copies joining a storm: a fixed, small number of SQL statements each."""
    from sqlalchemy import event

    client, _ = storm_client
    post(client, 0, VARIANTS[0])
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(db_engine, "before_cursor_execute", count)
    try:
        costs = []
        for i in range(1, 41):
            before = len(statements)
            extra = {"repost_of": f"e{i - 1}"} if i % 2 else {}
            joined = post(client, i, f"RT @user0: {RUMOUR}" if i % 2 else VARIANTS[i % 5], **extra)
            assert joined["incident_created"] is False
            costs.append(len(statements) - before)
    finally:
        event.remove(db_engine, "before_cursor_execute", count)
    # Storm escalation (at 8 events here) adds its steps and notice once; every other join
    # reads and writes a fixed set: the event, its parent, incident numbers, author history,
    # topic counts, story term counts, the card's outbox item and the steps.
    # The story path adds two: the words counted for rarity, and added to the incident.
    assert max(costs[10:]) <= 13, costs
    assert costs[10:20] == costs[30:40], costs  # no growth with the incident
