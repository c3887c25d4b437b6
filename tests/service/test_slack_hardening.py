"""/slack/* never answers 500: not before the signature check, not after it (issue 13, 2-3)."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient

from playbook.actions.slack.modals import SKIP_CALLBACK
from playbook.core.clock import FakeClock
from service.app import create_app
from service.runtime import Runtime
from tests.support.fake_slack import FakeSlack
from tests.support.slack_requests import SECRET, USER, button, click_payload, latest_card, post_form

EVENT = {
    "id": "h1",
    "source": "twitter",
    "mentions": ["hanbit_ceo"],
    "author": {"handle": "loud", "followers": 150000},
    "text": "@hanbit_ceo 인터넷이 사흘째 먹통입니다. 최악",
}


@pytest.fixture
def app(slack_runtime: Runtime) -> Iterator[TestClient]:
    app = create_app(slack_runtime, workers=False)
    with TestClient(app, client=("127.0.0.1", 1), raise_server_exceptions=False) as test:
        yield test


def signed_bytes(body: bytes, stamp: str) -> dict[str, Any]:
    base = b"v0:" + stamp.encode() + b":" + body
    digest = hmac.new(SECRET.encode(), base, hashlib.sha256).hexdigest()
    return {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": stamp.encode(),  # bytes: "²" goes out as UTF-8
        "X-Slack-Signature": f"v0={digest}",
    }


def now_stamp(clock: FakeClock) -> str:
    return str(int(clock.now().timestamp()))


def interact_raw(app: TestClient, clock: FakeClock, payload: str) -> Any:
    body = urlencode({"payload": payload}).encode()
    return app.post(
        "/slack/interactions", content=body, headers=signed_bytes(body, now_stamp(clock))
    )


def command(app: TestClient, clock: FakeClock, text: str) -> Any:
    return post_form(app, "/slack/commands", {"command": "/playbook", "text": text}, clock)


# --- before authentication ------------------------------------------------------------------


@pytest.mark.parametrize("stamp", ["", "abc", "1e9", "9" * 5000, "²", "-5", " 1", "1.5"])
@pytest.mark.parametrize("path", ["/slack/commands", "/slack/interactions"])
def test_malformed_timestamps_answer_401(app: TestClient, path: str, stamp: str) -> None:
    body = b"text=list"
    headers = signed_bytes(body, stamp)
    answer = app.post(path, content=body, headers=headers)
    assert answer.status_code == 401
    assert answer.json()["error"] == "unauthorized"


@pytest.mark.parametrize("path", ["/slack/commands", "/slack/interactions"])
def test_body_that_is_not_utf8(app: TestClient, clock: FakeClock, path: str) -> None:
    body = b"text=\xff\xfe\xc3(&payload=\x80"
    unsigned = app.post(path, content=body, headers={"X-Slack-Request-Timestamp": "1"})
    assert unsigned.status_code == 401 and unsigned.json()["error"] == "unauthorized"
    forged = signed_bytes(body, now_stamp(clock)) | {"X-Slack-Signature": "v0=00"}
    assert app.post(path, content=body, headers=forged).status_code == 401
    # Signed by Slack over the raw bytes: past the check, refused as malformed, not a 500.
    answer = app.post(path, content=body, headers=signed_bytes(body, now_stamp(clock)))
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid"


# --- signed, but hostile ------------------------------------------------------------------------


@pytest.mark.parametrize("word", ["²", "99999999999999999999", "2147483648", "0", "#", "١٢"])
def test_show_with_a_number_that_is_no_id(app: TestClient, clock: FakeClock, word: str) -> None:
    answer = command(app, clock, f"show {word}")
    assert answer.status_code == 200
    assert answer.json()["text"].startswith("No incident")


@pytest.mark.parametrize("words", ["resolve ²", "close 99999999999999999999", "assign ١٢ @kim"])
def test_lifecycle_commands_with_a_number_that_is_no_id(
    app: TestClient, clock: FakeClock, words: str
) -> None:
    answer = command(app, clock, words)
    assert answer.status_code == 200
    assert "is not an incident number" in answer.json()["text"]


def start(app: TestClient, runtime: Runtime) -> dict[str, Any]:
    incident_id = app.post("/v1/events", json=EVENT).json()["incident_id"]
    runtime.deliverer.drain()
    steps = app.get(f"/v1/incidents/{incident_id}").json()["steps"]
    return {"incident_id": incident_id, "triage": next(s for s in steps if s["kind"] == "triage")}


def test_click_and_modal_with_huge_ids_change_nothing(
    app: TestClient, slack_runtime: Runtime, slack: FakeSlack, clock: FakeClock
) -> None:
    started = start(app, slack_runtime)
    step = started["triage"]["id"]
    for forged in ({"i": 10**20, "s": step, "v": 0}, {"i": 1, "s": step, "v": 10**20}):
        element = {"action_id": f"step:{step}:complete", "value": json.dumps(forged)}
        answer = interact_raw(app, clock, json.dumps(click_payload(element)))
        assert answer.status_code == 200
    view = {
        "callback_id": SKIP_CALLBACK,
        "private_metadata": json.dumps({"i": 10**20, "s": 10**20, "v": 0}),
        "state": {"values": {"reason": {"reason": {"type": "plain_text_input", "value": "why"}}}},
    }
    submitted = {"type": "view_submission", "user": {"id": USER}, "view": view}
    assert interact_raw(app, clock, json.dumps(submitted)).status_code == 200
    incident = app.get(f"/v1/incidents/{started['incident_id']}").json()
    assert next(s for s in incident["steps"] if s["id"] == step)["status"] == "active"
    assert slack.calls_to("chat.postEphemeral") == []


def test_deeply_nested_payload_is_refused(app: TestClient, clock: FakeClock) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    answer = interact_raw(app, clock, deep)
    assert answer.status_code == 400 and answer.json()["field"] == "payload"
    objects = '{"a":' * 50_000 + "1" + "}" * 50_000
    assert interact_raw(app, clock, objects).status_code == 400


def test_thousands_of_actions_in_one_interaction(
    app: TestClient, slack_runtime: Runtime, slack: FakeSlack, clock: FakeClock
) -> None:
    started = start(app, slack_runtime)
    triage = started["triage"]
    element = button(latest_card(slack), triage["id"], "complete")
    # The first click applies; every later one is stale and would each be explained.
    payload = click_payload(element)
    payload["actions"] = [{**element, "block_id": "a"}] * 5000
    text = json.dumps(payload, separators=(",", ":"))
    assert len(urlencode({"payload": text})) < slack_runtime.settings.max_body_bytes
    answer = interact_raw(app, clock, text)
    assert answer.status_code == 200
    assert len(slack.calls_to("chat.postEphemeral")) == 1
    steps = app.get(f"/v1/incidents/{started['incident_id']}").json()["steps"]
    assert next(s for s in steps if s["id"] == triage["id"])["status"] == "done"
