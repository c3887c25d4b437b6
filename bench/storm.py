"""A storm through the service: one rumour's copies, reposts and replies, then 20 mixed stories.

Usage: .venv/bin/python bench/storm.py [--events 100000] [--batch 500] [--queries [--database URL]]
The service runs in its own process (SQLite in a temp dir, outbox worker on) against a local
fake of Slack's Web API; prints time to ingest, incidents made, Slack calls, peak RSS.
With --queries, the storm runs in this process instead and the SQL statements of each event
that joins the incident (second half of the storm) are counted and listed.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.api import serve  # noqa: E402
from tests.support.fake_slack import TOKEN, FakeSlack  # noqa: E402

RUMOUR = "한빛텔레콤 다음 달부터 인터넷 요금 30% 인상한다는 소문 돌던데 진짜임? 공지도 없이"
TAILS = [
    "",
    " #한빛",
    " ㅋㅋㅋ",
    " 😡😡",
    " 진짜 너무하네",
    " #요금인상 #한빛텔레콤",
    " 2026",
    "??",
]
STORIES = [
    "한빛원 배터리가 충전 중에 부풀었다는 글이 커뮤니티에 돌고 있음 {n}",
    "Hanbit app login has been failing since this morning for everyone I know {n}",
    "한빛 매장에서 개통 강요당했다는 후기 보셨나요 {n}",
    "heard that Hanbit Telecom is selling its home internet business to a rival {n}",
    "한빛텔레콤 고객센터 대기 2시간째 실화냐 {n}",
    "Hanbit One screen flickers after the latest update, anyone else {n}",
    "한빛 5G 기지국 전자파 때문에 두통 생긴다는 얘기 사실인가요 {n}",
    "Hanbit charged my whole family twice for roaming this month {n}",
    "한빛텔레콤 개인정보 유출됐다는 지라시 돌던데 확인 좀 해주세요 {n}",
    "Hanbit Telecom CEO stepping down rumor going around on blind {n}",
    "한빛 인터넷 저녁마다 속도 1메가 나오는 거 나만 그래? {n}",
    "Hanbit store in Gangnam refused to refund a defective charger {n}",
    "한빛원 카메라 렌즈 깨짐 무상수리 안 해준다고 함 {n}",
    "Hanbit's new unlimited plan throttles after 5GB, that is not unlimited {n}",
    "한빛텔레콤 주가 폭락한다는 소문 돌던데 왜 그런 거임 {n}",
    "Hanbit delivery lost my new phone and support keeps closing the ticket {n}",
    "한빛 앱 업데이트 후에 자동이체 정보가 사라졌어요 {n}",
    "Is it true Hanbit Telecom will shut down 3G next month without notice {n}",
    "한빛텔레콤 직원이 고객한테 반말했다는 영상 퍼지는 중 {n}",
    "Hanbit wifi router overheats and smells like burning plastic {n}",
]


# One rumour told in other words (issue 15): who, what is claimed, where it was read, asked how.
WHO = ["한빛텔레콤", "한빛텔레콤이", "우리 통신사 한빛텔레콤", "한빛텔레콤 본사"]
CLAIMS = [
    "부도 나고 파산 신청한다는 소문",
    "파산 직전이라 곧 부도 처리된다는 얘기",
    "부도 위기에 파산까지 간다는 지라시",
    "곧 파산한다 부도났다는 글",
    "부도설에 파산설까지 도는 거",
]
WHERE = ["블라인드에서 봤는데", "단톡방에 돌던데", "커뮤니티에 올라왔던데", "지인이 그러던데"]
ASKED = ["진짜임?", "사실인가요?", "맞아요? 해지해야 하나", "실화냐 ㄷㄷ"]


def rewordings(total: int, rng: random.Random) -> list[dict[str, object]]:
    """`total` posts of one rumour, each worded from parts: few are copies of another."""
    events: list[dict[str, object]] = []
    for i in range(total):
        text = " ".join([rng.choice(WHO), rng.choice(CLAIMS), rng.choice(WHERE), rng.choice(ASKED)])
        author = {"id": f"r{i}", "handle": f"reword{i}", "followers": rng.randrange(20, 2000)}
        events.append({"id": f"r{i}", "source": "twitter", "text": text, "author": author})
    return events


def storm_events(total: int, rng: random.Random) -> list[dict[str, object]]:
    events: list[dict[str, object]] = []
    for i in range(total):
        author = {
            "id": f"a{rng.randrange(total // 3 + 1)}",
            "handle": f"user{i % 5000}",
            "followers": int(rng.paretovariate(1.2) * 50),
        }
        kind = rng.random()
        event: dict[str, object] = {"id": f"s{i}", "source": "twitter", "author": author}
        if i > 0 and kind < 0.5:
            event["text"] = f"RT @user0: {RUMOUR}"
            event["repost_of"] = f"s{rng.randrange(i)}"
        elif i > 0 and kind < 0.65:
            event["text"] = rng.choice(["헐 진짜?", "설마요", "this can't be true", "ㄹㅇ?"])
            event["in_reply_to"] = f"s{rng.randrange(i)}"
        else:
            event["text"] = RUMOUR + rng.choice(TAILS)
        events.append(event)
    return events


def mixed_events(per_story: int, rng: random.Random) -> list[dict[str, object]]:
    events = [
        {
            "id": f"m{s}-{n}",
            "source": "twitter",
            "text": text.format(n=rng.choice(TAILS)),
            "author": {"id": f"m{s}-{n}", "followers": 100},
        }
        for n in range(per_story)
        for s, text in enumerate(STORIES)
    ]
    rng.shuffle(events)
    return events


def push(url: str, events: list[dict[str, object]], batch: int) -> tuple[float, Counter[int]]:
    incidents: Counter[int] = Counter()
    start = time.perf_counter()
    with httpx.Client(base_url=url, timeout=300) as client:
        for offset in range(0, len(events), batch):
            answer = client.post(
                "/v1/events/batch", json={"events": events[offset : offset + batch]}
            )
            answer.raise_for_status()
            for item in answer.json()["results"]:
                if item["ok"] and item["result"]["incident_id"] is not None:
                    incidents[item["result"]["incident_id"]] += 1
    return time.perf_counter() - start, incidents


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def count_queries(total: int, rng: random.Random, database: str | None) -> None:
    """Statements per joining event, in process, by statement (SQLite unless `database`)."""
    from sqlalchemy import event as sa_event

    from playbook.core.clock import FakeClock
    from playbook.core.db import make_engine, migrate, session_scope
    from playbook.intake.events import EventIn
    from playbook.pipeline import ingest
    from playbook.rules.playbook import Playbook

    statements: list[str] = []
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(database or f"sqlite:///{folder}/storm.db")
        migrate(engine)
        sa_event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
        playbook = Playbook.from_file(str(ROOT / "rules.yaml"))
        clock = FakeClock()
        seen: Counter[str] = Counter()
        joins = 0
        start, cpu = time.perf_counter(), time.process_time()
        for i, raw in enumerate(storm_events(total, rng)):
            clock.advance(seconds=0.01)
            before = len(statements)
            with session_scope(engine) as session:
                result = ingest(
                    session,
                    EventIn.model_validate(raw),
                    playbook=playbook,
                    now=clock.now(),
                    default_channel="#bench",
                )
            if i >= total // 2 and result.incident_id is not None and not result.incident_created:
                joins += 1
                seen.update(" ".join(s.split())[:100] for s in statements[before:])
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
        playbook.close()
        engine.dispose()
    print(
        f"in process: {total} events in {seconds:.1f} s ({total / seconds:.0f}/s, "
        f"{cpu * 1000 / total:.1f} ms CPU each); "
        f"{sum(seen.values()) / max(joins, 1):.2f} SQL statements per joining event "
        f"({joins} measured)"
    )
    for statement, count in seen.most_common():
        print(f"  {count / max(joins, 1):5.2f}  {statement}")


def main() -> None:
    args = argparse.ArgumentParser(description=__doc__)
    args.add_argument("--events", type=int, default=100_000)
    args.add_argument("--batch", type=int, default=500)
    args.add_argument("--per-story", type=int, default=50)
    args.add_argument("--queries", action="store_true", help="count SQL statements per event")
    args.add_argument("--rewordings", type=int, default=0, help="a storm of N rewordings instead")
    args.add_argument("--database", help="with --queries: an empty database's URL (PostgreSQL)")
    opts = args.parse_args()
    rng = random.Random(7)
    if opts.queries:
        count_queries(opts.events, rng, opts.database)
        return
    with FakeSlack() as slack, tempfile.TemporaryDirectory() as folder:
        env = {
            "PLAYBOOK_DATABASE_URL": f"sqlite:///{folder}/storm.db",
            "PLAYBOOK_LOG_LEVEL": "WARNING",
            "PLAYBOOK_SLACK_BOT_TOKEN": TOKEN,
            "PLAYBOOK_SLACK_API_URL": slack.url,
            "PLAYBOOK_API_KEYS": "",
        }
        proc, url = serve("service", env)
        try:
            storm = rewordings(opts.rewordings, rng) if opts.rewordings else None
            total = opts.rewordings or opts.events
            seconds, incidents = push(url, storm or storm_events(total, rng), opts.batch)
            top = incidents.most_common(1)[0][1] if incidents else 0
            print(
                f"storm: {total} events in {seconds:.1f} s ({total / seconds:.0f}/s); "
                f"{len(incidents)} incident(s), the largest with {top} events"
            )
            time.sleep(3)  # let the outbox worker (1 s interval) deliver the last card update
            calls = Counter(c.method for c in slack.calls)
            print(
                f"slack calls: {dict(calls)} over {seconds:.0f} s "
                f"({sum(calls.values()) / max(seconds, 1):.2f}/s)"
            )
            mixed = mixed_events(opts.per_story, rng)
            seconds, incidents = push(url, mixed, opts.batch)
            print(
                f"mixed: {len(mixed)} events of {len(STORIES)} stories in {seconds:.1f} s; "
                f"{len(incidents)} incidents, sizes {sorted(incidents.values(), reverse=True)}"
            )
            print(f"peak RSS of the service: {peak_rss_mb(proc.pid):.0f} MB")
        finally:
            proc.terminate()
            proc.wait(timeout=60)


if __name__ == "__main__":
    main()
