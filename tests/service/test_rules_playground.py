"""The rules playground: check as you type, preview and dry-run a draft, save, compare, roll back."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from playbook.core.db import session_scope
from playbook.core.models import Role, RulesVersion
from playbook.core.settings import REPO_ROOT
from playbook.editor.check import check_text
from service.runtime import Runtime
from tests.service.test_board import COMPLAINT, sign_in

RULES_TEXT = (REPO_ROOT / "rules.yaml").read_text(encoding="utf-8")
PRAISE = {
    "id": "pp1",
    "source": "twitter",
    "text": "한빛 매장 직원분 너무 친절하셔서 감사했어요 👍",
}


def praise_severity(severity: str, text: str = RULES_TEXT) -> str:
    """The default rules with the praise rule's severity changed (at PRAISE_LINE:17)."""
    start = text.index("  - id: praise")
    at = text.index("severity: low", start)
    return text[:at] + f"severity: {severity}" + text[at + len("severity: low") :]


PRAISE_LINE = (
    RULES_TEXT[: RULES_TEXT.index("severity: low", RULES_TEXT.index("  - id: praise"))].count("\n")
    + 1
)


def retitled(text: str = RULES_TEXT) -> str:
    """A change every example still passes: the praise step's title."""
    return text.replace("title: Say thank you", "title: Say thanks")


@pytest.fixture
def rules_copy(tmp_path: Path, runtime: Runtime) -> Path:
    """Saving writes the rules file: a copy of the default one, never the repository's."""
    path = tmp_path / "rules.yaml"
    shutil.copy(REPO_ROOT / "rules.yaml", path)
    runtime.rules.path = path
    return path


def editor_client(client: TestClient, runtime: Runtime, role: Role = Role.EDITOR) -> str:
    """Signs in; returns the CSRF token, which the playground's script sends as a header."""
    csrf = sign_in(client, runtime, role)
    client.headers["X-CSRF-Token"] = csrf
    return csrf


def test_check_reports_problems_at_line_and_column_as_the_cli(client: TestClient) -> None:
    good = client.post("/v1/rules/check", json={"text": RULES_TEXT}).json()
    assert good == {"ok": True, "problems": []}
    broken = praise_severity("lowish")
    body = client.post("/v1/rules/check", json={"text": broken}).json()
    assert body["ok"] is False
    (problem,) = body["problems"]
    assert (problem["line"], problem["column"], problem["rule"]) == (PRAISE_LINE, 17, "praise")
    (expected,) = check_text(broken, problem["file"])
    assert problem["message"] == expected.message and "lowish" in problem["message"]
    yaml_error = client.post("/v1/rules/check", json={"text": "rules: [\n  - id: x\n"}).json()
    assert yaml_error["ok"] is False and yaml_error["problems"][0]["line"] >= 1


def test_preview_under_a_draft_beside_the_rules_in_force(client: TestClient) -> None:
    plain = client.post("/v1/rules/preview", json=PRAISE).json()
    assert plain["severity"] == "low" and "in_force" not in plain  # the old form is unchanged
    body = client.post(
        "/v1/rules/preview", json={"event": PRAISE, "rules": praise_severity("medium")}
    ).json()
    assert body["draft"] is True
    assert (body["category"], body["severity"]) == ("praise", "medium")
    assert body["in_force"]["severity"] == "low"
    assert [s["kind"] for s in body["steps"]] == [s["kind"] for s in plain["steps"]]
    refused = client.post(
        "/v1/rules/preview", json={"event": PRAISE, "rules": praise_severity("lowish")}
    )
    assert refused.status_code == 422
    assert refused.json()["problems"][0]["line"] == PRAISE_LINE
    missing = client.post("/v1/rules/preview", json={"event": {"source": "t"}})
    assert missing.status_code == 422 and "id" in missing.text


def test_dry_run_lists_the_stored_posts_that_would_change(client: TestClient) -> None:
    client.post("/v1/events", json=COMPLAINT)
    client.post("/v1/events", json=PRAISE)
    same = client.post("/v1/rules/dry-run", json={"rules": retitled()}).json()
    assert (same["posts"], same["changed"]) == (2, 0)
    body = client.post("/v1/rules/dry-run", json={"rules": praise_severity("high")}).json()
    assert (body["posts"], body["changed"]) == (2, 1)
    (change,) = body["changes"]
    assert change["what"] == ["severity"]
    assert (change["before"]["severity"], change["after"]["severity"]) == ("low", "high")
    assert "친절" in change["text"]
    one = client.post("/v1/rules/dry-run", json={"rules": praise_severity("high"), "limit": 1})
    assert one.json()["posts"] == 1
    bad = client.post("/v1/rules/dry-run", json={"rules": RULES_TEXT, "limit": 0})
    assert bad.status_code == 422


def test_the_playground_needs_an_editor_and_the_session_token(
    client: TestClient, runtime: Runtime
) -> None:
    assert client.get("/rules", follow_redirects=False).headers["location"] == "/signin"
    editor_client(client, runtime, Role.RESPONDER)
    assert client.get("/rules").status_code == 403
    refused = client.post("/v1/rules/check", json={"text": RULES_TEXT})
    assert refused.status_code == 403 and "editor" in refused.text
    client.cookies.clear()
    editor_client(client, runtime, Role.EDITOR)
    page = client.get("/rules")
    assert page.status_code == 200 and 'id="rules-text"' in page.text
    assert "- id: praise" in page.text
    client.headers["X-CSRF-Token"] = "forged"
    assert client.post("/v1/rules/check", json={"text": RULES_TEXT}).status_code == 403


def _form_csrf(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]


def test_save_refuses_a_broken_draft_and_the_rules_in_force_stay(
    client: TestClient, runtime: Runtime, rules_copy: Path
) -> None:
    csrf = editor_client(client, runtime)
    before = runtime.rules.playbook.version
    answer = client.post("/rules/save", data={"csrf": csrf, "text": praise_severity("lowish")})
    assert answer.status_code == 422
    assert f"{PRAISE_LINE}:17" in answer.text and "lowish" in answer.text  # shown at its line, kept
    assert runtime.rules.playbook.version == before
    assert rules_copy.read_text(encoding="utf-8") == RULES_TEXT
    # A draft that compiles but breaks an example is refused by the trial, too.
    failing = client.post("/rules/save", data={"csrf": csrf, "text": praise_severity("medium")})
    assert failing.status_code == 422 and "example" in failing.text
    assert client.post("/rules/save", data={"csrf": "x", "text": RULES_TEXT}).status_code == 403
    with session_scope(runtime.engine) as session:
        assert session.exec(select(RulesVersion)).all() == []


def test_save_compare_and_roll_back(client: TestClient, runtime: Runtime, rules_copy: Path) -> None:
    csrf = editor_client(client, runtime)
    first = runtime.rules.playbook.version
    saved = client.post("/rules/save", data={"csrf": csrf, "text": retitled()})
    assert saved.status_code == 200  # followed the redirect to the playground
    second = runtime.rules.playbook.version
    assert second != first and f"saved={second}" in str(saved.url)
    assert rules_copy.read_text(encoding="utf-8") == retitled()
    assert client.get("/v1/rules").json()["version"] == second
    with session_scope(runtime.engine) as session:
        rows = session.exec(select(RulesVersion).order_by(RulesVersion.id)).all()  # type: ignore[arg-type]
        kept = [(v.hash, v.saved_by) for v in rows]
    assert kept == [(first, "rules file"), (second, "editor@example.com")]
    compare = client.get("/rules/versions/1")
    assert compare.status_code == 200
    assert re.search(r'class="ddel">-\s+title: Say thank you<', compare.text)
    assert re.search(r'class="dadd">\+\s+title: Say thanks<', compare.text)
    rolled = client.post("/rules/versions/1/rollback", data={"csrf": _form_csrf(compare.text)})
    assert rolled.status_code == 200
    assert runtime.rules.playbook.version == first
    assert rules_copy.read_text(encoding="utf-8") == RULES_TEXT
    with session_scope(runtime.engine) as session:
        assert len(session.exec(select(RulesVersion)).all()) == 3
    assert client.get("/rules/versions/99").status_code == 404
