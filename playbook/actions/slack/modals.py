"""The skip and edit-draft modals, and Slack's answer to a draft submission."""

from __future__ import annotations

from typing import Any

from playbook.actions.card_view import CardView, StepView
from playbook.actions.slack.blocks import (
    BUTTON_CHARS,
    INPUT_CHARS,
    MODAL_TITLE_CHARS,
    Block,
    context,
    plain,
    safe_text,
    section,
)
from playbook.actions.slack.card import points_lines, step_title, step_value
from playbook.actions.slack.texts import say
from playbook.text.length import TCO_LENGTH, draft_length

ROUTES = ("blog_post", "customer_service")  # labels: texts `route_<name>`
SKIP_CALLBACK = "playbook:skip"
DRAFT_CALLBACK = "playbook:edit_draft"
REASON_BLOCK = "reason"
DRAFT_BLOCK = "draft"
ROUTING_BLOCK = "routing"


def _modal(
    callback: str, title: str, submit: str, metadata: str, blocks: list[Block], lang: str
) -> Block:
    return {
        "type": "modal",
        "callback_id": callback,
        "private_metadata": metadata,
        "title": plain(title, MODAL_TITLE_CHARS),
        "submit": plain(submit, MODAL_TITLE_CHARS),
        "close": plain(say("cancel", lang), MODAL_TITLE_CHARS),
        "blocks": blocks,
    }


def _step_context(view: CardView, step: StepView) -> Block:
    kind = safe_text(step.kind, 60).replace("`", "'")
    title = step_title(step, view.language)
    text = say("modal_context", view.language, id=view.incident_id, title=title, kind=kind)
    return context(text, "step")


def build_skip_modal(view: CardView, step: StepView) -> dict[str, Any]:
    """Asks why a step is skipped; the reason goes to the card's thread."""
    lang = view.language
    reason: Block = {
        "type": "input",
        "block_id": REASON_BLOCK,
        "label": plain(say("skip_why", lang), 2000),
        "hint": plain(say("skip_hint", lang), 2000),
        "element": {
            "type": "plain_text_input",
            "action_id": REASON_BLOCK,
            "multiline": True,
            "min_length": 3,
            "max_length": 500,
        },
    }
    metadata = step_value(view, step)
    title = say("skip_title", lang)
    return _modal(SKIP_CALLBACK, title, title, metadata, [_step_context(view, step), reason], lang)


def _routing_block(lang: str) -> Block:
    options = [
        {"text": plain(say(f"route_{key}", lang), BUTTON_CHARS), "value": key} for key in ROUTES
    ]
    return {
        "type": "input",
        "block_id": ROUTING_BLOCK,
        "optional": True,  # only needed while the text is over the limit: checked on submit
        "label": plain(say("route_label", lang), 2000),
        "element": {"type": "radio_buttons", "action_id": ROUTING_BLOCK, "options": options},
    }


def build_edit_draft_modal(
    view: CardView, step: StepView, *, draft: str | None = None
) -> dict[str, Any]:
    """The draft in a text box, its length against the channel limit and, when it runs over,
    a choice between a blog post and customer service. `draft` overrides the stored text.

    The card's view of the step wins over `step`: a plan's draft is the one computed now."""
    step = next((s for s in view.steps if s.id == step.id), step)
    text = (step.draft or "") if draft is None else draft
    length, limit, lang = draft_length(text), view.channel_limit, view.language
    element: Block = {
        "type": "plain_text_input",
        "action_id": DRAFT_BLOCK,
        "multiline": True,
        "max_length": INPUT_CHARS,
    }
    if text:
        element["initial_value"] = text[:INPUT_CHARS]
    count = say("count_hint", lang, length=length, limit=limit, tco=TCO_LENGTH)
    blocks = [
        _step_context(view, step),
        {
            "type": "input",
            "block_id": DRAFT_BLOCK,
            "label": plain(say("reply_label", lang), 2000),
            "hint": plain(count, 2000),
            "element": element,
        },
    ]
    points = points_lines(step, compact=False, shown=10, language=lang)
    if points:
        blocks.append(context("\n".join(points), "points"))
    if step.lint:
        findings = "\n".join(f"⚠️ {safe_text(f, 200)}" for f in step.lint[:10])
        blocks.append(context(findings, "lint"))
    if length > limit:
        warning = say("over_limit", lang, over=length - limit, limit=limit)
        blocks += [section(warning, "over"), _routing_block(lang)]
    metadata, title = step_value(view, step), say("edit_draft", lang)
    return _modal(DRAFT_CALLBACK, title, say("save_draft", lang), metadata, blocks, lang)


def validate_draft_submission(
    text: str | None, routing: str | None, limit: int, language: str = "en"
) -> dict[str, str]:
    """Errors in Slack's `response_action: errors` shape, `{block_id: message}`; empty if fine."""
    if text is None or not text.strip():
        return {DRAFT_BLOCK: say("draft_missing", language)}
    if routing is not None and routing not in ROUTES:
        return {ROUTING_BLOCK: say("route_unknown", language)}
    over = draft_length(text) - limit
    if over > 0 and routing is None:
        return {ROUTING_BLOCK: say("route_needed", language, over=over, limit=limit)}
    return {}


def respond_to_draft_submission(
    view: CardView, step: StepView, submission: dict[str, Any]
) -> dict[str, Any] | None:
    """Slack's answer to a draft submission: None to accept it, else errors or a new view."""
    values = submission.get("values", {})
    text, routing = values.get(DRAFT_BLOCK), values.get(ROUTING_BLOCK)
    errors = validate_draft_submission(text, routing, view.channel_limit, view.language)
    if not errors:
        return None
    if ROUTING_BLOCK in errors and ROUTING_BLOCK not in values:
        # Opened under the limit, so the modal has no routing choice yet: show it now.
        return {"response_action": "update", "view": build_edit_draft_modal(view, step, draft=text)}
    return {"response_action": "errors", "errors": errors}
