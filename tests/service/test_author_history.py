"""Tip 7 by the author's history: one author's repeated demand is one incident, handed to
customer service and then left; a troll's insults are one abuse incident."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from playbook.core.clock import FakeClock

AUTHOR = {"id": "7001", "handle": "refund_now", "followers": 90}
REFUND = [
    "@hanbit_care 3년 동안 낸 요금 전액 환불해 주세요. 약정 때 설명과 다릅니다",
    "@hanbit_care 어제 말씀드린 3년치 요금 전액 환불 건, 아직 답이 없네요",
    "@hanbit_care 3년치 요금 전부 돌려받기 전까지 계속 올립니다. 전액 환불하세요",
    "@hanbit_care 환불 언제 해주나요? 3년 요금 전액입니다. 부분 환불은 안 받습니다",
    "@hanbit_care 오늘도 답이 없네요. 3년치 전액 환불 요구합니다",
    "@hanbit_care 여섯 번째입니다. 3년 요금 전액 환불해 주세요",
]


def post(client: TestClient, ident: str, text: str, author: dict[str, Any]) -> dict[str, Any]:
    body = {"id": ident, "source": "twitter", "text": text, "author": author}
    body["mentions"] = ["hanbit_care"] if "@hanbit_care" in text else []
    answer = client.post("/v1/events", json=body)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def test_six_refund_demands_over_six_days_are_one_incident_then_handed_over(
    client: TestClient, clock: FakeClock
) -> None:
    answers = []
    for day, text in enumerate(REFUND):
        answers.append(post(client, f"r{day}", text, AUTHOR))
        clock.advance(days=1)
    assert [a["category"] for a in answers] == ["complaint"] * 6
    assert len({a["incident_id"] for a in answers}) == 1
    assert answers[0]["incident_created"] is True
    assert not any(a["incident_created"] for a in answers[1:])
    assert answers[1]["grouped_because"].startswith("the same author's open complaint")
    assert "persistent-complainer" not in answers[2]["matched_rules"]
    assert "persistent-complainer" in answers[3]["matched_rules"]  # three before it
    kinds = [s["kind"] for s in answers[-1]["steps"]]
    assert {"cs_handoff", "disengage"} <= set(kinds)
    assert kinds.index("cs_handoff") < kinds.index("disengage")
    incident = client.get(f"/v1/incidents/{answers[0]['incident_id']}").json()
    assert incident["event_count"] == 6
    assert [s["kind"] for s in incident["steps"]] == kinds
    assert len(client.get("/v1/incidents").json()) == 1


def test_complaints_are_counted_whatever_became_of_their_incidents(
    client: TestClient, clock: FakeClock
) -> None:
    for day, text in enumerate(REFUND[:3]):
        first = post(client, f"c{day}", text, AUTHOR)
        closed = client.post(
            f"/v1/incidents/{first['incident_id']}", json={"by": "jimin", "action": "close"}
        )
        assert closed.status_code == 200, closed.text
        clock.advance(days=1)
    fourth = post(client, "c3", REFUND[3], AUTHOR)
    assert fourth["incident_created"] is True  # the old ones are closed: a new incident
    assert "persistent-complainer" in fourth["matched_rules"]
    assert {"cs_handoff", "disengage"} <= {s["kind"] for s in fourth["steps"]}


def test_another_authors_demand_or_another_demand_opens_its_own(
    client: TestClient, clock: FakeClock
) -> None:
    first = post(client, "a1", REFUND[0], AUTHOR)
    clock.advance(days=1)
    other = post(client, "a2", REFUND[1], {"id": "7002", "handle": "someone_else"})
    assert other["incident_id"] != first["incident_id"]
    clock.advance(days=1)
    unrelated = post(
        client, "a3", "@hanbit_care 매장 직원이 너무 불친절했어요. 화가 납니다", AUTHOR
    )
    assert unrelated["category"] == "complaint"
    assert unrelated["incident_id"] != first["incident_id"]


def test_a_trolls_insults_join_one_abuse_incident(client: TestClient, clock: FakeClock) -> None:
    troll = {"id": "6666", "handle": "troll_kr", "followers": 12}
    answers = []
    for n, text in enumerate(
        ("한빛 ㅅㅂ 망해라 진짜", "한빛 개새끼들 ㅋㅋ", "한빛 ㅈ같은 회사 꺼져")
    ):
        answers.append(post(client, f"t{n}", text, troll))
        clock.advance(hours=5)
    assert [a["category"] for a in answers] == ["abuse"] * 3
    assert len({a["incident_id"] for a in answers}) == 1
