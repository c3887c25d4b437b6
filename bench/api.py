"""POST /v1/events against a parse-only endpoint, /v1/events/batch against the engine alone.

Usage: .venv/bin/python bench/api.py [--requests 2000] [--concurrency 8] [--database URL]
Each server runs in its own process on a free loopback port (SQLite in a temp dir unless
--database names another database, e.g. a PostgreSQL URL). From one run it prints the
single-event rate and latency beside the parse-only endpoint's, the 1,000-event batch rate
and the no-I/O engine rate (facts + decide + plan) of the same run.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TEXTS = [
    "@hanbit_telecom 이번 달 요금이 두 배로 나왔는데 설명도 없네요. 진짜 황당합니다 😡",
    "한빛원 배터리 폭발했다는 소문 돌던데 진짜임?",
    "@hanbit_care 요금제 변경은 앱에서 어떻게 하나요?",
    "Hanbit Telecom's network has been down all morning. Unacceptable.",
    "한빛 매장 직원분 너무 친절하셔서 감사했어요 👍",
    "오늘 점심은 김치찌개",
]


RUN = uuid.uuid4().hex[:8]  # ids unique per run: a reused database sees no repeats


def event(i: int) -> dict[str, object]:
    return {
        "id": f"bench-{RUN}-{i}",
        "source": "twitter",
        "text": TEXTS[i % len(TEXTS)],
        "author": {"id": str(i % 500), "handle": f"user{i % 500}", "followers": (i * 37) % 30000},
        "mentions": ["hanbit_telecom"] if i % 3 == 0 else [],
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve(factory: str, env: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            f"bench.apps:{factory}",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + "/openapi.json", timeout=1).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            time.sleep(0.1)  # polling a starting server; not in a test
    proc.kill()
    raise RuntimeError(
        f"{factory} did not start: {proc.stderr.read().decode() if proc.stderr else ''}"
    )


def load(url: str, requests: int, concurrency: int, offset: int) -> dict[str, float]:
    latencies: list[float] = []
    lock = threading.Lock()
    counter = iter(range(requests))

    def worker() -> None:
        with httpx.Client(base_url=url, timeout=30) as client:
            while True:
                with lock:
                    i = next(counter, None)
                if i is None:
                    return
                start = time.perf_counter()
                answer = client.post("/v1/events", json=event(offset + i))
                elapsed = time.perf_counter() - start
                if answer.status_code != 200:
                    raise RuntimeError(f"{answer.status_code}: {answer.text[:200]}")
                with lock:
                    latencies.append(elapsed)

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    total = time.perf_counter() - started
    latencies.sort()
    return {
        "rps": requests / total,
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1000,
    }


def batch_rate(url: str, batches: int, size: int, offset: int) -> float:
    """Events per second through /v1/events/batch, one batch after another."""
    bodies = [[event(offset + b * size + i) for i in range(size)] for b in range(batches)]
    with httpx.Client(base_url=url, timeout=600) as client:
        started = time.perf_counter()
        for body in bodies:
            answer = client.post("/v1/events/batch", json={"events": body})
            if answer.status_code != 200 or answer.json()["failed"]:
                raise RuntimeError(f"{answer.status_code}: {answer.text[:200]}")
        return batches * size / (time.perf_counter() - started)


def matching_rate(backend: str, events: int) -> dict[str, float]:
    from playbook.intake.events import EventIn
    from playbook.rules.playbook import Playbook
    from playbook.workflow.planner import plan

    playbook = Playbook.from_file(str(ROOT / "rules.yaml"), backend=backend)
    parsed = [EventIn.model_validate(event(i)) for i in range(events)]
    now = datetime.now(UTC)
    facts = [playbook.facts(e, now=now) for e in parsed]
    engine_facts = [playbook.engine_facts(f) for f in facts]
    start = time.perf_counter()
    for f in engine_facts:
        playbook.matcher.match(f)
    match_only = events / (time.perf_counter() - start)
    start = time.perf_counter()
    for e in parsed:
        plan(playbook.model, playbook.decide(playbook.facts(e, now=now), e), e)
    full = events / (time.perf_counter() - start)
    playbook.close()
    return {"match_per_s": match_only, "facts_and_decide_per_s": full}


def main() -> None:
    args = argparse.ArgumentParser(description=__doc__)
    args.add_argument("--requests", type=int, default=2000)
    args.add_argument("--concurrency", type=int, default=8)
    args.add_argument("--events", type=int, default=5000)
    args.add_argument("--batches", type=int, default=3, help="1,000-event batches to post")
    args.add_argument("--database", help="database URL (default: SQLite in a temp dir)")
    opts = args.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        env = {
            "PLAYBOOK_DATABASE_URL": opts.database or f"sqlite:///{folder}/bench.db",
            "PLAYBOOK_LOG_LEVEL": "WARNING",
            "PLAYBOOK_API_KEYS": "",
        }
        single: dict[str, dict[str, float]] = {}
        for name in ("baseline", "service"):
            proc, url = serve(name, env)
            try:
                load(url, 200, opts.concurrency, 10_000_000)  # warm-up
                single[name] = result = load(url, opts.requests, opts.concurrency, 0)
                if name == "service":
                    batched = batch_rate(url, opts.batches, 1000, 20_000_000)
            finally:
                proc.terminate()
                proc.wait(timeout=30)
            print(
                f"{name:9} POST /v1/events: {result['rps']:7.0f} req/s  "
                f"p50 {result['p50_ms']:6.1f} ms  p99 {result['p99_ms']:6.1f} ms  "
                f"({opts.requests} requests, {opts.concurrency} clients)"
            )
    ratio = single["service"]["rps"] / single["baseline"]["rps"]
    print(f"POST /v1/events vs parse-only: {ratio:.2f}x")
    rates = {}
    for backend in ("durable", "python"):
        rates[backend] = rate = matching_rate(backend, opts.events)
        print(
            f"matching ({backend:7}): {rate['match_per_s']:8.0f} matches/s, "
            f"{rate['facts_and_decide_per_s']:7.0f} events/s with facts and workflow planning"
        )
    engine = rates["durable"]["facts_and_decide_per_s"]
    print(
        f"POST /v1/events/batch ({opts.batches} x 1,000 events, {env_name(opts.database)}): "
        f"{batched:7.0f} events/s = {batched / engine:.2f}x the no-I/O engine "
        f"({engine:.0f} events/s, durable)"
    )


def env_name(database: str | None) -> str:
    return (database or "sqlite").split(":", 1)[0]


if __name__ == "__main__":
    main()
