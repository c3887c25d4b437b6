"""Card views for Block Kit tests: a step, a card, a realistic workflow, and readers of messages."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from unittest.mock import ANY

from playbook.actions.card_view import CardView, StepView
from playbook.actions.slack.card import PlanStepView, PointView

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
