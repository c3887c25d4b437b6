"""Slack in the team's language: every card, nudge, reply and modal in Korean, still valid."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from playbook.actions.card_view import CardView
from playbook.actions.slack.card import build_card
from playbook.actions.slack.messages import (
    build_busy_notice,
    build_escalation,
    build_reminder,
    build_storm_notice,
    build_thread_reply,
)
from playbook.actions.slack.modals import (
    build_edit_draft_modal,
    build_skip_modal,
    validate_draft_submission,
)
from tests.support.card_views import (
    NOW,
    all_text,
    card_view,
    elements,
    plan_step,
    step,
    workflow,
)
from tests.support.slack_validate import validate_message, validate_modal

ENGLISH_LABELS = ("Done", "Skip", "Assign to me", "Escalate", "Edit draft", "At fault")


def korean_view() -> CardView:
    return card_view(*workflow(), plan_step(7, points=3), language="ko", escalation="폭주 단계 1")


def test_korean_card_is_valid_and_speaks_korean() -> None:
    card = build_card(korean_view(), NOW)
    validate_message(card)
    labels = [e["text"]["text"] for e in elements(card) if e["type"] == "button"]
    assert {"완료", "건너뛰기", "내가 맡기", "상향 보고", "초안 수정", "회사 잘못"} <= set(labels)
    assert not set(ENGLISH_LABELS) & set(labels)
    text = all_text(card)
    for korean in ("사건 #42", "팔로워 152,000명", "게시물 보기", "상태: *진행 중*", "게시물 17건"):
        assert korean in text
    assert "최근 10분 분당 1.3건" in text and "*초안* (" in text and "*제기된 사항* (3건" in text
    assert "followers" not in text and "events" not in text and "*Draft*" not in text


def test_english_stays_the_default() -> None:
    card = build_card(card_view(*workflow()), NOW)
    labels = {e["text"]["text"] for e in elements(card) if e["type"] == "button"}
    assert {"Done", "Skip", "Assign to me"} <= labels
    assert "152,000 followers" in all_text(card)


def test_compact_korean_card_uses_a_korean_menu() -> None:
    steps = [step(i, draft="초안 " * 200) for i in range(1, 40)]
    card = build_card(card_view(*steps, language="ko"), NOW)
    validate_message(card)
    menus = [e for e in elements(card) if e["type"] == "static_select"]
    assert menus and menus[0]["placeholder"]["text"] == "이 단계 처리…"


def test_korean_reminder_escalation_reply_and_storm_notice() -> None:
    late = step(1, title="사실 확인", due_at=NOW - timedelta(hours=2, minutes=5))
    view = card_view(late, language="ko")
    reminder = build_reminder(view, late, NOW)
    escalation = build_escalation(view, late, NOW, "subteam:S0LEADS")
    nobody = build_escalation(view, replace(late, can_act=False), NOW, None)
    for message in (reminder, escalation, nobody):
        validate_message(message)
    assert "⏰ <!subteam^S0CARE> 님께 알림" in reminder["text"]
    assert "기한이 2시간 5분 지났습니다" in reminder["text"]
    assert "🚨 <!subteam^S0LEADS>에게 상향 보고" in escalation["text"]
    assert "사건 책임자 (규칙에 책임 그룹 없음)" in nobody["text"]
    reply = build_thread_reply(
        "U0777", "complete", replace(late, status="done"), NOW, "전화함", "ko"
    )
    assert reply["text"].startswith(
        "<@U0777> 님이 *사실 확인* 완료했습니다 (`acknowledge`, 현재 완료)"
    )
    outcome = build_thread_reply("U0777", "outcome_at_fault", late, NOW, None, "ko")["text"]
    assert "*회사 잘못* 결과를 기록했습니다" in outcome
    storm = build_storm_notice(42, "complaint", 300, 12.5, "subteam:S0CRISIS", "ko")
    assert storm["text"].startswith("🚨 폭주: 사건 #42 (complaint) 게시물 300건, 분당 12.5건.")
    assert "<!subteam^S0CRISIS>" in storm["text"]
    busy = build_busy_notice(42, "praise", 300, 12.5, "ko")["text"]
    assert busy.startswith("📈 화제 집중: 사건 #42 (praise)") and "아무도 호출하지" in busy
    assert "nobody is paged" in build_busy_notice(42, "praise", 300, 12.5, "en")["text"]
    english = build_storm_notice(42, "complaint", 300, 12.5, None, "en")["text"]
    assert english.startswith("🚨 Storm: incident #42") and "subteam" not in english


def test_korean_modals_are_valid() -> None:
    draft_step = step(3, kind="apologise", draft="죄송합니다. " * 60, lint=("hedge: x",))
    view = card_view(draft_step, language="ko")
    skip = build_skip_modal(view, draft_step)
    edit = build_edit_draft_modal(view, draft_step)
    for modal in (skip, edit):
        validate_modal(modal)
    assert skip["title"]["text"] == "단계 건너뛰기" and skip["close"]["text"] == "취소"
    assert skip["blocks"][1]["label"]["text"] == "이 단계를 건너뛰는 이유는?"
    assert edit["title"]["text"] == "초안 수정" and edit["submit"]["text"] == "초안 저장"
    text = all_text(edit)
    assert "블로그 글 (공식 입장)" in text and "자 제한을" in text and "X 기준" in text
    errors = validate_draft_submission("죄송합니다. " * 60, None, 280, "ko")
    assert "280자 제한을" in errors["routing"]
