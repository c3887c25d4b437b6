"""Personal data anywhere in a post reaches neither the database, the API, the card nor the log."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from playbook.core.clock import FakeClock
from playbook.core.models import Event, Incident
from playbook.core.settings import Settings
from service.app import create_app
from service.runtime import Runtime
from tests.support.fake_slack import FakeSlack

SECRETS = (
    "110-987-654321",  # an account number with no bank word near it
    "010-2345-6789",  # a phone number inside a link in the text
    "kim.minsu@example.com",  # an e-mail in the `url` field
    "010-9876-5432",  # a phone number as the author's name
    "lee@example.org",  # an e-mail in a hint
    "01055556666",  # a phone number as a mention
    "테헤란로 123",  # a home address
    "1203호",
    "742 Evergreen Terrace",
)

POSTS: list[dict[str, Any]] = [
    {
        "id": "p1",
        "source": "twitter",
        "text": "@hanbit_telecom 환불은 110-987-654321 로 보내주세요. 요금이 두 배로 나왔어요",
        "url": "https://forum.example.com/thread?from=kim.minsu@example.com",
        "author": {"id": "1", "handle": "minsu", "name": "010-9876-5432", "followers": 30},
        "mentions": ["hanbit_telecom", "01055556666"],
        "hints": {"kind": "complaint", "contact": "lee@example.org"},
    },
    {
        "id": "p2",
        "source": "twitter",
        "text": "@hanbit_telecom 기사님 언제 와요? 여기로 연락 https://call.example.com/u/010-2345-6789",
        "author": {"id": "2", "handle": "jiwoo"},
    },
    {
        "id": "p3",
        "source": "twitter",
        "text": "@hanbit_telecom 인터넷이 사흘째 안 돼요. 서울시 강남구 테헤란로 123 "
        "래미안아파트 101동 1203호 로 와주세요",
        "author": {"id": "3", "handle": "sora"},
    },
    {
        "id": "p4",
        "source": "twitter",
        "text": "@hanbit_telecom my internet has been down for 3 days, "
        "send the engineer to 742 Evergreen Terrace Apt 5",
        "author": {"id": "4", "handle": "homer"},
    },
]


@pytest.fixture
def slack_client(slack_runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(slack_runtime, workers=False), client=("127.0.0.1", 1)) as test:
        yield test


def leaked(where: str) -> list[str]:
    return [secret for secret in SECRETS if secret in where]


def test_personal_data_reaches_no_store_answer_card_or_log(
    slack_client: TestClient,
    slack_runtime: Runtime,
    slack: FakeSlack,
    db_engine: Engine,
    clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    answers = []
    for post in POSTS:
        answer = slack_client.post("/v1/events", json=post)
        assert answer.status_code == 200, answer.text
        answers.append(answer.json())
    slack_runtime.deliverer.drain(wait=clock.set)

    # Each post is one customer's personal data: it moves to a private channel.
    for answer in answers:
        assert "private_channel" in {s["kind"] for s in answer["steps"]}, answer

    shown = [json.dumps(a, ensure_ascii=False) for a in answers]
    incident_ids = {a["incident_id"] for a in answers}
    for incident_id in incident_ids:
        incident = slack_client.get(f"/v1/incidents/{incident_id}")
        assert incident.status_code == 200
        shown.append(incident.text)
    shown.append(slack_client.get("/v1/incidents").text)
    assert leaked("\n".join(shown)) == []

    cards = slack.calls_to("chat.postMessage")
    assert len(cards) >= len(incident_ids)
    assert leaked(json.dumps([c.body for c in cards], ensure_ascii=False)) == []

    with Session(db_engine) as session:
        events = session.exec(select(Event)).all()
        incidents = session.exec(select(Incident)).all()
        stored = [[e.text, e.url, e.raw, e.author_handle, e.facts, e.matched_rules] for e in events]
        stored += [[i.title, i.summary] for i in incidents]
    assert len(events) == len(POSTS)
    assert all(e.redacted for e in events)
    assert leaked(json.dumps(stored, ensure_ascii=False, default=str)) == []

    assert leaked(caplog.text) == []


def test_a_clean_post_is_stored_as_sent(client: TestClient, db_engine: Engine) -> None:
    post = {
        "id": "c1",
        "source": "twitter",
        "text": "@hanbit_telecom 2026-11-22 부터 인터넷이 계속 끊겨요. 요금 55,000원 다 냈는데",
        "url": "https://twitter.com/someone/status/1790000000000000001",
        "author": {"id": "9", "handle": "someone", "name": "Some One"},
        "mentions": ["hanbit_telecom"],
        "hints": {"kind": "complaint"},
    }
    assert client.post("/v1/events", json=post).status_code == 200
    with Session(db_engine) as session:
        [event] = session.exec(select(Event)).all()
    assert event.redacted is False
    assert event.text == post["text"] and event.url == post["url"]
    assert event.raw["author"]["name"] == "Some One"
    assert event.raw["hints"] == {"kind": "complaint"}


def test_kept_personal_data_is_still_not_shown(
    settings: Settings, clock: FakeClock, db_engine: Engine
) -> None:
    settings.store_personal_data = True
    runtime = Runtime.build(settings, clock=clock, engine=db_engine)
    try:
        with TestClient(create_app(runtime, workers=False), client=("127.0.0.1", 1)) as client:
            body = client.post("/v1/events", json=POSTS[0]).json()
            shown = client.get(f"/v1/incidents/{body['incident_id']}").text
    finally:
        runtime.rules.close()
    assert leaked(shown) == []
    with Session(db_engine) as session:
        [event] = session.exec(select(Event)).all()
    assert event.redacted is False and event.url == POSTS[0]["url"]  # kept, as configured
