"""The apology linter: hedges, no concrete action, blaming the customer; good answers pass."""

from __future__ import annotations

import pytest

from playbook.text.apology_lint import Finding, lint

GOOD_KO = [
    "고객님, 한빛텔레콤입니다. 어제 저녁 저희 시스템 오류로 요금이 두 번 청구되었습니다. 저희 잘못입니다. "
    "진심으로 사과드립니다. 중복 청구된 금액은 오늘 오후 6시까지 전액 환불해 드리겠습니다.",
    "서비스 장애로 불편을 드려 죄송합니다. 원인은 서울 지역 장비 고장이었고, 오늘 14시에 복구를 완료했습니다. "
    "피해 고객께는 이번 주 금요일까지 요금 하루분을 보상해 드리겠습니다.",
    "배송이 늦어져 정말 죄송합니다. 저희 물류 센터의 실수였습니다. 내일 오전 중 도착하도록 다시 보내드리겠습니다.",
    "이 일로 심려를 끼쳐 드려 죄송합니다. 담당 부서와 확인하고 있고, 11월 30일까지 조사 결과를 이 계정에서 공유드리겠습니다.",
    "@kim님, 저희 잘못이 맞습니다. 진심으로 사과드립니다. 오늘 6시까지 환불하겠습니다.",
    "{author}님, {org}입니다. 저희 잘못이 맞습니다. 진심으로 사과드립니다. [무엇이 잘못되었는지] "
    "오늘 [시간]까지 [조치]하고 이 자리에서 다시 알려드리겠습니다.",
    "중복 결제 건은 방금 환불 처리를 완료했습니다. 기다리게 해 드려 죄송합니다.",
]

GOOD_EN = [
    "We're sorry: we charged you twice for November because of a billing error on our side. "
    "We have refunded the extra charge; it will show on your card within 3 days.",
    "We got this wrong. Last night's outage was caused by a faulty update we pushed. "
    "We have rolled back the update and service is restored. We will publish a full report by Friday.",
    "Sorry for the late delivery, that's on us. We will send a replacement by courier tomorrow morning.",
    "We got this wrong and we are sorry. We will refund you by 6pm today.",
    "{author}, this is {org}. We got this wrong and we are sorry. [What went wrong.] "
    "We will [action] by [time] today and update you here.",
    "I'm sorry. If you need anything else, DM us; we will call you back today.",
]


@pytest.mark.parametrize("text", GOOD_KO)
def test_good_korean_answers_pass(text: str) -> None:
    assert lint(text, "ko") == []


@pytest.mark.parametrize("text", GOOD_EN)
def test_good_english_answers_pass(text: str) -> None:
    assert lint(text, "en") == []


@pytest.mark.parametrize(
    ("text", "codes"),
    [
        ("불편을 드렸다면 죄송합니다.", {"hedge", "no_action"}),
        ("불편하셨다면 사과드립니다.", {"hedge", "no_action"}),
        ("오해가 있으셨다면 유감입니다.", {"hedge", "no_action"}),
        ("심려를 끼쳐드렸다면 죄송합니다. 오늘 중으로 조치하겠습니다.", {"hedge"}),
        ("심려를 끼쳐 드렸다면 죄송합니다. 오늘 중으로 조치하겠습니다.", {"hedge"}),
        ("이번 일은 유감스럽게 생각합니다. 내일까지 보상하겠습니다.", {"hedge"}),
        ("We regret any inconvenience caused.", {"hedge", "no_action"}),
        ("We apologise if anyone was offended.", {"hedge", "no_action"}),
        ("Sorry if this caused trouble. We will fix it by Friday.", {"hedge"}),
        ("Mistakes were made. We are looking into it.", {"hedge", "no_action"}),
        ("We are sorry for any inconvenience. We will refund you today.", {"hedge"}),
    ],
)
def test_hedged_apologies(text: str, codes: set[str]) -> None:
    assert {f.code for f in lint(text, "ko")} == codes


@pytest.mark.parametrize(
    "text",
    [
        "죄송합니다.",
        "고객님의 소중한 의견 감사합니다. 앞으로 더 노력하겠습니다.",
        "끝까지 책임지겠습니다.",
        "곧 조치하겠습니다.",
        "자세한 내용은 https://blog.example.com/2026/11/30 에서 확인하세요. 곧 조치하겠습니다.",
        "We take this very seriously.",
        "We will fix it soon.",
        "Today was a hard day for everyone.",
    ],
)
def test_answers_without_a_concrete_action_and_time(text: str) -> None:
    assert [f.code for f in lint(text, "en")] == ["no_action"]


@pytest.mark.parametrize(
    ("text", "codes"),
    [
        ("고객님의 부주의로 발생한 문제입니다. 오늘 안내드리겠습니다.", {"blames_customer"}),
        ("제품 결함이 아닌 사용자 과실로 확인되었습니다.", {"blames_customer", "no_action"}),
        ("잘못 사용하시면 고장날 수 있습니다. 내일까지 안내드리겠습니다.", {"blames_customer"}),
        (
            "Sorry if anyone was offended. You should have read the manual.",
            {"hedge", "blames_customer", "no_action"},
        ),
        ("This was user error. We will call you today.", {"blames_customer"}),
        ("It is not our fault, it is your fault. We will call you today.", {"blames_customer"}),
    ],
)
def test_blaming_the_customer(text: str, codes: set[str]) -> None:
    assert {f.code for f in lint(text, "ko")} == codes


def test_english_phrases_are_whole_words() -> None:
    assert lint("Our misusers policy changed; we will email you today.", "en") == []
    assert lint("We feel sorry. If needed we will call you today.", "en") == []


def test_messages_quote_the_phrase_and_say_what_to_do() -> None:
    findings = lint("불편을 드렸다면 죄송합니다. 고객님의 부주의가 원인입니다.", "ko")
    assert [f.code for f in findings] == ["hedge", "no_action", "blames_customer"]
    hedge, no_action, blame = (f.message for f in findings)
    assert "“불편을 드렸다면”" in hedge and "불편을 드려 죄송합니다" in hedge
    assert "by when" in no_action and "18시까지" in no_action
    assert "“고객님의 부주의”" in blame and "customer's side" in blame


def test_examples_follow_the_language() -> None:
    [finding] = lint("Sorry if you were upset. We will call you today.", "en")
    assert finding == Finding("hedge", finding.message)
    assert "We are sorry we charged you twice" in finding.message
    [finding] = lint("We take this seriously.", "other")
    assert "by 6 pm today" in finding.message


def test_a_korean_draft_is_checked_even_when_the_event_was_english() -> None:
    assert {f.code for f in lint("불편하셨다면 죄송합니다.", "en")} == {"hedge", "no_action"}
    assert lint(GOOD_KO[0], "en") == []
