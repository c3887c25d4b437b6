"""Slack requests as Slack signs and sends them: clicks, modal submissions, commands."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any
from urllib.parse import urlencode

from fastapi.testclient import TestClient

from playbook.core.clock import FakeClock
from tests.support.fake_slack import SIGNING_SECRET, FakeSlack

SECRET = SIGNING_SECRET
USER = "U0CLICKER"


def signed(body: str, clock: FakeClock, secret: str = SECRET, age: int = 0) -> dict[str, str]:
    stamp = str(int(clock.now().timestamp()) - age)
    digest = hmac.new(secret.encode(), f"v0:{stamp}:{body}".encode(), hashlib.sha256).hexdigest()
    return {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": f"v0={digest}",
    }


def post_form(app: TestClient, path: str, form: dict[str, str], clock: FakeClock) -> Any:
    body = urlencode(form)
    return app.post(path, content=body, headers=signed(body, clock))


def interact(app: TestClient, payload: dict[str, Any], clock: FakeClock) -> Any:
    return post_form(app, "/slack/interactions", {"payload": json.dumps(payload)}, clock)


def latest_card(slack: FakeSlack) -> list[dict[str, Any]]:
    cards = [c for c in slack.calls_to("chat.postMessage") if "thread_ts" not in c.body]
    cards += slack.calls_to("chat.update")
    return sorted(cards, key=lambda c: c.at)[-1].body["blocks"]


def button(blocks: list[dict[str, Any]], step_id: int, action: str) -> dict[str, Any]:
    wanted = f"step:{step_id}:{action}"
    for block in blocks:
        for element in block.get("elements", []):
            if element.get("action_id") == wanted:
                return {"type": "button", "action_id": wanted, "value": element["value"]}
    raise AssertionError(f"no {wanted} button on the card")


def click_payload(element: dict[str, Any], user: str = USER) -> dict[str, Any]:
    return {
        "type": "block_actions",
        "user": {"id": user, "username": "clicker"},
        "trigger_id": "13345224609.738474920.8088930838d88f008e0",
        "channel": {"id": "C00000001", "name": "crisis-room"},
        "container": {"type": "message", "channel_id": "C00000001"},
        "response_url": "https://hooks.slack.invalid/actions/T0/1/x",
        "actions": [{**element, "block_id": "a", "action_ts": "1700000000.1"}],
    }


def click(app: TestClient, clock: FakeClock, element: dict[str, Any], user: str = USER) -> Any:
    return interact(app, click_payload(element, user), clock)


def submit(app: TestClient, clock: FakeClock, view: dict[str, Any], values: dict[str, Any]) -> Any:
    payload = {
        "type": "view_submission",
        "user": {"id": USER},
        "view": {**view, "state": {"values": values}},
    }
    return interact(app, payload, clock)
