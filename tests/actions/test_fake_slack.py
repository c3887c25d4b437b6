"""The fake Slack Web API behaves like Slack for slack_sdk.WebClient: answers, failures, holds."""

from __future__ import annotations

import json
import threading
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlencode

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry import RateLimitErrorRetryHandler, builtin_handlers

from playbook.actions.card_view import CardView, StepView
from playbook.actions.slack.card import build_card
from playbook.actions.slack.modals import build_skip_modal
from tests.support.fake_slack import TOKEN, FakeSlack

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
STEP = StepView(
    1, "acknowledge", "Say we are on it", "active", "subteam:S0CARE", None, None, 1, True
)
VIEW = CardView(
    7, "Outage", "complaint", "high", "open", "r1", 3, 0.3, "loud", 10, None, "down", (STEP,), NOW
)


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        yield fake


def client(slack: FakeSlack, **options: Any) -> WebClient:
    options.setdefault("retry_handlers", [])
    return WebClient(token=TOKEN, base_url=slack.url + "/api/", **options)


def raw_post(slack: FakeSlack, method: str, data: bytes, headers: dict[str, str]) -> dict[str, Any]:
    request = urllib.request.Request(f"{slack.url}/api/{method}", data=data, headers=headers)
    with urllib.request.urlopen(request, timeout=5) as answer:  # noqa: S310 - loopback only
        return dict(json.loads(answer.read()))


def test_post_then_update_a_card(slack: FakeSlack) -> None:
    web = client(slack)
    card = build_card(VIEW, NOW)
    posted = web.chat_postMessage(channel="#crisis-response", **card)
    assert posted["ok"] and posted["channel"] == slack.channel_id("#crisis-response")
    reply = web.chat_postMessage(channel=posted["channel"], thread_ts=posted["ts"], text="done")
    assert float(reply["ts"]) > float(posted["ts"]) and reply["ts"] > posted["ts"]

    updated = web.chat_update(channel=posted["channel"], ts=posted["ts"], **build_card(VIEW, NOW))
    assert updated["ts"] == posted["ts"]
    assert slack.messages[(posted["channel"], posted["ts"])]["edited"] is True
    assert [c.method for c in slack.calls] == [
        "chat.postMessage",
        "chat.postMessage",
        "chat.update",
    ]
    assert slack.calls_to("chat.update")[0].body["blocks"] == card["blocks"]
    assert slack.calls_to("chat.postMessage")[1].body["thread_ts"] == posted["ts"]
    assert slack.invalid == []


def test_update_of_an_unknown_message_fails_like_slack(slack: FakeSlack) -> None:
    with pytest.raises(SlackApiError) as caught:
        client(slack).chat_update(channel="C00000001", ts="1.2", text="x")
    assert caught.value.response["error"] == "message_not_found"


def test_other_methods(slack: FakeSlack) -> None:
    web = client(slack)
    assert web.auth_test()["user_id"] == "U0FAKEBOT"
    assert web.chat_postEphemeral(channel="#c", user="U0ME", text="only you")["message_ts"]
    opened = web.views_open(trigger_id="t.1", view=build_skip_modal(VIEW, STEP))["view"]
    again = web.views_update(
        view_id=opened["id"], hash=opened["hash"], view=build_skip_modal(VIEW, STEP)
    )
    assert again["view"]["id"] == opened["id"] and again["view"]["hash"] != opened["hash"]
    with pytest.raises(SlackApiError) as stale:
        web.views_update(
            view_id=opened["id"], hash=opened["hash"], view=build_skip_modal(VIEW, STEP)
        )
    assert stale.value.response["error"] == "hash_conflict"
    with pytest.raises(SlackApiError) as unknown:
        web.api_call("chat.scheduleMessage", json={"channel": "C1", "text": "x", "post_at": 1})
    assert unknown.value.response.status_code == 404
    assert slack.invalid == []


def test_json_and_form_bodies_are_read_alike(slack: FakeSlack) -> None:
    blocks = build_card(VIEW, NOW)["blocks"]
    auth = {"Authorization": f"Bearer {TOKEN}"}
    as_json = json.dumps({"channel": "C0ROOM", "text": "card", "blocks": blocks}).encode()
    raw_post(slack, "chat.postMessage", as_json, {**auth, "Content-Type": "application/json"})
    form = urlencode({"channel": "C0ROOM", "text": "card", "blocks": json.dumps(blocks)}).encode()
    form_type = {"Content-Type": "application/x-www-form-urlencoded"}
    raw_post(slack, "chat.postMessage", form, {**auth, **form_type})
    with_token = urlencode({"token": TOKEN, "channel": "C0ROOM", "text": "hi"}).encode()
    assert raw_post(slack, "chat.postMessage", with_token, form_type)["ok"]  # token in the form
    first, second, _ = slack.calls_to("chat.postMessage")
    assert first.body == second.body and first.body["blocks"] == blocks
    broken = raw_post(slack, "chat.postMessage", b"{", {**auth, "Content-Type": "application/json"})
    assert broken == {"ok": False, "error": "invalid_json"}
    assert slack.invalid == []


@pytest.mark.parametrize(
    ("headers", "error"),
    [({}, "not_authed"), ({"Authorization": "Bearer xoxb-wrong"}, "invalid_auth")],
)
def test_requests_without_the_token_are_refused(
    slack: FakeSlack, headers: dict[str, str], error: str
) -> None:
    body = json.dumps({"channel": "C1", "text": "x"}).encode()
    answer = raw_post(
        slack, "chat.postMessage", body, {**headers, "Content-Type": "application/json"}
    )
    assert answer == {"ok": False, "error": error}
    assert slack.calls == [] and slack.requests[0].error == error


def test_wrong_token_surfaces_in_the_client(slack: FakeSlack) -> None:
    web = WebClient(token="xoxb-wrong", base_url=slack.url + "/api/", retry_handlers=[])
    with pytest.raises(SlackApiError) as caught:
        web.chat_postMessage(channel="C1", text="x")
    assert caught.value.response["error"] == "invalid_auth"


def test_rate_limit_is_retried_after_the_time_slack_asks(
    slack: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    slept: list[float] = []
    # The handler's own wait is recorded instead of spent: the test proves it honours Retry-After.
    monkeypatch.setattr(builtin_handlers, "time", SimpleNamespace(sleep=slept.append))
    slack.fail_next("chat.postMessage", status=429, retry_after=3)
    web = client(slack, retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)])
    assert web.chat_postMessage(channel="C1", text="x")["ok"]
    assert len(slept) == 1 and 3 <= slept[0] < 4
    assert [(r.status, r.error) for r in slack.requests] == [(429, "ratelimited"), (200, None)]
    assert len(slack.calls_to("chat.postMessage")) == 1  # Slack acted once


def test_rate_limit_without_a_retry_handler_shows_retry_after(slack: FakeSlack) -> None:
    slack.fail_next("chat.update", retry_after=7)
    with pytest.raises(SlackApiError) as caught:
        client(slack).chat_update(channel="C1", ts="1.1", text="x")
    assert caught.value.response.status_code == 429
    assert caught.value.response.headers["Retry-After"] == "7"


def test_server_error_surfaces_as_slack_api_error(slack: FakeSlack) -> None:
    slack.fail_next("chat.postMessage", status=500)
    web = client(slack)
    with pytest.raises(SlackApiError) as caught:
        web.chat_postMessage(channel="C1", text="x")
    assert caught.value.response.status_code == 500
    assert web.chat_postMessage(channel="C1", text="x")["ok"]  # only the next call fails


def test_slack_errors_come_with_http_200(slack: FakeSlack) -> None:
    slack.fail_next("chat.postMessage", error="channel_not_found")
    with pytest.raises(SlackApiError) as caught:
        client(slack).chat_postMessage(channel="C1", text="x")
    assert caught.value.response.status_code == 200
    assert caught.value.response["error"] == "channel_not_found"


def test_held_call_times_out_in_the_client_and_slack_still_acts(slack: FakeSlack) -> None:
    release = slack.hold_next("chat.postMessage")
    try:
        with pytest.raises(TimeoutError):
            client(slack, timeout=0.2).chat_postMessage(channel="C1", text="late")
        assert slack.calls == []  # still held: nothing answered yet
    finally:
        release.set()
    (call,) = slack.wait_for("chat.postMessage")
    # Slack may act on a request the client gave up on: the sender must not assume it failed.
    assert call.body["text"] == "late" and len(slack.messages) == 1


def test_invalid_payloads_are_recorded(slack: FakeSlack) -> None:
    header = {"type": "header", "text": {"type": "plain_text", "text": "x" * 151}}
    web = client(slack)
    assert web.chat_postMessage(channel="C1", text="x", blocks=[header])["ok"]
    assert web.views_open(trigger_id="t", view={"type": "modal", "blocks": [header]})["ok"]
    assert [i.method for i in slack.invalid] == ["chat.postMessage", "views.open"]
    assert any("150" in p for p in slack.invalid[0].problems)


def test_strict_mode_refuses_invalid_payloads() -> None:
    with FakeSlack(strict=True) as slack:
        with pytest.raises(SlackApiError) as caught:
            client(slack).chat_postMessage(channel="C1", text="x", blocks=[{"type": "nope"}])
        assert caught.value.response["error"] == "invalid_blocks"
        assert slack.messages == {} and len(slack.invalid) == 1


def test_concurrent_calls_get_unique_increasing_ts(slack: FakeSlack) -> None:
    web = client(slack)
    start = threading.Barrier(8)

    def post_ten(worker: int) -> list[str]:
        start.wait()
        return [web.chat_postMessage(channel="C1", text=f"{worker}.{i}")["ts"] for i in range(10)]

    with ThreadPoolExecutor(8) as pool:
        stamps = [ts for batch in pool.map(post_ten, range(8)) for ts in batch]
    assert len(set(stamps)) == 80
    assert len(slack.calls_to("chat.postMessage")) == 80
    in_answer_order = [m["ts"] for m in slack.messages.values()]
    assert in_answer_order == sorted(in_answer_order)


def test_url_needs_a_running_server() -> None:
    fake = FakeSlack()
    with pytest.raises(RuntimeError):
        _ = fake.url
