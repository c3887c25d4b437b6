"""API keys on /v1: constant-time checked; with none set, loopback clients only."""

from __future__ import annotations

from fastapi.testclient import TestClient

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
