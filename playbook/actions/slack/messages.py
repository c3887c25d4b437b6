"""Messages about an incident beside its card: thread replies, reminders, escalations, storms."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from playbook.actions.card_view import CardView, StepView
from playbook.actions.slack.blocks import (
    FALLBACK_CHARS,
    date,
    mention,
    safe_text,
    section,
    truncate,
)
from playbook.actions.slack.card import (
    actions_block,
    card_nonce,
    due_phrase,
    outcome_label,
    people,
    post_block,
    step_title,
)
from playbook.actions.slack.payloads import OUTCOMES
from playbook.actions.slack.texts import TEXTS, say, status


def _verb(action: str, lang: str) -> str:
    if action.startswith("outcome_") and action[8:] in OUTCOMES:
        return say("verb_outcome", lang, outcome=outcome_label(action[8:], lang))
    key = f"verb_{action}"
    return say(key, lang) if key in TEXTS else safe_text(action, 40, say("verb_changed", lang))


def build_thread_reply(
    actor: str,
    action: str,
    step: StepView,
    at: datetime,
    note: str | None,
    language: str = "en",
) -> dict[str, Any]:
    """One line in the card's thread: who did what to which step, and when."""
    kind = safe_text(step.kind, 60).replace("`", "'")
    text = say(
        "reply",
        language,
        who=mention(actor),
        verb=_verb(action, language),
        title=step_title(step, language),
        kind=kind,
        status=safe_text(status(step.status, language), 20),
        date=date(at),
    )
    if note:
        text += f": {safe_text(note, 500)}"
    return {"text": truncate(text, FALLBACK_CHARS), "unfurl_links": False, "unfurl_media": False}


def _nudge(view: CardView, step: StepView, now: datetime, lead: str, kind: str) -> dict[str, Any]:
    """A short message about one step, with its buttons when it can be acted on."""
    nonce, lang = card_nonce(view, now), view.language
    line = say(
        "nudge",
        lang,
        lead=lead,
        title=step_title(step, lang),
        id=view.incident_id,
        severity=safe_text(view.severity, 20),
        category=safe_text(view.category, 40),
        due=due_phrase(step, now, lang),
    )
    who = people(step, lang)
    blocks = [
        section(f"{line}\n{who}", f"{kind}.{step.id}.{step.version}.{nonce}"),
        post_block(view.excerpt, 300, f"{kind}c.{step.id}.{nonce}", say("no_text", lang)),
    ]
    if step.can_act:
        blocks.append(actions_block(view, step, f"{kind}a.{step.id}.{step.version}.{nonce}"))
    # The fallback carries the mentions: notifications are built from it.
    text = truncate(f"{line} ({who})", FALLBACK_CHARS)
    return {"text": text, "blocks": blocks, "unfurl_links": False, "unfurl_media": False}


def build_reminder(view: CardView, step: StepView, now: datetime) -> dict[str, Any]:
    """A nudge to the step's assignee or owner that it is due or overdue."""
    lead = say("reminder_for", view.language, who=mention(step.assignee or step.owner))
    return _nudge(view, step, now, lead, "r")


def build_escalation(
    view: CardView, step: StepView, now: datetime, lead_group: str | None
) -> dict[str, Any]:
    """Hands a stuck step to the lead group (`subteam:S…`/`user:U…`), or says none is set."""
    lead = mention(lead_group) if lead_group else say("no_lead", view.language)
    return _nudge(view, step, now, say("escalated_to", view.language, lead=lead), "e")


def build_storm_notice(
    incident_id: int, category: str, events: int, rate: float, notify: str | None, language: str
) -> dict[str, Any]:
    """To the crisis room: an incident crossed the storm thresholds; the notify group called."""
    group = notify.removeprefix("subteam:") if notify and notify.startswith("subteam:") else ""
    call = f"<!subteam^{group}> " if group else ""
    text = say(
        "storm",
        language,
        id=incident_id,
        category=category,
        count=events,
        rate=f"{rate:g}",
        notify=call,
    )
    return {"text": text}


def build_busy_notice(
    incident_id: int, category: str, events: int, rate: float, language: str
) -> dict[str, Any]:
    """To the crisis room: a storm of a kind that does not escalate (praise, questions)."""
    text = say("busy", language, id=incident_id, category=category, count=events, rate=f"{rate:g}")
    return {"text": text}
