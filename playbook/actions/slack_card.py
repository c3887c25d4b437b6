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
TCO_LENGTH = 23  # X shortens every link to this many characters

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
    {"complete", "skip", "assign", "escalate", "edit_draft", "menu"}
    | {f"outcome_{key}" for key in OUTCOMES}
)
SKIP_CALLBACK = "playbook:skip"
DRAFT_CALLBACK = "playbook:edit_draft"
REASON_BLOCK = "reason"
DRAFT_BLOCK = "draft"
ROUTING_BLOCK = "routing"

_USER_ID = re.compile(r"[UW](?=[A-Z0-9]*\d)[A-Z0-9]{2,20}")
_SUBTEAM_ID = re.compile(r"S[A-Z0-9]{2,20}")
_BROADCAST = re.compile(r"@(channel|here|everyone)\b", re.IGNORECASE)
_ENTITIES = ("&amp;", "&lt;", "&gt;")
_ACTION_ID = re.compile(r"step:(0|[1-9]\d{0,17}):([a-z_]{1,40})")
_URL = re.compile(r"https?://\S+", re.IGNORECASE)
# Code points X counts as one character; everything else (CJK, emoji) counts as two.
_LIGHT_RANGES = ((0x0000, 0x10FF), (0x2000, 0x200D), (0x2010, 0x201F), (0x2032, 0x2037))


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


def draft_length(text: str) -> int:
    """Length as X counts it: every link 23, CJK and emoji 2, Latin and punctuation 1.

    Emoji sequences count per code point, so the count errs on the long side.
    """
    text = unicodedata.normalize("NFC", text)
    total = TCO_LENGTH * len(_URL.findall(text))
    for char in _URL.sub("", text):
        code = ord(char)
        if 0xFE00 <= code <= 0xFE0F:  # variation selectors change how, not what, is shown
            continue
        light = any(start <= code <= end for start, end in _LIGHT_RANGES)
        total += 1 if light else 2
    return total


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
    safe = "".join(f"%{ord(c):02X}" if c in "|<> \"" or ord(c) < 0x21 else c for c in url)
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
    if step.kind == "verify_facts":
        first = [(f"outcome_{key}", label, None) for key, label in OUTCOMES.items()]
    else:
        first = [("complete", "Done", "primary")]
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
    overdue = f" · *overdue by {_span(late)}*" if late > timedelta(0) else ""
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


def _step_text(view: CardView, step: StepView, now: datetime, compact: bool) -> str:
    icon = STATUS_ICON.get(step.status, "•")
    kind = _text(step.kind, 60).replace("`", "'")
    state = " · ".join(p for p in (step.status, _people(step), _due(step, now)) if p)
    lines = [f"{icon} *{_text(step.title, 200, '(untitled step)')}*  `{kind}`", state]
    if step.outcome:
        lines.append(f"Outcome: *{OUTCOMES.get(step.outcome) or _text(step.outcome, 60)}*")
    if step.note:
        lines.append(f"📝 {_text(step.note, 300)}")
    if step.draft is not None and step.status not in CLOSED and not compact:
        lines += _draft_lines(view, step)
    return "\n".join(lines)


def _step_blocks(view: CardView, step: StepView, now: datetime, nonce: str, compact: bool) -> list[Block]:
    block_id = f"s.{step.id}.{step.version}.{nonce}"
    text = _step_text(view, step, now, compact)
    if not step.can_act:
        return [_section(text, block_id)]
    if compact:
        return [_section(text, block_id, _menu(view, step))]
    return [_section(text, block_id), _actions_block(view, step, f"a.{step.id}.{step.version}.{nonce}")]


def _steps(view: CardView, steps: Sequence[StepView], now: datetime, nonce: str, compact: bool = False) -> list[Block]:
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
        f"{view.severity.upper()} {view.category} #{view.incident_id}: "
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
