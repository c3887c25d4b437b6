"""Slack's clicks, modals and /playbook commands, signed as Slack signs them, against FakeSlack."""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from playbook.actions.slack.modals import DRAFT_CALLBACK, SKIP_CALLBACK
from playbook.core.clock import FakeClock
from playbook.core.models import AuditEntry
from service.app import create_app
from service.runtime import Runtime
from service.slack_interactions import handle_interaction
from tests.support.fake_slack import FakeSlack
from tests.support.slack_requests import (
    USER,
    button,
    click,
    click_payload,
    interact,
    latest_card,
    post_form,
    signed,
    submit,
)

EVENT = {
    "id": "i1",
    "source": "twitter",
    "mentions": ["hanbit_ceo"],
    "url": "https://twitter.com/loud/status/1",
    "author": {"handle": "loud", "followers": 150000},
    "text": "@hanbit_ceo 인터넷이 사흘째 먹통입니다. 최악",
}
LONG_DRAFT = "We are sorry. " * 30  # 420 characters: over the 280 limit


@pytest.fixture
def app(slack_runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(slack_runtime, workers=False), client=("127.0.0.1", 1)) as test:
        yield test


# --- signing and posting, as Slack does -------------------------------------------------------


def steps(app: TestClient, incident_id: int) -> dict[str, dict[str, Any]]:
    return {s["kind"]: s for s in app.get(f"/v1/incidents/{incident_id}").json()["steps"]}


def start(app: TestClient, runtime: Runtime) -> int:
    incident_id = int(app.post("/v1/events", json=EVENT).json()["incident_id"])
    runtime.deliverer.drain()
    return incident_id


def audit_actions(engine: Engine) -> list[tuple[str, str]]:
    with Session(engine) as session:
        return [(a.actor, a.action) for a in session.exec(select(AuditEntry))]


# --- signatures ---------------------------------------------------------------------------------


def test_forged_and_stale_signatures_are_refused(app: TestClient, clock: FakeClock) -> None:
    body = urlencode({"command": "/playbook", "text": "status", "user_id": USER})
    forged = app.post("/slack/commands", content=body, headers=signed(body, clock, "wrong"))
    assert forged.status_code == 401 and forged.json()["error"] == "unauthorized"
    stale = app.post("/slack/commands", content=body, headers=signed(body, clock, age=301))
    assert stale.status_code == 401
    unsigned = app.post("/slack/interactions", content=body)
    assert unsigned.status_code == 401
    assert app.post(
        "/slack/commands", content=body, headers=signed(body, clock, age=200)
    ).is_success


def test_no_signing_secret_answers_503(client: TestClient) -> None:
    assert client.post("/slack/interactions", content="payload=%7B%7D").status_code == 503
    assert client.post("/slack/commands", content="text=list").status_code == 503


# --- the full flow ------------------------------------------------------------------------------


def test_full_flow_from_card_to_resolution(
    app: TestClient, slack_runtime: Runtime, slack: FakeSlack, clock: FakeClock
) -> None:
    incident_id = start(app, slack_runtime)
    by_kind = steps(app, incident_id)
    answer = click(app, clock, button(latest_card(slack), by_kind["triage"]["id"], "complete"))
    assert answer.status_code == 200 and answer.content == b""
    slack_runtime.deliverer.drain(wait=clock.set)

    verify = steps(app, incident_id)["verify_facts"]
    assert verify["status"] == "active"
    click(app, clock, button(latest_card(slack), verify["id"], "outcome_at_fault"))
    slack_runtime.deliverer.drain(wait=clock.set)
    by_kind = steps(app, incident_id)
    assert by_kind["verify_facts"]["detail"]["outcome"] == "at_fault"
    assert by_kind["apologise"]["status"] == "active"
    assert by_kind["promise_follow_up"]["status"] == "skipped"
    replies = [c.body["text"] for c in slack.calls_to("chat.postMessage") if "thread_ts" in c.body]
    assert any(f"<@{USER}> recorded *At fault*" in r for r in replies)
    assert (USER, "complete") in audit_actions(slack_runtime.engine)

    apologise = by_kind["apologise"]
    click(app, clock, button(latest_card(slack), apologise["id"], "edit_draft"))
    opened = slack.calls_to("views.open")
    assert len(opened) == 1 and opened[0].body["view"]["callback_id"] == DRAFT_CALLBACK
    modal = opened[0].body["view"]

    draft = {"draft": {"draft": {"type": "plain_text_input", "value": LONG_DRAFT}}}
    no_route = {"routing": {"routing": {"type": "radio_buttons", "selected_option": None}}}
    refused = submit(app, clock, modal, {**draft, **no_route})
    assert refused.json()["response_action"] == "errors"
    assert "routing" in refused.json()["errors"]
    assert steps(app, incident_id)["apologise"]["version"] == apologise["version"]

    blog = {
        "routing": {"routing": {"type": "radio_buttons", "selected_option": {"value": "blog_post"}}}
    }
    saved = submit(app, clock, modal, {**draft, **blog})
    assert saved.status_code == 200 and saved.content == b""
    slack_runtime.deliverer.drain(wait=clock.set)
    by_kind = steps(app, incident_id)
    assert by_kind["apologise"]["detail"]["draft"] == LONG_DRAFT
    assert by_kind["apologise"]["detail"]["routed_to"] == "blog_post"
    assert by_kind["blog_post"]["status"] == "active"
    assert (USER, "edit_draft") in audit_actions(slack_runtime.engine)

    for _ in range(10):
        active = [s for s in steps(app, incident_id).values() if s["status"] == "active"]
        if not active:
            break
        click(app, clock, button(latest_card(slack), active[0]["id"], "complete"))
        slack_runtime.deliverer.drain(wait=clock.set)
    incident = app.get(f"/v1/incidents/{incident_id}").json()
    assert incident["status"] == "resolved"
    assert slack.calls_to("chat.postEphemeral") == []


def test_over_limit_draft_in_a_modal_without_routing_shows_the_choice(
    app: TestClient, slack_runtime: Runtime, slack: FakeSlack, clock: FakeClock
) -> None:
    incident_id = start(app, slack_runtime)
    ack = steps(app, incident_id)["acknowledge"]
    click(
        app, clock, button(latest_card(slack), steps(app, incident_id)["triage"]["id"], "complete")
    )
    slack_runtime.deliverer.drain(wait=clock.set)
    ack = steps(app, incident_id)["acknowledge"]
    click(app, clock, button(latest_card(slack), ack["id"], "edit_draft"))
    modal = slack.calls_to("views.open")[0].body["view"]
    draft = {"draft": {"draft": {"type": "plain_text_input", "value": LONG_DRAFT}}}
    answer = submit(app, clock, modal, draft).json()
    assert answer["response_action"] == "update"
    assert "routing" in json.dumps(answer["view"])
    cs = {
        "routing": {
            "routing": {"type": "radio_buttons", "selected_option": {"value": "customer_service"}}
        }
    }
    assert submit(app, clock, modal, {**draft, **cs}).content == b""
    assert steps(app, incident_id)["cs_handoff"]["status"] == "active"


# --- double and stale clicks ------------------------------------------------------------------


def test_double_click_is_applied_once(
    app: TestClient, slack_runtime: Runtime, slack: FakeSlack, clock: FakeClock
) -> None:
    incident_id = start(app, slack_runtime)
    triage = steps(app, incident_id)["triage"]
    element = button(latest_card(slack), triage["id"], "complete")
    assert click(app, clock, element).status_code == 200
    assert click(app, clock, element).status_code == 200
    completes = [a for a in audit_actions(slack_runtime.engine) if a == (USER, "complete")]
    assert len(completes) == 1
    ephemeral = slack.calls_to("chat.postEphemeral")
    assert len(ephemeral) == 1 and ephemeral[0].body["user"] == USER
    assert "out of date" in ephemeral[0].body["text"]


def test_concurrent_double_click_is_applied_once(
    app: TestClient, slack_runtime: Runtime, slack: FakeSlack
) -> None:
    incident_id = start(app, slack_runtime)
    triage = steps(app, incident_id)["triage"]
    payload = click_payload(button(latest_card(slack), triage["id"], "complete"))
    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(pool.map(lambda _: handle_interaction(slack_runtime, payload), range(4)))
    assert sum(not a.ephemeral for a in answers) == 1
    completes = [a for a in audit_actions(slack_runtime.engine) if a == (USER, "complete")]
    assert len(completes) == 1


def test_expired_trigger_is_explained(
    app: TestClient, slack_runtime: Runtime, slack: FakeSlack, clock: FakeClock
) -> None:
    incident_id = start(app, slack_runtime)
    triage = steps(app, incident_id)["triage"]
    slack.fail_next("views.open", error="expired_trigger_id")
    click(app, clock, button(latest_card(slack), triage["id"], "skip"))
    ephemeral = slack.calls_to("chat.postEphemeral")
    assert len(ephemeral) == 1 and "click again" in ephemeral[0].body["text"]
    assert steps(app, incident_id)["triage"]["status"] == "active"


def test_out_of_date_card_click_changes_nothing(
    app: TestClient, slack_runtime: Runtime, slack: FakeSlack, clock: FakeClock
) -> None:
    incident_id = start(app, slack_runtime)
    old_card = latest_card(slack)
    triage = steps(app, incident_id)["triage"]
    click(app, clock, button(old_card, triage["id"], "assign"), user="U0OTHER")
    assert steps(app, incident_id)["triage"]["assignee"] == "U0OTHER"
    before = steps(app, incident_id)
    click(app, clock, button(old_card, triage["id"], "complete"))
    click(app, clock, button(old_card, triage["id"], "skip"))
    assert steps(app, incident_id) == before
    assert len(slack.calls_to("chat.postEphemeral")) == 2
    assert slack.calls_to("views.open") == []


def test_menu_option_acts_and_foreign_actions_are_ignored(
    app: TestClient, slack_runtime: Runtime, slack: FakeSlack, clock: FakeClock
) -> None:
    incident_id = start(app, slack_runtime)
    triage = steps(app, incident_id)["triage"]
    value = json.loads(button(latest_card(slack), triage["id"], "assign")["value"])
    menu = {
        "type": "static_select",
        "action_id": f"step:{triage['id']}:menu",
        "selected_option": {"value": json.dumps({**value, "a": "assign"})},
    }
    assert click(app, clock, menu).content == b""
    assert steps(app, incident_id)["triage"]["assignee"] == USER
    foreign = {"type": "button", "action_id": "other_app", "value": "x"}
    assert click(app, clock, foreign).status_code == 200
    assert interact(app, {"type": "view_closed"}, clock).status_code == 200
    refused = post_form(app, "/slack/interactions", {"payload": "not json"}, clock)
    assert refused.status_code == 400 and refused.json()["field"] == "payload"
    assert slack.calls_to("chat.postEphemeral") == []


def test_skip_modal_and_escalate(
    app: TestClient, slack_runtime: Runtime, slack: FakeSlack, clock: FakeClock
) -> None:
    incident_id = start(app, slack_runtime)
    triage = steps(app, incident_id)["triage"]
    click(app, clock, button(latest_card(slack), triage["id"], "escalate"))
    slack_runtime.deliverer.drain(wait=clock.set)
    assert (USER, "escalate") in audit_actions(slack_runtime.engine)
    replies = [c.body for c in slack.calls_to("chat.postMessage") if "thread_ts" in c.body]
    assert any("Escalated" in r["text"] for r in replies)

    click(app, clock, button(latest_card(slack), triage["id"], "skip"))
    modal = slack.calls_to("views.open")[0].body["view"]
    assert modal["callback_id"] == SKIP_CALLBACK
    reason = {"reason": {"reason": {"type": "plain_text_input", "value": "handled by phone"}}}
    assert submit(app, clock, modal, reason).content == b""
    skipped = steps(app, incident_id)["triage"]
    assert skipped["status"] == "skipped"
    again = submit(app, clock, modal, reason).json()
    assert again["response_action"] == "errors"


# --- /playbook ------------------------------------------------------------------------------------


def command(app: TestClient, clock: FakeClock, text: str) -> dict[str, Any]:
    form = {"command": "/playbook", "text": text, "user_id": USER, "channel_id": "C00000001"}
    answer = post_form(app, "/slack/commands", form, clock)
    assert answer.status_code == 200
    body: dict[str, Any] = answer.json()
    assert body["response_type"] == "ephemeral"
    return body


def test_slash_commands(
    app: TestClient, slack_runtime: Runtime, slack: FakeSlack, clock: FakeClock
) -> None:
    assert command(app, clock, "list")["text"] == "No open incidents."
    incident_id = start(app, slack_runtime)
    listed = command(app, clock, "list")["text"]
    assert listed.startswith("*Open incidents* (1 of 1):")
    assert f"#{incident_id} critical complaint: Complaint:" in listed
    hostile = {**EVENT, "id": "i2", "text": "<!channel> 요금이 두 번 청구됐어요 @here 최악"}
    app.post("/v1/events", json=hostile)
    slack_runtime.deliverer.drain(wait=clock.set)
    listed = command(app, clock, "list")["text"]
    assert "&lt;!channel&gt;" in listed and "<!channel>" not in listed
    assert "@here" not in listed
    shown = command(app, clock, f"show {incident_id}")["text"]
    assert "`triage`: active" in shown and "`verify_facts`: pending" in shown
    assert "No incident #999" in command(app, clock, "show 999")["text"]
    status = command(app, clock, "status")["text"]
    assert slack_runtime.rules.playbook.version in status
    assert "Slack queue: 0 pending" in status
    assert "`list`" in command(app, clock, "what <!channel>")["text"]


def test_slash_commands_in_korean(
    app: TestClient, slack_runtime: Runtime, slack: FakeSlack, clock: FakeClock
) -> None:
    """`organisation.language: ko`: Korean sub-commands, and every answer in Korean."""
    from playbook.core.settings import REPO_ROOT

    text = (REPO_ROOT / "rules.yaml").read_text(encoding="utf-8")
    assert slack_runtime.model.organisation.language == "en"  # the default file's language
    korean = text.replace("  name: Hanbit Telecom\n", "  name: Hanbit Telecom\n  language: ko\n")
    slack_runtime.rules.reload(korean)
    assert slack_runtime.model.organisation.language == "ko"
    assert command(app, clock, "목록")["text"] == "진행 중인 사건이 없습니다."
    incident_id = start(app, slack_runtime)
    listed = command(app, clock, "목록")["text"]
    assert listed.startswith("*진행 중인 사건* (1건 중 1건):")
    assert "게시물 1건" in listed
    assert command(app, clock, "list")["text"] == listed  # English verbs keep working
    shown = command(app, clock, f"보기 {incident_id}")["text"]
    assert "상태: open" in shown and "`triage`: active" in shown
    assert "• 분류: 유형을 확인하고 답할지 정하기 `triage`" in shown  # the kind's Korean title
    assert "#999 사건이 없습니다." in command(app, clock, "보기 999")["text"]
    status = command(app, clock, "상태")["text"]
    assert "Slack 발송 대기: 0건" in status and slack_runtime.rules.playbook.version in status
    helped = command(app, clock, "도움말")["text"]
    assert "`목록`" in helped and "`보기 번호`" in helped and "`상태`" in helped


def test_cards_replies_and_answers_in_korean(
    app: TestClient, slack_runtime: Runtime, slack: FakeSlack, clock: FakeClock
) -> None:
    """`organisation.language: ko`: the card, its thread and the command answers in Korean."""
    from playbook.core.settings import REPO_ROOT
    from tests.support.slack_validate import validate_message

    text = (REPO_ROOT / "rules.yaml").read_text(encoding="utf-8")
    korean = text.replace("  name: Hanbit Telecom\n", "  name: Hanbit Telecom\n  language: ko\n")
    slack_runtime.rules.reload(korean)
    incident_id = start(app, slack_runtime)
    card = latest_card(slack)
    posted = [c.body for c in slack.calls_to("chat.postMessage") if "thread_ts" not in c.body]
    validate_message(posted[-1])
    shown = json.dumps(card, ensure_ascii=False)
    assert f"사건 #{incident_id}" in shown and "분류: 유형을 확인하고 답할지 정하기" in shown
    assert '"완료"' in shown and '"Done"' not in shown
    triage = steps(app, incident_id)["triage"]
    click(app, clock, button(card, triage["id"], "complete"))
    slack_runtime.deliverer.drain(wait=clock.set)
    replies = [c.body["text"] for c in slack.calls_to("chat.postMessage") if "thread_ts" in c.body]
    assert any(
        f"<@{USER}> 님이 *분류: 유형을 확인하고 답할지 정하기* 완료했습니다" in r for r in replies
    )
    stale = click(app, clock, button(card, triage["id"], "complete"))
    assert stale.status_code == 200
    ephemeral = slack.calls_to("chat.postEphemeral")[-1].body["text"]
    assert "카드가 최신이 아니었습니다" in ephemeral and "아무것도 바뀌지 않았습니다" in ephemeral
    assert command(app, clock, f"해결 {incident_id}")["text"] == f"사건 #{incident_id}: 해결됨."
    assert "사건 번호가 아닙니다" in command(app, clock, "종료 abc")["text"]
