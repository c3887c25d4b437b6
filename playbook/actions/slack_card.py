"""The incident's Slack card in Block Kit: state at a glance, a button for every next step."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from playbook.actions.card_view import CardView, StepView

MAX_BLOCKS = 50
SECTION_CHARS = 3000
HEADER_CHARS = 150
FALLBACK_CHARS = 3000
SEVERITY_ICON = {"low": "⚪", "medium": "🟡", "high": "🟠", "critical": "🔴"}
STATUS_ICON = {"pending": "⏳", "active": "▶️", "done": "✅", "skipped": "⏭️", "blocked": "⛔"}
OUTCOME_LABELS = {
    "at_fault": "At fault",
    "not_at_fault": "Not at fault",
    "needs_investigation": "Needs investigation",
}


def escape(text: str) -> str:
    """Escape Slack's control characters so `<!channel>` in a post can never ping anyone."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def truncate(text: str, limit: int) -> str:
    """Cut to `limit` characters without splitting an escape such as `&amp;`."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    amp = cut.rfind("&")
    if amp != -1 and ";" not in cut[amp:]:
        cut = cut[:amp]
    return cut + "…"


def mention(owner: str | None) -> str:
    if not owner:
        return "unassigned"
    if owner.startswith("subteam:"):
        return f"<!subteam^{owner.removeprefix('subteam:')}>"
    if owner.startswith("user:"):
        return f"<@{owner.removeprefix('user:')}>"
    if owner.startswith("U") and owner[1:].isalnum() and owner.isupper():
        return f"<@{owner}>"
    return escape(owner)


def _section(text: str, block_id: str, accessory: dict[str, Any] | None = None) -> dict[str, Any]:
    block: dict[str, Any] = {
        "type": "section",
        "block_id": block_id,
        "text": {"type": "mrkdwn", "text": truncate(text, SECTION_CHARS)},
    }
    if accessory:
        block["accessory"] = accessory
    return block


def _button(
    text: str, action: str, view: CardView, step: StepView, style: str | None = None
) -> dict[str, Any]:
    value = json.dumps(
        {"i": view.incident_id, "s": step.id, "v": step.version}, separators=(",", ":")
    )
    button: dict[str, Any] = {
        "type": "button",
        "text": {"type": "plain_text", "text": text},
        "action_id": f"step:{step.id}:{action}",
        "value": value,
    }
    if style:
        button["style"] = style
    return button


def _buttons(view: CardView, step: StepView) -> list[dict[str, Any]]:
    if step.kind == "verify_facts":
        buttons = [
            _button(label, f"outcome_{key}", view, step, "danger" if key == "at_fault" else None)
            for key, label in OUTCOME_LABELS.items()
        ]
    else:
        buttons = [_button("Done", "complete", view, step, "primary")]
    buttons += [
        _button("Skip", "skip", view, step),
        _button("Assign to me", "assign", view, step),
        _button("Escalate", "escalate", view, step),
    ]
    if step.draft:
        buttons.append(_button("Edit draft", "edit_draft", view, step))
    return buttons


def _due(step: StepView, now: datetime) -> str:
    if step.due_at is None or step.status in ("done", "skipped"):
        return ""
    stamp = int(step.due_at.timestamp())
    text = f" · due <!date^{stamp}^{{date_short_pretty}} {{time}}|{step.due_at:%Y-%m-%d %H:%M} UTC>"
    return text + (" · *overdue*" if step.due_at < now else "")


def _step_text(step: StepView, now: datetime) -> str:
    who = mention(step.assignee if step.assignee else step.owner)
    lines = [
        f"{STATUS_ICON.get(step.status, '•')} *{escape(step.title)}* `{step.kind}`",
        f"{step.status} · {who}{_due(step, now)}",
    ]
    if step.outcome:
        lines.append(f"Outcome: *{OUTCOME_LABELS.get(step.outcome, step.outcome)}*")
    if step.note:
        lines.append(f"_{escape(truncate(step.note, 300))}_")
    if step.draft and step.status not in ("done", "skipped"):
        lines.append(">" + escape(truncate(step.draft, 1200)).replace("\n", "\n>"))
    for finding in step.lint[:3]:
        lines.append(f"⚠️ {escape(finding)}")
    return "\n".join(lines)


def _header(view: CardView) -> list[dict[str, Any]]:
    nonce = f"{view.incident_id}.{int(view.updated_at.timestamp() * 1000)}"
    icon = SEVERITY_ICON.get(view.severity, "")
    title = truncate(
        f"{icon} {view.severity.upper()} {view.category} · #{view.incident_id}", HEADER_CHARS
    )
    author = escape(f"@{view.author_handle}") if view.author_handle else "someone"
    followers = (
        f" ({view.author_followers:,} followers)" if view.author_followers is not None else ""
    )
    link = (
        f" · <{view.post_url}|view post>"
        if view.post_url and view.post_url.startswith("https://")
        else ""
    )
    numbers = f"{view.event_count} event{'s' if view.event_count != 1 else ''}"
    if view.velocity_10m is not None:
        numbers += f" · {view.velocity_10m:g}/min over 10 min"
    context = [f"Status: *{view.status}*", numbers, f"rules `{escape(view.rules_version)}`"]
    if view.escalation:
        context.append(f"🚨 {escape(view.escalation)}")
    return [
        {"type": "header", "block_id": f"h.{nonce}", "text": {"type": "plain_text", "text": title}},
        _section(
            f"*{escape(truncate(view.title, 200))}*\n{author}{followers}{link}\n>"
            + escape(truncate(view.excerpt, 1500)).replace("\n", "\n>"),
            f"p.{nonce}",
        ),
        {
            "type": "context",
            "block_id": f"c.{nonce}",
            "elements": [{"type": "mrkdwn", "text": " · ".join(context)}],
        },
        {"type": "divider", "block_id": f"d.{nonce}"},
    ]


def build_card(view: CardView, now: datetime) -> dict[str, Any]:
    """The whole card: header, then the workflow as a checklist with buttons to act."""
    blocks = _header(view)
    nonce = f"{view.incident_id}.{int(view.updated_at.timestamp() * 1000)}"
    steps = list(view.steps)
    room = MAX_BLOCKS - len(blocks) - 1
    shown = steps
    needed = sum(2 if s.can_act else 1 for s in steps)
    if needed > room:
        closed = [s for s in steps if s.status in ("done", "skipped")]
        shown = [s for s in steps if s.status not in ("done", "skipped")]
        summary = ", ".join(f"{STATUS_ICON[s.status]} {s.kind}" for s in closed)
        blocks.append(_section(f"*{len(closed)} finished steps:* {summary}", f"sum.{nonce}"))
        room -= 1
    for step in shown:
        cost = 2 if step.can_act else 1
        if room < cost:
            left = len(shown) - shown.index(step)
            blocks.append(
                _section(
                    f"…and {left} more steps: see `/playbook show {view.incident_id}`",
                    f"more.{nonce}",
                )
            )
            break
        blocks.append(_section(_step_text(step, now), f"s{step.id}.{step.version}.{nonce}"))
        if step.can_act:
            blocks.append(
                {
                    "type": "actions",
                    "block_id": f"a{step.id}.{step.version}.{nonce}",
                    "elements": _buttons(view, step),
                }
            )
        room -= cost
    text = truncate(
        f"{view.severity.upper()} {view.category} #{view.incident_id}: {escape(view.title)}",
        FALLBACK_CHARS,
    )
    return {"text": text, "blocks": blocks}


def build_thread_reply(
    actor: str, action: str, step: StepView, at: datetime, note: str | None
) -> dict[str, Any]:
    """One line in the card's thread: who did what, when."""
    who = mention(f"user:{actor}") if actor.startswith("U") and actor.isalnum() else escape(actor)
    verb = {
        "complete": "completed",
        "skip": "skipped",
        "reopen": "reopened",
        "assign": "assigned",
        "refresh": "moved",
        "escalate": "escalated",
    }.get(action, action)
    text = (
        f"{who} {verb} *{escape(step.title)}* (`{step.kind}`, now {step.status}) at {at:%H:%M} UTC"
    )
    if note:
        text += f": _{escape(truncate(note, 500))}_"
    return {"text": truncate(text, FALLBACK_CHARS)}


@dataclass(frozen=True)
class ParsedAction:
    incident_id: int
    step_id: int
    version: int
    action: str


def parse_action(action_id: str, value: str) -> ParsedAction:
    """Read a button click back; raises ValueError on anything that is not ours."""
    parts = action_id.split(":")
    if len(parts) != 3 or parts[0] != "step" or not parts[1].isdigit():
        raise ValueError(f"not a playbook action: {action_id!r}")
    data = json.loads(value)
    if not isinstance(data, dict) or data.get("s") != int(parts[1]):
        raise ValueError("the button's value does not match its action")
    return ParsedAction(int(data["i"]), int(data["s"]), int(data["v"]), parts[2])
