"""Clicks and modal submissions read back: what the card did not produce is refused."""

from __future__ import annotations

from typing import Any

import pytest

from playbook.actions.slack.card import (
    build_card,
)
from playbook.actions.slack.payloads import parse_action, parse_modal_submission
from tests.support.card_views import (
    NOW,
    card_view,
    elements,
    step,
)


def test_verify_facts_outcomes_parse_as_outcomes() -> None:
    card = build_card(card_view(step(2, kind="verify_facts")), NOW)
    outcomes = [parse_action(e["action_id"], e["value"]).outcome for e in elements(card)]
    assert outcomes[:3] == ["at_fault", "not_at_fault", "needs_investigation"]
    assert outcomes[3:] == [None, None, None]


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
