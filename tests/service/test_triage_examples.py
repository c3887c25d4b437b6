"""Issue 14's examples through the HTTP API: conjugation, substrings, negation, CEO titles."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient


def post(client: TestClient, event_id: str, text: str, **extra: Any) -> dict[str, Any]:
    body = {"id": event_id, "source": "twitter", "text": text, "author": {"followers": 80}}
    answer = client.post("/v1/events", json=body | extra)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def kinds(result: dict[str, Any]) -> set[str]:
    return {s["kind"] for s in result["steps"]}


def test_a_failed_payment_told_to_the_ceo_opens_a_high_complaint(client: TestClient) -> None:
    text = "@hanbit_ceo 어제부터 앱에서 결제가 안 됩니다. 해결 부탁드립니다"
    result = post(client, "t14-1", text, mentions=["hanbit_ceo"])
    assert result["incident_created"] is True
    assert result["category"] == "complaint"
    assert result["severity"] == "high"  # addressed to the CEO


def test_a_connection_that_keeps_dropping_opens_a_complaint(client: TestClient) -> None:
    result = post(client, "t14-2", "한빛 인터넷이 오늘 아침부터 계속 끊깁니다")
    assert result["incident_created"] is True
    assert result["category"] == "complaint"


def test_no_complaints_in_five_years_gets_no_apology(client: TestClient) -> None:
    result = post(client, "t14-3", "5년째 한빛 쓰는데 불만 없어요. 통화 품질 좋아요")
    assert result["category"] in ("praise", "other")
    assert "apologise" not in kinds(result)


def test_a_word_ending_in_a_hearsay_marker_is_not_a_rumour(client: TestClient) -> None:
    result = post(client, "t14-4", "한빛 매장 앞을 한참 맴돎. 오늘 날씨 좋다")
    assert result["category"] != "rumour"


def test_the_ceo_named_by_title_raises_a_complaint_to_high(client: TestClient) -> None:
    result = post(client, "t14-5", "한빛 대표님, 인터넷이 사흘째 먹통입니다. 이게 말이 됩니까")
    assert result["category"] == "complaint"
    assert result["severity"] == "high"
    plain = post(client, "t14-6", "한빛 앱 로그인이 이틀째 안 돼요. 답답하네요")
    assert plain["severity"] == "medium"


def test_an_x_long_post_is_read_in_full(client: TestClient) -> None:
    truncated = "한빛 쓴 지 10년 됐고 그동안 별일 없었는데 오늘은 꼭 써야겠네요. 어제 저녁부터…"
    body = {
        "data": {
            "id": "4001",
            "text": truncated,
            "note_tweet": {
                "text": truncated[:-1] + " 인터넷이 계속 끊깁니다. 고객센터는 답도 없고요"
            },
        }
    }
    answer = client.post("/v1/events/x", json=body)
    assert answer.status_code == 200, answer.text
    result = answer.json()["results"][0]["result"]
    assert result["category"] == "complaint"
    assert result["incident_created"] is True
