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
from playbook.actions.slack.texts import say, status
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


def outcome_label(outcome: str, language: str) -> str:
    """A verification outcome (`at_fault`…) as the team reads it."""
    return say(f"outcome_{outcome}", language) if outcome in OUTCOMES else outcome


def _step_actions(step: StepView, lang: str) -> list[tuple[str, str, str | None]]:
    """(action, label, style) for every way this step can be moved on."""
    if step.kind == "verify_facts" and step.status == "skipped":  # the gate: leads only
        return [("override_verification", say("override", lang), "danger")]
    first: list[tuple[str, str, str | None]] = [("complete", say("done", lang), "primary")]
    if step.kind == "verify_facts":  # the facts step ends with a finding, not a plain "done"
        first = [(f"outcome_{key}", outcome_label(key, lang), None) for key in OUTCOMES]
    rest: list[tuple[str, str, str | None]] = [
        ("skip", say("skip", lang), None),
        ("assign", say("assign_me", lang), None),
        ("escalate", say("escalate", lang), None),
    ]
    if step.draft is not None:
        rest.append(("edit_draft", say("edit_draft", lang), None))
    return [*first, *rest]


def _buttons(view: CardView, step: StepView) -> list[Block]:
    buttons = []
    for action, label, style in _step_actions(step, view.language):
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
        for action, label, _ in _step_actions(step, view.language)
    ]
    return {
        "type": "static_select",
        "action_id": action_id(step.id, "menu"),
        "placeholder": plain(say("act_on_step", view.language), BUTTON_CHARS),
        "options": options,
    }


def actions_block(view: CardView, step: StepView, block_id: str) -> Block:
    return {"type": "actions", "block_id": block_id, "elements": _buttons(view, step)}


# --- the card -----------------------------------------------------------------------------------


def card_nonce(view: CardView, now: datetime) -> str:
    """Changes with every build that differs, so chat.update never reuses stale block ids."""
    seed = [view.incident_id, utc(view.updated_at).isoformat(), utc(now).isoformat()]
    seed += [(s.id, s.version) for s in view.steps]
    return hashlib.blake2s(repr(seed).encode(), digest_size=5).hexdigest()


def people(step: StepView, lang: str = "en") -> str:
    if step.assignee and step.owner and step.assignee != step.owner:
        return "👤 " + say("for", lang, who=mention(step.assignee), owner=mention(step.owner))
    return f"👤 {mention(step.assignee or step.owner)}"


def _due(step: StepView, now: datetime, lang: str) -> str:
    if step.due_at is None or step.status in CLOSED:
        return ""
    late = utc(now) - utc(step.due_at)
    overdue = say("overdue_by", lang, span=span(late, lang)) if late > timedelta(0) else ""
    return say("due", lang, date=date(step.due_at)) + overdue


def due_phrase(step: StepView, now: datetime, lang: str) -> str:
    if step.due_at is None:
        return say("no_due", lang)
    late = utc(now) - utc(step.due_at)
    if late > timedelta(0):
        return say("is_overdue", lang, span=span(late, lang))
    return say("is_due_in", lang, span=span(-late, lang))


def step_title(step: StepView, lang: str) -> str:
    return safe_text(step.title, 200, say("untitled_step", lang))


def _draft_lines(view: CardView, step: StepView) -> list[str]:
    draft, lang = step.draft or "", view.language
    length = draft_length(draft)
    over = length - view.channel_limit
    count = f"{length}/{view.channel_limit}"
    head = (
        say("draft_over", lang, count=count, over=over)
        if over > 0
        else say("draft_head", lang, count=count)
    )
    lines = [head, quote(safe_text(draft, 1500, say("empty", lang)))]
    lines += [f"⚠️ {safe_text(finding, 200)}" for finding in step.lint[:5]]
    if len(step.lint) > 5:
        lines.append(say("more_findings", lang, count=len(step.lint) - 5))
    return lines


def _point_line(number: int, point: PointView, lang: str) -> str:
    posts = say("posts_one" if point.count == 1 else "posts_many", lang)
    by = say("point_by", lang, date=safe_text(point.date, 10))
    return (
        f"{number}) {safe_text(point.point, 100)} _({point.count:,} {posts})_ → "
        f"{safe_text(point.action, 100)} · {mention(point.owner)} · {by}"
    )


def points_lines(
    step: StepView, compact: bool, shown: int = POINTS_SHOWN, language: str = "en"
) -> list[str]:
    if not isinstance(step, PlanStepView) or not step.points or step.status in CLOSED:
        return []
    count, lang = len(step.points), language
    if compact:
        return [say("points_raised_many" if count > 1 else "points_raised_one", lang, count=count)]
    head = say("points_head", lang, count=count, events=f"{step.events_scanned:,}")
    lines = [head, *(_point_line(i, p, lang) for i, p in enumerate(step.points[:shown], 1))]
    if count > shown:
        lines.append(say("and_more", lang, count=count - shown))
    return lines


def _step_text(view: CardView, step: StepView, now: datetime, compact: bool) -> str:
    icon, lang = STATUS_ICON.get(step.status, "•"), view.language
    kind = safe_text(step.kind, 60).replace("`", "'")
    state_word = safe_text(status(step.status, lang), 20)
    state = " · ".join(p for p in (state_word, people(step, lang), _due(step, now, lang)) if p)
    lines = [f"{icon} *{step_title(step, lang)}*  `{kind}`", state]
    if step.outcome:
        shown = outcome_label(step.outcome, lang)
        lines.append(say("outcome_line", lang, outcome=safe_text(shown, 60)))
    if step.note:
        lines.append(f"📝 {safe_text(step.note, 300)}")
    lines += points_lines(step, compact, language=lang)
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
        actions_block(view, step, f"a.{step.id}.{step.version}.{nonce}"),
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
    lang = view.language
    finished = _summary(say("finished", lang), [s for s in steps if _folded(s)], f"f.{nonce}")
    yield _steps(view, steps, now, nonce)
    yield finished + _steps(view, [s for s in steps if not _folded(s)], now, nonce)
    folded = finished + _summary(say("waiting", lang), waiting, f"w.{nonce}")
    yield folded + _steps(view, acting, now, nonce)
    yield folded + _steps(view, acting, now, nonce, compact=True)
    # Last resort: as many actionable steps as fit, and a count of the rest.
    keep = max(room - len(folded) - 1, 0)
    more = say("more_steps", lang, count=len(acting) - keep)
    shown = _steps(view, acting[:keep], now, nonce, compact=True)
    yield folded + shown + [section(more, f"m.{nonce}")]


def _header_blocks(view: CardView, nonce: str) -> list[Block]:
    icon = SEVERITY_ICON.get(view.severity, "⚪")
    number = say("incident_no", view.language, id=view.incident_id)
    header = f"{icon} {view.severity.upper()} {view.category} · {number}"
    return [
        {"type": "header", "block_id": f"h.{nonce}", "text": plain(header, HEADER_CHARS)},
        section(_post_text(view), f"p.{nonce}"),
        post_block(view.excerpt, 2000, f"x.{nonce}", say("no_text", view.language)),
        context(_facts_text(view), f"c.{nonce}"),
        {"type": "divider", "block_id": f"d.{nonce}"},
    ]


def _post_text(view: CardView) -> str:
    lang = view.language
    author = (
        safe_text(f"@{view.author_handle}", 100)
        if view.author_handle
        else say("unknown_author", lang)
    )
    if view.author_followers is not None:
        author += say("followers", lang, count=f"{view.author_followers:,}")
    view_post = link(view.post_url, say("view_post", lang))
    who = f"{author} · {view_post}" if view_post else author
    title = safe_text(view.title, 200, say("untitled_incident", lang))
    return f"*{title}*\n{who}"


def post_block(excerpt: str, limit: int, block_id: str, empty: str) -> Block:
    """The post's text as written: in plain text, so it cannot format the card (issue 13.9)."""
    return {"type": "section", "block_id": block_id, "text": as_written(excerpt, limit, empty)}


def _facts_text(view: CardView) -> str:
    lang = view.language
    facts = [
        say("status_fact", lang, status=safe_text(status(view.status, lang), 40)),
        say("events", lang, count=f"{view.event_count:,}"),
    ]
    if view.velocity_10m is not None:
        facts.append(say("velocity", lang, rate=f"{round(view.velocity_10m, 2):g}"))
    version = safe_text(view.rules_version, 40).replace("`", "")
    facts += [
        say("rules_fact", lang, version=version),
        say("updated", lang, date=date(view.updated_at)),
    ]
    if view.escalation:
        facts.append(f"🚨 {safe_text(view.escalation, 300)}")
    return " · ".join(facts)


def _fallback(view: CardView) -> str:
    open_steps = sum(1 for s in view.steps if s.status not in CLOSED)
    steps = say("open_steps", view.language, count=open_steps)
    text = (
        f"{safe_text(view.severity.upper(), 20)} {safe_text(view.category, 40)} "
        f"#{view.incident_id}: {safe_text(view.title, 300, '(untitled)')} {steps}"
    )
    return truncate(text, FALLBACK_CHARS)


def build_card(view: CardView, now: datetime) -> dict[str, Any]:
    """The whole card: who posted what, the numbers, then the workflow with a way to act on
    every actionable step. Always within Slack's 50 blocks."""
    nonce = card_nonce(view, now)
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
