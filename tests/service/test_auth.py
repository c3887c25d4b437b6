"""API keys on /v1: constant-time checked; with none set, loopback clients only."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from playbook.core.settings import Settings, parse_api_keys
from service.app import create_app
from service.runtime import Runtime


def test_no_keys_refuses_remote_clients(runtime: Runtime) -> None:
    app = create_app(runtime, workers=False)
    with TestClient(app, client=("203.0.113.9", 4000)) as remote:
        answer = remote.get("/v1/incidents")
    assert answer.status_code == 403
    assert answer.json()["field"] == "Authorization"


def test_keys_are_required_when_set(runtime: Runtime) -> None:
    runtime.settings.api_keys = "k-one, k-two"
    app = create_app(runtime, workers=False)
    with TestClient(app, client=("203.0.113.9", 4000)) as remote:
        assert remote.get("/v1/incidents").status_code == 401
        wrong = remote.get("/v1/incidents", headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401
        assert wrong.json()["message"] == "the API key is not valid"
        ok = remote.get("/v1/incidents", headers={"Authorization": "Bearer k-two"})
        assert ok.status_code == 200
        assert remote.get("/healthz").status_code == 200


# --- named keys: the key's name is the actor ------------------------------------------------------

EVENT = {"id": "n1", "source": "twitter", "text": "@hanbit_ceo 인터넷이 사흘째 먹통입니다. 최악"}


def test_api_keys_are_parsed_with_names_and_numbered_when_plain() -> None:
    settings = Settings(api_keys="monitor:K1, PLAIN ,board:K2:with-colon")
    assert settings.named_api_keys == [
        ("monitor", "K1"),
        ("key-2", "PLAIN"),
        ("board", "K2:with-colon"),
    ]
    assert settings.api_key_list == ["K1", "PLAIN", "K2:with-colon"]
    assert parse_api_keys("") == []
    with pytest.raises(ValidationError, match="monitor more than once"):
        Settings(api_keys="monitor:K1,monitor:K2")


def _triage(client: TestClient, headers: dict[str, str]) -> tuple[int, int]:
    incident_id = client.post("/v1/events", json=EVENT, headers=headers).json()["incident_id"]
    steps = client.get(f"/v1/incidents/{incident_id}", headers=headers).json()["steps"]
    return incident_id, next(s["id"] for s in steps if s["kind"] == "triage")


def _actors(client: TestClient, incident_id: int, headers: dict[str, str]) -> list[str]:
    trail = client.get(f"/v1/incidents/{incident_id}/audit", headers=headers).json()
    return [entry["actor"] for entry in trail if entry["action"] in ("complete", "assign")]


def test_the_named_key_is_the_actor_and_by_is_ignored(runtime: Runtime) -> None:
    runtime.settings.api_keys = "monitor:KEY-M,PLAIN-KEY"
    app = create_app(runtime, workers=False)
    with TestClient(app, client=("203.0.113.9", 4000)) as remote:
        monitor = {"Authorization": "Bearer KEY-M"}
        incident_id, triage = _triage(remote, monitor)
        url = f"/v1/incidents/{incident_id}/steps/{triage}"
        done = remote.post(url, json={"action": "complete", "by": "the CEO"}, headers=monitor)
        assert done.status_code == 200
        plain = {"Authorization": "Bearer PLAIN-KEY"}
        assigned = remote.post(
            f"/v1/incidents/{incident_id}",
            json={"action": "assign", "assignee": "kim"},
            headers=plain,
        )
        assert assigned.status_code == 200
        trail = remote.get(f"/v1/incidents/{incident_id}/audit", headers=monitor).json()
    actors = {(e["action"], e["actor"]) for e in trail}
    assert ("complete", "monitor") in actors and ("assign", "key-2") in actors
    assert not any(e["actor"] == "the CEO" for e in trail)


def test_loopback_without_keys_acts_as_by_or_local(runtime: Runtime) -> None:
    app = create_app(runtime, workers=False)
    with TestClient(app, client=("127.0.0.1", 4000)) as local:
        incident_id, triage = _triage(local, {})
        url = f"/v1/incidents/{incident_id}/steps/{triage}"
        assert local.post(url, json={"action": "assign", "assignee": "U1", "by": "kim"}).is_success
        assert local.post(url, json={"action": "complete"}).status_code == 200
        assert _actors(local, incident_id, {}) == ["kim", "local"]
