"""A Slack chaos run: the real service ingests a story stream while the fake Slack fails on a
schedule (429s, 500s, hangs), optionally with a `kill -9` mid-outage; then Slack recovers and
every card must stand posted once, up to date, paced, with no event lost."""

from __future__ import annotations

import json
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func
from sqlmodel import Session, col, select

from playbook.actions.sinks import CARD_EVENT_TYPE
from playbook.core.db import make_engine
from playbook.core.models import Event, Incident, OutboxItem, SlackMessage
from playbook.core.settings import REPO_ROOT
from tests.support.fake_slack import SIGNING_SECRET, TOKEN, FakeSlack, Fault
from tests.support.service_process import Service, wait_until

STORIES = [
    REPO_ROOT / "tests/stories/a/stories_a.jsonl",
    REPO_ROOT / "tests/stories/b/stories_b.jsonl",
]
PACE_SECONDS = 1.0


def story_events(stories: set[str] | None = None) -> list[dict[str, Any]]:
    """The story sets' posts in time order (many incidents, a storm), optionally some stories."""
    rows = [json.loads(line) for path in STORIES for line in path.read_text().splitlines() if line]
    rows = [r for r in rows if stories is None or r["story"] in stories]
    return [r["event"] for r in sorted(rows, key=lambda r: r["event"]["created_at"])]


TAILS = ["", " ㅋㅋ", " 진짜?", " 😡", " 너무하네", " ??", " 헐", " 실화냐", " ㅠㅠ", " 공유합니다"]


def copies_stream(
    stories: list[str], copies: int, storm: int = 0, run: str = "c"
) -> list[dict[str, Any]]:
    """Near-copies of each story's first post (one incident a story), interleaved; with
    `storm`, that many copies of the first story's post (a storm: 100 events raise one)."""
    firsts: dict[str, dict[str, Any]] = {}
    for path in STORIES:
        for line in path.read_text().splitlines():
            row = json.loads(line)
            firsts.setdefault(row["story"], row["event"])
    events = []
    for n in range(max(copies, storm)):
        for k, story in enumerate(stories):
            if n >= (storm if k == 0 and storm else copies):
                continue
            base = firsts[story]
            events.append(
                {
                    "id": f"{run}-{story}-{n}",
                    "source": "twitter",
                    "text": base["text"] + TAILS[n % len(TAILS)] + " " * (n // len(TAILS)),
                    "author": {"id": f"{story}-{n}", "handle": f"u{story}{n}", "followers": 300},
                }
            )
    return events


@dataclass
class ChaosFigures:
    events_sent: int = 0
    events_acked: int = 0
    events_stored: int = 0
    incidents: int = 0
    cards: int = 0
    card_posts: int = 0
    duplicate_posts: int = 0
    history_reads: int = 0  # looks for a card an unanswered attempt may have posted
    step_updates: int = 0
    kills: int = 0
    faults: dict[str, int] = field(default_factory=dict)
    min_post_gap: float = 0.0
    seconds: float = 0.0

    def line(self) -> str:
        return ", ".join(f"{k}={v}" for k, v in vars(self).items())


def service_env(database_url: str, slack: FakeSlack) -> dict[str, str]:
    return {
        "PLAYBOOK_DATABASE_URL": database_url,
        "PLAYBOOK_RULES_FILE": str(REPO_ROOT / "rules.yaml"),
        "PLAYBOOK_API_KEYS": "",
        "PLAYBOOK_SLACK_BOT_TOKEN": TOKEN,
        "PLAYBOOK_SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "PLAYBOOK_SLACK_API_URL": slack.url + "/api/",
        "PLAYBOOK_WATCH_RULES": "false",
        "PLAYBOOK_OUTBOX_INTERVAL_SECONDS": "0.2",
        "PLAYBOOK_LOG_LEVEL": "WARNING",
    }


def run_chaos(
    database_url: str,
    log: Path,
    *,
    events: list[dict[str, Any]],
    faults: list[Fault],
    kill_after: float | None = None,
    settle_timeout: float = 60.0,
    batch: int = 10,
) -> ChaosFigures:
    """Runs one chaos scenario end to end and returns its figures; raises on any violation."""
    figures = ChaosFigures()
    began = time.monotonic()
    with FakeSlack() as slack:
        service = Service(service_env(database_url, slack), log)
        service.start()
        try:
            slack.schedule(faults)
            acked = _send(service, events, batch, figures, slack, kill_after)
            figures.step_updates = _complete_some_steps(service)
            wait_until(slack.outage_over, 120, "the scheduled outage to end")
            engine = make_engine(database_url)
            try:
                try:
                    wait_until(lambda: _settled(engine), settle_timeout, "cards up to date")
                except TimeoutError as exc:
                    raise TimeoutError(f"{exc}; outbox: {_outbox(engine)}") from None
                _check(engine, slack, acked, figures)
            finally:
                engine.dispose()
        finally:
            service.stop()
        figures.kills = service.kills
        figures.faults = dict(slack.faults_injected)
        assert slack.invalid == [], slack.invalid[:3]
    figures.seconds = round(time.monotonic() - began, 1)
    return figures


def _send(
    service: Service,
    events: list[dict[str, Any]],
    batch: int,
    figures: ChaosFigures,
    slack: FakeSlack,
    kill_after: float | None,
) -> set[str]:
    """Posts the stream in batches; `kill -9` once `kill_after` s into the outage."""
    acked: set[str] = set()
    started, killed = time.monotonic(), False
    for start in range(0, len(events), batch):
        chunk = events[start : start + batch]
        if kill_after is not None and not killed and time.monotonic() - started >= kill_after:
            service.kill()
            service.start()
            killed = True
        answer = httpx.post(service.url + "/v1/events/batch", json={"events": chunk}, timeout=60)
        assert answer.status_code == 200, answer.text[:500]
        figures.events_sent += len(chunk)
        for event, result in zip(chunk, answer.json()["results"], strict=True):
            if result["ok"]:
                acked.add(event["id"])
    if kill_after is not None and not killed:
        # The stream was shorter than the wait: kill while the outage is still on.
        wait_until(lambda: time.monotonic() - started >= kill_after, kill_after + 5, "kill time")
        service.kill()
        service.start()
    figures.events_acked = len(acked)
    return acked


def _complete_some_steps(service: Service) -> int:
    """Updates while Slack is down: complete the first open step of every other incident."""
    listed = httpx.get(service.url + "/v1/incidents", params={"limit": 500}, timeout=30)
    assert listed.status_code == 200, listed.text[:300]
    done = 0
    for summary in listed.json()[::2]:
        incident = httpx.get(f"{service.url}/v1/incidents/{summary['id']}", timeout=30).json()
        open_steps = [s for s in incident["steps"] if s["status"] == "active"]
        if not open_steps:
            continue
        url = f"{service.url}/v1/incidents/{incident['id']}/steps/{open_steps[0]['id']}"
        answer = httpx.post(url, json={"action": "complete", "by": "soak"}, timeout=30)
        assert answer.status_code in (200, 409), answer.text[:300]
        done += answer.status_code == 200
    return done


def _settled(engine: Any) -> bool:
    """Nothing left in the outbox, and every card sent at its incident's latest version."""
    with Session(engine) as session:
        live = session.exec(
            select(func.count())
            .select_from(OutboxItem)
            .where(col(OutboxItem.status).in_(("pending", "sending")))
        ).one()
        if live:
            return False
        stale = session.exec(
            select(func.count())
            .select_from(Incident)
            .join(SlackMessage, col(SlackMessage.incident_id) == col(Incident.id))
            .where(col(SlackMessage.version_sent) < col(Incident.version))
        ).one()
        return stale == 0


def _outbox(engine: Any) -> list[tuple[Any, ...]]:
    """What is still queued (for the failure message)."""
    with Session(engine) as session:
        items = session.exec(select(OutboxItem).where(OutboxItem.status != "sent")).all()
        refs = session.exec(select(SlackMessage.incident_id, SlackMessage.version_sent)).all()
        versions = session.exec(select(Incident.id, Incident.version)).all()
    queued = [
        (i.id, i.kind, i.status, i.attempts, str(i.next_attempt_at), i.last_error) for i in items
    ]
    return [*queued, ("sent versions", sorted(refs)), ("versions", sorted(versions))]


def _check(engine: Any, slack: FakeSlack, acked: set[str], figures: ChaosFigures) -> None:
    with Session(engine) as session:
        stored = session.exec(select(Event.external_id)).all()
        incidents = {i.id: i for i in session.exec(select(Incident)).all()}
        carded = set(session.exec(select(OutboxItem.incident_id).where(OutboxItem.kind == "card")))
        refs = {r.incident_id: r for r in session.exec(select(SlackMessage)).all()}
    figures.events_stored = len(stored)
    assert len(stored) == len(set(stored)), "an event stored twice"
    assert acked <= set(stored), f"{len(acked - set(stored))} acknowledged events lost"
    figures.incidents, figures.cards = len(incidents), len(carded)
    posts = _card_posts(slack)
    figures.card_posts = sum(len(v) for v in posts.values())
    figures.duplicate_posts = sum(len(v) - 1 for v in posts.values() if len(v) > 1)
    assert figures.duplicate_posts == 0, {k: len(v) for k, v in posts.items() if len(v) > 1}
    for incident_id in carded:
        assert incident_id in refs, f"incident {incident_id}: card never recorded as posted"
        ref, incident = refs[incident_id], incidents[incident_id]
        assert posts.get(incident_id) == [ref.ts], (
            f"incident {incident_id}: {posts.get(incident_id)}"
        )
        message = slack.messages[(slack.channel_id(ref.channel), ref.ts)]
        shown = json.dumps(message.get("blocks"), ensure_ascii=False)
        assert f"{incident.event_count:,} events" in shown, f"incident {incident_id}: stale card"
        assert ref.version_sent == incident.version
    figures.history_reads = sum(
        1 for c in slack.requests if c.method == "conversations.history" and c.status == 200
    )
    figures.min_post_gap = _check_pace(slack)


def _card_posts(slack: FakeSlack) -> dict[int, list[str]]:
    """Top-level posts that reached Slack, by the incident their metadata names: their ts."""
    posts: dict[int, list[str]] = defaultdict(list)
    for (_, ts), message in sorted(slack.messages.items()):
        metadata = message.get("metadata") or {}
        if metadata.get("event_type") == CARD_EVENT_TYPE and "thread_ts" not in message:
            posts[int(metadata["event_payload"]["incident_id"])].append(ts)
    return posts


def _check_pace(slack: FakeSlack, key: Callable[[str], str] | None = None) -> float:
    """Every chat.postMessage request (failed ones too) at least a second apart per channel."""
    arrivals: dict[str, list[float]] = defaultdict(list)
    for call in slack.requests:
        if call.method == "chat.postMessage":
            arrivals[slack.channel_id(str(call.body.get("channel")))].append(call.at.timestamp())
    gaps = [b - a for times in arrivals.values() for a, b in zip(times, times[1:], strict=False)]
    smallest = min(gaps, default=PACE_SECONDS)
    assert smallest >= PACE_SECONDS - 0.005, f"two posts {smallest:.3f}s apart in one channel"
    return round(smallest, 3)
