"""The incident's card and the messages about it (thread replies, reminders, escalations)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from playbook.actions.card_view import CardView, StepView
from playbook.actions.slack.advocates import advocates_lines
from playbook.actions.slack.blocks import (
    BUTTON_CHARS,
    FALLBACK_CHARS,
    HEADER_CHARS,
    MAX_BLOCKS,
    Block,
    as_written,
    context,
    date,
    link,
    mention,
    plain,
    quote,
    safe_text,
    section,
    span,
    truncate,
    utc,
)
from playbook.actions.slack.payloads import OUTCOMES, action_id, encode_value
from playbook.text.length import draft_length

SEVERITY_ICON = {"low": "⚪", "medium": "🟡", "high": "🟠", "critical": "🔴"}
STATUS_ICON = {"pending": "⏳", "active": "▶️", "done": "✅", "skipped": "⏭️", "blocked": "⛔"}
CLOSED = frozenset({"done", "skipped"})
POINTS_SHOWN = 5  # points listed under a plan step on the card; the modal lists up to 10


@dataclass(frozen=True)
class PointView:
    """One point people raised, with what will be done about it, by whom and by when."""

    point: str  # already redacted of personal data upstream
    action: str
    owner: str | None
    date: str  # ISO date
    count: int  # events raising it


@dataclass(frozen=True)
class PlanStepView(StepView):
    """A `publish_action_plan` step with its points (tip 4)."""

    points: tuple[PointView, ...] = ()
    events_scanned: int = 0


def step_value(view: CardView, step: StepView, action: str | None = None) -> str:
    """What a click on this step carries back (see payloads.encode_value)."""
    return encode_value(view.incident_id, step.id, step.version, action)


def _step_actions(step: StepView) -> list[tuple[str, str, str | None]]:
    """(action, label, style) for every way this step can be moved on."""
    if step.kind == "verify_facts" and step.status == "skipped":  # the gate: leads only
        return [("override_verification", "Publish without verification", "danger")]
    first: list[tuple[str, str, str | None]] = [("complete", "Done", "primary")]
    if step.kind == "verify_facts":  # the facts step ends with a finding, not a plain "done"
        first = [(f"outcome_{key}", label, None) for key, label in OUTCOMES.items()]
    rest: list[tuple[str, str, str | None]] = [
        ("skip", "Skip", None),
        ("assign", "Assign to me", None),
        ("escalate", "Escalate", None),
    ]
    if step.draft is not None:
        rest.append(("edit_draft", "Edit draft", None))
    return [*first, *rest]


def _buttons(view: CardView, step: StepView) -> list[Block]:
    buttons = []
    for action, label, style in _step_actions(step):
        button: Block = {
            "type": "button",
            "text": plain(label, BUTTON_CHARS),
            "action_id": action_id(step.id, action),
            "value": step_value(view, step),
        }
        if style:
            button["style"] = style
        buttons.append(button)
    return buttons


def _menu(view: CardView, step: StepView) -> Block:
    """The compact form of the buttons: one select whose options carry the action."""
    options = [
        {"text": plain(label, BUTTON_CHARS), "value": step_value(view, step, action)}
        for action, label, _ in _step_actions(step)
    ]
    return {
        "type": "static_select",
        "action_id": action_id(step.id, "menu"),
        "placeholder": plain("Act on this step…", BUTTON_CHARS),
        "options": options,
    }


def _actions_block(view: CardView, step: StepView, block_id: str) -> Block:
    return {"type": "actions", "block_id": block_id, "elements": _buttons(view, step)}


# --- the card -----------------------------------------------------------------------------------


def _nonce(view: CardView, now: datetime) -> str:
    """Changes with every build that differs, so chat.update never reuses stale block ids."""
    seed = [view.incident_id, utc(view.updated_at).isoformat(), utc(now).isoformat()]
    seed += [(s.id, s.version) for s in view.steps]
    return hashlib.blake2s(repr(seed).encode(), digest_size=5).hexdigest()


def _people(step: StepView) -> str:
    if step.assignee and step.owner and step.assignee != step.owner:
        return f"👤 {mention(step.assignee)} for {mention(step.owner)}"
    return f"👤 {mention(step.assignee or step.owner)}"


def _due(step: StepView, now: datetime) -> str:
    if step.due_at is None or step.status in CLOSED:
        return ""
    late = utc(now) - utc(step.due_at)
    overdue = f" · *overdue* by {span(late)}" if late > timedelta(0) else ""
    return f"due {date(step.due_at)}{overdue}"


def _due_phrase(step: StepView, now: datetime) -> str:
    if step.due_at is None:
        return "has no due time"
    late = utc(now) - utc(step.due_at)
    if late > timedelta(0):
        return f"is overdue by {span(late)}"
    return f"is due in {span(-late)}"


def _draft_lines(view: CardView, step: StepView) -> list[str]:
    draft = step.draft or ""
    length = draft_length(draft)
    over = length - view.channel_limit
    count = f"{length}/{view.channel_limit}"
    head = f"*Draft* ({count}, {over} over: needs a route)" if over > 0 else f"*Draft* ({count})"
    lines = [head, quote(safe_text(draft, 1500, "(empty)"))]
    lines += [f"⚠️ {safe_text(finding, 200)}" for finding in step.lint[:5]]
    if len(step.lint) > 5:
        lines.append(f"⚠️ …and {len(step.lint) - 5} more findings")
    return lines


def _point_line(number: int, point: PointView) -> str:
    posts = "post" if point.count == 1 else "posts"
    return (
        f"{number}) {safe_text(point.point, 100)} _({point.count:,} {posts})_ → "
        f"{safe_text(point.action, 100)} · {mention(point.owner)} · by {safe_text(point.date, 10)}"
    )


def points_lines(step: StepView, compact: bool, shown: int = POINTS_SHOWN) -> list[str]:
    if not isinstance(step, PlanStepView) or not step.points or step.status in CLOSED:
        return []
    count = len(step.points)
    if compact:
        return [f"📋 {count} point{'s' if count > 1 else ''} raised"]
    head = f"*Points raised* ({count}, from {step.events_scanned:,} events read)"
    lines = [head, *(_point_line(i, p) for i, p in enumerate(step.points[:shown], 1))]
    if count > shown:
        lines.append(f"…and {count - shown} more")
    return lines


def _step_text(view: CardView, step: StepView, now: datetime, compact: bool) -> str:
    icon = STATUS_ICON.get(step.status, "•")
    kind = safe_text(step.kind, 60).replace("`", "'")
    status = safe_text(step.status, 20)
    state = " · ".join(p for p in (status, _people(step), _due(step, now)) if p)
    lines = [f"{icon} *{safe_text(step.title, 200, '(untitled step)')}*  `{kind}`", state]
    if step.outcome:
        lines.append(f"Outcome: *{OUTCOMES.get(step.outcome) or safe_text(step.outcome, 60)}*")
    if step.note:
        lines.append(f"📝 {safe_text(step.note, 300)}")
    lines += points_lines(step, compact)
    lines += advocates_lines(step, compact)
    if step.draft is not None and step.status not in CLOSED and not compact:
        lines += _draft_lines(view, step)
    return "\n".join(lines)


def _step_blocks(
    view: CardView, step: StepView, now: datetime, nonce: str, compact: bool
) -> list[Block]:
    block_id = f"s.{step.id}.{step.version}.{nonce}"
    text = _step_text(view, step, now, compact)
    if not step.can_act:
        return [section(text, block_id)]
    if compact:
        return [section(text, block_id, _menu(view, step))]
    return [
        section(text, block_id),
        _actions_block(view, step, f"a.{step.id}.{step.version}.{nonce}"),
    ]


def _steps(
    view: CardView, steps: Sequence[StepView], now: datetime, nonce: str, compact: bool = False
) -> list[Block]:
    return [b for step in steps for b in _step_blocks(view, step, now, nonce, compact)]


def _summary(label: str, steps: Sequence[StepView], block_id: str) -> list[Block]:
    """Many steps folded into one line each, in one block."""
    if not steps:
        return []
    items = " · ".join(f"{STATUS_ICON.get(s.status, '•')} {safe_text(s.title, 80)}" for s in steps)
    return [section(f"*{label} ({len(steps)}):* {items}", block_id)]


def _folded(step: StepView) -> bool:
    return not step.can_act and step.status in CLOSED


def _layouts(view: CardView, now: datetime, nonce: str, room: int) -> Iterator[list[Block]]:
    """Ways to lay out the workflow, from the fullest to the most compact."""
    steps = view.steps
    acting = [s for s in steps if s.can_act]
    waiting = [s for s in steps if not s.can_act and s.status not in CLOSED]
    finished = _summary("Finished", [s for s in steps if _folded(s)], f"f.{nonce}")
    yield _steps(view, steps, now, nonce)
    yield finished + _steps(view, [s for s in steps if not _folded(s)], now, nonce)
    folded = finished + _summary("Waiting", waiting, f"w.{nonce}")
    yield folded + _steps(view, acting, now, nonce)
    yield folded + _steps(view, acting, now, nonce, compact=True)
    # Last resort: as many actionable steps as fit, and a count of the rest.
    keep = max(room - len(folded) - 1, 0)
    more = f"…and {len(acting) - keep} more steps to act on; they show here as others finish."
    shown = _steps(view, acting[:keep], now, nonce, compact=True)
    yield folded + shown + [section(more, f"m.{nonce}")]


def _header_blocks(view: CardView, nonce: str) -> list[Block]:
    icon = SEVERITY_ICON.get(view.severity, "⚪")
    header = f"{icon} {view.severity.upper()} {view.category} · incident #{view.incident_id}"
    return [
        {"type": "header", "block_id": f"h.{nonce}", "text": plain(header, HEADER_CHARS)},
        section(_post_text(view), f"p.{nonce}"),
        _post_block(view.excerpt, 2000, f"x.{nonce}"),
        context(_facts_text(view), f"c.{nonce}"),
        {"type": "divider", "block_id": f"d.{nonce}"},
    ]


def _post_text(view: CardView) -> str:
    author = safe_text(f"@{view.author_handle}", 100) if view.author_handle else "unknown author"
    if view.author_followers is not None:
        author += f" ({view.author_followers:,} followers)"
    view_post = link(view.post_url, "view post")
    who = f"{author} · {view_post}" if view_post else author
    title = safe_text(view.title, 200, "(untitled incident)")
    return f"*{title}*\n{who}"


def _post_block(excerpt: str, limit: int, block_id: str) -> Block:
    """The post's text as written: in plain text, so it cannot format the card (issue 13.9)."""
    return {
        "type": "section",
        "block_id": block_id,
        "text": as_written(excerpt, limit, "(no text)"),
    }


def _facts_text(view: CardView) -> str:
    facts = [f"Status: *{safe_text(view.status, 40)}*", f"{view.event_count:,} events"]
    if view.velocity_10m is not None:
        facts.append(f"{round(view.velocity_10m, 2):g}/min over 10 min")
    facts += [f"rules `{safe_text(view.rules_version, 40).replace('`', '')}`"]
    facts.append(f"updated {date(view.updated_at)}")
    if view.escalation:
        facts.append(f"🚨 {safe_text(view.escalation, 300)}")
    return " · ".join(facts)


def _fallback(view: CardView) -> str:
    open_steps = sum(1 for s in view.steps if s.status not in CLOSED)
    text = (
        f"{safe_text(view.severity.upper(), 20)} {safe_text(view.category, 40)} "
        f"#{view.incident_id}: {safe_text(view.title, 300, '(untitled)')} ({open_steps} open steps)"
    )
    return truncate(text, FALLBACK_CHARS)


def build_card(view: CardView, now: datetime) -> dict[str, Any]:
    """The whole card: who posted what, the numbers, then the workflow with a way to act on
    every actionable step. Always within Slack's 50 blocks."""
    nonce = _nonce(view, now)
    header = _header_blocks(view, nonce)
    room = MAX_BLOCKS - len(header)
    workflow: list[Block] = []
    for workflow in _layouts(view, now, nonce, room):
        if len(workflow) <= room:
            break
    # unfurl off: a preview of the post would show what the excerpt redacted.
    return {
        "text": _fallback(view),
        "blocks": header + workflow,
        "unfurl_links": False,
        "unfurl_media": False,
    }


# --- thread replies, reminders, escalations -----------------------------------------------------

_VERBS = {
    "complete": "completed",
    "skip": "skipped",
    "reopen": "reopened",
    "assign": "took",
    "escalate": "escalated",
    "edit_draft": "edited the draft of",
    "refresh": "moved",
    "override_verification": "🔴 chose to publish without verification after",
}


def _verb(action: str) -> str:
    if action.startswith("outcome_") and action[8:] in OUTCOMES:
        return f"recorded *{OUTCOMES[action[8:]]}* on"
    return _VERBS.get(action) or safe_text(action, 40, "changed")


def build_thread_reply(
    actor: str, action: str, step: StepView, at: datetime, note: str | None
) -> dict[str, Any]:
    """One line in the card's thread: who did what to which step, and when."""
    kind = safe_text(step.kind, 60).replace("`", "'")
    text = (
        f"{mention(actor)} {_verb(action)} *{safe_text(step.title, 200, '(untitled step)')}* "
        f"(`{kind}`, now {safe_text(step.status, 20)}) at {date(at)}"
    )
    if note:
        text += f": {safe_text(note, 500)}"
    return {"text": truncate(text, FALLBACK_CHARS), "unfurl_links": False, "unfurl_media": False}


def _nudge(view: CardView, step: StepView, now: datetime, lead: str, kind: str) -> dict[str, Any]:
    """A short message about one step, with its buttons when it can be acted on."""
    nonce = _nonce(view, now)
    title = safe_text(step.title, 200, "(untitled step)")
    severity, category = safe_text(view.severity, 20), safe_text(view.category, 40)
    incident = f"incident #{view.incident_id} ({severity} {category})"
    line = f"{lead}: *{title}* on {incident} {_due_phrase(step, now)}"
    blocks = [
        section(f"{line}\n{_people(step)}", f"{kind}.{step.id}.{step.version}.{nonce}"),
        _post_block(view.excerpt, 300, f"{kind}c.{step.id}.{nonce}"),
    ]
    if step.can_act:
        blocks.append(_actions_block(view, step, f"{kind}a.{step.id}.{step.version}.{nonce}"))
    # The fallback carries the mentions: notifications are built from it.
    text = truncate(f"{line} ({_people(step)})", FALLBACK_CHARS)
    return {"text": text, "blocks": blocks, "unfurl_links": False, "unfurl_media": False}


def build_reminder(view: CardView, step: StepView, now: datetime) -> dict[str, Any]:
    """A nudge to the step's assignee or owner that it is due or overdue."""
    return _nudge(view, step, now, f"⏰ Reminder for {mention(step.assignee or step.owner)}", "r")


def build_escalation(
    view: CardView, step: StepView, now: datetime, lead_group: str | None
) -> dict[str, Any]:
    """Hands a stuck step to the lead group (`subteam:S…`/`user:U…`), or says none is set."""
    lead = mention(lead_group) if lead_group else "the incident lead (no lead group in the rules)"
    return _nudge(view, step, now, f"🚨 Escalated to {lead}", "e")
