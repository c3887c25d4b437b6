"""The board in a real headless Chromium: sign in, watch an incident arrive, act, read the report."""

from __future__ import annotations

import shutil
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
import uvicorn

from playbook.accounts.users import invite
from playbook.core.db import make_engine, session_scope
from playbook.core.models import Role
from playbook.core.settings import REPO_ROOT, Settings
from service.app import create_app
from service.runtime import Runtime

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = REPO_ROOT / "var" / "screenshots"
ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
RUMOUR = {
    "id": "browser-1",
    "source": "twitter",
    "text": "@hanbit_telecom 대표가 횡령했다는 소문이 사실인가요?",
    "mentions": ["hanbit_telecom"],
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, Runtime]]:
    """The app under uvicorn in a thread, on a free loopback port, over its own SQLite file."""
    port = free_port()
    rules = tmp_path / "rules.yaml"  # the playground saves: a copy, never the repository's
    shutil.copy(REPO_ROOT / "rules.yaml", rules)
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'board.db'}",
        rules_file=rules,
        watch_rules=False,
        port=port,
        board_poll_seconds=0.3,
    )
    runtime = Runtime.build(settings, engine=make_engine(settings.database_url))
    config = uvicorn.Config(
        create_app(runtime, workers=False), host="127.0.0.1", port=port, log_level="warning"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started and thread.is_alive():
        thread.join(0.05)  # waits for the server's own flag, not for a guessed duration
    assert server.started
    try:
        yield f"http://127.0.0.1:{port}", runtime
    finally:
        server.should_exit = True
        thread.join(10)
        runtime.close()


def test_sign_in_watch_act_and_report(served: tuple[str, Runtime]) -> None:
    from playwright.sync_api import Route, expect, sync_playwright

    base, runtime = served
    assert CHROMIUM.exists(), "Debian's chromium is missing: `make browser` installs it"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with session_scope(runtime.engine) as session:
        token = invite(
            session, "mina@example.com", role=Role.RESPONDER, by="test", now=runtime.clock.now()
        )
    outside: list[str] = []

    def only_here(route: Route) -> None:
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.route("**/*", only_here)

        page.goto(f"{base}/signin/{token}")
        page.click("#signin")
        expect(page.locator("header .who")).to_contain_text("mina@example.com")
        expect(page.locator("#rows")).to_contain_text("No incidents match.")

        answer = httpx.post(f"{base}/v1/events", json=RUMOUR).json()
        incident = answer["incident_id"]
        row = page.locator(f'tr[data-incident="{incident}"]')
        expect(row).to_be_visible()  # arrived by polling: the page was not reloaded
        expect(row).to_contain_text("rumour")
        page.screenshot(path=str(SCREENSHOTS / "board.png"), full_page=True)

        row.locator("a").click()
        expect(page.locator("h1")).to_contain_text(f"#{incident}")
        triage = page.locator('section[data-kind="triage"]')
        triage.locator("button.complete").click()
        expect(page.locator('section[data-kind="triage"] h3')).to_contain_text("done")
        expect(page.locator(".timeline")).to_contain_text("mina@example.com")

        verify = page.locator('section[data-kind="verify_facts"]')
        verify.locator("button.skip").click()
        expect(page.locator("#refusal")).to_contain_text("a reason (`note`) is required")
        expect(page.locator('section[data-kind="verify_facts"] h3')).to_contain_text("active")
        page.screenshot(path=str(SCREENSHOTS / "incident.png"), full_page=True)

        page.click("text=After-action report")
        expect(page.locator("h1")).to_contain_text(f"#{incident}")
        expect(page.locator("svg.chart")).to_be_visible()
        page.screenshot(path=str(SCREENSHOTS / "report.png"), full_page=True)

        page.click("text=한국어")
        expect(page.locator("h1")).to_contain_text("사후 보고서")
        browser.close()
    assert outside == []


def type_in(editor: Any, text: str) -> None:
    """Replace the editor's text as a paste does: one input event (fill() types 36 kB slowly)."""
    editor.evaluate(
        "(el, text) => { el.value = text; el.dispatchEvent(new Event('input', {bubbles: true})); }",
        text,
    )


def test_playground_break_fix_preview_save(served: tuple[str, Runtime]) -> None:
    from playwright.sync_api import expect, sync_playwright

    base, runtime = served
    assert CHROMIUM.exists(), "Debian's chromium is missing: `make browser` installs it"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with session_scope(runtime.engine) as session:
        token = invite(
            session, "jun@example.com", role=Role.EDITOR, by="test", now=runtime.clock.now()
        )
    httpx.post(f"{base}/v1/events", json=RUMOUR).raise_for_status()
    before = runtime.rules.playbook.version
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        outside: list[str] = []
        page.on(
            "request",
            lambda r: outside.append(r.url) if urlsplit(r.url).hostname != "127.0.0.1" else None,
        )
        page.goto(f"{base}/signin/{token}")
        page.click("#signin")
        page.click("header nav >> text=Rules")
        expect(page.locator("#version")).to_have_text(before)
        editor = page.locator("#rules-text")
        text = editor.input_value()
        start = text.index("  - id: praise")
        at = text.index("severity: low", start)
        line = text[:at].count("\n") + 1

        type_in(editor, text[:at] + "severity: lowish" + text[at + len("severity: low") :])
        problem = page.locator("#problems li").first
        expect(problem).to_contain_text(f"{line}:17")
        expect(problem).to_contain_text("lowish")
        expect(page.locator(f'#gutter span.bad[data-line="{line}"]')).to_be_visible()

        fixed = text.replace("title: Say thank you", "title: Say thanks")
        type_in(editor, fixed)
        expect(page.locator("#check-status")).to_have_text("✓ OK")
        expect(page.locator("#problems li")).to_have_count(0)

        page.select_option("#post-pick", index=1)
        page.click("#preview")
        expect(page.locator("#preview-draft")).to_contain_text("rumour")
        expect(page.locator("#preview-in-force")).to_contain_text("verify_facts")
        page.click("#dry-run")
        expect(page.locator("#dry-run-summary")).to_have_text("0 / 1")
        page.screenshot(path=str(SCREENSHOTS / "playground.png"), full_page=True)

        page.click("#save")
        expect(page.locator("#saved")).to_be_visible()
        after = runtime.rules.playbook.version
        assert after != before
        expect(page.locator("#version")).to_have_text(after)
        expect(page.locator(f'#versions tr[data-hash="{after}"]')).to_contain_text(
            "jun@example.com"
        )
        page.click(f'#versions tr[data-hash="{before}"] >> text=Compare')
        expect(page.locator("#diff .dadd")).to_contain_text("title: Say thanks")
        browser.close()
    assert outside == []
