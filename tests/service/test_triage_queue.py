"""Nothing addressed to us is dropped: a post to our handles that reads as `other` waits in a
quiet triage queue (no public draft, no card); the model's version is shown and recorded."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from playbook.core.models import OutboxItem
from playbook.rules import triage
from service.runtime import Runtime

PUBLIC = {"acknowledge", "apologise", "correct_rumour", "promise_follow_up", "private_channel"}


def post(client: TestClient, ident: str, text: str, **extra: Any) -> dict[str, Any]:
    body = {"id": ident, "source": "twitter", "text": text, **extra}
    answer = client.post("/v1/events", json=body)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def cards_for(runtime: Runtime, incident: int) -> int:
    with Session(runtime.engine) as session:
        query = select(OutboxItem).where(OutboxItem.incident_id == incident)
        return len(session.exec(query).all())


def test_a_post_to_our_handle_that_reads_as_other_is_queued_quietly(
    client: TestClient, runtime: Runtime
) -> None:
    body = post(client, "q1", "@hanbit_care 오늘 점심은 김치찌개 😋", mentions=["hanbit_care"])
    assert body["category"] == "other"
    assert body["incident_created"] is True
    assert body["matched_rules"] == ["addressed-to-us"]
    assert [s["kind"] for s in body["steps"]] == ["triage"]
    assert all(not s["detail"].get("draft") for s in body["steps"])
    assert cards_for(runtime, body["incident_id"]) == 0
    runtime.deliverer.drain()
    listed = client.get("/v1/incidents", params={"category": "other"}).json()
    assert [i["id"] for i in listed] == [body["incident_id"]]
    assert listed[0]["severity"] == "low"


def test_unaddressed_chatter_still_opens_nothing(client: TestClient) -> None:
    body = post(client, "q2", "오늘 점심은 김치찌개 😋")
    assert (body["category"], body["incident_id"]) == ("other", None)


def test_abuse_to_our_handle_gets_no_public_answer(client: TestClient) -> None:
    body = post(client, "q3", "@hanbit_telecom 한빛 ㅅㅂ 망해라 진짜", mentions=["hanbit_telecom"])
    assert body["category"] == "abuse"
    assert not {s["kind"] for s in body["steps"]} & PUBLIC


def test_plain_complaints_open_incidents_with_cards(client: TestClient, runtime: Runtime) -> None:
    for ident, text, extra in (
        ("q4", "@hanbit_ceo 어제부터 앱에서 결제가 안 됩니다. 해결 부탁드립니다", ["hanbit_ceo"]),
        ("q5", "한빛 인터넷이 오늘 아침부터 계속 끊깁니다", []),
        ("q6", "Hanbit moved my plan to a pricier one without asking. Please switch it back.", []),
    ):
        body = post(client, ident, text, mentions=extra)
        assert body["category"] == "complaint", text
        assert cards_for(runtime, body["incident_id"]) == 1


def test_the_model_version_is_shown_and_recorded(client: TestClient, runtime: Runtime) -> None:
    version = triage.version(runtime.rules.playbook.triage)
    assert client.get("/v1/rules").json()["model_version"] == version
    incident = post(client, "q7", "한빛 인터넷이 오늘 아침부터 계속 끊깁니다")["incident_id"]
    assert client.get(f"/v1/incidents/{incident}").json()["model_version"] == version
    preview = client.post(
        "/v1/rules/preview",
        json={"id": "q8", "source": "twitter", "text": "한빛 요금 두 번 나옴 ㅡㅡ"},
    ).json()
    assert preview["model_version"] == version
    model = preview["model"]
    assert model["category"] in model["scores"]
    assert model["confidence"] == max(model["scores"].values())
    assert 0 < len(model["top_features"]) <= 5
    assert all(f["weight"] > 0 for f in model["top_features"])
