"""The skip and edit-draft modals and the answers to their submissions."""

from __future__ import annotations

from typing import Any

from playbook.actions.slack.modals import (
    build_edit_draft_modal,
    build_skip_modal,
    respond_to_draft_submission,
    validate_draft_submission,
)
from playbook.actions.slack.payloads import parse_modal_submission
from playbook.text.length import draft_length
from tests.support.card_views import (
    ANY_TEXT,
    all_text,
    card_view,
    plan_step,
    step,
    workflow,
)
from tests.support.slack_validate import validate_modal


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


def test_edit_draft_modal_opens_with_the_cards_plan_and_points() -> None:
    stored = step(4, kind="publish_action_plan", draft="1) [point raised] → [action]")
    current = plan_step(4, points=3, draft="조치 계획입니다.\n1) billing → 환불")
    modal = build_edit_draft_modal(card_view(current), stored)
    validate_modal(modal)
    draft = next(b for b in modal["blocks"] if b["block_id"] == "draft")
    assert draft["element"]["initial_value"] == "조치 계획입니다.\n1) billing → 환불"
    points = next(b for b in modal["blocks"] if b["block_id"] == "points")
    assert "*Points raised* (3" in points["elements"][0]["text"]
