"""The event API end to end: events in, incidents and workflows out, bad input refused."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient

from service.runtime import Runtime


def event(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": "1790000000000000001",
        "source": "twitter",
        "text": "@hanbit_telecom 이번 달 요금이 두 배로 나왔는데 설명도 없네요. 진짜 황당합니다",
        "lang": "ko",
        "url": "https://twitter.com/someone/status/1790000000000000001",
        "created_at": "2026-11-22T10:00:00Z",
        "author": {
            "id": "42",
            "handle": "someone",
            "name": "Some One",
            "followers": 1200,
            "verified": False,
        },
        "mentions": ["hanbit_telecom"],
        "metrics": {"reposts": 10, "replies": 3, "likes": 40, "quotes": 1},
    }
    base.update(overrides)
    return base


def test_complaint_opens_incident_with_ordered_workflow(client: TestClient) -> None:
    answer = client.post("/v1/events", json=event())
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["duplicate"] is False
    assert body["incident_created"] is True
    assert body["category"] == "complaint"
    assert body["severity"] == "medium"
    assert "complaint" in body["matched_rules"]
    kinds = [s["kind"] for s in body["steps"]]
    assert kinds[0] == "triage"
    assert {"verify_facts", "acknowledge", "apologise"} <= set(kinds)
    by_kind = {s["kind"]: s for s in body["steps"]}
    assert by_kind["triage"]["status"] == "active"
    assert by_kind["verify_facts"]["status"] == "pending"
    assert by_kind["triage"]["id"] in by_kind["verify_facts"]["depends_on"]
    assert by_kind["verify_facts"]["id"] in by_kind["apologise"]["depends_on"]
    assert by_kind["verify_facts"]["owner"] == "subteam:S0BILLING"
    assert by_kind["acknowledge"]["detail"]["draft"].startswith("@someone님")
    assert by_kind["triage"]["due_at"] is not None


def test_repeat_is_idempotent(client: TestClient) -> None:
    first = client.post("/v1/events", json=event()).json()
    again = client.post("/v1/events", json=event(text="changed text")).json()
    assert again["duplicate"] is True
    assert again["incident_id"] == first["incident_id"]
    assert again["incident_created"] is False
    incidents = client.get("/v1/incidents").json()
    assert len(incidents) == 1
    assert incidents[0]["event_count"] == 1


def test_same_id_from_another_source_is_a_new_event(client: TestClient) -> None:
    client.post("/v1/events", json=event())
    other = client.post("/v1/events", json=event(source="blog")).json()
    assert other["duplicate"] is False


def test_unrelated_chatter_is_ignored_but_stored(client: TestClient, runtime: Runtime) -> None:
    body = client.post(
        "/v1/events", json=event(id="x1", text="오늘 점심은 김치찌개 😋", mentions=[])
    ).json()
    assert body["incident_id"] is None
    assert body["category"] == "other"
    assert body["steps"] == []
    again = client.post("/v1/events", json=event(id="x1", text="오늘 점심은 김치찌개 😋")).json()
    assert again["duplicate"] is True


def test_missing_required_field_names_it(client: TestClient) -> None:
    answer = client.post("/v1/events", json={"source": "twitter", "text": "hi"})
    assert answer.status_code == 422
    body = answer.json()
    assert body["field"] == "id"
    assert "required" in body["message"]
    assert "Traceback" not in answer.text


def test_wrongly_typed_field_names_its_path(client: TestClient) -> None:
    answer = client.post("/v1/events", json=event(author={"followers": "many"}))
    assert answer.status_code == 422
    assert answer.json()["field"] == "author.followers"


def test_numeric_id_is_refused_not_silently_rounded(client: TestClient) -> None:
    answer = client.post("/v1/events", json=event(id=1790000000000000001))
    assert answer.status_code == 422
    assert answer.json()["field"] == "id"


def test_non_json_body(client: TestClient) -> None:
    answer = client.post(
        "/v1/events", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert answer.status_code == 422
    assert answer.json()["field"] == "body"
    assert answer.json()["message"] == "the body is not valid JSON"


def test_body_over_one_mebibyte_is_413(client: TestClient) -> None:
    huge = event(text="가" * 2_000_000)
    answer = client.post(
        "/v1/events",
        content=json.dumps(huge).encode(),
        headers={"content-type": "application/json"},
    )
    assert answer.status_code == 413
    assert answer.json()["error"] == "too_large"
    assert client.get("/v1/incidents").json() == []


def test_body_over_limit_without_content_length_is_413(client: TestClient) -> None:
    chunks = (b"x" * 65536 for _ in range(20))
    answer = client.post("/v1/events", content=chunks, headers={"content-type": "application/json"})
    assert answer.status_code == 413


def test_text_over_limit_is_422_naming_text(client: TestClient) -> None:
    answer = client.post("/v1/events", json=event(text="a" * 100_001))
    assert answer.status_code == 422
    assert answer.json()["field"] == "text"


def test_emoji_and_wrong_declared_language(client: TestClient) -> None:
    body = client.post(
        "/v1/events",
        json=event(
            id="e1",
            lang="en",
            text="@hanbit_care 인터넷 또 먹통 😡😡🔥 진짜 최악",
        ),
    ).json()
    assert body["category"] == "complaint"
    steps = {s["kind"]: s for s in body["steps"]}
    # The draft follows the detected language, not the wrong declared one.
    assert "님" in steps["acknowledge"]["detail"]["draft"]


def test_emoji_only_post(client: TestClient) -> None:
    body = client.post("/v1/events", json=event(id="e2", text="😂😂😂", mentions=[])).json()
    assert body["incident_id"] is None


def test_batch_keeps_good_events_when_one_is_bad(client: TestClient) -> None:
    events = [event(id="b1"), {"id": "b2", "source": "twitter"}, event(id="b3", text="ㅋㅋ")]
    answer = client.post("/v1/events/batch", json={"events": events})
    assert answer.status_code == 200
    body = answer.json()
    assert body["accepted"] == 2 and body["failed"] == 1
    bad = body["results"][1]
    assert bad == {
        "index": 1,
        "ok": False,
        "result": None,
        "error": "invalid",
        "message": "`text` is required",
        "field": "text",
    }
    assert body["results"][0]["result"]["incident_created"] is True


def test_batch_over_1000_is_refused(client: TestClient) -> None:
    answer = client.post(
        "/v1/events/batch", json={"events": [event(id=str(i)) for i in range(1001)]}
    )
    assert answer.status_code == 422
    assert answer.json()["field"] == "events"


def test_x_v2_body(client: TestClient) -> None:
    body = {
        "data": [
            {
                "id": "2001",
                "text": "@hanbit_telecom 인터넷 속도 너무 느려요 최악",
                "author_id": "u1",
                "created_at": "2026-11-22T10:00:00.000Z",
                "lang": "ko",
                "public_metrics": {
                    "retweet_count": 150,
                    "reply_count": 2,
                    "like_count": 9,
                    "quote_count": 3,
                },
                "entities": {"mentions": [{"username": "hanbit_telecom", "start": 0, "end": 15}]},
            },
            {
                "id": "2002",
                "text": "RT @angry: @hanbit_telecom 인터넷 속도 너무 느려요 최악",
                "author_id": "u2",
                "referenced_tweets": [{"type": "retweeted", "id": "2001"}],
            },
        ],
        "includes": {
            "users": [
                {
                    "id": "u1",
                    "username": "angry",
                    "name": "A",
                    "public_metrics": {"followers_count": 12000},
                },
                {
                    "id": "u2",
                    "username": "fan",
                    "name": "F",
                    "public_metrics": {"followers_count": 3},
                },
            ]
        },
    }
    answer = client.post("/v1/events/x", json=body)
    assert answer.status_code == 200, answer.text
    first, second = (r["result"] for r in answer.json()["results"])
    assert first["incident_created"] is True
    assert first["severity"] == "high"
    assert second["incident_id"] == first["incident_id"]
    assert second["incident_created"] is False
    detail = client.get(f"/v1/incidents/{first['incident_id']}").json()
    assert detail["event_count"] == 2
    assert detail["events"][0]["followers"] == 12000


def test_x_single_post_object(client: TestClient) -> None:
    answer = client.post("/v1/events/x", json={"data": {"id": "3001", "text": "hello"}})
    assert answer.status_code == 200
    assert answer.json()["accepted"] == 1


def test_enormous_counts_are_refused_naming_the_field(client: TestClient) -> None:
    answer = client.post("/v1/events", json=event(id="huge", author={"followers": 10**30}))
    assert answer.status_code == 422
    assert answer.json()["field"] == "author.followers"
    answer = client.post("/v1/events", json=event(id="huge", metrics={"reposts": -1}))
    assert answer.json()["field"] == "metrics.reposts"
    largest = client.post("/v1/events", json=event(id="big", author={"followers": 10**12}))
    assert largest.json()["severity"] == "critical"
