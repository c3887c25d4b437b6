"""The rules in force: shown, previewed, reloaded; a bad file never replaces a good one."""

from __future__ import annotations

import logging
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient

from playbook.core.settings import REPO_ROOT
from service.runtime import Runtime

EVENT = {
    "id": "p1",
    "source": "twitter",
    "mentions": ["hanbit_telecom"],
    "text": "@hanbit_telecom 인터넷이 또 먹통이에요. 연락처 010-1234-5678",
}


def test_show_rules(client: TestClient, runtime: Runtime) -> None:
    body = client.get("/v1/rules").json()
    assert body["version"] == runtime.rules.playbook.version
    assert "pure-abuse" in body["rules"]
    assert body["backend"] in ("durable", "python")


def test_preview_explains_and_stores_nothing(client: TestClient) -> None:
    body = client.post("/v1/rules/preview", json=EVENT).json()
    assert body["category"] == "complaint"
    assert "personal-data" in body["matched_rules"]
    by_id = {r["id"]: r for r in body["rules"]}
    assert by_id["pure-abuse"]["status"] == "not matched"
    leaf = by_id["personal-data"]["when"]
    assert leaf == {
        "fact": "has_personal_data",
        "operator": "equals",
        "expected": True,
        "held": True,
        "actual": True,
    }
    assert "010-1234-5678" not in str(body)  # explain never shows personal data
    assert client.get("/v1/incidents").json() == []


def test_missing_fact_is_explained(client: TestClient) -> None:
    body = client.post("/v1/rules/preview", json={"id": "p2", "source": "t", "text": "hi"}).json()
    persistent = next(r for r in body["rules"] if r["id"] == "persistent-complainer")
    first = persistent["when"]["all"][0]
    assert first["held"] is False
    assert "missing" in first["note"]


def test_bad_file_on_disk_keeps_old_rules_in_force(
    tmp_path: Path, runtime: Runtime, client: TestClient
) -> None:
    rules = tmp_path / "rules.yaml"
    shutil.copy(REPO_ROOT / "rules.yaml", rules)
    runtime.rules.path = rules
    before = client.get("/v1/rules").json()["version"]
    original = rules.read_text(encoding="utf-8")
    broken = original.replace(
        "default:\n  category: other\n  severity: low",
        "default:\n  category: other\n  severity: lowest",
    )
    assert broken != original
    rules.write_text(broken, encoding="utf-8")
    answer = client.post("/v1/rules/reload")
    assert answer.status_code == 422
    problem = answer.json()["problems"][0]
    assert problem["file"] == str(rules)
    assert problem["line"] > 0 and problem["column"] > 0
    assert "lowest" in problem["message"]
    assert client.get("/v1/rules").json()["version"] == before
    # Events keep being handled by the rules in force while the bad file is on disk.
    accepted = client.post("/v1/events", json=EVENT).json()
    assert accepted["incident_created"] is True
    shown = client.get("/v1/rules").json()
    assert shown["last_error"][0]["message"] == problem["message"]

    rules.write_text((REPO_ROOT / "rules.yaml").read_text(encoding="utf-8") + "\n# edited\n")
    reloaded = client.post("/v1/rules/reload").json()
    assert reloaded["version"] != before
    assert reloaded["last_error"] is None
    other = "@hanbit_telecom 앱 로그인이 계속 안 돼요. 업데이트 이후로 최악입니다"
    after = client.post("/v1/events", json={**EVENT, "id": "p3", "text": other}).json()
    assert after["incident_created"] is True
    incident = client.get(f"/v1/incidents/{after['incident_id']}").json()
    assert incident["rules_version"] == reloaded["version"]


def test_health_and_metrics(client: TestClient) -> None:
    client.post("/v1/events", json=EVENT)
    health = client.get("/healthz").json()
    assert health["status"] == "ok" and health["outbox"] == 1
    metrics = client.get("/metrics").text
    assert 'playbook_events_total{outcome="accepted"} 1.0' in metrics
    assert "playbook_outbox_pending 1.0" in metrics


def test_slack_endpoints_refuse_without_signing_secret(client: TestClient) -> None:
    answer = client.post("/slack/interactions", content=b"payload=%7B%7D")
    assert answer.status_code == 503


def test_service_refuses_to_start_with_invalid_rules(tmp_path: Path) -> None:
    bad = tmp_path / "rules.yaml"
    bad.write_text(
        "organisation: {name: x}\nrules:\n  - id: a\n    when: {fact: txt, equals: 1}\n"
        "    then: {}\n"
    )
    result = subprocess.run(
        [sys.executable, "-m", "service.cli", "serve", "--port", "1"],
        env={
            "PLAYBOOK_RULES_FILE": str(bad),
            "PLAYBOOK_DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}",
            "PATH": "/usr/bin:/bin",
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 2
    assert "refusing to start" in result.stderr
    assert f"{bad}:4:18: [rule a] unknown fact `txt` (did you mean `text`?)" in result.stderr


def test_rules_cli_check_and_test() -> None:
    check = subprocess.run(
        [sys.executable, "-m", "service.cli", "rules", "check"],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        timeout=120,
        check=False,
    )
    assert check.returncode == 0 and "ok" in check.stdout
    test = subprocess.run(
        [sys.executable, "-m", "service.cli", "rules", "test"],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        timeout=120,
        check=False,
    )
    assert test.returncode == 0, test.stdout
    assert "0 failed" in test.stdout
    assert "every rule is exercised" in test.stdout


def test_reload_trial_runs_the_examples_in_a_child(
    tmp_path: Path, runtime: Runtime, client: TestClient
) -> None:
    rules = tmp_path / "rules.yaml"
    text = (REPO_ROOT / "rules.yaml").read_text(encoding="utf-8")
    broken = text.replace(
        "expect: {category: praise, severity: low, rules: [praise]",
        "expect: {category: complaint, severity: low, rules: [praise]",
    )
    assert broken != text
    rules.write_text(broken, encoding="utf-8")
    runtime.rules.path = rules
    before = runtime.rules.playbook.version
    answer = client.post("/v1/rules/reload")
    assert answer.status_code == 422
    problem = answer.json()["problems"][0]
    assert "Praise gets a thank-you" in problem["message"]
    assert "category is praise, expected complaint" in problem["message"]
    assert problem["line"] > 0
    assert runtime.rules.playbook.version == before


def test_trial_reports_an_engine_crash_without_dying(monkeypatch) -> None:
    import pytest

    from playbook.core.errors import RulesInvalid
    from playbook.editor import trial

    class Crashed:
        returncode = -11
        stdout = b""

    monkeypatch.setattr(trial.subprocess, "run", lambda *a, **k: Crashed())
    with pytest.raises(RulesInvalid) as caught:
        trial.trial_in_child("x", "rules.yaml")
    assert "crashed on this file (signal 11)" in str(caught.value)


def test_watcher_reloads_good_files_and_refuses_bad_ones(tmp_path: Path, runtime: Runtime) -> None:
    import os

    rules = tmp_path / "rules.yaml"
    text = (REPO_ROOT / "rules.yaml").read_text(encoding="utf-8")
    rules.write_text(text, encoding="utf-8")
    runtime.rules.path = rules
    runtime._seen_stamp = runtime.rules.file_stamp()
    assert runtime.check_rules_file() is None  # nothing changed
    before = runtime.rules.playbook.version
    rules.write_text(text.replace("channel_limit: 280", "channel_limit: 300"), encoding="utf-8")
    os.utime(rules, (1, 1))
    assert runtime.check_rules_file() is True
    good = runtime.rules.playbook.version
    assert good != before
    rules.write_text(text + "\nrules: []\n", encoding="utf-8")  # duplicate key
    os.utime(rules, (2, 2))
    assert runtime.check_rules_file() is False
    assert runtime.rules.playbook.version == good
    assert "duplicate key `rules`" in str(runtime.rules.last_error)


def test_a_reload_that_removes_rules_and_examples_says_what_it_removed(
    tmp_path: Path, runtime: Runtime, client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    rules = tmp_path / "rules.yaml"
    source = yaml.safe_load((REPO_ROOT / "rules.yaml").read_text(encoding="utf-8"))
    dropped = [r["id"] for r in source["rules"][-4:]]
    examples = [e["name"] for e in source["examples"]]
    truncated = {**source, "rules": source["rules"][:-4], "examples": []}
    rules.write_text(yaml.safe_dump(truncated, allow_unicode=True), encoding="utf-8")
    runtime.rules.path = rules
    with caplog.at_level(logging.WARNING, logger="playbook.rules"):
        answer = client.post("/v1/rules/reload")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["removed_rules"] == dropped
    assert body["removed_examples"] == examples and len(examples) > 0
    warned = [r.getMessage() for r in caplog.records if "removed" in r.getMessage()]
    assert len(warned) == 1
    assert all(rule in warned[0] for rule in dropped)
    assert f"{len(examples)} examples" in warned[0]
