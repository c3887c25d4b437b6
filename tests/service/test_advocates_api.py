"""The engage_advocates step through the API and on the Slack card: who to invite, with their
reach, and an honest invitation in the incident's language; frozen once the step is done."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from playbook.core.clock import FakeClock
from service.app import create_app
from service.runtime import Runtime
from tests.support.fake_slack import FakeSlack
from tests.support.slack_requests import latest_card

FANS = [  # handle, followers, a compliment about the network
    ("fan_a", 1200, "@hanbit_telecom 인터넷 설치 기사님 너무 친절하셨어요 감사합니다 👍"),
    ("fan_b", 50_000, "@hanbit_telecom 5G 잘 터지네요 최고"),
    ("fan_c", 300, "@hanbit_telecom thanks, the internet install was great, well done"),
]
QUESTION = "@hanbit_telecom 공유기 와이파이 비밀번호는 어디서 바꾸나요?"
HELP = "공유기 관리 페이지 설정에서 와이파이 메뉴 들어가 보세요. 거기서 바꿀 수 있어요"
RUMOUR_KO = "한빛텔레콤 부도 난다는 소문 돌던데 진짜임? 인터넷 서비스 접는다고"
RUMOUR_EN = "Hanbit Telecom is going bankrupt next month, heard they shut down the internet service"
REWARDS = ("쿠폰", "혜택", "경품", "사은품", "할인", "reward", "gift", "coupon", "discount", "free")


def post(client: TestClient, ident: str, handle: str, text: str, **extra: Any) -> dict[str, Any]:
    author = {"id": f"id-{handle}", "handle": handle, "followers": extra.pop("followers", 10)}
    body = {"id": ident, "source": "twitter", "text": text, "author": author, **extra}
    answer = client.post("/v1/events", json=body)
    assert answer.status_code == 200, answer.text
    return answer.json()


def remember_fans(client: TestClient, clock: FakeClock) -> None:
    for i, (handle, followers, text) in enumerate(FANS):
        post(client, f"p{i}", handle, text, followers=followers)
        clock.advance(days=7)
    post(client, "q1", "asker", QUESTION)
    clock.advance(minutes=5)
    post(client, "h1", "helper", HELP, followers=800, in_reply_to="q1")
    clock.advance(days=2)


def advocates_step(client: TestClient, incident_id: int) -> dict[str, Any]:
    answer = client.get(f"/v1/incidents/{incident_id}")
    assert answer.status_code == 200, answer.text
    return next(s for s in answer.json()["steps"] if s["kind"] == "engage_advocates")


def test_the_step_lists_advocates_with_reach_and_a_korean_invitation(client, clock) -> None:
    remember_fans(client, clock)
    rumour = post(client, "r1", "worried", RUMOUR_KO)
    shown = advocates_step(client, rumour["incident_id"])["detail"]["advocates"]
    accounts = shown["accounts"]
    assert [a["handle"] for a in accounts] == ["helper", "fan_c", "fan_b", "fan_a"]
    assert [a["followers"] for a in accounts] == [800, 300, 50_000, 1200]
    assert [(a["praise_count"], a["helpful_count"]) for a in accounts[:2]] == [(0, 1), (1, 0)]
    assert all("network" in a["topics"] for a in accounts)
    invitation = shown["invitation"]
    assert any("\uac00" <= ch <= "\ud7a3" for ch in invitation)
    assert "원하신다면" in invitation  # asks, if they wish
    assert not any(word in invitation.lower() for word in REWARDS)


def test_an_english_incident_gets_an_english_invitation(client, clock) -> None:
    remember_fans(client, clock)
    rumour = post(client, "r1", "worried", RUMOUR_EN)
    invitation = advocates_step(client, rumour["incident_id"])["detail"]["advocates"]["invitation"]
    assert "in your own words" in invitation and "no obligation" in invitation
    assert not any("\uac00" <= ch <= "\ud7a3" for ch in invitation)


def test_the_list_follows_new_praise_until_the_step_is_done(client, clock) -> None:
    remember_fans(client, clock)
    rumour = post(client, "r1", "worried", RUMOUR_KO)
    incident_id = rumour["incident_id"]
    post(client, "p9", "late_fan", FANS[1][2], followers=7)
    assert advocates_step(client, incident_id)["detail"]["advocates"]["accounts"][0]["handle"] == (
        "late_fan"
    )
    steps = {s["kind"]: s for s in rumour["steps"]}
    url = f"/v1/incidents/{incident_id}/steps"
    for kind, extra in (("triage", {}), ("verify_facts", {"outcome": "not_at_fault"})):
        done = client.post(
            f"{url}/{steps[kind]['id']}", json={"by": "jimin", "action": "complete", **extra}
        )
        assert done.status_code == 200, done.text
    step = advocates_step(client, incident_id)
    done = client.post(f"{url}/{step['id']}", json={"by": "jimin", "action": "complete"})
    assert done.status_code == 200, done.text
    clock.advance(hours=1)
    post(client, "p10", "later_fan", FANS[0][2], followers=9)
    frozen = advocates_step(client, incident_id)
    assert frozen["status"] == "done"
    handles = [a["handle"] for a in frozen["detail"]["advocates"]["accounts"]]
    assert handles[0] == "late_fan" and "later_fan" not in handles


@pytest.fixture
def slack_app(slack_runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(slack_runtime, workers=False), client=("127.0.0.1", 1)) as test:
        yield test


def test_the_card_shows_the_advocates_under_the_step(
    slack_app: TestClient, slack_runtime: Runtime, slack: FakeSlack, clock: FakeClock
) -> None:
    remember_fans(slack_app, clock)
    slack_runtime.deliverer.drain(wait=clock.set)
    post(slack_app, "r1", "worried", RUMOUR_KO)
    slack_runtime.deliverer.drain(wait=clock.set)
    text = "\n".join(
        b["text"]["text"] for b in latest_card(slack) if b.get("type") == "section" and "text" in b
    )
    assert "*Advocates to invite* (4)" in text
    assert "@fan_b · 50,000 followers · 1 praise, 0 helpful · on network" in text
    assert "원하신다면" in text
    # slack_runtime's fake Slack validated every payload with slack_sdk (fixture teardown).
