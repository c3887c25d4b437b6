"""The incident's Slack card, its modals and messages in Block Kit: pure builders, no I/O."""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from playbook.actions.card_view import CardView, StepView
from playbook.text.length import TCO_LENGTH, draft_length

Block = dict[str, Any]

MAX_BLOCKS = 50
SECTION_CHARS = 3000
HEADER_CHARS = 150
BUTTON_CHARS = 75
MODAL_TITLE_CHARS = 24
VALUE_CHARS = 2000
OPTION_VALUE_CHARS = 150
INPUT_CHARS = 3000
FALLBACK_CHARS = 1000
URL_CHARS = 1000

SEVERITY_ICON = {"low": "⚪", "medium": "🟡", "high": "🟠", "critical": "🔴"}
STATUS_ICON = {"pending": "⏳", "active": "▶️", "done": "✅", "skipped": "⏭️", "blocked": "⛔"}
CLOSED = frozenset({"done", "skipped"})
OUTCOMES = {
    "at_fault": "At fault",
    "not_at_fault": "Not at fault",
    "needs_investigation": "Needs investigation",
}
ROUTES = {
    "blog_post": "Blog post (official position)",
    "customer_service": "Customer service (one customer's case)",
}
ACTIONS = frozenset(
    {"complete", "skip", "assign", "escalate", "edit_draft", "menu", "override_verification"}
    | {f"outcome_{key}" for key in OUTCOMES}
)
SKIP_CALLBACK = "playbook:skip"
DRAFT_CALLBACK = "playbook:edit_draft"
REASON_BLOCK = "reason"
DRAFT_BLOCK = "draft"
ROUTING_BLOCK = "routing"
POINTS_SHOWN = 5  # points listed under a plan step on the card; the modal lists up to 10

_USER_ID = re.compile(r"[UW](?=[A-Z0-9]*\d)[A-Z0-9]{2,20}")
_SUBTEAM_ID = re.compile(r"S[A-Z0-9]{2,20}")
_BROADCAST = re.compile(r"@(channel|here|everyone)\b", re.IGNORECASE)
_ENTITIES = ("&amp;", "&lt;", "&gt;")
_ACTION_ID = re.compile(r"step:(0|[1-9]\d{0,17}):([a-z_]{1,40})")


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


# --- text -------------------------------------------------------------------------------------


def escape(text: str) -> str:
    """Make untrusted text inert in mrkdwn: `<!channel>`, `<@U1>` and `<url|label>` show as typed.

    A bare `@channel`/`@here`/`@everyone` also gets an invisible word joiner, so no
    parsing mode on Slack's side can turn it into a ping.
    """
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _BROADCAST.sub("@\u2060\\1", text)


def truncate(text: str, limit: int) -> str:
    """At most `limit` characters, ending in "…" when cut.

    Never cuts inside an escape (`&amp;`), inside `<...>` markup (mentions, links, dates),
    between a letter and its combining marks, or inside a decomposed Hangul syllable.
    """
    if len(text) <= limit:
        return text
    if limit < 1:
        return ""
    cut = text[: limit - 1]
    while cut and _joins_previous(text[len(cut)]):
        cut = cut[:-1]
    amp = cut.rfind("&")
    if amp != -1 and any(text.startswith(e, amp) and amp + len(e) > len(cut) for e in _ENTITIES):
        cut = cut[:amp]
    opened = cut.rfind("<")
    if opened > cut.rfind(">"):
        cut = cut[:opened]
    return cut.rstrip("\u200d") + "…"


def _joins_previous(char: str) -> bool:
    code = ord(char)
    return (
        unicodedata.category(char) in ("Mn", "Mc", "Me")
        or char == "\u200d"  # zero-width joiner inside an emoji sequence
        or 0x1160 <= code <= 0x11FF  # Hangul medial vowels and final consonants
        or 0xD7B0 <= code <= 0xD7FF
        or 0x1F3FB <= code <= 0x1F3FF  # emoji skin tones
    )


def _text(raw: str | None, limit: int, empty: str = "") -> str:
    """Untrusted text made safe for mrkdwn and cut to `limit` characters."""
    safe = escape(unicodedata.normalize("NFC", raw or ""))
    return truncate(safe, limit) or empty


def _quote(text: str) -> str:
    return ">" + text.replace("\n", "\n>")


def mention(who: str | None) -> str:
    """`subteam:S1` -> group mention, `user:U1` or a bare user id -> user mention, else text."""
    if not who:
        return "unassigned"
    kind, _, ident = who.partition(":")
    if kind == "subteam" and _SUBTEAM_ID.fullmatch(ident):
        return f"<!subteam^{ident}>"
    if kind == "user" and _USER_ID.fullmatch(ident):
        return f"<@{ident}>"
    if _USER_ID.fullmatch(who):
        return f"<@{who}>"
    return _text(who, 200)


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _date(moment: datetime) -> str:
    """A date Slack shows in each reader's own time zone, with a UTC fallback."""
    moment = _utc(moment)
    stamp = int(moment.timestamp())
    return f"<!date^{stamp}^{{date_short_pretty}} {{time}}|{moment:%Y-%m-%d %H:%M} UTC>"


def _span(delta: timedelta) -> str:
    minutes = max(int(delta.total_seconds() // 60), 0)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return f"{days} d {hours} h"
    return f"{hours} h {minutes} min" if hours else f"{minutes} min"


def _link(url: str | None, label: str) -> str:
    """A mrkdwn link, only for http(s) URLs; `|`, `<`, `>` and spaces are percent-encoded."""
    if not url or not url.lower().startswith(("https://", "http://")) or len(url) > URL_CHARS:
        return ""
    safe = "".join(f"%{ord(c):02X}" if c in '|<> "' or ord(c) < 0x21 else c for c in url)
    return f"<{safe.replace('&', '&amp;')}|{label}>"


# --- Block Kit pieces ---------------------------------------------------------------------------


def _mrkdwn(text: str) -> dict[str, Any]:
    # verbatim: Slack must not auto-link or auto-mention anything in text we did not mark up.
    return {"type": "mrkdwn", "text": truncate(text, SECTION_CHARS) or " ", "verbatim": True}


def _plain(text: str, limit: int) -> dict[str, Any]:
    return {"type": "plain_text", "text": truncate(text, limit) or "-", "emoji": True}


def _section(text: str, block_id: str, accessory: Block | None = None) -> Block:
    block: Block = {"type": "section", "block_id": block_id, "text": _mrkdwn(text)}
    if accessory:
        block["accessory"] = accessory
    return block


def _context(text: str, block_id: str) -> Block:
    return {"type": "context", "block_id": block_id, "elements": [_mrkdwn(text)]}


def _value(view: CardView, step: StepView, action: str | None = None) -> str:
    """What a click carries back: incident, step and the step version the clicker saw."""
    data: dict[str, Any] = {"i": view.incident_id, "s": step.id, "v": step.version}
    if action:
        data["a"] = action
    return json.dumps(data, separators=(",", ":"))


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
            "text": _plain(label, BUTTON_CHARS),
            "action_id": f"step:{step.id}:{action}",
            "value": _value(view, step),
        }
        if style:
            button["style"] = style
        buttons.append(button)
    return buttons


def _menu(view: CardView, step: StepView) -> Block:
    """The compact form of the buttons: one select whose options carry the action."""
    options = [
        {"text": _plain(label, BUTTON_CHARS), "value": _value(view, step, action)}
        for action, label, _ in _step_actions(step)
    ]
    return {
        "type": "static_select",
        "action_id": f"step:{step.id}:menu",
        "placeholder": _plain("Act on this step…", BUTTON_CHARS),
        "options": options,
    }


def _actions_block(view: CardView, step: StepView, block_id: str) -> Block:
    return {"type": "actions", "block_id": block_id, "elements": _buttons(view, step)}


# --- the card -----------------------------------------------------------------------------------


def _nonce(view: CardView, now: datetime) -> str:
    """Changes with every build that differs, so chat.update never reuses stale block ids."""
    seed = [view.incident_id, _utc(view.updated_at).isoformat(), _utc(now).isoformat()]
    seed += [(s.id, s.version) for s in view.steps]
    return hashlib.blake2s(repr(seed).encode(), digest_size=5).hexdigest()


def _people(step: StepView) -> str:
    if step.assignee and step.owner and step.assignee != step.owner:
        return f"👤 {mention(step.assignee)} for {mention(step.owner)}"
    return f"👤 {mention(step.assignee or step.owner)}"


def _due(step: StepView, now: datetime) -> str:
    if step.due_at is None or step.status in CLOSED:
        return ""
    late = _utc(now) - _utc(step.due_at)
    overdue = f" · *overdue* by {_span(late)}" if late > timedelta(0) else ""
    return f"due {_date(step.due_at)}{overdue}"


def _due_phrase(step: StepView, now: datetime) -> str:
    if step.due_at is None:
        return "has no due time"
    late = _utc(now) - _utc(step.due_at)
    if late > timedelta(0):
        return f"is overdue by {_span(late)}"
    return f"is due in {_span(-late)}"


def _draft_lines(view: CardView, step: StepView) -> list[str]:
    draft = step.draft or ""
    length = draft_length(draft)
    over = length - view.channel_limit
    count = f"{length}/{view.channel_limit}"
    head = f"*Draft* ({count}, {over} over: needs a route)" if over > 0 else f"*Draft* ({count})"
    lines = [head, _quote(_text(draft, 1500, "(empty)"))]
    lines += [f"⚠️ {_text(finding, 200)}" for finding in step.lint[:5]]
    if len(step.lint) > 5:
        lines.append(f"⚠️ …and {len(step.lint) - 5} more findings")
    return lines


def _point_line(number: int, point: PointView) -> str:
    posts = "post" if point.count == 1 else "posts"
    return (
        f"{number}) {_text(point.point, 100)} _({point.count:,} {posts})_ → "
        f"{_text(point.action, 100)} · {mention(point.owner)} · by {_text(point.date, 10)}"
    )


def _points_lines(step: StepView, compact: bool, shown: int = POINTS_SHOWN) -> list[str]:
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
    kind = _text(step.kind, 60).replace("`", "'")
    status = _text(step.status, 20)
    state = " · ".join(p for p in (status, _people(step), _due(step, now)) if p)
    lines = [f"{icon} *{_text(step.title, 200, '(untitled step)')}*  `{kind}`", state]
    if step.outcome:
        lines.append(f"Outcome: *{OUTCOMES.get(step.outcome) or _text(step.outcome, 60)}*")
    if step.note:
        lines.append(f"📝 {_text(step.note, 300)}")
    lines += _points_lines(step, compact)
    if step.draft is not None and step.status not in CLOSED and not compact:
        lines += _draft_lines(view, step)
    return "\n".join(lines)


def _step_blocks(
    view: CardView, step: StepView, now: datetime, nonce: str, compact: bool
) -> list[Block]:
    block_id = f"s.{step.id}.{step.version}.{nonce}"
    text = _step_text(view, step, now, compact)
    if not step.can_act:
        return [_section(text, block_id)]
    if compact:
        return [_section(text, block_id, _menu(view, step))]
    return [
        _section(text, block_id),
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
    items = " · ".join(f"{STATUS_ICON.get(s.status, '•')} {_text(s.title, 80)}" for s in steps)
    return [_section(f"*{label} ({len(steps)}):* {items}", block_id)]


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
    yield folded + shown + [_section(more, f"m.{nonce}")]


def _header_blocks(view: CardView, nonce: str) -> list[Block]:
    icon = SEVERITY_ICON.get(view.severity, "⚪")
    header = f"{icon} {view.severity.upper()} {view.category} · incident #{view.incident_id}"
    return [
        {"type": "header", "block_id": f"h.{nonce}", "text": _plain(header, HEADER_CHARS)},
        _section(_post_text(view), f"p.{nonce}"),
        _context(_facts_text(view), f"c.{nonce}"),
        {"type": "divider", "block_id": f"d.{nonce}"},
    ]


def _post_text(view: CardView) -> str:
    author = _text(f"@{view.author_handle}", 100) if view.author_handle else "unknown author"
    if view.author_followers is not None:
        author += f" ({view.author_followers:,} followers)"
    link = _link(view.post_url, "view post")
    who = f"{author} · {link}" if link else author
    title = _text(view.title, 200, "(untitled incident)")
    return f"*{title}*\n{who}\n{_quote(_text(view.excerpt, 2000, '(no text)'))}"


def _facts_text(view: CardView) -> str:
    facts = [f"Status: *{_text(view.status, 40)}*", f"{view.event_count:,} events"]
    if view.velocity_10m is not None:
        facts.append(f"{round(view.velocity_10m, 2):g}/min over 10 min")
    facts += [f"rules `{_text(view.rules_version, 40).replace('`', '')}`"]
    facts.append(f"updated {_date(view.updated_at)}")
    if view.escalation:
        facts.append(f"🚨 {_text(view.escalation, 300)}")
    return " · ".join(facts)


def _fallback(view: CardView) -> str:
    open_steps = sum(1 for s in view.steps if s.status not in CLOSED)
    text = (
        f"{_text(view.severity.upper(), 20)} {_text(view.category, 40)} #{view.incident_id}: "
        f"{_text(view.title, 300, '(untitled)')} ({open_steps} open steps)"
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
    return _VERBS.get(action) or _text(action, 40, "changed")


def build_thread_reply(
    actor: str, action: str, step: StepView, at: datetime, note: str | None
) -> dict[str, Any]:
    """One line in the card's thread: who did what to which step, and when."""
    kind = _text(step.kind, 60).replace("`", "'")
    text = (
        f"{mention(actor)} {_verb(action)} *{_text(step.title, 200, '(untitled step)')}* "
        f"(`{kind}`, now {_text(step.status, 20)}) at {_date(at)}"
    )
    if note:
        text += f": {_text(note, 500)}"
    return {"text": truncate(text, FALLBACK_CHARS), "unfurl_links": False, "unfurl_media": False}


def _nudge(view: CardView, step: StepView, now: datetime, lead: str, kind: str) -> dict[str, Any]:
    """A short message about one step, with its buttons when it can be acted on."""
    nonce = _nonce(view, now)
    title = _text(step.title, 200, "(untitled step)")
    severity, category = _text(view.severity, 20), _text(view.category, 40)
    incident = f"incident #{view.incident_id} ({severity} {category})"
    line = f"{lead}: *{title}* on {incident} {_due_phrase(step, now)}"
    blocks = [
        _section(f"{line}\n{_people(step)}", f"{kind}.{step.id}.{step.version}.{nonce}"),
        _context(_quote(_text(view.excerpt, 300, "(no text)")), f"{kind}c.{step.id}.{nonce}"),
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


# --- modals -------------------------------------------------------------------------------------


def _modal(callback: str, title: str, submit: str, metadata: str, blocks: list[Block]) -> Block:
    return {
        "type": "modal",
        "callback_id": callback,
        "private_metadata": metadata,
        "title": _plain(title, MODAL_TITLE_CHARS),
        "submit": _plain(submit, MODAL_TITLE_CHARS),
        "close": _plain("Cancel", MODAL_TITLE_CHARS),
        "blocks": blocks,
    }


def _step_context(view: CardView, step: StepView) -> Block:
    kind = _text(step.kind, 60).replace("`", "'")
    title = _text(step.title, 200, "(untitled step)")
    return _context(f"Incident #{view.incident_id} · *{title}* `{kind}`", "step")


def build_skip_modal(view: CardView, step: StepView) -> dict[str, Any]:
    """Asks why a step is skipped; the reason goes to the card's thread."""
    reason: Block = {
        "type": "input",
        "block_id": REASON_BLOCK,
        "label": _plain("Why skip this step?", 2000),
        "hint": _plain("Everyone in the channel sees this in the card's thread.", 2000),
        "element": {
            "type": "plain_text_input",
            "action_id": REASON_BLOCK,
            "multiline": True,
            "min_length": 3,
            "max_length": 500,
        },
    }
    metadata = _value(view, step)
    return _modal(
        SKIP_CALLBACK, "Skip step", "Skip step", metadata, [_step_context(view, step), reason]
    )


def _routing_block() -> Block:
    options = [{"text": _plain(label, BUTTON_CHARS), "value": key} for key, label in ROUTES.items()]
    return {
        "type": "input",
        "block_id": ROUTING_BLOCK,
        "optional": True,  # only needed while the text is over the limit: checked on submit
        "label": _plain("Too long for one post: where does the full answer go?", 2000),
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
    length, limit = draft_length(text), view.channel_limit
    element: Block = {
        "type": "plain_text_input",
        "action_id": DRAFT_BLOCK,
        "multiline": True,
        "max_length": INPUT_CHARS,
    }
    if text:
        element["initial_value"] = text[:INPUT_CHARS]
    count = f"{length}/{limit} characters as X counts them (CJK and emoji 2, links {TCO_LENGTH})"
    blocks = [
        _step_context(view, step),
        {
            "type": "input",
            "block_id": DRAFT_BLOCK,
            "label": _plain("Reply", 2000),
            "hint": _plain(count, 2000),
            "element": element,
        },
    ]
    points = _points_lines(step, compact=False, shown=10)
    if points:
        blocks.append(_context("\n".join(points), "points"))
    if step.lint:
        findings = "\n".join(f"⚠️ {_text(f, 200)}" for f in step.lint[:10])
        blocks.append(_context(findings, "lint"))
    if length > limit:
        warning = (
            f"⚠️ *{length - limit} characters over the {limit} limit.* Shorten it, or route it."
        )
        blocks += [_section(warning, "over"), _routing_block()]
    metadata = _value(view, step)
    return _modal(DRAFT_CALLBACK, "Edit draft", "Save draft", metadata, blocks)


def _state_value(state: Any) -> Any:
    if not isinstance(state, dict):
        raise ValueError("a modal state entry is not an object")
    if "value" in state:
        return state["value"]
    if "selected_option" in state:
        option = state["selected_option"]
        return option.get("value") if isinstance(option, dict) else None
    return None


def parse_modal_submission(payload: dict[str, Any]) -> dict[str, Any]:
    """A `view_submission` payload as `{callback_id, incident_id, step_id, version, user_id,
    values: {block_id: value}}` (`block_id.action_id` when a block holds several inputs)."""
    view = payload.get("view") if isinstance(payload, dict) else None
    if not isinstance(view, dict):
        raise ValueError("not a view submission: no view")
    ids = _decode_value(view.get("private_metadata"))
    state = view.get("state", {}).get("values", {}) if isinstance(view.get("state"), dict) else {}
    if not isinstance(state, dict):
        raise ValueError("the view state is not an object")
    values: dict[str, Any] = {}
    for block_id, actions in state.items():
        if not isinstance(actions, dict):
            raise ValueError(f"state of block {block_id!r} is not an object")
        for action_id, entry in actions.items():
            key = block_id if len(actions) == 1 else f"{block_id}.{action_id}"
            values[key] = _state_value(entry)
    user = payload.get("user")
    return {
        "callback_id": view.get("callback_id"),
        "incident_id": ids["i"],
        "step_id": ids["s"],
        "version": ids["v"],
        "user_id": user.get("id") if isinstance(user, dict) else None,
        "values": values,
    }


def validate_draft_submission(text: str | None, routing: str | None, limit: int) -> dict[str, str]:
    """Errors in Slack's `response_action: errors` shape, `{block_id: message}`; empty if fine."""
    if text is None or not text.strip():
        return {DRAFT_BLOCK: "Write the reply before saving it."}
    if routing is not None and routing not in ROUTES:
        return {ROUTING_BLOCK: "Choose one of the listed routes."}
    over = draft_length(text) - limit
    if over > 0 and routing is None:
        return {
            ROUTING_BLOCK: f"{over} characters over the {limit} limit: shorten the reply, "
            "or choose where the full answer goes."
        }
    return {}


def respond_to_draft_submission(
    view: CardView, step: StepView, submission: dict[str, Any]
) -> dict[str, Any] | None:
    """Slack's answer to a draft submission: None to accept it, else errors or a new view."""
    values = submission.get("values", {})
    text, routing = values.get(DRAFT_BLOCK), values.get(ROUTING_BLOCK)
    errors = validate_draft_submission(text, routing, view.channel_limit)
    if not errors:
        return None
    if ROUTING_BLOCK in errors and ROUTING_BLOCK not in values:
        # Opened under the limit, so the modal has no routing choice yet: show it now.
        return {"response_action": "update", "view": build_edit_draft_modal(view, step, draft=text)}
    return {"response_action": "errors", "errors": errors}


# --- reading clicks back ------------------------------------------------------------------------


@dataclass(frozen=True)
class ParsedAction:
    incident_id: int
    step_id: int
    version: int  # the step version the clicker saw: older than the stored one means stale
    action: str

    @property
    def outcome(self) -> str | None:
        """`at_fault` / `not_at_fault` / `needs_investigation` for a verify_facts outcome."""
        return self.action.removeprefix("outcome_") if self.action.startswith("outcome_") else None


def _decode_value(value: Any) -> dict[str, Any]:
    if not isinstance(value, str) or len(value) > VALUE_CHARS:
        raise ValueError("a playbook value is a JSON string of at most 2000 characters")
    try:
        data = json.loads(value)
    except (json.JSONDecodeError, RecursionError) as exc:
        raise ValueError(f"the value is not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ValueError("the value is not a JSON object")
    for key in ("i", "s", "v"):
        number = data.get(key)
        if type(number) is not int or number < 0:
            raise ValueError(f"the value's {key!r} is not a non-negative integer")
    return data


def parse_action(action_id: str, value: str) -> ParsedAction:
    """Reads a click back (a button's `value`, or a menu's selected option value).

    Raises ValueError on anything this card did not produce.
    """
    match = _ACTION_ID.fullmatch(action_id) if isinstance(action_id, str) else None
    if match is None or match[2] not in ACTIONS:
        raise ValueError(f"not a playbook action: {action_id!r}")
    data = _decode_value(value)
    action = match[2]
    if action == "menu":
        action = data.get("a")
        if action not in ACTIONS or action == "menu":
            raise ValueError("the menu option names no known action")
    elif "a" in data and data["a"] != action:
        raise ValueError("the value names another action than the button")
    if data["s"] != int(match[1]):
        raise ValueError("the value is for another step than the button")
    return ParsedAction(data["i"], data["s"], data["v"], str(action))
