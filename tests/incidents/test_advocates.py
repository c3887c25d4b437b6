"""Advocates (tip 6): praise and helpful replies are remembered; abuse never; the step lists
the few who spoke most recently on the incident's topics, pinned first, excluded never."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from playbook.actions.console import ConsoleSink
from playbook.core.clock import FakeClock
from playbook.core.models import Advocate, Incident
from playbook.core.settings import REPO_ROOT, Settings
from playbook.incidents.advocates import recent
from playbook.rules.source.model import Advocates
from playbook.workflow import advocates_view
from playbook.workflow.steps import steps_of
from service.app import create_app
from service.runtime import Runtime

PRAISE_NETWORK = "@hanbit_telecom 인터넷 설치 기사님 너무 친절하셨어요 감사합니다 👍"
PRAISE_5G = "@hanbit_telecom 5G 잘 터지네요 최고"
PRAISE_STORE = "@hanbit_telecom 강남 매장 직원분 정말 친절하셨어요 감사합니다"
QUESTION = "@hanbit_telecom 공유기 와이파이 비밀번호는 어디서 바꾸나요?"
HELP = "공유기 관리 페이지 설정에서 와이파이 메뉴 들어가 보세요. 거기서 바꿀 수 있어요"
ABUSE = "한빛 ㅅㅂ 망해라 진짜"
RUMOUR_KO = "한빛텔레콤 부도 난다는 소문 돌던데 진짜임? 인터넷 서비스 접는다고"
RUMOUR_EN = "Hanbit Telecom is going bankrupt next month, heard they shut down the internet service"
REWARDS = ("쿠폰", "혜택", "경품", "사은품", "할인", "reward", "gift", "coupon", "discount", "free")


def make_client(
    settings: Settings, clock: FakeClock, engine: Engine, path: Path, advocates: str = ""
) -> tuple[TestClient, Runtime]:
    rules = (REPO_ROOT / "rules.yaml").read_text(encoding="utf-8")
    if advocates:
        changed = rules.replace("  pin: []", advocates).replace("  exclude: []", "", 1)
        assert changed != rules
        rules = changed
    path.write_text(rules, encoding="utf-8")
    settings.rules_file = path
    runtime = Runtime.build(settings, clock=clock, sink=ConsoleSink(), engine=engine)
    return TestClient(create_app(runtime, workers=False), client=("127.0.0.1", 1)), runtime


@pytest.fixture
def app(
    settings: Settings, clock: FakeClock, db_engine: Engine, tmp_path: Path
) -> Iterator[tuple[TestClient, Runtime]]:
    client, runtime = make_client(settings, clock, db_engine, tmp_path / "rules.yaml")
    with client:
        yield client, runtime
    runtime.rules.close()


def post(client: TestClient, ident: str, handle: str, text: str, **extra: Any) -> dict[str, Any]:
    body = {
        "id": ident,
        "source": "twitter",
        "text": text,
        "author": {
            "id": f"id-{handle.lower()}",
            "handle": handle,
            "followers": extra.pop("followers", 10),
        },
        **extra,
    }
    answer = client.post("/v1/events", json=body)
    assert answer.status_code == 200, answer.text
    return answer.json()


def history(client: TestClient, clock: FakeClock) -> None:
    """Three fans over weeks, a helpful reply to a question, two abusive accounts."""
    post(client, "p1", "fan_a", PRAISE_NETWORK, followers=1200)
    clock.advance(days=10)
    post(client, "p2", "Fan_B", PRAISE_5G, followers=50_000)
    clock.advance(days=10)
    post(client, "p3", "fan_c", PRAISE_STORE, followers=300)
    post(client, "p4", "hanbit_care", PRAISE_5G)  # the brand's own account is no advocate
    clock.advance(days=5)
    asked = post(client, "q1", "asker", QUESTION)
    clock.advance(minutes=3)
    helped = post(client, "h1", "helper", HELP, followers=800, in_reply_to="q1")
    assert helped["incident_id"] == asked["incident_id"]
    post(client, "h2", "asker", HELP, in_reply_to="q1")  # answering oneself is not helping
    clock.advance(days=1)
    post(client, "t1", "troll", ABUSE)  # abusive first: a later compliment is not advocacy
    post(client, "t2", "troll", PRAISE_5G, followers=90_000)
    post(client, "t3", "turncoat", PRAISE_5G)  # remembered, then forgotten by its abuse
    post(client, "t4", "turncoat", ABUSE)
    clock.advance(days=4)


def advocates_in(engine: Engine) -> dict[str, Advocate]:
    with Session(engine) as session:
        return {a.handle: a for a in session.exec(select(Advocate))}


def test_praise_and_helpful_replies_are_remembered_abuse_never(app, clock, db_engine) -> None:
    client, _ = app
    history(client, clock)
    remembered = advocates_in(db_engine)
    assert set(remembered) == {"fan_a", "fan_b", "fan_c", "helper"}
    fan_b, helper = remembered["fan_b"], remembered["helper"]
    assert (fan_b.followers, fan_b.praise_count, fan_b.helpful_count) == (50_000, 1, 0)
    assert (helper.praise_count, helper.helpful_count) == (0, 1)
    assert set(helper.topics) == {"network"}  # the topic of the question it answered
    post(client, "p5", "fan_b", PRAISE_NETWORK, followers=51_000)
    fan_b = advocates_in(db_engine)["fan_b"]
    assert (fan_b.followers, fan_b.praise_count) == (51_000, 2)
    assert "network" in fan_b.topics


def test_rumour_step_lists_advocates_by_recency_on_topic(app, clock, db_engine) -> None:
    client, runtime = app
    history(client, clock)
    rumour = post(client, "r1", "worried", RUMOUR_KO)
    assert "engage_advocates" in [s["kind"] for s in rumour["steps"]]
    with Session(db_engine) as session:
        incident = session.get(Incident, rumour["incident_id"])
        assert incident is not None and "network" in incident.topics
        steps = steps_of(session, incident.id or 0)
        shown = advocates_view.shown_details(
            session, incident, steps, now=clock.now(), advocates=runtime.model.advocates
        )
    (detail, invitees), *_ = shown.values()
    handles = [a.handle for a in invitees.accounts]
    # On the topic, newest first (the helper, then the fans); then the others to fill.
    assert handles == ["helper", "fan_b", "fan_a", "fan_c"]
    assert [a.followers for a in invitees.accounts] == [800, 50_000, 1200, 300]
    assert invitees.accounts[-1].topics == ()
    assert detail["advocates"]["accounts"][0]["helpful_count"] == 1
    assert any("\uac00" <= ch <= "\ud7a3" for ch in invitees.invitation)  # Korean
    assert not any(word in invitees.invitation.lower() for word in REWARDS)


def test_pinned_first_excluded_never(settings, clock, db_engine, tmp_path) -> None:
    block = '  pin: ["@Fan_C", newcomer]\n  exclude: [FAN_B]'
    client, runtime = make_client(settings, clock, db_engine, tmp_path / "r.yaml", block)
    with client:
        history(client, clock)
        rumour = post(client, "r1", "worried", RUMOUR_EN)
    runtime.rules.close()
    advocates = runtime.model.advocates
    assert advocates is not None
    with Session(db_engine) as session:
        incident = session.get(Incident, rumour["incident_id"])
        assert incident is not None
        invitees = advocates_view.build(session, incident, advocates)
        listed = recent(session, ["network"], pin=advocates.pin, exclude=advocates.exclude)
    handles = [a.handle for a in invitees.accounts]
    assert handles == ["fan_c", "newcomer", "helper", "fan_a"]
    assert [a.pinned for a in invitees.accounts] == [True, True, False, False]
    assert invitees.accounts[1].last_seen_at is None  # pinned, never seen: listed all the same
    assert [a.handle for a in listed] == handles
    assert invitees.invitation == advocates_view.INVITATION["en"]


def test_listing_is_bounded(app, clock, db_engine) -> None:
    client, _ = app
    history(client, clock)
    with Session(db_engine) as session:
        assert [a.handle for a in recent(session, ["network"], limit=2)] == ["helper", "fan_b"]
        assert [a.handle for a in recent(session, [], limit=9)][:2] == ["helper", "fan_c"]


def test_rules_reject_an_account_both_pinned_and_excluded() -> None:
    with pytest.raises(ValidationError, match="both pinned and excluded: fan_b"):
        Advocates(owner="subteam:S0C", pin=["@Fan_B"], exclude=["fan_b"])
    with pytest.raises(ValidationError):
        Advocates(owner="subteam:S0C", pin=["not a handle"])
    assert Advocates(owner="subteam:S0C").listed == 5
