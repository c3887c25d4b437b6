"""The /v1 API never answers 500 and never half-applies a request (issue 13, items 4-6 and 8)."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, func, select

from playbook import batch as batch_path
from playbook.core.models import Event
from service.app import create_app
from service.runtime import Runtime


def post(
    number: int, text: str = "@hanbit_telecom 요금이 두 배로 나왔어요. 최악", **more: Any
) -> dict:
    return {"id": f"p{number}", "source": "twitter", "text": text, **more}


def stored(runtime: Runtime) -> int:
    with Session(runtime.engine) as session:
        return int(session.exec(select(func.count()).select_from(Event)).one())


# --- 4: ids out of range, NUL characters ----------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/v1/incidents/100000000000000000000",
        "/v1/incidents/2147483648",
        "/v1/incidents/0",
        "/v1/incidents/-1",
        "/v1/incidents/1e3",
        "/v1/incidents/2147483648/audit",
        "/v1/incidents/100000000000000000000/report",
    ],
)
def test_incident_ids_out_of_range(client: TestClient, path: str) -> None:
    answer = client.get(path)
    assert answer.status_code in (404, 422)
    assert answer.json()["field"] == "incident_id"


@pytest.mark.parametrize("incident", ["2147483648", "100000000000000000000"])
def test_incident_action_ids_out_of_range(client: TestClient, incident: str) -> None:
    answer = client.post(f"/v1/incidents/{incident}", json={"action": "resolve", "by": "kim"})
    assert answer.status_code in (404, 422)
    assert answer.json()["field"] == "incident_id"


@pytest.mark.parametrize(
    ("incident", "step", "field"),
    [
        ("2147483648", "1", "incident_id"),
        ("100000000000000000000", "1", "incident_id"),
        ("1", "2147483648", "step_id"),
        ("1", "100000000000000000000", "step_id"),
    ],
)
def test_step_ids_out_of_range(client: TestClient, incident: str, step: str, field: str) -> None:
    body = {"action": "complete", "by": "kim"}
    answer = client.post(f"/v1/incidents/{incident}/steps/{step}", json=body)
    assert answer.status_code in (404, 422)
    assert answer.json()["field"] == field


def test_step_version_out_of_range(client: TestClient) -> None:
    incident = client.post("/v1/events", json=post(1)).json()
    triage = incident["steps"][0]["id"]
    path = f"/v1/incidents/{incident['incident_id']}/steps/{triage}"
    answer = client.post(path, json={"action": "complete", "by": "kim", "version": 10**20})
    assert answer.status_code == 422 and answer.json()["field"] == "version"


def test_nul_characters_are_dropped_on_both_databases(client: TestClient) -> None:
    author = {"handle": "lou\x00d", "name": "Lou\x00"}
    answer = client.post(
        "/v1/events", json=post(1, "요금이\x00 두 배로 나왔어요. 최악", author=author)
    )
    assert answer.status_code == 200, answer.text
    shown = client.get(f"/v1/incidents/{answer.json()['incident_id']}").json()
    assert shown["events"][0]["text"] == "요금이 두 배로 나왔어요. 최악"
    assert shown["events"][0]["author"] == "loud"
    act = {"action": "assign", "by": "k\x00im", "assignee": "le\x00e", "note": "n\x00"}
    step = shown["steps"][0]["id"]
    acted = client.post(f"/v1/incidents/{shown['id']}/steps/{step}", json=act)
    assert acted.status_code == 200, acted.text


def test_batch_with_a_nul_in_the_third_post(client: TestClient, runtime: Runtime) -> None:
    batch = [post(1), post(2), post(3, "두 배 청구\x00 최악", hints={"k\x00": "v\x00"}), post(4)]
    answer = client.post("/v1/events/batch", json={"events": batch})
    assert answer.status_code == 200, answer.text
    assert answer.json()["accepted"] == 4
    assert stored(runtime) == 4


def test_batch_says_which_were_stored_when_one_fails_unexpectedly(
    client: TestClient, runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = batch_path.ingest

    def failing_on_third(session: Any, event: Any, **kwargs: Any) -> Any:
        if event.id == "p3":
            raise RuntimeError("the database went away")
        return real(session, event, **kwargs)

    monkeypatch.setattr(batch_path, "ingest", failing_on_third)
    answer = client.post("/v1/events/batch", json={"events": [post(n) for n in range(1, 5)]})
    assert answer.status_code == 200
    results = answer.json()["results"]
    assert [r["ok"] for r in results] == [True, True, False, True]
    assert results[2]["error"] == "internal"
    assert stored(runtime) == 3


# --- 5: /v1/events/x checks every post before storing any ----------------------------------------


def x_body(second: dict[str, Any], user: dict[str, Any] | None = None) -> dict[str, Any]:
    first = {"id": "x1", "text": "@hanbit_telecom 인터넷 최악", "author_id": "u1"}
    users = [{"id": "u1", "username": "one", "name": "One"}] + ([user] if user else [])
    return {"data": [first, {"id": "x2", "text": "최악", **second}], "includes": {"users": users}}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (
            x_body({"entities": {"mentions": [{"username": f"u{n}"} for n in range(101)]}}),
            "data[1].entities.mentions",
        ),
        (
            x_body({"author_id": "u2"}, {"id": "u2", "username": "two", "name": "N" * 300}),
            "includes.users[1].name",
        ),
    ],
)
def test_x_body_with_an_invalid_second_post(
    client: TestClient, runtime: Runtime, body: dict[str, Any], field: str
) -> None:
    answer = client.post("/v1/events/x", json=body)
    assert answer.status_code == 422
    error = answer.json()
    assert error["field"] == field
    assert "pydantic" not in answer.text and "validation error" not in answer.text
    assert stored(runtime) == 0


# --- 6: the schema says what is accepted --------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"metrics": {"quotes": False}}, "metrics.quotes"),
        ({"metrics": {"likes": True}}, "metrics.likes"),
        ({"author": {"followers": "12"}}, "author.followers"),
        ({"author": {"followers": 12.0}}, "author.followers"),
        ({"author": {"verified": 1}}, "author.verified"),
        ({"created_at": 1790000000}, "created_at"),
    ],
)
def test_integers_and_booleans_are_strict(
    client: TestClient, overrides: dict[str, Any], field: str
) -> None:
    answer = client.post("/v1/events", json=post(1, **overrides))
    assert answer.status_code == 422
    assert answer.json()["field"] == field


def test_blank_reference_is_no_reference(client: TestClient) -> None:
    answer = client.post("/v1/events", json=post(1, in_reply_to="\u0085", repost_of=" "))
    assert answer.status_code == 200, answer.text


def test_openapi_documents_errors_and_metrics(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    paths = spec["paths"]
    show = paths["/v1/incidents/{incident_id}"]["get"]["responses"]
    assert {"401", "403", "404", "413", "422"} <= set(show)
    assert show["422"]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorOut")
    act = paths["/v1/incidents/{incident_id}/steps/{step_id}"]["post"]["responses"]
    assert "409" in act
    assert {"401", "403", "413", "422"} <= set(paths["/v1/events"]["post"]["responses"])
    assert {"400", "401", "503"} <= set(paths["/slack/commands"]["post"]["responses"])
    assert list(paths["/metrics"]["get"]["responses"]["200"]["content"]) == ["text/plain"]
    incident_id = paths["/v1/incidents/{incident_id}"]["get"]["parameters"][0]["schema"]
    assert incident_id["minimum"] == 1 and incident_id["maximum"] == 2**31 - 1
    assert client.get("/metrics").headers["content-type"].startswith("text/plain")


# --- 8: no keys, behind a proxy ---------------------------------------------------------------


@pytest.mark.parametrize(
    "header",
    [
        ("X-Forwarded-For", "203.0.113.7"),
        ("X-Real-IP", "203.0.113.7"),
        ("Forwarded", "for=203.0.113.7"),
        ("X-Forwarded-Host", "example.org"),
        ("X-Client-IP", "203.0.113.7"),
        ("True-Client-IP", "203.0.113.7"),
        ("CF-Connecting-IP", "203.0.113.7"),
    ],
)
def test_no_keys_refuses_forwarded_requests(
    runtime: Runtime, caplog: pytest.LogCaptureFixture, header: tuple[str, str]
) -> None:
    app = create_app(runtime, workers=False)
    with TestClient(app, client=("127.0.0.1", 4000)) as local:
        assert local.get("/v1/incidents").status_code == 200
        with caplog.at_level(logging.WARNING, logger="playbook.service"):
            answer = local.get("/v1/incidents", headers=dict([header]))
            posted = local.post("/v1/events", json=post(1), headers=dict([header]))
    assert answer.status_code == 403 and posted.status_code == 403
    assert answer.json()["error"] == "forbidden"
    assert answer.json()["field"] == header[0].lower()
    assert any(
        "forwarding headers" in r.getMessage() and header[0].lower() in r.getMessage()
        for r in caplog.records
    )


def test_keys_set_allow_proxied_requests(runtime: Runtime) -> None:
    runtime.settings.api_keys = "k-one"
    app = create_app(runtime, workers=False)
    with TestClient(app, client=("127.0.0.1", 4000)) as local:
        headers = {"X-Real-IP": "203.0.113.7", "Authorization": "Bearer k-one"}
        assert local.get("/v1/incidents", headers=headers).status_code == 200


def test_listing_filters_refuse_numbers_as_dates_and_drop_nul(client: TestClient) -> None:
    client.post("/v1/events", json=post(1))
    assert client.get("/v1/incidents", params={"since": "0.5"}).json()["field"] == "since"
    assert client.get("/v1/incidents", params={"since": "2026-01-01T00:00:00Z"}).status_code == 200
    found = client.get("/v1/incidents", params={"q": "\x00", "channel": "#crisis\x00"})
    assert found.status_code == 200, found.text
