"""Cards reach Slack through the outbox: posted once, then updated; failures never lose events."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from playbook.actions.card_view import CardView, StepView
from playbook.actions.console import ConsoleSink
from playbook.actions.delivery import Deliverer
from playbook.actions.outbox import enqueue_card, enqueue_notice, enqueue_thread
from playbook.actions.slack.card import build_card
from playbook.actions.slack.payloads import parse_action
from playbook.actions.slack.sink import SlackSink
from playbook.core.clock import FakeClock
from playbook.core.db import make_engine, session_scope
from playbook.core.models import Incident, OutboxItem, SlackMessage
from service.app import create_app
from service.runtime import Runtime
from tests.support.fake_slack import TOKEN, FakeSlack
from tests.support.slack_validate import validate_message

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
    slack_client: TestClient, slack_runtime: Runtime, slack: FakeSlack, clock: FakeClock
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
    slack_runtime.deliverer.drain(wait=clock.set)
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
    assert len(slack.calls_to("conversations.list")) == 1  # looked for the card first
    assert len(slack.calls_to("chat.postMessage")) == 1
    assert slack_client.get("/healthz").json()["outbox"] == 0


class Crash(BaseException):
    """The process dying: nothing after it runs, not even `except Exception` handlers."""


@pytest.fixture
def crash_after_next_post(
    slack_runtime: Runtime, db_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    """Slack accepts the next chat.postMessage, then the commit storing its ts dies."""
    armed = []
    post = slack_runtime.sink.post

    def post_then_arm(channel: str, message: dict[str, Any]) -> tuple[str, str]:
        answer = post(channel, message)
        armed.append(True)
        return answer

    def die_on_commit(connection: Any) -> None:
        if armed:
            armed.clear()
            monkeypatch.undo()
            raise Crash

    monkeypatch.setattr(slack_runtime.sink, "post", post_then_arm)
    event.listen(db_engine, "commit", die_on_commit)
    yield
    event.remove(db_engine, "commit", die_on_commit)


def card_ref(engine: Engine, incident_id: int) -> SlackMessage | None:
    with Session(engine) as session:
        return session.get(SlackMessage, incident_id)


@pytest.mark.usefixtures("crash_after_next_post")
def test_a_crash_after_slack_took_the_card_does_not_post_it_twice(
    slack_client: TestClient, slack_runtime: Runtime, slack: FakeSlack, clock: FakeClock
) -> None:
    body = slack_client.post("/v1/events", json=EVENT).json()
    incident_id = body["incident_id"]
    with pytest.raises(Crash):
        slack_runtime.deliverer.drain()
    assert len(slack.calls_to("chat.postMessage")) == 1
    assert card_ref(slack_runtime.engine, incident_id) is None  # the ts was never stored
    assert slack_runtime.deliverer.drain() == 0  # the dead instance's claim holds ...
    assert slack_runtime.deliverer.drain(wait=clock.set) == 1  # ... until its lease runs out

    posts = slack.calls_to("chat.postMessage")
    assert len(posts) == 1
    assert posts[0].body["metadata"] == {
        "event_type": "playbook_incident",
        "event_payload": {"incident_id": incident_id},
    }
    assert len(slack.calls_to("conversations.history")) == 1
    assert [u.body["ts"] for u in slack.calls_to("chat.update")] == ["1700000000.000001"]
    ref = card_ref(slack_runtime.engine, incident_id)
    assert ref is not None and ref.ts == "1700000000.000001"

    triage = next(s for s in body["steps"] if s["kind"] == "triage")
    slack_client.post(
        f"/v1/incidents/{incident_id}/steps/{triage['id']}",
        json={"action": "complete", "by": "U777"},
    )
    slack_runtime.deliverer.drain(wait=clock.set)
    posts = slack.calls_to("chat.postMessage")
    assert len(posts) == 2 and posts[1].body["thread_ts"] == "1700000000.000001"
    assert [u.body["ts"] for u in slack.calls_to("chat.update")] == ["1700000000.000001"] * 2


def test_a_post_that_timed_out_after_reaching_slack_is_adopted(
    slack_client: TestClient,
    slack_runtime: Runtime,
    slack: FakeSlack,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    post = slack_runtime.sink.post

    def post_then_time_out(channel: str, message: dict[str, Any]) -> tuple[str, str]:
        post(channel, message)
        monkeypatch.undo()
        raise TimeoutError("The read operation timed out")

    monkeypatch.setattr(slack_runtime.sink, "post", post_then_time_out)
    slack_client.post("/v1/events", json=EVENT)
    assert slack_runtime.deliverer.drain() == 0
    slack.fail_next("conversations.history", error="not_in_channel")
    clock.advance(seconds=3)
    assert slack_runtime.deliverer.drain() == 1
    assert len(slack.calls_to("chat.postMessage")) == 1
    assert len(slack.calls_to("conversations.join")) == 1  # to read the channel it posted to
    assert len(slack.calls_to("chat.update")) == 1


def test_rate_limit_is_retried_after_the_time_slack_asks(
    slack_client: TestClient, slack_runtime: Runtime, slack: FakeSlack, clock: FakeClock
) -> None:
    slack.fail_next("chat.postMessage", status=429, retry_after=3)
    slack_client.post("/v1/events", json=EVENT)
    start = clock.now()
    assert slack_runtime.deliverer.drain() == 0  # not waited out inside the call
    assert slack_runtime.deliverer.next_due() == start + timedelta(seconds=3)
    assert slack_runtime.deliverer.drain(wait=clock.set) == 1
    assert clock.now() == start + timedelta(seconds=3)
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


# --- pacing: one post a second per channel, across instances -----------------------------------


class PacedSink(ConsoleSink):
    """Records when each post reached "Slack", by channel id, as Slack would see it."""

    def __init__(self, clock: FakeClock) -> None:
        super().__init__()
        self.clock = clock
        self.posts: list[tuple[str, datetime]] = []
        self._lock = threading.Lock()

    def post(self, channel: str, message: dict[str, Any]) -> tuple[str, str]:
        channel_id = channel_id_of(channel)
        with self._lock:
            self.posts.append((channel_id, self.clock.now()))
        return channel_id, super().post(channel_id, message)[1]

    def reply(self, channel: str, thread_ts: str, message: dict[str, Any]) -> None:
        with self._lock:
            self.posts.append((channel_id_of(channel), self.clock.now()))
        super().reply(channel, thread_ts, message)


def channel_id_of(channel: str) -> str:
    return channel if channel.startswith("C") else "C" + channel.lstrip("#").upper()


def new_incident(engine: Engine, clock: FakeClock, channel: str = "#a") -> Incident:
    now = clock.now()
    incident = Incident(
        title="t", category="complaint", severity="high", rules_version="v", channel=channel,
        created_at=now, updated_at=now,
    )  # fmt: skip
    with session_scope(engine) as session:
        session.add(incident)
        session.flush()
        session.refresh(incident)
    return incident


def notify(engine: Engine, clock: FakeClock, incident: Incident, channel: str, text: str) -> None:
    with session_scope(engine) as session:
        enqueue_notice(session, incident, channel, {"text": text}, now=clock.now())


def plain_card(session: Session, incident: Incident, now: datetime) -> dict[str, Any]:
    return {"text": f"card {incident.id} v{incident.version}"}


def gaps_ok(posts: list[tuple[str, datetime]]) -> bool:
    """No channel got two posts less than a second apart."""
    by_channel: dict[str, list[datetime]] = {}
    for channel, at in posts:
        by_channel.setdefault(channel, []).append(at)
    return all(
        b - a >= timedelta(seconds=1)
        for times in by_channel.values()
        for a, b in zip(sorted(times), sorted(times)[1:], strict=False)
    )


def test_second_post_to_a_channel_waits_a_second(db_engine: Engine, clock: FakeClock) -> None:
    sink = PacedSink(clock)
    deliverer = Deliverer(db_engine, sink, clock, plain_card)
    incident = new_incident(db_engine, clock)
    start = clock.now()
    for channel, text in (("#a", "one"), ("#a", "two"), ("#b", "elsewhere")):
        notify(db_engine, clock, incident, channel, text)
    assert deliverer.deliver_due() == 2  # #a once, #b not held up by #a
    assert [m["text"] for m in sink.messages] == ["one", "elsewhere"]
    assert deliverer.next_due() == start + timedelta(seconds=1)  # deferred, not dropped
    clock.advance(seconds=0.5)
    assert deliverer.deliver_due() == 0
    clock.advance(seconds=0.5)
    assert deliverer.deliver_due() == 1
    assert sink.posts == [("CA", start), ("CB", start), ("CA", start + timedelta(seconds=1))]
    with Session(db_engine) as session:
        items = session.exec(select(OutboxItem).order_by(col(OutboxItem.id))).all()
    assert [(i.status, i.attempts) for i in items] == [("sent", 1)] * 3


def test_card_and_its_replies_share_one_pace(db_engine: Engine, clock: FakeClock) -> None:
    """The card goes to `#a`, replies to the id Slack answered with: one channel all the same."""
    sink = PacedSink(clock)
    deliverer = Deliverer(db_engine, sink, clock, plain_card)
    incident = new_incident(db_engine, clock, "#a")
    with session_scope(db_engine) as session:
        enqueue_card(session, incident, now=clock.now())
    deliverer.drain()
    with session_scope(db_engine) as session:
        enqueue_thread(session, incident, {"text": "reply"}, now=clock.now())
    notify(db_engine, clock, incident, "#a", "notice")
    assert deliverer.drain() == 0
    assert deliverer.drain(wait=clock.set) == 2
    assert [channel for channel, _ in sink.posts] == ["CA", "CA", "CA"]
    assert gaps_ok(sink.posts)


def test_card_updates_coalesce_while_the_channel_is_busy(
    db_engine: Engine, clock: FakeClock
) -> None:
    sink = PacedSink(clock)
    deliverer = Deliverer(db_engine, sink, clock, plain_card)
    incident = new_incident(db_engine, clock, "#a")
    notify(db_engine, clock, incident, "#a", "first")
    assert deliverer.deliver_due() == 1
    for version in (2, 3, 4):
        with session_scope(db_engine) as session:
            row = session.get(Incident, incident.id)
            assert row is not None
            row.version = version
            enqueue_card(session, row, now=clock.now())
    assert deliverer.deliver_due() == 0  # the card's first post waits for the channel
    assert deliverer.drain(wait=clock.set) == 1
    assert [m["text"] for m in sink.messages] == ["first", f"card {incident.id} v4"]


@pytest.fixture
def two_engines(db_engine: Engine) -> Iterator[list[Engine]]:
    """Two instances' own connection pools over the one test database."""
    url = db_engine.url.render_as_string(hide_password=False)
    engines = [make_engine(url), make_engine(url)]
    yield engines
    for engine in engines:
        engine.dispose()


def test_two_instances_never_post_to_a_channel_twice_in_a_second(
    two_engines: list[Engine], clock: FakeClock
) -> None:
    sink = PacedSink(clock)
    deliverers = [Deliverer(engine, sink, clock, plain_card) for engine in two_engines]
    incident = new_incident(two_engines[0], clock)
    for i in range(24):  # mostly one channel: both instances reach for it at once
        notify(two_engines[0], clock, incident, "#busy" if i % 4 else "#quiet", f"n{i}")
    errors: list[BaseException] = []

    def work(deliverer: Deliverer, barrier: threading.Barrier) -> None:
        barrier.wait()
        try:
            deliverer.deliver_due()
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    for _ in range(100):
        if deliverers[0].next_due() is None:
            break
        barrier = threading.Barrier(len(deliverers))
        threads = [threading.Thread(target=work, args=(d, barrier)) for d in deliverers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        clock.advance(seconds=0.25)
    assert errors == []
    assert sorted(m["text"] for m in sink.messages) == sorted(f"n{i}" for i in range(24))
    assert gaps_ok(sink.posts)


# --- a rate limit holds back one channel, not all (issue 13.11) --------------------------------


def posts_to(slack: FakeSlack, channel: str) -> list[str]:
    wanted = slack.channel_id(channel)
    calls = slack.calls_to("chat.postMessage")
    return [c.body["text"] for c in calls if slack.channel_id(c.body["channel"]) == wanted]


def test_a_rate_limited_channel_holds_back_only_itself(
    db_engine: Engine, clock: FakeClock, slack: FakeSlack
) -> None:
    deliverer = Deliverer(db_engine, SlackSink(TOKEN, slack.url), clock, plain_card)
    incident = new_incident(db_engine, clock, "#crisis-response")
    with session_scope(db_engine) as session:
        enqueue_card(session, incident, now=clock.now())
    assert deliverer.drain(wait=clock.set) == 1
    clock.advance(seconds=5)
    start = clock.now()
    slack.fail_next("chat.postMessage", status=429, retry_after=8, channel="#crisis-room")
    notify(db_engine, clock, incident, "#crisis-room", "storm notice")
    notify(db_engine, clock, incident, "#crisis-room", "second notice")
    notify(db_engine, clock, incident, "#crisis-response", "elsewhere")
    with session_scope(db_engine) as session:
        row = session.get(Incident, incident.id)
        assert row is not None
        row.version += 1
        enqueue_card(session, row, now=clock.now())

    assert deliverer.deliver_due() == 2  # the other channel's post and card update: on time
    assert posts_to(slack, "#crisis-response") == [f"card {incident.id} v1", "elsewhere"]
    assert [u.body["text"] for u in slack.calls_to("chat.update")] == [f"card {incident.id} v2"]
    assert posts_to(slack, "#crisis-room") == []
    for second in range(1, 8):  # the room waits the 8 s Slack asked for, and no more
        clock.set(start + timedelta(seconds=second))
        assert deliverer.deliver_due() == 0
    clock.set(start + timedelta(seconds=8))
    assert deliverer.deliver_due() == 1
    assert deliverer.drain(wait=clock.set) == 1
    assert clock.now() == start + timedelta(seconds=9)  # then paced as usual
    assert posts_to(slack, "#crisis-room") == ["storm notice", "second notice"]
    with Session(db_engine) as session:
        items = session.exec(select(OutboxItem)).all()
    assert {i.status for i in items} == {"sent"}
