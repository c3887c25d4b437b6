"""Due steps get one reminder, overdue ones one escalation; time is moved, never slept."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from playbook.actions.console import ConsoleSink
from playbook.core.clock import FakeClock
from playbook.core.models import AuditEntry
from playbook.workflow.scheduler import run_due
from service.runtime import Runtime

EVENT = {
    "id": "d1",
    "source": "twitter",
    "mentions": ["hanbit_telecom"],
    "text": "@hanbit_telecom 이번 달 요금이 두 배로 나왔어요. 황당합니다",
}


def test_reminder_then_escalation_once_each(
    client: TestClient, runtime: Runtime, clock: FakeClock, sink: ConsoleSink
) -> None:
    client.post("/v1/events", json=EVENT)
    runtime.deliverer.drain()
    model = runtime.rules.playbook.model
    assert run_due(runtime.engine, model, clock.now()) == 0  # nothing due yet
    clock.advance(minutes=16)  # triage (15 min) is due
    assert run_due(runtime.engine, model, clock.now()) == 1
    assert run_due(runtime.engine, model, clock.now()) == 0  # reminded once only
    runtime.deliverer.drain(wait=clock.set)
    replies = [m for m in sink.messages if m["verb"].startswith("reply")]
    assert len(replies) == 1 and "Reminder" in replies[0]["text"]
    # Triage overdue by 31 min: escalated. Acknowledge (30 min) is due too, but it waits
    # behind triage, so its owner is not reminded (issue 13.12).
    clock.advance(minutes=30)
    assert run_due(runtime.engine, model, clock.now()) == 1
    assert run_due(runtime.engine, model, clock.now()) == 0
    with Session(runtime.engine) as session:
        escalations = session.exec(select(AuditEntry).where(AuditEntry.action == "escalate")).all()
    assert len(escalations) == 1
    assert escalations[0].note and "overdue since" in escalations[0].note
    runtime.deliverer.drain(wait=clock.set)
    assert any("Escalated" in m["text"] for m in sink.messages if m["verb"].startswith("reply"))
