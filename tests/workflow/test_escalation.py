"""Escalation settings from rules.yaml: when an overdue step escalates, whom it calls, severity."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from playbook.core.clock import FakeClock
from playbook.core.models import AuditEntry, Incident, Step
from playbook.rules.source.model import Expert, RulesFile
from playbook.rules.source.settings import EscalationSettings
from playbook.workflow.planner import lead_group
from playbook.workflow.scheduler import run_due
from service.runtime import Runtime

EVENT = {
    "id": "esc-1",
    "source": "twitter",
    "mentions": ["hanbit_telecom"],
    "text": "@hanbit_telecom 이번 달 요금이 두 배로 나왔어요. 황당합니다",
}


def with_escalation(model: RulesFile, **settings: object) -> RulesFile:
    escalation = EscalationSettings.model_validate(settings)
    return model.model_copy(
        update={"settings": model.settings.model_copy(update={"escalation": escalation})}
    )


def open_incident(client: TestClient) -> int:
    response = client.post("/v1/events", json=EVENT)
    assert response.status_code in (200, 201, 202), response.text
    return int(response.json()["incident_id"])


def trail(runtime: Runtime, action: str) -> list[AuditEntry]:
    with Session(runtime.engine) as session:
        return list(session.exec(select(AuditEntry).where(AuditEntry.action == action)).all())


def steps(runtime: Runtime, incident_id: int) -> list[Step]:
    with Session(runtime.engine) as session:
        return list(session.exec(select(Step).where(Step.incident_id == incident_id)).all())


def severity(runtime: Runtime, incident_id: int) -> str:
    with Session(runtime.engine) as session:
        incident = session.get(Incident, incident_id)
        assert incident is not None
        return incident.severity


def test_escalation_waits_as_long_as_the_rules_say(
    client: TestClient, runtime: Runtime, clock: FakeClock
) -> None:
    open_incident(client)
    model = with_escalation(runtime.rules.playbook.model, after="2h")
    clock.advance(minutes=16)  # triage (due in 15 min) falls due: a reminder only
    assert run_due(runtime.engine, model, clock.now()) == 1
    clock.advance(minutes=60)  # overdue by 61 min: under the 2 h the rules allow
    run_due(runtime.engine, model, clock.now())
    assert trail(runtime, "escalate") == []
    clock.advance(minutes=60)
    run_due(runtime.engine, model, clock.now())
    assert trail(runtime, "escalate")


def test_severity_is_raised_once_per_escalated_step_when_the_rules_say_so(
    client: TestClient, runtime: Runtime, clock: FakeClock
) -> None:
    incident_id = open_incident(client)
    before = severity(runtime, incident_id)
    assert before == "medium"
    model = with_escalation(runtime.rules.playbook.model, after="30m", raise_severity=True)
    clock.advance(minutes=16)
    run_due(runtime.engine, model, clock.now())
    clock.advance(minutes=30)  # triage overdue by 31 min: escalated, severity one level up
    run_due(runtime.engine, model, clock.now())
    raised = trail(runtime, "raise_severity")
    assert [(e.from_state, e.to_state) for e in raised] == [("medium", "high")]
    assert severity(runtime, incident_id) == "high"
    run_due(runtime.engine, model, clock.now())  # the same step never raises it twice
    assert len(trail(runtime, "raise_severity")) == 1


def test_severity_stays_when_the_rules_do_not_ask(
    client: TestClient, runtime: Runtime, clock: FakeClock
) -> None:
    incident_id = open_incident(client)
    model = with_escalation(runtime.rules.playbook.model, after="30m")
    clock.advance(minutes=16)
    run_due(runtime.engine, model, clock.now())
    clock.advance(minutes=30)
    run_due(runtime.engine, model, clock.now())
    assert trail(runtime, "escalate")
    assert trail(runtime, "raise_severity") == []
    assert severity(runtime, incident_id) == "medium"


def test_the_owners_lead_group_is_called(
    client: TestClient, runtime: Runtime, clock: FakeClock
) -> None:
    incident_id = open_incident(client)
    model = runtime.rules.playbook.model
    experts = {
        topic: Expert(owner=e.owner, name=e.name, keywords=e.keywords, lead="subteam:S0LEADX")
        for topic, e in model.experts.items()
    }
    model = model.model_copy(update={"experts": experts})
    triage = next(s for s in steps(runtime, incident_id) if s.kind == "triage")
    done = client.post(
        f"/v1/incidents/{incident_id}/steps/{triage.id}", json={"action": "complete", "by": "a"}
    )
    assert done.status_code == 200, done.text
    clock.advance(hours=3)  # every active step of the first hours is long overdue
    run_due(runtime.engine, model, clock.now())
    notes = [e.note or "" for e in trail(runtime, "escalate")]
    expert_owned = [n for n in notes if "subteam:S0LEADX" in n]
    assert expert_owned, notes


def test_steps_waiting_behind_triage_are_neither_reminded_nor_escalated(
    client: TestClient, runtime: Runtime, clock: FakeClock
) -> None:
    incident_id = open_incident(client)
    clock.advance(hours=3)  # every step is past its due time; only triage can be acted on
    run_due(runtime.engine, runtime.rules.playbook.model, clock.now())
    run_due(runtime.engine, runtime.rules.playbook.model, clock.now())
    by_id = {s.id: s for s in steps(runtime, incident_id)}
    assert {by_id[e.step_id].kind for e in trail(runtime, "escalate")} == {"triage"}
    waiting = [s for s in by_id.values() if s.status == "pending"]
    assert waiting and all(s.reminded_at is None and s.escalated_at is None for s in waiting)


def test_an_unowned_medium_triage_calls_the_comms_desk_not_the_ceos_office(
    client: TestClient, runtime: Runtime, clock: FakeClock
) -> None:
    unowned = runtime.rules.playbook.model.settings.escalation.unowned
    assert severity(runtime, open_incident(client)) == "medium"
    clock.advance(minutes=16)
    run_due(runtime.engine, runtime.rules.playbook.model, clock.now())
    clock.advance(minutes=30)
    run_due(runtime.engine, runtime.rules.playbook.model, clock.now())
    (entry,) = trail(runtime, "escalate")
    assert entry.data["lead"] == unowned.medium == "subteam:S0COMMSDESK"
    assert "CEO" not in str(entry.data["lead"])


def test_unowned_escalation_follows_severity() -> None:
    model = RulesFile.model_validate(
        {
            "version": 1,
            "organisation": {"name": "Acme"},
            "settings": {
                "storm": {"notify": "subteam:S0CEO"},
                "escalation": {"unowned": {"medium": "subteam:S0DESK"}},
            },
            "rules": [],
        }
    )
    triage = Step(incident_id=1, position=0, kind="triage", title="t", owner=None)
    called = {s: lead_group(model, triage, s) for s in ("low", "medium", "high", "critical")}
    assert called == {
        "low": None,
        "medium": "subteam:S0DESK",
        "high": "subteam:S0CEO",
        "critical": "subteam:S0CEO",
    }


def act(client: TestClient, incident_id: int, step: Step, action: str, **body: object) -> dict:
    answer = client.post(
        f"/v1/incidents/{incident_id}/steps/{step.id}", json={"action": action, "by": "lee", **body}
    )
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def kind_of(runtime: Runtime, incident_id: int, kind: str) -> Step:
    return next(s for s in steps(runtime, incident_id) if s.kind == kind)


def test_a_manual_and_an_automatic_escalation_call_the_same_group(
    client: TestClient, runtime: Runtime, clock: FakeClock
) -> None:
    by_hand = open_incident(client)
    other = {**EVENT, "id": "esc-2", "text": "@hanbit_telecom my bill doubled this month. Fix it"}
    answer = client.post("/v1/events", json=other)
    by_clock = int(answer.json()["incident_id"])
    assert by_clock != by_hand
    for incident_id in (by_hand, by_clock):
        act(client, incident_id, kind_of(runtime, incident_id, "triage"), "complete")
    act(client, by_hand, kind_of(runtime, by_hand, "verify_facts"), "escalate", note="urgent")
    clock.advance(hours=3)  # verification was due in an hour: long overdue
    run_due(runtime.engine, runtime.rules.playbook.model, clock.now())
    leads = {
        entry.incident_id: entry.data["lead"]
        for entry in trail(runtime, "escalate")
        if entry.step_id in (kind_of(runtime, i, "verify_facts").id for i in (by_hand, by_clock))
    }
    assert leads[by_hand] == leads[by_clock] == "subteam:S0BILLINGLEAD"


def test_a_draft_is_edited_through_the_api(
    client: TestClient, runtime: Runtime, clock: FakeClock
) -> None:
    incident_id = open_incident(client)
    act(client, incident_id, kind_of(runtime, incident_id, "triage"), "complete")
    step = kind_of(runtime, incident_id, "acknowledge")
    assert step.detail.get("draft")
    act(
        client,
        incident_id,
        step,
        "edit_draft",
        draft="불편을 드려 죄송합니다. 오늘 안에 확인해 드리겠습니다.",
    )
    assert kind_of(runtime, incident_id, "acknowledge").detail["draft"].startswith("불편을")
    assert [e.actor for e in trail(runtime, "edit_draft")] == ["lee"]
