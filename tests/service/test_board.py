"""The board: one-time sign-in links, roles, CSRF, filters, the incident page, the report."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from playbook.accounts.users import invite
from playbook.core.clock import FakeClock
from playbook.core.db import session_scope
from playbook.core.models import Role
from service.cli import main as cli
from service.runtime import Runtime

COMPLAINT = {
    "id": "b1",
    "source": "twitter",
    "text": "@hanbit_telecom 이번 달 요금이 두 배로 나왔는데 설명도 없네요. 진짜 황당합니다",
    "author": {"id": "42", "handle": "someone", "followers": 300},
    "mentions": ["hanbit_telecom"],
}


def link_for(runtime: Runtime, email: str, role: Role) -> str:
    with session_scope(runtime.engine) as session:
        return invite(session, email, role=role, by="test", now=runtime.clock.now())


def sign_in(client: TestClient, runtime: Runtime, role: Role = Role.RESPONDER) -> str:
    """Signs the client in; returns the session's CSRF token, read from a page's form."""
    token = link_for(runtime, f"{role.value}@example.com", role)
    assert client.get(f"/signin/{token}").status_code == 200  # a preview does not spend it
    answer = client.post(f"/signin/{token}", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/"
    page = client.get("/")
    assert page.status_code == 200
    return re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]


def open_incident(client: TestClient, **changes: Any) -> dict[str, Any]:
    return client.post("/v1/events", json={**COMPLAINT, **changes}).json()


def test_pages_need_a_session(client: TestClient) -> None:
    for path in ("/", "/incidents/1", "/incidents/1/report", "/board/rows"):
        answer = client.get(path, follow_redirects=False)
        assert answer.status_code == 303 and answer.headers["location"] == "/signin", path
    assert client.get("/static/board.js").status_code == 200


def test_first_start_prints_an_admin_link_and_links_are_single_use(
    client: TestClient, runtime: Runtime, caplog: pytest.LogCaptureFixture
) -> None:
    from service.auth import first_admin_link

    with caplog.at_level("WARNING", logger="playbook.service"):
        link = first_admin_link(runtime)
    assert link is not None and link in caplog.text
    token = link.rsplit("/", 1)[1]
    assert client.post(f"/signin/{token}", follow_redirects=False).status_code == 303
    assert "admin@localhost (admin)" in client.get("/").text
    assert first_admin_link(runtime) is None  # someone can sign in now
    client.cookies.clear()
    again = client.post(f"/signin/{token}", follow_redirects=False)
    assert again.status_code == 404 and "used or expired" in again.text


def test_expired_link_is_refused(client: TestClient, runtime: Runtime, clock: FakeClock) -> None:
    token = link_for(runtime, "late@example.com", Role.VIEWER)
    clock.advance(days=8)
    assert client.post(f"/signin/{token}", follow_redirects=False).status_code == 404


def test_forged_cookie_is_not_a_session(client: TestClient) -> None:
    client.cookies.set("playbook_session", "eyJ1IjoxfQ.forged.sig")
    assert client.get("/", follow_redirects=False).status_code == 303


def test_api_filters_every_field_and_pages_by_cursor(client: TestClient) -> None:
    first = open_incident(client)
    second = open_incident(client, id="b2", text="@hanbit_telecom 앱 로그인이 안 돼요 왜죠?")
    third = open_incident(
        client, id="b3", text="@hanbit_telecom 대표가 횡령했다는 소문이 사실인가요?"
    )
    ids = [first["incident_id"], second["incident_id"], third["incident_id"]]
    assert None not in ids and len(set(ids)) == 3, ids
    high = client.get("/v1/incidents", params={"severity": "high"}).json()
    assert [i["id"] for i in high] == [ids[2]]
    rumours = client.get("/v1/incidents", params={"category": "rumour", "status": "open"}).json()
    assert [i["id"] for i in rumours] == [ids[2]]
    assert client.get("/v1/incidents", params={"severity": "critical"}).json() == []
    page1 = client.get("/v1/incidents", params={"limit": 2})
    assert [i["id"] for i in page1.json()] == sorted(ids, reverse=True)[:2]
    cursor = page1.headers["x-next-cursor"]
    page2 = client.get("/v1/incidents", params={"limit": 2, "cursor": cursor})
    assert [i["id"] for i in page2.json()] == [min(ids)]
    assert "x-next-cursor" not in page2.headers
    title = client.get(f"/v1/incidents/{ids[1]}").json()["title"]
    found = client.get("/v1/incidents", params={"q": title[:8]}).json()
    assert ids[1] in [i["id"] for i in found]
    assert client.get("/v1/incidents", params={"q": "없는-제목-%_"}).json() == []
    assert client.get("/v1/incidents", params={"severity": "huge"}).status_code == 422


def test_board_lists_filters_and_marks_overdue(
    client: TestClient, runtime: Runtime, clock: FakeClock
) -> None:
    sign_in(client, runtime, Role.VIEWER)
    incident = open_incident(client)["incident_id"]
    rumour = open_incident(
        client, id="r1", text="@hanbit_telecom 대표가 횡령했다는 소문이 사실인가요?"
    )
    rows = client.get("/board/rows").text
    assert f'data-incident="{incident}"' in rows and "<svg" in rows and "overdue" not in rows
    assert rows.index(f'data-incident="{rumour["incident_id"]}"') < rows.index(
        f'data-incident="{incident}"'
    ), "the more severe incident comes first"
    high = client.get("/board/rows?severity=high&q=").text
    assert f'data-incident="{incident}"' not in high
    assert f'data-incident="{rumour["incident_id"]}"' in high
    clock.advance(days=2)
    assert "overdue" in client.get("/board/rows").text
    assert client.get("/board/rows?status=resolved").text.count("data-incident") == 0


def test_page_actions_use_the_workflow_and_show_refusals(
    client: TestClient, runtime: Runtime
) -> None:
    csrf = sign_in(client, runtime)
    body = open_incident(client)
    incident, steps = body["incident_id"], {s["kind"]: s for s in body["steps"]}
    url = f"/incidents/{incident}/steps/{steps['triage']['id']}"
    refused = client.post(url, data={"action": "skip", "csrf": csrf})
    assert refused.status_code == 422 and "a reason (`note`) is required" in refused.text
    waiting = client.post(
        f"/incidents/{incident}/steps/{steps['apologise']['id']}",
        data={"action": "complete", "csrf": csrf},
    )
    assert waiting.status_code == 409 and "waits for" in waiting.text
    forged = client.post(url, data={"action": "complete", "csrf": "nope"})
    assert forged.status_code == 403
    done = client.post(url, data={"action": "complete", "csrf": csrf}, follow_redirects=False)
    assert done.status_code == 303
    audit = client.get(f"/v1/incidents/{incident}/audit").json()
    assert {"actor": "responder@example.com", "action": "complete"} in [
        {"actor": a["actor"], "action": a["action"]} for a in audit
    ]
    page = client.get(f"/incidents/{incident}")
    assert "responder@example.com" in page.text and "<svg" in page.text


def test_viewers_may_not_act(client: TestClient, runtime: Runtime) -> None:
    csrf = sign_in(client, runtime, Role.VIEWER)
    body = open_incident(client)
    step = body["steps"][0]["id"]
    answer = client.post(
        f"/incidents/{body['incident_id']}/steps/{step}", data={"action": "complete", "csrf": csrf}
    )
    assert answer.status_code == 403 and "responder role" in answer.text
    assert (
        client.get(f"/v1/incidents/{body['incident_id']}").json()["steps"][0]["status"]
        == (body["steps"][0]["status"])
    )


def test_report_measures_times_and_deadlines(
    client: TestClient, runtime: Runtime, clock: FakeClock, capsys: pytest.CaptureFixture[str]
) -> None:
    body = open_incident(client)
    incident, steps = body["incident_id"], {s["kind"]: s for s in body["steps"]}
    clock.advance(minutes=3)
    act = f"/v1/incidents/{incident}/steps"
    assert client.post(f"{act}/{steps['triage']['id']}", json={"action": "complete", "by": "a"})
    clock.advance(minutes=4)
    verified = client.post(
        f"{act}/{steps['verify_facts']['id']}",
        json={"action": "complete", "by": "b", "outcome": "at_fault"},
    )
    assert verified.status_code == 200, verified.text
    report = client.get(f"/v1/incidents/{incident}/report").json()
    assert report["seconds_to"]["verification"] == 7 * 60
    assert report["seconds_to"]["action_plan"] is None
    triage = next(s for s in report["sla"] if s["kind"] == "triage")
    assert triage["met"] is True and triage["closed_by"] == "a"
    assert report["actors"]["b"] == {"complete": 1}
    assert report["volume_per_minute"][0] == 1
    clock.advance(days=3)
    late = client.get(f"/v1/incidents/{incident}/report").json()
    assert any(s["met"] is False for s in late["sla"])
    assert late["sla_attainment"] < 1
    sign_in(client, runtime, Role.VIEWER)
    page = client.get(f"/incidents/{incident}/report")
    assert page.status_code == 200 and "<svg" in page.text and "7m 00s" in page.text


def test_cli_invite_and_report(
    runtime: Runtime, client: TestClient, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    from playbook.core import settings as settings_module

    incident = open_incident(client)["incident_id"]
    monkeypatch.setenv("PLAYBOOK_DATABASE_URL", runtime.settings.database_url)
    settings_module.get_settings.cache_clear()
    try:
        assert cli(["user", "invite", "kim@example.com", "--role", "editor"]) == 0
        link = capsys.readouterr().out.strip()
        assert re.fullmatch(r"http://127\.0\.0\.1:8000/signin/[\w-]{40,}", link)
        assert cli(["user", "invite", "kim@example.com", "--role", "boss"]) == 2
        assert cli(["report", str(incident), "--format", "md"]) == 0
        markdown = capsys.readouterr().out
        assert markdown.startswith(f"# After-action report: incident {incident}")
        assert cli(["report", str(incident), "--format", "html"]) == 0
        assert "<svg" in capsys.readouterr().out
    finally:
        settings_module.get_settings.cache_clear()
