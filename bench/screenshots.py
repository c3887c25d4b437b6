"""`make screenshots`: the board, an incident, its report and the rules playground, as PNGs.

Starts the service on a free loopback port over a throwaway SQLite database and a copy of
rules.yaml, signs in with a one-time link, posts a few events, and saves full-page
screenshots with Debian's Chromium into docs/screenshots/ (the README shows them).
"""

from __future__ import annotations

import shutil
import socket
import sys
import tempfile
import threading
from pathlib import Path

import httpx
import uvicorn

from playbook.accounts.users import invite
from playbook.core.db import make_engine, session_scope
from playbook.core.models import Role
from playbook.core.settings import REPO_ROOT, Settings
from service.app import create_app
from service.runtime import Runtime

CHROMIUM = Path("/usr/bin/chromium")
OUT = REPO_ROOT / "docs" / "screenshots"
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run"]
EVENTS = [
    {
        "id": "shot-1",
        "source": "twitter",
        "text": "@hanbit_telecom 대표가 횡령했다는 소문이 사실인가요?",
        "mentions": ["hanbit_telecom"],
        "author": {"handle": "curious_kim", "followers": 2400},
    },
    {
        "id": "shot-2",
        "source": "twitter",
        "text": "@hanbit_telecom 이번 달 요금이 두 배로 나왔는데 설명도 없네요. 진짜 황당합니다",
        "mentions": ["hanbit_telecom"],
        "author": {"handle": "bill_shock", "followers": 310},
    },
    {
        "id": "shot-3",
        "source": "twitter",
        "text": "Hanbit One battery recall confirmed and my phone still overheats. Fix this",
        "author": {"handle": "hot_phone", "followers": 52000},
        "metrics": {"reposts": 340, "quotes": 20},
    },
    {
        "id": "shot-4",
        "source": "twitter",
        "text": "한빛 매장 직원분 너무 친절하셔서 감사했어요 👍",
        "author": {"handle": "happy_lee", "followers": 90},
    },
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def serve(folder: Path) -> tuple[str, Runtime, uvicorn.Server, threading.Thread]:
    rules = folder / "rules.yaml"
    shutil.copy(REPO_ROOT / "rules.yaml", rules)
    port = free_port()
    settings = Settings(
        database_url=f"sqlite:///{folder / 'demo.db'}",
        rules_file=rules,
        watch_rules=False,
        port=port,
        api_keys="",
        slack_bot_token=None,
    )
    runtime = Runtime.build(settings, engine=make_engine(settings.database_url))
    server = uvicorn.Server(
        uvicorn.Config(create_app(runtime), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started and thread.is_alive():
        thread.join(0.05)
    return f"http://127.0.0.1:{port}", runtime, server, thread


def shoot(base: str, runtime: Runtime) -> list[Path]:
    from playwright.sync_api import sync_playwright

    with session_scope(runtime.engine) as session:
        token = invite(
            session, "lead@example.com", role=Role.ADMIN, by="screenshots", now=runtime.clock.now()
        )
    ids = [httpx.post(f"{base}/v1/events", json=e).json()["incident_id"] for e in EVENTS]
    first = ids[0]
    OUT.mkdir(parents=True, exist_ok=True)
    saved: list[Path] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 860})
        page.goto(f"{base}/signin/{token}")
        page.click("#signin")
        page.locator(f'tr[data-incident="{first}"]').wait_for()
        for name, path in [
            ("board", "/"),
            ("incident", f"/incidents/{first}"),
            ("report", f"/incidents/{first}/report"),
            ("playground", "/rules"),
        ]:
            page.goto(f"{base}{path}")
            if name == "playground":
                page.select_option("#post-pick", index=1)
                page.click("#preview")
                page.locator("#preview-draft").wait_for()
            saved.append(OUT / f"{name}.png")
            page.screenshot(path=str(saved[-1]), full_page=name != "playground")
        page.goto(f"{base}/lang/ko")
        page.goto(f"{base}/")
        saved.append(OUT / "board-ko.png")
        page.screenshot(path=str(saved[-1]))
        browser.close()
    return saved


def main() -> int:
    if not CHROMIUM.exists():
        print("Debian's chromium is missing: run `make browser`", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="playbook-shots-") as folder:
        base, runtime, server, thread = serve(Path(folder))
        try:
            for path in shoot(base, runtime):
                print(path.relative_to(REPO_ROOT))
        finally:
            server.should_exit = True
            thread.join(10)
            runtime.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
