"""Stories, not strings: rewordings of one story join one incident; storms escalate by kind."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bench.storm import mixed_events, rewordings
from playbook.actions.console import ConsoleSink
from playbook.core.clock import FakeClock
from playbook.core.models import AuditEntry, Incident
from playbook.core.settings import REPO_ROOT, Settings
from service.app import create_app
from service.runtime import Runtime

WORDINGS = [
    "한빛텔레콤 부도 난다는 소문 돌던데 진짜임? 파산 신청 준비 중이래",
    "한빛텔레콤 곧 파산한대요 부도 위기라는 얘기 블라인드에 떴음",
    "한빛텔레콤 부도설 사실인가요? 파산하면 내 요금제는 어떻게 되는 거지",
    "한빛텔레콤 파산 직전이라는 지라시 받았는데 부도 맞음?",
    "한빛텔레콤 회사 망한다고 부도 파산 얘기 도는데 해지해야 하나",
]
THANKS = "한빛텔레콤 상담원분 너무 친절하셨어요 감사합니다 덕분에 문제 해결했어요"


def post(client: TestClient, i: int, text: str) -> dict:
    body = {
        "id": f"s{i}",
        "source": "twitter",
        "text": text,
        "author": {"id": f"a{i}", "handle": f"user{i}", "followers": 100},
    }
    answer = client.post("/v1/events", json=body)
    assert answer.status_code == 200, answer.text
    return answer.json()


@pytest.fixture
def spike_client(
    settings: Settings, clock: FakeClock, db_engine: Engine, tmp_path: Path
) -> Iterator[TestClient]:
    """The default rules with a storm at 50 events (the default is 100): a 60-post spike."""
    rules = (REPO_ROOT / "rules.yaml").read_text(encoding="utf-8")
    path = tmp_path / "rules.yaml"
    path.write_text(rules.replace("event_count: 100\n", "event_count: 50\n"), encoding="utf-8")
    settings.rules_file = path
    runtime = Runtime.build(settings, clock=clock, sink=ConsoleSink(), engine=db_engine)
    with TestClient(create_app(runtime, workers=False), client=("127.0.0.1", 1)) as client:
        yield client
    runtime.rules.close()


def test_a_rumour_in_five_wordings_is_one_story(spike_client: TestClient, clock: FakeClock) -> None:
    client = spike_client
    incidents: dict[int, int] = {}
    for i in range(60):
        clock.advance(seconds=10)
        answer = post(client, i, f"{WORDINGS[i % 5]} {'ㅠ' * (i // 5)}")
        incidents[answer["incident_id"]] = incidents.get(answer["incident_id"], 0) + 1
    assert len(incidents) <= 2, incidents
    assert max(incidents.values()) >= 55, incidents
    biggest = max(incidents, key=lambda k: incidents[k])
    detail = client.get(f"/v1/incidents/{biggest}").json()
    assert detail["category"] == "rumour"
    kinds = {s["kind"] for s in detail["steps"]}
    assert {"convene_committee", "verify_facts", "correct_rumour", "engage_advocates"} <= kinds


def test_a_storm_of_thanks_pages_nobody(
    client: TestClient, clock: FakeClock, runtime: Runtime, db_engine: Engine
) -> None:
    for i in range(120):
        clock.advance(seconds=3)
        post(client, i, f"{THANKS} {'!' * (i % 7)} {i}")
    with Session(db_engine) as session:
        incidents = session.exec(select(Incident)).all()
        actions = {a.action for a in session.exec(select(AuditEntry))}
    assert all(i.severity != "critical" for i in incidents)
    assert "storm" not in actions
    assert "storm_notice" in actions
    steps = [
        s["kind"] for i in incidents for s in client.get(f"/v1/incidents/{i.id}").json()["steps"]
    ]
    assert "convene_committee" not in steps
    runtime.deliverer.drain()
    texts = [m.get("text") or "" for m in runtime.sink.messages]  # type: ignore[attr-defined]
    assert not any("subteam^S0CEOOFFICE" in t for t in texts)
    assert any("nobody is paged" in t for t in texts)


def close_every_step(client: TestClient, incident_id: int) -> None:
    for step in client.get(f"/v1/incidents/{incident_id}").json()["steps"]:
        answer = client.post(
            f"/v1/incidents/{incident_id}/steps/{step['id']}",
            json={"action": "skip", "by": "t", "note": "answered"},
        )
        assert answer.status_code == 200, answer.text


def test_a_complaint_joining_a_resolved_question_reopens_it_as_a_complaint(
    client: TestClient, clock: FakeClock, db_engine: Engine
) -> None:
    question = post(client, 1, "@hanbit_care 요금제 변경은 앱에서 어떻게 하나요?")
    incident_id = question["incident_id"]
    assert question["category"] == "question"
    close_every_step(client, incident_id)
    before = client.get(f"/v1/incidents/{incident_id}").json()
    assert before["status"] == "resolved"
    clock.advance(minutes=5)
    body = {
        "id": "s2",
        "source": "twitter",
        "text": "앱에서 바꿨더니 요금이 두 번 청구됐어요. 환불 안 해주면 소비자원에 신고합니다 진짜 화나네요",
        "author": {"id": "a2", "handle": "angry", "followers": 300},
        "in_reply_to": "s1",
    }
    joined = client.post("/v1/events", json=body).json()
    assert joined["incident_id"] == incident_id and joined["category"] == "complaint"
    after = client.get(f"/v1/incidents/{incident_id}").json()
    assert after["status"] == "open"
    assert after["category"] == "complaint"
    kinds = {s["kind"]: s["status"] for s in after["steps"]}
    assert "apologise" in kinds or "promise_follow_up" in kinds, kinds
    closed = {s["id"] for s in before["steps"]}
    assert all(s["status"] == "skipped" for s in after["steps"] if s["id"] in closed)
    with Session(db_engine) as session:
        entries = session.exec(select(AuditEntry).where(AuditEntry.incident_id == incident_id))
        actions = {(a.action, a.to_state) for a in entries}
    assert {("category", "complaint"), ("status", "open")} <= actions


def test_a_reply_with_a_phone_number_adds_a_private_channel(client: TestClient) -> None:
    first = post(client, 1, "한빛 인터넷 어제부터 계속 끊겨요 너무 불편합니다")
    incident_id = first["incident_id"]
    kinds = [s["kind"] for s in client.get(f"/v1/incidents/{incident_id}").json()["steps"]]
    assert "private_channel" not in kinds
    body = {
        "id": "s2",
        "source": "twitter",
        "text": "저도요 연락 주세요 010-1234-5678",
        "author": {"id": "a2", "handle": "other", "followers": 30},
        "in_reply_to": "s1",
    }
    joined = client.post("/v1/events", json=body).json()
    assert joined["incident_id"] == incident_id
    detail = client.get(f"/v1/incidents/{incident_id}").json()
    kinds = [s["kind"] for s in detail["steps"]]
    assert kinds.count("private_channel") == 1


def test_eighty_rewordings_through_the_batch_make_at_most_three_incidents(
    client: TestClient,
) -> None:
    events = rewordings(80, random.Random(15))
    answer = client.post("/v1/events/batch", json={"events": events})
    assert answer.status_code == 200, answer.text
    incidents = Counter(
        item["result"]["incident_id"] for item in answer.json()["results"] if item["ok"]
    )
    assert sum(incidents.values()) == 80
    assert len(incidents) <= 3, incidents


def test_twenty_unrelated_stories_interleaved_stay_twenty(client: TestClient) -> None:
    events = mixed_events(3, random.Random(15))
    answer = client.post("/v1/events/batch", json={"events": events})
    assert answer.status_code == 200, answer.text
    by_story: dict[str, set[int]] = {}
    for item, event in zip(answer.json()["results"], events, strict=True):
        story = str(event["id"]).split("-")[0]
        by_story.setdefault(story, set()).add(item["result"]["incident_id"])
    assert len(by_story) == 20
    # Posts the rules ignore have no incident; every other story has one of its own.
    held = {story: incidents - {None} for story, incidents in by_story.items()}
    assert sum(1 for incidents in held.values() if incidents) >= 10, held
    owners = Counter(i for incidents in held.values() for i in incidents)
    assert all(n == 1 for n in owners.values()), sorted(held.items())  # one story each
    assert all(len(incidents) <= 1 for incidents in held.values()), held


def test_staff_merge_two_incidents_and_grouping_learns(
    client: TestClient, clock: FakeClock, db_engine: Engine
) -> None:
    one = post(client, 1, "한빛텔레콤 다음 달부터 인터넷 요금 30% 인상한다는 소문 돌던데 진짜임?")
    other = post(client, 2, "@hanbit_care 고객센터 연결이 한 시간째 안 되는데 이거 정상인가요")
    assert one["incident_id"] != other["incident_id"]
    clock.advance(minutes=1)
    answer = client.post(
        f"/v1/incidents/{other['incident_id']}/merge",
        json={"into": one["incident_id"], "by": "kim"},
    )
    assert answer.status_code == 200, answer.text
    survivor = answer.json()
    assert survivor["id"] == one["incident_id"] and survivor["event_count"] == 2
    assert {e["id"] for e in survivor["events"]} == {"s1", "s2"}
    merged = client.get(f"/v1/incidents/{other['incident_id']}").json()
    assert merged["status"] == "merged"
    again = client.post(
        f"/v1/incidents/{other['incident_id']}/merge", json={"into": one["incident_id"]}
    )
    assert again.status_code == 409
    assert client.post("/v1/incidents/999/merge", json={"into": 1}).status_code == 404
    itself = client.post(
        f"/v1/incidents/{one['incident_id']}/merge", json={"into": one["incident_id"]}
    )
    assert itself.status_code == 422
    clock.advance(minutes=1)
    copy = post(client, 3, "@hanbit_care 고객센터 연결이 한 시간째 안 되는데 이거 정상인가요 ㅠㅠ")
    assert copy["incident_id"] == one["incident_id"]  # a copy of the merged story: the survivor
    with Session(db_engine) as session:
        actions = {a.action for a in session.exec(select(AuditEntry))}
    assert {"merged", "absorbed"} <= actions


def test_staff_split_chosen_events_into_a_new_incident(
    client: TestClient, clock: FakeClock, db_engine: Engine
) -> None:
    first = post(client, 1, "한빛텔레콤 인터넷 또 먹통입니다. 벌써 세 시간째예요. 너무 화나네요")
    incident_id = first["incident_id"]
    for i in (2, 3):
        clock.advance(seconds=30)
        body = {"id": f"s{i}", "source": "twitter", "text": "저도 그래요 ㅠㅠ", "in_reply_to": "s1"}
        assert client.post("/v1/events", json=body).json()["incident_id"] == incident_id
    answer = client.post(f"/v1/incidents/{incident_id}/split", json={"event_ids": ["s3"]})
    assert answer.status_code == 200, answer.text
    new = answer.json()
    assert new["id"] != incident_id and new["event_count"] == 1
    assert [e["id"] for e in new["events"]] == ["s3"]
    assert {s["kind"] for s in new["steps"]} == {
        s["kind"] for s in client.get(f"/v1/incidents/{incident_id}").json()["steps"]
    }
    assert all(s["status"] in ("active", "pending") for s in new["steps"])
    old = client.get(f"/v1/incidents/{incident_id}").json()
    assert old["event_count"] == 2 and {e["id"] for e in old["events"]} == {"s1", "s2"}
    unknown = client.post(f"/v1/incidents/{incident_id}/split", json={"event_ids": ["nope"]})
    assert unknown.status_code == 422 and "event_ids" in unknown.text
    everything = client.post(f"/v1/incidents/{incident_id}/split", json={"event_ids": ["s1", "s2"]})
    assert everything.status_code == 422
    with Session(db_engine) as session:
        actions = {a.action for a in session.exec(select(AuditEntry))}
    assert "split" in actions
