"""An event answered 2xx survives kill -9 of the service, stored exactly once."""

from __future__ import annotations

import os
import queue
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from playbook.core.db import make_engine
from playbook.core.models import Event
from playbook.core.settings import REPO_ROOT
from tests.conftest import RULES, _truncate

CLIENTS = 4
PER_CLIENT = 60  # events each client sends at most
KILL_AFTER = 40  # acknowledged events before the kill
STORY = "한빛텔레콤 인터넷 요금 30% 인상 소문 진짜임? 공지도 없이 올리면 어떡합니까"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Service:
    """`python -m service.cli serve` on a free loopback port, ready once uvicorn says so."""

    def __init__(self, database_url: str) -> None:
        self.port = free_port()
        env = {
            **os.environ,
            "PYTHONPATH": str(REPO_ROOT),
            "PLAYBOOK_DATABASE_URL": database_url,
            "PLAYBOOK_RULES_FILE": str(RULES),
            "PLAYBOOK_API_KEYS": "",
            "PLAYBOOK_WATCH_RULES": "false",
            "PLAYBOOK_SLACK_BOT_TOKEN": "",
            "PLAYBOOK_LOG_LEVEL": "INFO",
        }
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "service.cli", "serve", "--port", str(self.port)],
            cwd=REPO_ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, args=(lines,), daemon=True).start()
        while True:  # bounded: each line within 60 s, the stream ends if the process dies
            line = lines.get(timeout=60)
            assert line, "the service stopped before it was ready"
            if "Uvicorn running on" in line:
                return

    def _read(self, lines: queue.Queue[str]) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            lines.put(line)
        lines.put("")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=30)


def event(client: int, i: int) -> dict[str, object]:
    text = STORY + " " + "!" * (i % 5) if i % 3 else f"오늘 점심은 김치찌개 {client}-{i}"
    return {"id": f"c{client}-{i}", "source": "twitter", "text": text, "author": {"id": f"{i}"}}


def stream_until_killed(service: Service) -> tuple[set[str], set[str]]:
    """Clients post until the service dies; the service is killed after KILL_AFTER acks."""
    acked: set[str] = set()
    sent: set[str] = set()
    lock = threading.Lock()
    enough = threading.Event()

    def client(k: int) -> None:
        with httpx.Client(base_url=service.url, timeout=30) as http:
            for i in range(PER_CLIENT):
                body = event(k, i)
                with lock:
                    sent.add(str(body["id"]))
                try:
                    answer = http.post("/v1/events", json=body)
                except httpx.HTTPError:
                    return  # the service is gone
                if answer.is_success:
                    with lock:
                        acked.add(str(body["id"]))
                        if len(acked) >= KILL_AFTER:
                            enough.set()

    threads = [threading.Thread(target=client, args=(k,)) for k in range(CLIENTS)]
    for thread in threads:
        thread.start()
    assert enough.wait(timeout=60), "the service acknowledged too few events"
    service.kill()
    for thread in threads:
        thread.join(timeout=60)
    return acked, sent


@pytest.fixture(params=["sqlite", "postgres"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, Engine]]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'durable.db'}"
        engine = make_engine(url)
        yield url, engine
        engine.dispose()
        return
    engine = request.getfixturevalue("postgres_engine")
    _truncate(engine)
    yield request.getfixturevalue("postgres_url"), engine
    _truncate(engine)


def test_acknowledged_events_survive_kill_9(database: tuple[str, Engine]) -> None:
    url, engine = database
    service = Service(url)
    try:
        acked, sent = stream_until_killed(service)
    finally:
        service.stop()
    assert len(acked) >= KILL_AFTER
    assert len(sent) < CLIENTS * PER_CLIENT  # killed mid-stream, not after the last event
    service = Service(url)  # restarts on the same database
    try:
        with httpx.Client(base_url=service.url, timeout=30) as http:
            for name in sorted(acked):
                client, i = name.removeprefix("c").split("-")
                answer = http.post("/v1/events", json=event(int(client), int(i)))
                assert answer.status_code == 200 and answer.json()["duplicate"], name
    finally:
        service.stop()
    with Session(engine) as session:
        counts = dict(
            session.exec(  # type: ignore[call-overload]
                select(Event.external_id, func.count()).group_by(col(Event.external_id))
            ).all()
        )
    assert all(counts.get(name) == 1 for name in acked), {n: counts.get(n) for n in acked}
    assert set(counts) <= sent
