"""An incident as a whole (issue 13.14): resolve, close, reopen, assign; audited, card updated,
the same through the API and `/playbook`."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from playbook.core.clock import FakeClock
from playbook.core.models import AuditEntry, OutboxItem
from service.app import create_app
from service.runtime import Runtime
from tests.support.slack_requests import USER, post_form

EVENT = {
    "id": "l1",
    "source": "twitter",
    "text": "@hanbit_telecom 이번 달 요금이 두 배로 나왔는데 설명도 없네요. 진짜 황당합니다",
    "author": {"id": "42", "handle": "someone", "followers": 300},
    "mentions": ["hanbit_telecom"],
}


def act(client: TestClient, incident: int, **body: Any) -> Any:
    return client.post(f"/v1/incidents/{incident}", json={"by": "jimin", **body})


def trail(runtime: Runtime) -> list[tuple[str, str, str | None, str | None]]:
    with Session(runtime.engine) as session:
        query = select(AuditEntry).where(AuditEntry.step_id == None).order_by(col(AuditEntry.id))  # noqa: E711
        return [(a.actor, a.action, a.from_state, a.to_state) for a in session.exec(query)]


def cards_queued(runtime: Runtime) -> int:
    with Session(runtime.engine) as session:
        return len(session.exec(select(OutboxItem).where(OutboxItem.kind == "card")).all())


def test_resolve_close_reopen_and_assign_through_the_api(
    client: TestClient, runtime: Runtime
) -> None:
    incident = client.post("/v1/events", json=EVENT).json()["incident_id"]
    runtime.deliverer.drain()
    resolved = act(client, incident, action="resolve", note="answered and refunded")
    assert resolved.status_code == 200, resolved.text
    assert resolved.json()["status"] == "resolved"
    assert cards_queued(runtime) >= 1  # the card follows
    assert act(client, incident, action="resolve").status_code == 409
    assert act(client, incident, action="close").json()["status"] == "closed"
    assert act(client, incident, action="reopen").json()["status"] == "open"
    assert act(client, incident, action="reopen").status_code == 409
    missing = act(client, incident, action="assign")
    assert missing.status_code == 422 and missing.json()["field"] == "assignee"
    owned = act(client, incident, action="assign", assignee="U0OWNER")
    assert owned.json()["owner"] == "U0OWNER"
    assert client.get(f"/v1/incidents/{incident}").json()["owner"] == "U0OWNER"
    assert trail(runtime)[1:] == [
        ("jimin", "resolve", "open", "resolved"),
        ("jimin", "close", "resolved", "closed"),
        ("jimin", "reopen", "closed", "open"),
        ("jimin", "assign", "open", "open"),
    ]
    assert act(client, 999_999, action="close").status_code == 404


@pytest.fixture
def app(slack_runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(slack_runtime, workers=False), client=("127.0.0.1", 1)) as test:
        yield test


def command(app: TestClient, clock: FakeClock, text: str) -> str:
    form = {"command": "/playbook", "text": text, "user_id": USER, "channel_id": "C00000001"}
    answer = post_form(app, "/slack/commands", form, clock)
    assert answer.status_code == 200, answer.text
    return str(answer.json()["text"])


def test_the_same_from_slash_commands(
    app: TestClient, slack_runtime: Runtime, clock: FakeClock
) -> None:
    incident = app.post("/v1/events", json=EVENT).json()["incident_id"]
    assert command(app, clock, f"resolve {incident}") == f"Incident #{incident} is resolved."
    assert "cannot be resolved" in command(app, clock, f"resolve {incident}")
    assert command(app, clock, f"close #{incident}") == f"Incident #{incident} is closed."
    assert command(app, clock, f"reopen {incident}") == f"Incident #{incident} is open."
    assigned = command(app, clock, f"assign {incident} <@U0OWNER|owner>")
    assert assigned == f"Incident #{incident} is open, owner <@U0OWNER>."
    assert app.get(f"/v1/incidents/{incident}").json()["owner"] == "U0OWNER"
    assert [a for a, *_ in trail(slack_runtime)[1:]] == [USER] * 4
    assert "not an incident number" in command(app, clock, "close 99999999999999999999")
    assert "no incident" in command(app, clock, "close 4242")
