"""The verification gate (tip 1, issue 13.10): skipping verification says who and why, and the
public answers behind it stay blocked until a lead chooses to publish without verification."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from playbook.core.clock import FakeClock
from playbook.core.db import session_scope
from playbook.core.models import AuditEntry, Incident, StepStatus
from playbook.core.settings import REPO_ROOT
from playbook.workflow.view import render_card
from service.app import create_app
from service.runtime import Runtime
from service.slack_interactions import handle_interaction
from tests.support.fake_slack import FakeSlack
from tests.support.slack_requests import USER, button, click, click_payload, latest_card

COMPLAINT = {
    "id": "g1",
    "source": "twitter",
    "text": "@hanbit_telecom 이번 달 요금이 두 배로 나왔는데 설명도 없네요. 진짜 황당합니다",
    "author": {"id": "42", "handle": "someone", "followers": 300},
    "mentions": ["hanbit_telecom"],
}
BILLING_LEAD = "subteam:S0BILLINGLEAD"
REASON = "the billing system log already shows the double charge for this account"


def act(client: TestClient, incident: int, step: int, **body: Any) -> Any:
    return client.post(f"/v1/incidents/{incident}/steps/{step}", json={"by": "jimin", **body})


def skipped_verification(client: TestClient) -> tuple[int, dict[str, dict[str, Any]]]:
    body = client.post("/v1/events", json=COMPLAINT).json()
    incident, steps = body["incident_id"], {s["kind"]: s for s in body["steps"]}
    assert act(client, incident, steps["triage"]["id"], action="complete").status_code == 200
    skipped = act(client, incident, steps["verify_facts"]["id"], action="skip", note=REASON)
    assert skipped.status_code == 200, skipped.text
    return incident, {s["kind"]: s for s in skipped.json()["incident"]["steps"]}


def audit_trail(runtime: Runtime, action: str) -> list[AuditEntry]:
    with Session(runtime.engine) as session:
        query = select(AuditEntry).where(AuditEntry.action == action)
        return list(session.exec(query).all())


def test_skipping_verification_needs_a_reason_of_substance(client: TestClient) -> None:
    body = client.post("/v1/events", json=COMPLAINT).json()
    incident, steps = body["incident_id"], {s["kind"]: s for s in body["steps"]}
    act(client, incident, steps["triage"]["id"], action="complete")
    refused = act(client, incident, steps["verify_facts"]["id"], action="skip", note="no time")
    assert refused.status_code == 422 and refused.json()["field"] == "note"


def test_public_answers_stay_blocked_behind_a_skipped_verification(client: TestClient) -> None:
    incident, steps = skipped_verification(client)
    assert steps["verify_facts"]["detail"]["skipped_by"] == "jimin"
    assert steps["verify_facts"]["detail"]["skipped_reason"] == REASON
    assert steps["apologise"]["status"] == StepStatus.BLOCKED
    assert steps["acknowledge"]["status"] == "active"  # answers that need no facts go ahead
    answer = act(client, incident, steps["apologise"]["id"], action="complete")
    assert answer.status_code == 409
    assert "publish without verification" in answer.json()["message"]
    assert client.get(f"/v1/incidents/{incident}").json()["status"] == "open"


def test_only_a_lead_may_publish_without_verification(client: TestClient, runtime: Runtime) -> None:
    incident, steps = skipped_verification(client)
    verify = steps["verify_facts"]["id"]
    note = "the CEO asked for an apology now; the log is clear enough"
    refused = act(client, incident, verify, action="override_verification", note=note)
    assert refused.status_code == 403 and refused.json()["field"] == "by"
    done = client.post(
        f"/v1/incidents/{incident}/steps/{verify}",
        json={"action": "override_verification", "by": BILLING_LEAD, "note": note},
    )
    assert done.status_code == 200, done.text
    after = {s["kind"]: s for s in done.json()["incident"]["steps"]}
    assert after["apologise"]["status"] == "active"
    assert after["verify_facts"]["detail"]["override"]["by"] == BILLING_LEAD
    (entry,) = audit_trail(runtime, "override_verification")
    assert (entry.actor, entry.note) == (BILLING_LEAD, note)
    assert act(client, incident, after["apologise"]["id"], action="complete").status_code == 200
    again = act(client, incident, verify, action="override_verification", note=note)
    assert again.status_code == 409  # once only


def test_reopening_verification_lifts_the_override(client: TestClient) -> None:
    incident, steps = skipped_verification(client)
    verify = steps["verify_facts"]["id"]
    note = "the CEO asked for an apology now; the log is clear enough"
    act(client, incident, verify, action="override_verification", note=note, by=BILLING_LEAD)
    reopened = act(client, incident, verify, action="reopen", note="verify after all")
    after = {s["kind"]: s for s in reopened.json()["incident"]["steps"]}
    assert "override" not in after["verify_facts"]["detail"]
    assert after["apologise"]["status"] == "pending"


# --- Slack: the card's button, and the mark in red ----------------------------------------------


@pytest.fixture
def app(slack_runtime: Runtime, tmp_path: Path) -> Iterator[TestClient]:
    """The clicker is an admin in the rules in force."""
    rules = tmp_path / "rules.yaml"
    text = (REPO_ROOT / "rules.yaml").read_text(encoding="utf-8")
    rules.write_text(text.replace("admins: []", f"admins: [{USER}]"), encoding="utf-8")
    slack_runtime.rules.path = rules
    slack_runtime.rules.reload()
    assert slack_runtime.model.settings.admins == [USER]
    with TestClient(create_app(slack_runtime, workers=False), client=("127.0.0.1", 1)) as test:
        yield test


def card_text(blocks: list[dict[str, Any]]) -> str:
    return "\n".join(str(b.get("text", {}).get("text", "")) for b in blocks)


def test_an_admin_publishes_without_verification_from_the_card(
    app: TestClient, slack_runtime: Runtime, slack: FakeSlack, clock: FakeClock
) -> None:
    incident, steps = skipped_verification(app)
    slack_runtime.deliverer.drain(wait=clock.set)
    blocks = latest_card(slack)
    assert "⛔ Blocked" in card_text(blocks)
    verify = steps["verify_facts"]["id"]
    element = button(blocks, verify, "override_verification")
    assert click(app, clock, element).status_code == 200
    (entry,) = audit_trail(slack_runtime, "override_verification")
    assert entry.actor == USER
    slack_runtime.deliverer.drain(wait=clock.set)
    shown = card_text(latest_card(slack))
    assert "🔴 PUBLISHED WITHOUT VERIFICATION" in shown
    current = {s["kind"]: s for s in app.get(f"/v1/incidents/{incident}").json()["steps"]}
    assert current["apologise"]["status"] == "active"


def test_the_card_refuses_a_clicker_who_is_not_a_lead(
    client: TestClient, runtime: Runtime, clock: FakeClock
) -> None:
    incident, steps = skipped_verification(client)
    with session_scope(runtime.engine) as session:
        found = session.get(Incident, incident)
        assert found is not None
        blocks = render_card(session, found, clock.now())["blocks"]
    element = button(blocks, steps["verify_facts"]["id"], "override_verification")
    answer = handle_interaction(runtime, click_payload(element, user="U0SOMEONE"))
    assert answer.ephemeral and "only a lead" in answer.ephemeral[0].text
    assert audit_trail(runtime, "override_verification") == []
