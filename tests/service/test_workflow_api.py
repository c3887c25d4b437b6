"""Step actions through the API: prerequisites, outcomes, audit, and the card that follows."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from playbook.actions.console import ConsoleSink
from playbook.core.clock import FakeClock
from playbook.core.models import AuditEntry
from service.runtime import Runtime

COMPLAINT = {
    "id": "w1",
    "source": "twitter",
    "text": "@hanbit_telecom 이번 달 요금이 두 배로 나왔는데 설명도 없네요. 진짜 황당합니다",
    "author": {"id": "42", "handle": "someone", "followers": 300},
    "mentions": ["hanbit_telecom"],
}


def open_incident(client: TestClient) -> tuple[int, dict[str, dict[str, Any]]]:
    body = client.post("/v1/events", json=COMPLAINT).json()
    return body["incident_id"], {s["kind"]: s for s in body["steps"]}


def act(client: TestClient, incident: int, step: int, **body: Any) -> Any:
    return client.post(f"/v1/incidents/{incident}/steps/{step}", json={"by": "jimin", **body})


def test_step_waiting_for_prerequisites_answers_409(client: TestClient) -> None:
    incident, steps = open_incident(client)
    answer = act(client, incident, steps["apologise"]["id"], action="complete")
    assert answer.status_code == 409
    assert "waits for" in answer.json()["message"]
    assert "verify_facts" in answer.json()["message"]


def test_full_flow_at_fault(
    client: TestClient, runtime: Runtime, sink: ConsoleSink, clock: FakeClock
) -> None:
    incident, steps = open_incident(client)
    assert runtime.deliverer.drain() == 1
    assert [m["verb"] for m in sink.messages] == ["post"]

    assert act(client, incident, steps["triage"]["id"], action="complete").status_code == 200
    missing = act(client, incident, steps["verify_facts"]["id"], action="complete")
    assert missing.status_code == 422 and missing.json()["field"] == "outcome"

    done = act(
        client,
        incident,
        steps["verify_facts"]["id"],
        action="complete",
        outcome="at_fault",
        note="billing confirmed a double charge",
    )
    assert done.status_code == 200, done.text
    after = {s["kind"]: s for s in done.json()["incident"]["steps"]}
    assert after["verify_facts"]["detail"]["outcome"] == "at_fault"
    assert after["apologise"]["status"] == "active"
    assert after["promise_follow_up"]["status"] == "skipped"
    assert "at fault" in after["promise_follow_up"]["detail"]["skipped_reason"]

    for kind in ("acknowledge", "apologise"):
        assert act(client, incident, after[kind]["id"], action="complete").status_code == 200
    remaining = [
        s
        for s in client.get(f"/v1/incidents/{incident}").json()["steps"]
        if s["status"] not in ("done", "skipped")
    ]
    for step in remaining:
        assert act(client, incident, step["id"], action="complete").status_code == 200
    final = client.get(f"/v1/incidents/{incident}").json()
    assert final["status"] == "resolved"

    runtime.deliverer.drain(wait=clock.set)
    verbs = [m["verb"] for m in sink.messages]
    assert verbs[0] == "post"
    assert any(v.startswith("update") for v in verbs)
    assert any(v.startswith("reply") for v in verbs)

    with Session(runtime.engine) as session:
        trail = session.exec(
            select(AuditEntry)
            .where(AuditEntry.incident_id == incident)
            .order_by(col(AuditEntry.id))
        ).all()
    actions = [(a.actor, a.action, a.from_state, a.to_state) for a in trail]
    assert actions[0] == ("playbook", "created", None, "open")
    assert ("jimin", "complete", "active", "done") in actions
    assert ("playbook", "skip", "pending", "skipped") in actions
    assert actions[-1] == ("jimin", "status", "open", "resolved")
    assert all(a.rules_version == runtime.rules.playbook.version for a in trail)


def test_not_at_fault_skips_the_apology(client: TestClient) -> None:
    incident, steps = open_incident(client)
    act(client, incident, steps["triage"]["id"], action="complete")
    done = act(
        client, incident, steps["verify_facts"]["id"], action="complete", outcome="not_at_fault"
    )
    after = {s["kind"]: s for s in done.json()["incident"]["steps"]}
    assert after["apologise"]["status"] == "skipped"
    assert after["promise_follow_up"]["status"] == "skipped"


def test_reopening_verification_restores_skipped_steps(client: TestClient) -> None:
    incident, steps = open_incident(client)
    act(client, incident, steps["triage"]["id"], action="complete")
    act(client, incident, steps["verify_facts"]["id"], action="complete", outcome="not_at_fault")
    reopened = act(
        client, incident, steps["verify_facts"]["id"], action="reopen", note="new evidence"
    )
    assert reopened.status_code == 200
    after = {s["kind"]: s for s in reopened.json()["incident"]["steps"]}
    assert after["verify_facts"]["status"] == "active"
    assert "outcome" not in after["verify_facts"]["detail"]
    assert after["apologise"]["status"] == "pending"


def test_skip_needs_a_reason_and_done_steps_cannot_be_skipped(client: TestClient) -> None:
    incident, steps = open_incident(client)
    no_reason = act(client, incident, steps["acknowledge"]["id"], action="skip")
    assert no_reason.status_code == 422 and no_reason.json()["field"] == "note"
    act(client, incident, steps["triage"]["id"], action="complete")
    again = act(client, incident, steps["triage"]["id"], action="skip", note="x")
    assert again.status_code == 409


def test_assign_and_stale_version(client: TestClient) -> None:
    incident, steps = open_incident(client)
    triage = steps["triage"]
    assigned = act(
        client, incident, triage["id"], action="assign", assignee="U123", version=triage["version"]
    )
    assert assigned.status_code == 200
    stale = act(client, incident, triage["id"], action="complete", version=triage["version"])
    assert stale.status_code == 409
    assert "changed since" in stale.json()["message"]
    no_one = act(client, incident, triage["id"], action="assign")
    assert no_one.status_code == 422 and no_one.json()["field"] == "assignee"


def test_unknown_incident_and_step(client: TestClient) -> None:
    assert act(client, 999, 1, action="complete").status_code == 404
    incident, _ = open_incident(client)
    assert act(client, incident, 999, action="complete").status_code == 404
    bad = act(client, incident, 1, action="explode")
    assert bad.status_code == 422 and bad.json()["field"] == "action"


def test_listing_filters(client: TestClient) -> None:
    open_incident(client)
    assert len(client.get("/v1/incidents?category=complaint").json()) == 1
    assert client.get("/v1/incidents?category=rumour").json() == []
    assert client.get("/v1/incidents?status=resolved").json() == []
    assert client.get("/v1/incidents?limit=0").status_code == 422
