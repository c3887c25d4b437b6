"""The Slack card and its messages: valid Block Kit, safe text, within Slack limits."""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from playbook.actions.card_view import CardView
from playbook.actions.slack.blocks import MAX_BLOCKS
from playbook.actions.slack.card import POINTS_SHOWN, build_card
from playbook.actions.slack.messages import build_escalation, build_reminder, build_thread_reply
from playbook.actions.slack.modals import (
    build_skip_modal,
)
from playbook.actions.slack.payloads import parse_action
from tests.support.card_views import (
    HOSTILE,
    NOW,
    all_text,
    blocks_of,
    card_view,
    elements,
    mrkdwn_texts,
    plan_step,
    step,
    workflow,
)
from tests.support.slack_validate import SlackPayloadError, validate_message, validate_modal

REPRESENTATIVE = {
    "typical": card_view(*workflow()),
    "no steps, no author, no link": card_view(
        author_handle=None, author_followers=None, post_url=None, velocity_10m=None
    ),
    "empty texts": card_view(step(1, title="", kind="triage"), title="", excerpt=""),
    "all closed": card_view(*(replace(s, status="done", can_act=False) for s in workflow())),
    "critical with escalation": card_view(
        *workflow(), severity="critical", escalation="storm level 3: 400 reposts in 10 min"
    ),
    "unknown severity and status": card_view(step(1, status="waiting"), severity="odd"),
    "action plan with many points": card_view(*workflow()[:3], plan_step(4, points=9)),
}


@pytest.mark.parametrize("name", REPRESENTATIVE)
def test_representative_cards_are_valid_block_kit(name: str) -> None:
    card = build_card(REPRESENTATIVE[name], NOW)
    validate_message(card)
    assert card["text"].strip()
    assert card["blocks"][0]["type"] == "header"


def test_card_shows_post_numbers_and_workflow() -> None:
    card = build_card(card_view(*workflow()), NOW)
    header = card["blocks"][0]["text"]["text"]
    assert "HIGH" in header and "complaint" in header and "#42" in header
    text = all_text(card)
    for expected in (
        "@loud_customer (152,000 followers)",
        "<https://twitter.com/loud_customer/status/1790000000000000001|view post>",
        "인터넷이 사흘째 먹통입니다",
        "17 events",
        "1.3/min over 10 min",
        "r-5f2a",
        "<!subteam^S0NETOPS>",
        "<@U0ENG42>",
        "comms team",
        "We are sorry: the outage was our fault and is fixed.",
        "hedge: 'if anyone was inconvenienced'",
    ):
        assert expected in text, expected
    assert card["unfurl_links"] is False  # a preview would show what the excerpt redacted


def test_only_actionable_steps_get_buttons() -> None:
    card = build_card(card_view(*workflow()), NOW)
    acted_on = {parse_action(e["action_id"], e["value"]).step_id for e in elements(card)}
    assert acted_on == {2, 3}


def test_buttons_per_step() -> None:
    card = build_card(card_view(*workflow()), NOW)
    labels: dict[int, list[str]] = {}
    for element in elements(card):
        step_id = parse_action(element["action_id"], element["value"]).step_id
        labels.setdefault(step_id, []).append(element["text"]["text"])
    assert labels[2] == [
        "At fault",
        "Not at fault",
        "Needs investigation",
        "Skip",
        "Assign to me",
        "Escalate",
    ]
    assert labels[3] == ["Done", "Skip", "Assign to me", "Escalate", "Edit draft"]


def test_action_and_block_ids_are_unique_and_values_carry_versions() -> None:
    steps = tuple(
        step(i, kind="verify_facts" if i % 4 == 0 else "apologise", draft="d") for i in range(1, 9)
    )
    card = build_card(card_view(*steps), NOW)
    action_ids = [e["action_id"] for e in elements(card)]
    assert len(action_ids) == len(set(action_ids)) == 6 * 5 + 2 * 7  # outcomes replace Done
    block_ids = [b["block_id"] for b in blocks_of(card)]
    assert len(block_ids) == len(set(block_ids))
    for element in elements(card):
        parsed = parse_action(element["action_id"], element["value"])
        assert parsed.incident_id == 42
        assert parsed.version == parsed.step_id + 10
        assert element["action_id"] == f"step:{parsed.step_id}:{parsed.action}"
        assert len(element["value"]) <= 2000
        assert re.fullmatch(r"\{[^ ]*\}", element["value"])  # compact JSON


def test_block_ids_are_fresh_for_every_different_build() -> None:
    view = card_view(*workflow())
    first = {b["block_id"] for b in blocks_of(build_card(view, NOW))}
    again = {b["block_id"] for b in blocks_of(build_card(view, NOW))}
    later = {b["block_id"] for b in blocks_of(build_card(view, NOW + timedelta(seconds=1)))}
    bumped = replace(view, steps=(replace(view.steps[1], version=99), *view.steps[2:]))
    changed = {b["block_id"] for b in blocks_of(build_card(bumped, NOW))}
    assert first == again  # a pure function of its inputs
    assert first.isdisjoint(later)
    assert first.isdisjoint(changed)


def sixty(actionable: set[int]) -> CardView:
    steps = []
    for i in range(1, 61):
        status = "active" if i in actionable else ("done" if i % 2 else "pending")
        steps.append(
            step(i, status=status, can_act=i in actionable, draft="초안" if i % 5 == 0 else None)
        )
    return card_view(*steps)


def test_sixty_steps_with_some_actionable_keep_full_buttons() -> None:
    actionable = set(range(3, 61, 3))  # 20 actionable steps
    card = build_card(sixty(actionable), NOW)
    validate_message(card)
    assert len(card["blocks"]) <= MAX_BLOCKS
    buttons = [e for e in elements(card) if e["type"] == "button"]
    assert {parse_action(b["action_id"], b["value"]).step_id for b in buttons} == actionable
    summaries = [t for t in mrkdwn_texts(card) if t.startswith(("*Finished", "*Waiting"))]
    assert len(summaries) == 2 and "(20)" in summaries[0]


def test_sixty_actionable_steps_fold_into_menus_and_say_how_many_are_left() -> None:
    card = build_card(sixty(set(range(1, 61))), NOW)
    validate_message(card)
    assert len(card["blocks"]) == MAX_BLOCKS
    menus = [e for e in elements(card) if e["type"] == "static_select"]
    shown = [parse_action(m["action_id"], m["options"][0]["value"]).step_id for m in menus]
    assert shown == list(range(1, len(shown) + 1)) and len(shown) >= 40
    assert f"…and {60 - len(shown)} more steps to act on" in mrkdwn_texts(card)[-1]


def test_forty_actionable_steps_all_fit_as_menus() -> None:
    card = build_card(sixty(set(range(1, 41))), NOW)
    validate_message(card)
    menus = [e for e in elements(card) if e["type"] == "static_select"]
    assert len(menus) == 40
    assert not any("more steps" in t for t in mrkdwn_texts(card))
    for menu in menus:
        actions = [parse_action(menu["action_id"], o["value"]).action for o in menu["options"]]
        assert actions[:4] == ["complete", "skip", "assign", "escalate"]


def test_hostile_text_is_inert_everywhere() -> None:
    hostile = step(
        2,
        title=HOSTILE,
        kind="apologise",
        owner=f"subteam:S1>|{HOSTILE}",
        assignee=HOSTILE,
        draft=HOSTILE,
        lint=(HOSTILE,),
        note=HOSTILE,
        outcome=HOSTILE,
    )
    view = card_view(
        replace(hostile, id=3, status=HOSTILE),
        hostile,
        title=HOSTILE,
        excerpt=HOSTILE,
        author_handle=HOSTILE,
        escalation=HOSTILE,
        rules_version=HOSTILE,
        status=HOSTILE,
        category=HOSTILE,
        severity=HOSTILE,
        post_url="https://twitter.com/x/status/1|<!channel>",
    )
    messages = [
        build_card(view, NOW),
        build_reminder(view, hostile, NOW),
        build_escalation(view, hostile, NOW, "subteam:S0LEADS"),
        build_thread_reply(HOSTILE, "skip", hostile, NOW, HOSTILE),
    ]
    for message in messages:
        validate_message(message)
        for text in mrkdwn_texts(message):
            assert "<!channel>" not in text and "<@U123>" not in text
            assert "<http://evil.example" not in text
            assert "@here" not in text  # defused with an invisible joiner
            assert "<!subteam^S1>" not in text
    card_text = "\n".join(mrkdwn_texts(messages[0]))
    assert "&lt;!channel&gt;" in card_text and "&lt;@U123&gt;" in card_text
    assert "&amp;amp;" in card_text  # a literal "&amp;" in a post shows as typed


def test_long_korean_excerpt_is_cut_cleanly() -> None:
    korean = "인터넷이 사흘째 먹통입니다 " * 400
    decomposed = unicodedata.normalize("NFD", korean)  # some tools send jamo, not syllables
    card = build_card(card_view(step(1), excerpt=decomposed), NOW)
    validate_message(card)
    post = card["blocks"][2]["text"]
    assert post["type"] == "plain_text"
    quote = post["text"]
    assert quote.endswith("…") and len(quote) <= 3000
    assert korean.startswith(quote[:-1])  # whole syllables, nothing lost mid-word
    assert 1000 < len(quote) <= 2000


def test_overdue_marker_follows_the_injected_clock() -> None:
    due = NOW + timedelta(minutes=30)
    view = card_view(step(1, due_at=due), step(2, due_at=due, status="done", can_act=False))
    before = "\n".join(mrkdwn_texts(build_card(view, due - timedelta(minutes=1))))
    after = "\n".join(mrkdwn_texts(build_card(view, due + timedelta(hours=1, minutes=5))))
    assert "overdue" not in before
    assert after.count("*overdue* by 1 h 5 min") == 1  # the done step is never overdue
    stamp = int(due.timestamp())
    assert f"<!date^{stamp}^{{date_short_pretty}} {{time}}|2026-11-23 09:30 UTC>" in after


def test_naive_due_times_are_read_as_utc() -> None:
    naive = (NOW + timedelta(minutes=30)).replace(tzinfo=None)
    text = all_text(build_card(card_view(step(1, due_at=naive)), NOW + timedelta(hours=1)))
    assert "*overdue* by 30 min" in text


def test_reminder_and_escalation() -> None:
    late = step(3, kind="apologise", assignee="U0ENG42", due_at=NOW - timedelta(minutes=45))
    view = card_view(late)
    reminder = build_reminder(view, late, NOW)
    validate_message(reminder)
    assert reminder["text"].startswith("⏰ Reminder for <@U0ENG42>")
    assert "is overdue by 45 min" in reminder["text"]
    assert {parse_action(e["action_id"], e["value"]).step_id for e in elements(reminder)} == {3}

    escalation = build_escalation(view, late, NOW, "subteam:S0LEADS")
    validate_message(escalation)
    assert escalation["text"].startswith("🚨 Escalated to <!subteam^S0LEADS>")
    nobody = build_escalation(view, replace(late, can_act=False), NOW, None)
    validate_message(nobody)
    assert "no lead group" in nobody["text"] and elements(nobody) == []
    assert "is due in 30 min" in build_reminder(view, step(1), NOW)["text"]


@pytest.mark.parametrize(
    ("action", "verb"),
    [
        ("complete", "completed"),
        ("skip", "skipped"),
        ("outcome_not_at_fault", "recorded *Not at fault* on"),
        ("something_new", "something_new"),
    ],
)
def test_thread_reply_says_who_did_what_when(action: str, verb: str) -> None:
    reply = build_thread_reply("Kim Jiyoung", action, step(1), NOW, "called the customer")
    validate_message(reply)
    assert reply["text"].startswith(f"Kim Jiyoung {verb} *Step 1*")
    assert "|2026-11-23 09:00 UTC>" in reply["text"] and "called the customer" in reply["text"]


def button(action_id: str) -> dict[str, Any]:
    text = {"type": "plain_text", "text": "Go"}
    return {"type": "button", "text": text, "action_id": action_id, "value": "v"}


def section(text: str, block_id: str | None = None) -> dict[str, Any]:
    block: dict[str, Any] = {"type": "section", "text": {"type": "mrkdwn", "text": text}}
    return {**block, "block_id": block_id} if block_id else block


@pytest.mark.parametrize(
    ("payload", "problem"),
    [
        ({"text": "", "blocks": [section("x")]}, "fallback `text`"),
        ({"blocks": [section("x")]}, "fallback `text`"),
        ({"text": "t", "blocks": [section("x")] * 51}, "51 blocks"),
        ({"text": "t", "blocks": [section("x", "b"), section("y", "b")]}, "duplicate block_ids"),
        (
            {
                "text": "t",
                "blocks": [
                    {"type": "actions", "elements": [button("a")]},
                    section("x") | {"accessory": button("a")},
                ],
            },
            "duplicate action_ids",
        ),
        ({"text": "t", "blocks": [section("x" * 3001)]}, "3000"),
        ({"text": "t", "blocks": [section("")]}, "empty text"),
        (
            {
                "text": "t",
                "blocks": [{"type": "header", "text": {"type": "plain_text", "text": "x" * 151}}],
            },
            "150",
        ),
        (
            {
                "text": "t",
                "blocks": [{"type": "actions", "elements": [button(str(i)) for i in range(26)]}],
            },
            "25",
        ),
        ({"text": "t", "blocks": [section("x") | {"blokc_id": "typo"}]}, "unknown field .blokc_id"),
        ({"text": "t", "blocks": [{"type": "not_a_block"}]}, "unknown block type"),
        ({"text": "t", "blocks": "nope"}, "must be a list"),
    ],
)
def test_validate_message_catches(payload: dict[str, Any], problem: str) -> None:
    with pytest.raises(SlackPayloadError) as caught:
        validate_message(payload)
    assert any(problem in p for p in caught.value.problems), caught.value.problems


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"submit": None}, "needs a `submit`"),
        ({"title": {"type": "plain_text", "text": "x" * 25}}, "title"),
        ({"type": "message"}, "'modal'"),
        ({"private_metadata": "x" * 3001}, "private_metadata"),
        ({"blocks": []}, "between 1 and 100 blocks"),
    ],
)
def test_validate_modal_catches(change: dict[str, Any], problem: str) -> None:
    modal = build_skip_modal(card_view(step(1)), step(1))
    modal = {k: v for k, v in {**modal, **change}.items() if v is not None}
    with pytest.raises(SlackPayloadError) as caught:
        validate_modal(modal)
    assert any(problem in p for p in caught.value.problems), caught.value.problems


def plan_text(card: dict[str, Any], step_id: int) -> str:
    return next(
        b["text"]["text"] for b in blocks_of(card) if b["block_id"].startswith(f"s.{step_id}.")
    )


def test_plan_points_are_listed_under_the_step() -> None:
    card = build_card(card_view(plan_step(4, points=POINTS_SHOWN + 3)), NOW)
    validate_message(card)
    text = plan_text(card, 4)
    assert f"*Points raised* ({POINTS_SHOWN + 3}, from 10,000 events read)" in text
    assert "2) billing: “요금이 두 번 청구됐어요 1”" in text
    assert "_(1,199 posts)_ → 청구 내역 점검 및 잘못 청구된 금액 환불" in text
    assert "<!subteam^S0BILLING> · by 2026-11-24" in text
    assert f"{POINTS_SHOWN}) " in text and f"{POINTS_SHOWN + 1}) " not in text
    assert "…and 3 more" in text
    assert text.index("*Points raised*") < text.index("*Draft*")


def test_plan_points_are_inert_text() -> None:
    card = build_card(card_view(plan_step(4)), NOW)
    text = plan_text(card, 4)
    assert "<!channel>" not in text and "<@U123>" not in text and "<http" not in text
    assert "&lt;!channel&gt;" in text  # the owner given as text is escaped too


def test_closed_plan_step_shows_no_points() -> None:
    card = build_card(card_view(plan_step(4, status="done", can_act=False)), NOW)
    assert "Points raised" not in json.dumps(card, ensure_ascii=False)


def test_plan_points_fold_to_a_count_when_the_card_is_crowded() -> None:
    steps = [step(i, draft="초안") for i in range(1, 40)]
    card = build_card(card_view(*steps, plan_step(40, points=9)), NOW)
    validate_message(card)
    assert len(blocks_of(card)) <= MAX_BLOCKS
    text = plan_text(card, 40)
    assert "📋 9 points raised" in text and "*Points raised*" not in text


MARKUP = "*bold* _italic_ ~struck~ `code` ```block``` <!channel> @here :fire:"


def test_post_text_is_shown_as_written() -> None:
    """Issue 13.9: a post's `*`, `_`, `~` and backticks format nothing on the card."""
    view = card_view(step(1), excerpt=MARKUP)
    messages = [
        build_card(view, NOW),
        build_reminder(view, step(1), NOW),
        build_escalation(view, step(1), NOW, "subteam:S0LEADS"),
    ]
    for message in messages:
        validate_message(message)
        assert not any("bold" in text for text in mrkdwn_texts(message))
        shown = [
            b["text"]
            for b in blocks_of(message)
            if isinstance(b.get("text"), dict) and "bold" in b["text"]["text"]
        ]
        assert shown == [
            {
                "type": "plain_text",
                "text": "*bold* _italic_ ~struck~ `code` ```block``` &lt;!channel&gt; "
                "@\u2060here :fire:",
                "emoji": False,
            }
        ]
