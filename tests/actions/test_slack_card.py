"""The Slack card, its modals and messages: valid Block Kit, safe text, and clicks read back."""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from unittest.mock import ANY

import pytest

from playbook.actions.card_view import CardView, StepView
from playbook.actions.slack.card import (
    MAX_BLOCKS,
    POINTS_SHOWN,
    PlanStepView,
    PointView,
    build_card,
    build_edit_draft_modal,
    build_escalation,
    build_reminder,
    build_skip_modal,
    build_thread_reply,
    draft_length,
    escape,
    parse_action,
    parse_modal_submission,
    respond_to_draft_submission,
    truncate,
    validate_draft_submission,
)
from tests.support.slack_validate import SlackPayloadError, validate_message, validate_modal

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
ANY_TEXT = ANY
HOSTILE = "<!channel> <@U123> <http://evil.example|your bank> @here &amp; done"


def step(step_id: int, **changes: Any) -> StepView:
    base = StepView(
        id=step_id,
        kind="acknowledge",
        title=f"Step {step_id}",
        status="active",
        owner="subteam:S0CARE",
        assignee=None,
        due_at=NOW + timedelta(minutes=30),
        version=step_id + 10,
        can_act=True,
    )
    return replace(base, **changes)


def card_view(*steps: StepView, **changes: Any) -> CardView:
    base = CardView(
        incident_id=42,
        title="Complaint: internet down for three days",
        category="complaint",
        severity="high",
        status="open",
        rules_version="r-5f2a",
        event_count=17,
        velocity_10m=1.3,
        author_handle="loud_customer",
        author_followers=152_000,
        post_url="https://twitter.com/loud_customer/status/1790000000000000001",
        excerpt="@acme_ceo 인터넷이 사흘째 먹통입니다. Fix it!",
        steps=steps,
        updated_at=NOW - timedelta(minutes=2),
    )
    return replace(base, **changes)


def workflow() -> tuple[StepView, ...]:
    """A realistic mix: done, skipped, active with outcomes, drafts and lint, pending, blocked."""
    return (
        step(1, kind="triage", status="done", can_act=False, outcome=None, note="real complaint"),
        step(2, kind="verify_facts", owner="subteam:S0NETOPS", assignee="U0ENG42"),
        step(
            3,
            kind="apologise",
            draft="We are sorry: the outage was our fault and is fixed.",
            lint=("hedge: 'if anyone was inconvenienced'",),
        ),
        step(4, kind="publish_action_plan", status="pending", can_act=False),
        step(5, kind="blog_post", status="blocked", can_act=False, owner="comms team"),
        step(6, kind="engage_advocates", status="skipped", can_act=False, note="no advocates"),
    )


def blocks_of(message: dict[str, Any]) -> list[dict[str, Any]]:
    return list(message.get("blocks", []))


def elements(message: dict[str, Any]) -> list[dict[str, Any]]:
    """Every interactive element: buttons in actions blocks and section accessories."""
    found = []
    for block in blocks_of(message):
        found += block.get("elements", []) if block["type"] == "actions" else []
        found += [block["accessory"]] if "accessory" in block else []
    return found


def all_text(message: dict[str, Any]) -> str:
    return json.dumps(message, ensure_ascii=False)


def mrkdwn_texts(message: dict[str, Any]) -> list[str]:
    """The fallback and every mrkdwn text: what Slack parses (plain_text it shows as typed)."""
    texts = [message["text"]]
    for block in blocks_of(message):
        if isinstance(block.get("text"), dict) and block["text"]["type"] == "mrkdwn":
            texts.append(block["text"]["text"])
        texts += [e["text"] for e in block.get("elements", []) if e.get("type") == "mrkdwn"]
    return texts


# --- the card is valid Block Kit -------------------------------------------------------------


def plan_step(step_id: int, points: int = 2, **changes: Any) -> PlanStepView:
    """A publish_action_plan step with `points` points, the first with hostile text."""
    raised = tuple(
        PointView(
            point=HOSTILE if i == 0 else f"billing: “요금이 두 번 청구됐어요 {i}”",
            action="청구 내역 점검 및 잘못 청구된 금액 환불",
            owner="subteam:S0BILLING" if i % 2 else "<!channel>",
            date="2026-11-24",
            count=1200 - i,
        )
        for i in range(points)
    )
    base = step(step_id, kind="publish_action_plan", draft="조치 계획입니다.\n1) …")
    return PlanStepView(**{**vars(base), **changes}, points=raised, events_scanned=10_000)


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


def test_verify_facts_outcomes_parse_as_outcomes() -> None:
    card = build_card(card_view(step(2, kind="verify_facts")), NOW)
    outcomes = [parse_action(e["action_id"], e["value"]).outcome for e in elements(card)]
    assert outcomes[:3] == ["at_fault", "not_at_fault", "needs_investigation"]
    assert outcomes[3:] == [None, None, None]


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


# --- 50 blocks at most, and every actionable step still reachable -----------------------------


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


# --- untrusted text can never ping, link or break the card ------------------------------------


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


def test_escape_and_mentions() -> None:
    assert escape("a < b && c > d") == "a &lt; b &amp;&amp; c &gt; d"
    assert escape("@channel @Here @everyone") == "@\u2060channel @\u2060Here @\u2060everyone"
    assert escape("mail me@channels.example") == "mail me@channels.example"
    reply = build_thread_reply("U0777", "complete", step(1), NOW, None)["text"]
    assert reply.startswith("<@U0777> completed *Step 1*")
    assert build_thread_reply("USA", "complete", step(1), NOW, None)["text"].startswith("USA ")
    assert build_thread_reply("user:W0A1B2", "assign", step(1), NOW, None)["text"].startswith(
        "<@W0A1B2>"
    )


def test_long_korean_excerpt_is_cut_cleanly() -> None:
    korean = "인터넷이 사흘째 먹통입니다 " * 400
    decomposed = unicodedata.normalize("NFD", korean)  # some tools send jamo, not syllables
    card = build_card(card_view(step(1), excerpt=decomposed), NOW)
    validate_message(card)
    quote = card["blocks"][1]["text"]["text"].split("\n>", 1)[1]
    assert quote.endswith("…") and len(card["blocks"][1]["text"]["text"]) <= 3000
    assert korean.startswith(quote[:-1])  # whole syllables, nothing lost mid-word
    assert 1000 < len(quote) <= 2000


def test_truncate_never_cuts_inside_an_escape_or_markup() -> None:
    text = "a&amp;b <@U123> c&lt;d <!date^1^{time}|09:00> e&gt; 한글" * 3
    for limit in range(0, len(text) + 2):
        cut = truncate(text, limit)
        assert len(cut) <= max(limit, 0)
        if len(text) > limit >= 1:
            assert cut.endswith("…")
        body = cut.removesuffix("…")
        assert text.startswith(body)
        assert not re.search(r"&(?!amp;|lt;|gt;)", body), (limit, body)
        assert body.count("<") == body.count(">"), (limit, body)


def test_truncate_keeps_letters_with_their_marks() -> None:
    assert truncate("e\u0301e\u0301e\u0301", 4) == "e\u0301…"
    assert truncate("\u1112\u1161\u11ab\u1100\u1173\u11af", 5) == "\u1112\u1161\u11ab…"
    assert truncate("short", 10) == "short"


# --- due times --------------------------------------------------------------------------------


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


# --- modals -----------------------------------------------------------------------------------


def submission(modal: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """What Slack posts on submit: the modal back with the inputs' state."""
    state = {}
    for block_id, value in values.items():
        if block_id == "routing":
            option = {"value": value} if value else None
            state[block_id] = {block_id: {"type": "radio_buttons", "selected_option": option}}
        else:
            state[block_id] = {block_id: {"type": "plain_text_input", "value": value}}
    view = {**modal, "id": "V1", "state": {"values": state}}
    return {"type": "view_submission", "user": {"id": "U0ME"}, "view": view}


def test_skip_modal_asks_a_reason_and_carries_the_step() -> None:
    view = card_view(*workflow())
    modal = build_skip_modal(view, view.steps[2])
    validate_modal(modal)
    assert modal["callback_id"] == "playbook:skip"
    parsed = parse_modal_submission(submission(modal, {"reason": "handled by phone"}))
    assert parsed == {
        "callback_id": "playbook:skip",
        "incident_id": 42,
        "step_id": 3,
        "version": 13,
        "user_id": "U0ME",
        "values": {"reason": "handled by phone"},
    }


def test_edit_draft_modal_under_the_limit() -> None:
    view = card_view(step(3, draft="Sorry, fixed now."))
    modal = build_edit_draft_modal(view, view.steps[0])
    validate_modal(modal)
    draft = next(b for b in modal["blocks"] if b["block_id"] == "draft")
    assert draft["element"]["initial_value"] == "Sorry, fixed now."
    assert draft["element"]["multiline"] is True
    assert draft["hint"]["text"].startswith("17/280 characters")
    assert "routing" not in {b.get("block_id") for b in modal["blocks"]}


def test_edit_draft_modal_over_the_limit_offers_routing() -> None:
    long_korean = "죄송합니다 " * 60  # 360 characters, 660 as X counts them
    view = card_view(step(3, draft=long_korean, lint=("hedge: x",)))
    modal = build_edit_draft_modal(view, view.steps[0])
    validate_modal(modal)
    routing = next(b for b in modal["blocks"] if b["block_id"] == "routing")
    assert routing["element"]["type"] == "radio_buttons"
    labels = [o["text"]["text"] for o in routing["element"]["options"]]
    assert labels == ["Blog post (official position)", "Customer service (one customer's case)"]
    assert "660/280" in all_text(modal) and "380 characters over" in all_text(modal)


def test_draft_length_counts_as_x_does() -> None:
    assert draft_length("hello") == 5
    assert draft_length("안녕") == 4
    assert draft_length("see https://example.com/a/very/long/path/that/goes/on") == 4 + 23
    assert draft_length("❤️") == 2  # the variation selector is free


def test_over_limit_draft_requires_a_route() -> None:
    assert validate_draft_submission("x" * 280, None, 280) == {}
    errors = validate_draft_submission("x" * 300, None, 280)
    assert list(errors) == ["routing"] and "20 characters over the 280 limit" in errors["routing"]
    assert validate_draft_submission("가" * 150, None, 280) != {}  # 300 as X counts it
    assert validate_draft_submission("x" * 300, "blog_post", 280) == {}
    assert validate_draft_submission("x" * 300, "customer_service", 280) == {}
    assert list(validate_draft_submission("x", "pigeon", 280)) == ["routing"]
    assert list(validate_draft_submission("   ", None, 280)) == ["draft"]
    assert list(validate_draft_submission(None, "blog_post", 280)) == ["draft"]


def test_draft_submission_answers() -> None:
    view = card_view(step(3, draft="short"))
    short_modal = build_edit_draft_modal(view, view.steps[0])
    grown = submission(short_modal, {"draft": "x" * 300})
    answer = respond_to_draft_submission(view, view.steps[0], parse_modal_submission(grown))
    assert answer is not None and answer["response_action"] == "update"
    long_modal = answer["view"]
    validate_modal(long_modal)  # now with the routing choice, and the long text kept
    assert "routing" in {b.get("block_id") for b in long_modal["blocks"]}
    assert long_modal["blocks"][1]["element"]["initial_value"] == "x" * 300

    unrouted = submission(long_modal, {"draft": "x" * 300, "routing": None})
    answer = respond_to_draft_submission(view, view.steps[0], parse_modal_submission(unrouted))
    assert answer == {"response_action": "errors", "errors": {"routing": ANY_TEXT}}

    routed = submission(long_modal, {"draft": "x" * 300, "routing": "blog_post"})
    assert respond_to_draft_submission(view, view.steps[0], parse_modal_submission(routed)) is None


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"view": "nope"},
        {"view": {"private_metadata": ""}},
        {"view": {"private_metadata": '{"i":1,"s":2}'}},
        {"view": {"private_metadata": '{"i":1,"s":2,"v":3}', "state": {"values": {"b": 1}}}},
    ],
)
def test_parse_modal_submission_rejects_garbage(payload: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        parse_modal_submission(payload)


# --- reminders, escalations, thread replies ---------------------------------------------------


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


# --- reading clicks back ----------------------------------------------------------------------


def test_parse_action_round_trip() -> None:
    parsed = parse_action("step:7:skip", '{"i":42,"s":7,"v":3}')
    assert (parsed.incident_id, parsed.step_id, parsed.version, parsed.action) == (42, 7, 3, "skip")
    menu = parse_action("step:7:menu", '{"i":42,"s":7,"v":3,"a":"outcome_at_fault"}')
    assert menu.action == "outcome_at_fault" and menu.outcome == "at_fault"


@pytest.mark.parametrize(
    ("action_id", "value"),
    [
        ("step:7:skip", "not json"),
        ("step:7:skip", ""),
        ("step:7:skip", "[1, 2]"),
        ("step:7:skip", '{"i":42,"s":8,"v":3}'),  # the value is for another step
        ("step:7:skip", '{"i":42,"s":7}'),
        ("step:7:skip", '{"i":42,"s":7,"v":-1}'),
        ("step:7:skip", '{"i":true,"s":7,"v":3}'),
        ("step:7:skip", '{"i":"42","s":7,"v":3}'),
        ("step:7:skip", '{"i":42,"s":7,"v":3.5}'),
        ("step:7:skip", '{"i":42,"s":7,"v":3,"a":"complete"}'),
        ("step:7:skip", '{"i":42,"s":7,"v":3,"pad":"' + "x" * 2000 + '"}'),
        ("step:7:skip", "[" * 100_000),
        ("step:7:menu", '{"i":42,"s":7,"v":3}'),
        ("step:7:menu", '{"i":42,"s":7,"v":3,"a":"menu"}'),
        ("step:7:nuke", '{"i":42,"s":7,"v":3}'),
        ("step:x:skip", '{"i":42,"s":7,"v":3}'),
        ("step:07:skip", '{"i":42,"s":7,"v":3}'),
        ("step:7:skip:extra", '{"i":42,"s":7,"v":3}'),
        ("other:7:skip", '{"i":42,"s":7,"v":3}'),
        ("", ""),
        (None, None),
    ],
)
def test_parse_action_rejects_garbage(action_id: Any, value: Any) -> None:
    with pytest.raises(ValueError):
        parse_action(action_id, value)


# --- the validator catches what Slack would refuse -------------------------------------------


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


# --- the action plan's points -----------------------------------------------------------------


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


def test_edit_draft_modal_opens_with_the_cards_plan_and_points() -> None:
    stored = step(4, kind="publish_action_plan", draft="1) [point raised] → [action]")
    current = plan_step(4, points=3, draft="조치 계획입니다.\n1) billing → 환불")
    modal = build_edit_draft_modal(card_view(current), stored)
    validate_modal(modal)
    draft = next(b for b in modal["blocks"] if b["block_id"] == "draft")
    assert draft["element"]["initial_value"] == "조치 계획입니다.\n1) billing → 환불"
    points = next(b for b in modal["blocks"] if b["block_id"] == "points")
    assert "*Points raised* (3" in points["elements"][0]["text"]
