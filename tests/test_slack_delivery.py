"""Cards reach Slack through the outbox: posted once, then updated; failures never lose events."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from playbook.actions.card_view import CardView, StepView
from playbook.actions.slack_card import build_card, parse_action
from playbook.actions.slack_validate import validate_message
from playbook.clock import FakeClock
from playbook.runtime import Runtime
from service.app import create_app
from tests.fake_slack import FakeSlack

EVENT = {
    "id": "s1",
    "source": "twitter",
    "mentions": ["hanbit_ceo"],
    "url": "https://twitter.com/loud/status/1",
    "author": {"handle": "loud", "followers": 150000},
    "text": "@hanbit_ceo <!channel> 인터넷이 사흘째 먹통입니다. 010-1234-5678 로 연락주세요",
}


@pytest.fixture
def slack_client(slack_runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(slack_runtime, workers=False), client=("127.0.0.1", 1)) as test:
        yield test


def test_card_is_posted_once_then_updated(
    slack_client: TestClient, slack_runtime: Runtime, slack: FakeSlack
) -> None:
    body = slack_client.post("/v1/events", json=EVENT).json()
    assert slack_runtime.deliverer.drain() == 1
    posts = slack.calls_to("chat.postMessage")
    assert len(posts) == 1
    card = posts[0].body
    assert card["channel"] == "#crisis-room"  # critical: the rules move it to the crisis room
    text = str(card["blocks"])
    assert "&lt;!channel&gt;" in text and "<!channel>" not in text
    assert "010-1234-5678" not in text and "[redacted:phone]" in text
    assert "<!subteam^" in text

    triage = next(s for s in body["steps"] if s["kind"] == "triage")
    slack_client.post(
        f"/v1/incidents/{body['incident_id']}/steps/{triage['id']}",
        json={"action": "complete", "by": "U777"},
    )
    slack_runtime.deliverer.drain()
    assert len(slack.calls_to("chat.postMessage")) == 2  # the card, then one thread reply
    reply = slack.calls_to("chat.postMessage")[1].body
    assert reply["thread_ts"] == "1700000000.000001"
    assert "<@U777> completed" in reply["text"]
    updates = slack.calls_to("chat.update")
    assert len(updates) == 1 and updates[0].body["ts"] == "1700000000.000001"


def test_slack_failure_keeps_the_event_and_retries(
    slack_client: TestClient, slack_runtime: Runtime, slack: FakeSlack, clock: FakeClock
) -> None:
    slack.fail_next("chat.postMessage", status=500, error="internal_error")
    answer = slack_client.post("/v1/events", json=EVENT)
    assert answer.status_code == 200 and answer.json()["incident_created"]
    assert slack_runtime.deliverer.drain() == 0
    assert slack.calls_to("chat.postMessage") == []
    assert slack_client.get("/healthz").json()["outbox"] == 1
    clock.advance(seconds=3)
    assert slack_runtime.deliverer.drain() == 1
    assert len(slack.calls_to("chat.postMessage")) == 1
    assert slack_client.get("/healthz").json()["outbox"] == 0


def test_rate_limit_is_retried_after_the_time_slack_asks(
    slack_client: TestClient, slack_runtime: Runtime, slack: FakeSlack
) -> None:
    slack.fail_next("chat.postMessage", status=429, retry_after=1)
    slack_client.post("/v1/events", json=EVENT)
    assert slack_runtime.deliverer.drain() == 1  # slack-sdk's handler waited and retried
    assert len(slack.calls_to("chat.postMessage")) == 1


def test_bursts_coalesce_into_one_update(
    slack_client: TestClient, slack_runtime: Runtime, slack: FakeSlack
) -> None:
    slack_client.post("/v1/events", json=EVENT)
    slack_runtime.deliverer.drain()
    for i in range(5):
        slack_client.post(
            "/v1/events",
            json={
                **EVENT,
                "id": f"r{i}",
                "repost_of": "s1",
                "text": "RT @loud: 인터넷이 사흘째 먹통입니다",
            },
        )
    slack_runtime.deliverer.drain()
    assert len(slack.calls_to("chat.update")) == 1
    assert "6 events" in str(slack.calls_to("chat.update")[0].body["blocks"])


def _view(steps: int) -> CardView:
    now = datetime(2026, 11, 23, 9, tzinfo=UTC)
    return CardView(
        incident_id=7,
        title="Complaint: 인터넷 먹통",
        category="complaint",
        severity="high",
        status="open",
        rules_version="abc123",
        event_count=3,
        velocity_10m=0.3,
        author_handle="loud",
        author_followers=52000,
        post_url="https://twitter.com/loud/status/1",
        excerpt="<@U123> 인터넷 " * 300,
        steps=tuple(
            StepView(
                id=i,
                kind="verify_facts" if i == 1 else "acknowledge",
                title=f"Step {i}",
                status="done" if i < steps // 2 else "active",
                owner="subteam:S0NET",
                assignee=None,
                due_at=now,
                version=i,
                can_act=i >= steps // 2,
                draft="초안 " * 50 if i % 2 else None,
                lint=("hedge: x",),
            )
            for i in range(1, steps + 1)
        ),
        updated_at=now,
    )


@pytest.mark.parametrize("steps", [3, 12, 60])
def test_cards_stay_within_slack_limits(steps: int) -> None:
    card = build_card(_view(steps), datetime(2026, 11, 23, 10, tzinfo=UTC))
    validate_message(card)
    assert len(card["blocks"]) <= 50
    text = str(card)
    assert "<@U123>" not in text
    assert "*overdue*" in text


def test_button_values_round_trip() -> None:
    card = build_card(_view(3), datetime(2026, 11, 23, 10, tzinfo=UTC))
    buttons = [e for b in card["blocks"] if b["type"] == "actions" for e in b["elements"]]
    labels = {b["text"]["text"] for b in buttons}
    assert {"Done", "Skip", "Assign to me", "Escalate", "Edit draft"} <= labels
    parsed = parse_action(buttons[0]["action_id"], buttons[0]["value"])
    assert parsed.incident_id == 7
    with pytest.raises(ValueError):
        parse_action("other:1:x", "{}")
