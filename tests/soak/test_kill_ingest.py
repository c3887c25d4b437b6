"""Soak: 5,000 events from 8 clients while the service is SIGKILLed at random moments, 3 runs.

Every event answered 2xx is stored exactly once, and every incident's event_count equals the
events stored with its id. Run with `make soak` (`pytest -m soak`); not part of `make test`.
"""

from __future__ import annotations

import os
import random
import threading
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from playbook.core.settings import REPO_ROOT
from tests.support.service_process import Service
from tests.support.slack_chaos import story_events

pytestmark = pytest.mark.soak
EVENTS, CLIENTS, RUNS, KILLS = int(os.environ.get("SOAK_EVENTS", 5000)), 8, 3, 4


def _stream(run: int) -> list[dict[str, object]]:
    stories = story_events()
    events = []
    for i in range(EVENTS):
        base = stories[i % len(stories)]
        events.append({**base, "id": f"k{run}-{i}", "author": {"id": f"a{i % 700}"}})
    return events


def _client(
    service: Service, share: list[dict[str, object]], acked: set[str], lock: threading.Lock
) -> None:
    for event in share:
        deadline = time.monotonic() + 300
        while True:
            try:
                answer = httpx.post(service.url + "/v1/events", json=event, timeout=30)
            except httpx.HTTPError:
                answer = None  # killed mid-request: not acknowledged, send it again
            if answer is not None and answer.status_code < 300:
                with lock:
                    acked.add(str(event["id"]))
                break
            assert answer is None or answer.status_code >= 500, answer.text[:300]
            assert time.monotonic() < deadline, "the service did not come back"
            threading.Event().wait(0.05)


def _run(url: str, log: Path, run: int) -> dict[str, object]:
    events = _stream(run)
    service = Service(
        {
            "PLAYBOOK_DATABASE_URL": url,
            "PLAYBOOK_API_KEYS": "",
            "PLAYBOOK_RULES_FILE": str(REPO_ROOT / "rules.yaml"),
            "PLAYBOOK_WATCH_RULES": "false",
            "PLAYBOOK_LOG_LEVEL": "WARNING",
        },
        log,
    )
    service.start()
    try:
        return _load(service, events, run)
    finally:
        service.stop()


def _load(service: Service, events: list[dict[str, object]], run: int) -> dict[str, object]:
    acked: set[str] = set()
    lock = threading.Lock()
    began = time.monotonic()
    clients = [
        threading.Thread(target=_client, args=(service, events[k::CLIENTS], acked, lock))
        for k in range(CLIENTS)
    ]
    for thread in clients:
        thread.start()
    rng = random.Random(run)
    for _ in range(KILLS):
        threading.Event().wait(rng.uniform(2, 8))  # a random moment, not a synchronisation
        service.kill()
        service.start()
    for thread in clients:
        thread.join(timeout=600)
    seconds = round(time.monotonic() - began, 1)
    return {"acked": len(acked), "kills": service.kills, "seconds": seconds, "ids": acked}


def _counts(engine: Engine, prefix: str) -> tuple[dict[str, int], list[tuple[int, int, int]]]:
    with engine.connect() as connection:
        stored = dict(
            connection.execute(
                text(
                    "SELECT external_id, count(*) FROM event WHERE external_id LIKE :p GROUP BY external_id"
                ),
                {"p": prefix + "%"},
            ).all()
        )
        wrong = connection.execute(
            text(
                "SELECT i.id, i.event_count, count(e.id) FROM incident i LEFT JOIN event e "
                "ON e.incident_id = i.id GROUP BY i.id, i.event_count HAVING i.event_count <> count(e.id)"
            )
        ).all()
    return stored, [tuple(r) for r in wrong]


@pytest.mark.parametrize("run", range(1, RUNS + 1))
def test_kill_9_loses_nothing(db_engine: Engine, tmp_path: Path, run: int) -> None:
    url = db_engine.url.render_as_string(hide_password=False)
    figures = _run(url, tmp_path / "service.log", run)
    acked = figures.pop("ids")
    stored, wrong = _counts(db_engine, f"k{run}-")
    duplicates = sum(n - 1 for n in stored.values())
    lost = len(set(acked) - set(stored))  # type: ignore[arg-type]
    print(
        f"kill -9 ingest ({db_engine.dialect.name}, run {run}): events={EVENTS} clients={CLIENTS} "
        f"{figures} stored={len(stored)} duplicates={duplicates} lost={lost} "
        f"wrong_counters={len(wrong)}"
    )
    assert figures["acked"] == EVENTS
    assert duplicates == 0 and lost == 0
    assert wrong == []
