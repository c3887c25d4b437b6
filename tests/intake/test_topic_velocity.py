"""Per-topic velocity: counted in the database across incidents, over a sliding 10 minutes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from playbook.actions.console import ConsoleSink
from playbook.core.clock import FakeClock
from playbook.core.db import session_scope
from playbook.core.settings import Settings
from playbook.intake.events import EventIn
from playbook.intake.topics import TopicCount, topic_rates
from playbook.pipeline import IngestResult, ingest
from playbook.rules.match.backends import durable_available
from playbook.rules.playbook import Playbook
from service import cli
from service.app import create_app
from service.runtime import Runtime

RULES = """
version: 1
organisation: {name: Test Co, ceo_handles: [], brand_handles: [], brand_terms: []}
experts:
  billing: {owner: "subteam:BILLING", keywords: billing_words}
  network: {owner: "subteam:NETWORK", keywords: network_words}
lists:
  billing_words: {word_boundary: true, terms: [bill, refund]}
  network_words: {word_boundary: true, terms: [outage]}
rules:
  - id: any-topic
    priority: 50
    when: {fact: topics, exists: true}
    then: {category: complaint, severity: low, steps: [{kind: triage}]}
  - id: topic-surge
    priority: 40
    when: {fact: topic.velocity_10m, at_least: 1.5}
    then: {severity: critical}
  - id: busy-hour
    priority: 40
    when: {fact: topic.event_count_1h, greater_than: 20}
    then: {severity: high}
"""
BACKENDS = ["python", "durable"] if durable_available() else ["python"]


@pytest.fixture(params=BACKENDS)
def playbook(request: pytest.FixtureRequest) -> Iterator[Playbook]:
    built = Playbook.from_text(RULES, backend=request.param)
    assert built.matcher.name.startswith(request.param)
    yield built
    built.close()


class Feed:
    """Events with numbered ids, each in its own transaction, at the fake clock's time."""

    def __init__(self, engine: Engine, playbook: Playbook, clock: FakeClock) -> None:
        self.engine, self.playbook, self.clock, self.sent = engine, playbook, clock, 0

    def post(self, text: str, **extra: object) -> IngestResult:
        self.sent += 1
        event = EventIn.model_validate(
            {"id": f"t{self.sent}", "source": "twitter", "text": text, **extra}
        )
        with session_scope(self.engine) as session:
            return ingest(
                session, event, playbook=self.playbook, now=self.clock.now(), default_channel="#c"
            )

    def rates(self) -> dict[str, tuple[float, int]]:
        with Session(self.engine) as session:
            found = topic_rates(session, ["billing", "network", "privacy"], self.clock.now())
        return {t: (r.velocity_10m, r.event_count_1h) for t, r in found.items()}


@pytest.fixture
def feed(db_engine: Engine, playbook: Playbook, clock: FakeClock) -> Feed:
    return Feed(db_engine, playbook, clock)


def test_window_slides_events_older_than_ten_minutes_drop_out(feed: Feed, clock: FakeClock) -> None:
    for _ in range(3):
        feed.post("my bill")
    clock.advance(minutes=5)
    feed.post("my bill")
    assert feed.rates()["billing"] == (0.4, 4)
    clock.advance(minutes=4, seconds=59)  # the first three are 9m59s old: still counted
    assert feed.rates()["billing"] == (0.4, 4)
    clock.advance(seconds=1)  # ten minutes: they drop out of the velocity, not the hour
    assert feed.rates()["billing"] == (0.1, 4)
    clock.advance(minutes=5)
    assert feed.rates()["billing"] == (0.0, 4)
    clock.advance(minutes=50)
    assert feed.rates()["billing"] == (0.0, 0)
    assert feed.rates()["network"] == (0.0, 0)


def test_incidents_with_the_same_topic_add_up(feed: Feed, clock: FakeClock) -> None:
    incidents = set()
    for i in range(6):  # short texts never group: six incidents, one topic
        incidents.add(feed.post(f"bill {i}").incident_id)
        clock.advance(seconds=30)
    feed.post("refund outage")  # both topics
    assert len(incidents) == 6 and None not in incidents
    assert feed.rates() == {"billing": (0.7, 7), "network": (0.1, 1), "privacy": (0.0, 0)}


def test_duplicates_are_not_counted_and_events_without_topics_count_nowhere(
    feed: Feed, db_engine: Engine
) -> None:
    feed.post("my bill")
    feed.sent -= 1
    assert feed.post("my bill").duplicate
    feed.post("nothing to see here")
    assert feed.rates()["billing"] == (0.1, 1)
    with Session(db_engine) as session:
        assert [r.topic for r in session.exec(select(TopicCount))] == ["billing"]


def test_rule_on_topic_velocity_fires_at_the_threshold_not_below(
    feed: Feed, clock: FakeClock
) -> None:
    # 1.5 a minute over ten minutes is 15 events: the 14th is below, the 15th is at it.
    answers = []
    for i in range(15):
        answers.append(feed.post(f"bill {i}"))
        clock.advance(seconds=20)
    assert all("topic-surge" not in a.matched_rules for a in answers[:14])
    assert answers[13].severity == "low"
    assert "topic-surge" in answers[14].matched_rules
    assert answers[14].severity == "critical"
    clock.advance(minutes=8)  # only the last five are left in the window: 0.6 a minute
    calm = feed.post("bill again")
    assert "topic-surge" not in calm.matched_rules and calm.severity == "low"


def test_event_without_topics_has_no_topic_facts(feed: Feed) -> None:
    feed.post("my bill")
    event = EventIn(id="x", source="twitter", text="nothing to see here")
    facts = feed.playbook.facts(event, now=feed.clock.now())
    assert "topic.velocity_10m" not in facts


def test_hourly_count_rule(feed: Feed, clock: FakeClock) -> None:
    answers = []
    for i in range(21):
        answers.append(feed.post(f"refund {i}"))
        clock.advance(minutes=2)  # 0.5 a minute at most: never a surge
    assert all(a.matched_rules == ["any-topic"] for a in answers[:20])
    assert answers[20].matched_rules == ["any-topic", "busy-hour"]
    assert answers[20].severity == "high"


@pytest.fixture
def rules_file(tmp_path: Path) -> Path:
    path = tmp_path / "rules.yaml"
    path.write_text(RULES, encoding="utf-8")
    return path


def test_preview_and_incident_show_live_topic_velocity(
    settings: Settings, clock: FakeClock, db_engine: Engine, rules_file: Path
) -> None:
    settings.rules_file = rules_file
    runtime = Runtime.build(settings, clock=clock, sink=ConsoleSink(), engine=db_engine)
    with TestClient(create_app(runtime, workers=False), client=("127.0.0.1", 1)) as client:
        for i in range(14):
            event = {"id": f"p{i}", "source": "twitter", "text": f"bill {i}"}
            answer = client.post("/v1/events", json=event)
            assert answer.status_code == 200
        incident = client.get(f"/v1/incidents/{answer.json()['incident_id']}").json()
        listed = client.get("/v1/incidents").json()
        body = client.post(
            "/v1/rules/preview", json={"id": "next", "source": "twitter", "text": "bill, outage"}
        ).json()
        again = client.post(
            "/v1/rules/preview", json={"id": "next", "source": "twitter", "text": "bill, outage"}
        ).json()
    runtime.rules.close()
    assert body["topics"] == [
        {"topic": "billing", "velocity_10m": 1.5, "event_count_1h": 15},
        {"topic": "network", "velocity_10m": 0.1, "event_count_1h": 1},
    ]
    assert body["facts"]["topic.velocity_10m"] == 1.5
    assert "topic-surge" in body["matched_rules"]
    surge = next(r for r in body["rules"] if r["id"] == "topic-surge")
    assert surge["when"] == {
        "fact": "topic.velocity_10m",
        "operator": "at_least",
        "expected": 1.5,
        "held": True,
        "actual": 1.5,
    }
    assert again["topics"] == body["topics"]  # a preview stores nothing
    assert incident["topics"] == [{"topic": "billing", "velocity_10m": 1.4, "event_count_1h": 14}]
    assert listed[0]["topics"] == []  # listings leave it out: one query per incident


def test_explain_command_counts_this_event_alone(
    rules_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"id": "1", "source": "twitter", "text": "refund my bill"}))
    assert cli.main(["rules", "explain", "--rules", str(rules_file), str(event)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["topics"] == [{"topic": "billing", "velocity_10m": 0.1, "event_count_1h": 1}]
    assert out["facts"]["topic.event_count_1h"] == 1
