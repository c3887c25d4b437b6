"""Slack's clicks, modal submissions and `/playbook` commands, applied to the workflow."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Any, cast

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy import func
from sqlmodel import Session, col, select

from playbook.actions import outbox
from playbook.actions.slack.blocks import escape, mention, truncate
from playbook.actions.slack.modals import (
    DRAFT_BLOCK,
    DRAFT_CALLBACK,
    REASON_BLOCK,
    ROUTING_BLOCK,
    SKIP_CALLBACK,
    build_edit_draft_modal,
    build_skip_modal,
    respond_to_draft_submission,
)
from playbook.actions.slack.payloads import ParsedAction, parse_action, parse_modal_submission
from playbook.actions.slack.texts import say, status, verb
from playbook.core.db import session_scope
from playbook.core.errors import Conflict, PlaybookError
from playbook.core.models import Incident, Step
from playbook.workflow import lifecycle
from playbook.workflow.actions import announce, edit_draft, escalate, override_verification
from playbook.workflow.steps import Action, apply_action, load_step, steps_of
from playbook.workflow.view import card_view, step_title, step_view
from service.runtime import Runtime

log = logging.getLogger("playbook.slack")

LIST_LIMIT = 20
TEXT_CHARS = 3000
_MENTION = re.compile(r"<@([UW][A-Z0-9]{2,20})(?:\|[^>]*)?>|@?([\w.-]{1,80})")


@dataclass(frozen=True)
class Ephemeral:
    """A message only `user` sees in `channel`, sent after Slack has its answer."""

    channel: str
    user: str
    text: str


@dataclass
class Answer:
    """What to answer Slack with (None: an empty 200) and what to send afterwards."""

    body: dict[str, Any] | None = None
    ephemeral: list[Ephemeral] = field(default_factory=list)


# --- the Slack client ---------------------------------------------------------------------------


def slack_client(runtime: Runtime) -> WebClient | None:
    """The runtime's one Slack client; None when cards go to the console."""
    return runtime.slack


def send_ephemeral(runtime: Runtime, message: Ephemeral) -> None:
    client = slack_client(runtime)
    if client is None or not message.channel or not message.user:
        log.info(
            "ephemeral for %s not sent (no Slack client or channel): %s", message.user, message.text
        )
        return
    try:
        client.chat_postEphemeral(channel=message.channel, user=message.user, text=message.text)
    except SlackClientError as exc:
        log.warning("chat.postEphemeral to %s failed: %s", message.user, exc)


def _open_view(runtime: Runtime, trigger_id: str | None, view: dict[str, Any]) -> None:
    client = slack_client(runtime)
    if client is None or not trigger_id:
        raise Conflict(
            "this dialog cannot be opened here: Slack is not connected", field="trigger_id"
        )
    try:
        client.views_open(trigger_id=trigger_id, view=view)
    except SlackApiError as exc:
        log.warning("views.open failed: %s", exc)
        raise Conflict(
            "Slack did not open the dialog in time; click again", field="trigger_id"
        ) from None


# --- block_actions ------------------------------------------------------------------------------


def handle_interaction(runtime: Runtime, payload: dict[str, Any]) -> Answer:
    """One interaction payload; kinds other than clicks and submissions are acknowledged."""
    kind = payload.get("type")
    if kind == "block_actions":
        return handle_block_actions(runtime, payload)
    if kind == "view_submission":
        return handle_view_submission(runtime, payload)
    return Answer()


def _language(runtime: Runtime) -> str:
    """The team's language (`organisation.language`): what the playbook says in Slack."""
    return runtime.model.organisation.language


def _user_id(payload: dict[str, Any]) -> str:
    user = payload.get("user")
    return str(user.get("id") or "") if isinstance(user, dict) else ""


def _channel_id(payload: dict[str, Any]) -> str:
    channel = payload.get("channel")
    if isinstance(channel, dict) and channel.get("id"):
        return str(channel["id"])
    container = payload.get("container")
    return str(container.get("channel_id") or "") if isinstance(container, dict) else ""


def _parse_click(raw: Any) -> ParsedAction | None:
    if not isinstance(raw, dict):
        return None
    value = raw.get("value")
    option = raw.get("selected_option")
    if value is None and isinstance(option, dict):
        value = option.get("value")
    if not isinstance(value, str):
        return None
    try:
        return parse_action(str(raw.get("action_id", "")), value)
    except ValueError:
        return None


def handle_block_actions(runtime: Runtime, payload: dict[str, Any]) -> Answer:
    """Buttons and menus on cards: applied once; a stale or refused click is explained."""
    user, channel = _user_id(payload), _channel_id(payload)
    answer = Answer()
    actions = payload.get("actions")
    for raw in actions if isinstance(actions, list) else []:
        click = _parse_click(raw)
        if click is None or not user:
            continue
        try:
            _apply_click(runtime, click, user, payload.get("trigger_id"))
        except PlaybookError as exc:
            text = say("not_changed", _language(runtime), message=escape(exc.message))
            answer.ephemeral.append(Ephemeral(channel, user, text))
    return answer


def _check_current(runtime: Runtime, step: Step, version: int, *, active: bool = True) -> None:
    """Only the card's current version of an active step may be acted on."""
    lang = _language(runtime)
    title, state = step_title(step, lang), status(step.status, lang)
    if step.version != version:
        raise Conflict(say("stale", lang, title=title, status=state), field="version")
    if active and step.status != "active":
        raise Conflict(say("not_actionable", lang, title=title, status=state), field="step_id")


def _apply_click(runtime: Runtime, click: ParsedAction, user: str, trigger_id: Any) -> None:
    if click.action in ("skip", "edit_draft"):
        _open_modal(runtime, click, str(trigger_id or ""))
        return
    with session_scope(runtime.engine) as session:
        incident, step = load_step(session, click.incident_id, click.step_id)
        override = click.action == "override_verification"
        _check_current(runtime, step, click.version, active=not override)
        now = runtime.clock.now()
        if override:
            note = "chosen on the Slack card by a lead"
            changes = override_verification(
                session, incident, step, model=runtime.model, by=user, now=now, note=note
            )
            announce(session, incident, changes, now, language=_language(runtime))
            return
        if click.action == "escalate":
            escalate(session, incident, step, model=runtime.model, actor=user, now=now)
            return
        action: Action = "assign" if click.action == "assign" else "complete"
        changes = apply_action(
            session,
            incident,
            click.step_id,
            action,
            by=user,
            now=now,
            assignee=user if action == "assign" else None,
            outcome=click.outcome,
            expected_version=click.version,
            experts=runtime.in_force()["experts"],
            channel_limit=runtime.in_force()["channel_limit"],
            advocates=runtime.in_force()["advocates"],
        )
        announce(session, incident, changes, now, clicked=click.action, language=_language(runtime))


def _open_modal(runtime: Runtime, click: ParsedAction, trigger_id: str) -> None:
    with session_scope(runtime.engine) as session:
        incident, step = load_step(session, click.incident_id, click.step_id)
        _check_current(runtime, step, click.version)
        view = card_view(session, incident, runtime.clock.now(), **runtime.in_force())
        current = step_view(step, language=view.language)
        if click.action == "skip":
            modal = build_skip_modal(view, current)
        elif current.draft is None:
            raise Conflict(say("no_draft", view.language, title=current.title), field="action")
        else:
            modal = build_edit_draft_modal(view, current)
    # Outside the transaction: the trigger expires in 3 s, and nothing here needs the lock.
    _open_view(runtime, trigger_id, modal)


# --- view_submission ----------------------------------------------------------------------------


def _errors(block: str, message: str) -> Answer:
    return Answer(body={"response_action": "errors", "errors": {block: truncate(message, 150)}})


def handle_view_submission(runtime: Runtime, payload: dict[str, Any]) -> Answer:
    """The skip and edit-draft modals; other views are acknowledged and ignored."""
    try:
        submission = parse_modal_submission(payload)
    except ValueError:
        return Answer()
    user = submission["user_id"] or "unknown"
    if submission["callback_id"] == SKIP_CALLBACK:
        return _submit_skip(runtime, submission, user)
    if submission["callback_id"] == DRAFT_CALLBACK:
        return _submit_draft(runtime, submission, user)
    return Answer()


def _submit_skip(runtime: Runtime, submission: dict[str, Any], user: str) -> Answer:
    reason = str(submission["values"].get(REASON_BLOCK) or "").strip()
    if len(reason) < 3:
        return _errors(REASON_BLOCK, say("skip_reason_needed", _language(runtime)))
    try:
        with session_scope(runtime.engine) as session:
            incident, step = load_step(session, submission["incident_id"], submission["step_id"])
            _check_current(runtime, step, submission["version"])
            now = runtime.clock.now()
            changes = apply_action(
                session,
                incident,
                submission["step_id"],
                "skip",
                by=user,
                now=now,
                note=reason,
                expected_version=submission["version"],
                experts=runtime.in_force()["experts"],
                channel_limit=runtime.in_force()["channel_limit"],
                advocates=runtime.in_force()["advocates"],
            )
            announce(session, incident, changes, now, language=_language(runtime))
    except PlaybookError as exc:
        return _errors(REASON_BLOCK, exc.message)
    return Answer()


def _submit_draft(runtime: Runtime, submission: dict[str, Any], user: str) -> Answer:
    try:
        with session_scope(runtime.engine) as session:
            incident, step = load_step(session, submission["incident_id"], submission["step_id"])
            _check_current(runtime, step, submission["version"])
            now = runtime.clock.now()
            view = card_view(session, incident, now, **runtime.in_force())
            shown = step_view(step, language=view.language)
            response = respond_to_draft_submission(view, shown, submission)
            if response is not None:
                return Answer(body=response)
            values = submission["values"]
            routing = values.get(ROUTING_BLOCK)
            changes = edit_draft(
                session,
                incident,
                step,
                text=str(values[DRAFT_BLOCK]),
                route=str(routing) if routing else None,
                model=runtime.model,
                by=user,
                now=now,
            )
            announce(session, incident, changes, now, language=_language(runtime))
    except PlaybookError as exc:
        return _errors(DRAFT_BLOCK, exc.message)
    return Answer()


# --- /playbook ----------------------------------------------------------------------------------


def handle_command(runtime: Runtime, form: dict[str, str]) -> dict[str, Any]:
    """`/playbook list|show ID|status` (or `목록`, `보기 ID`, `상태`); anything else: the help."""
    words = (form.get("text") or "").split()
    command = verb(words[0]) if words else "help"
    language = runtime.model.organisation.language
    with session_scope(runtime.engine) as session:
        if command == "list" and len(words) == 1:
            text = _list(session, language)
        elif command == "show" and len(words) == 2 and words[1].lstrip("#").isdigit():
            text = _show(session, int(words[1].lstrip("#")), language)
        elif command == "status" and len(words) == 1:
            text = _status(runtime, session, language)
        elif command in lifecycle.ACTIONS and len(words) == (3 if command == "assign" else 2):
            text = _lifecycle(runtime, session, form, [command, *words[1:]], language)
        else:
            text = say("help", language)
    return {"response_type": "ephemeral", "text": truncate(text, TEXT_CHARS)}


def _lifecycle(
    runtime: Runtime, session: Session, form: dict[str, str], words: list[str], language: str
) -> str:
    """`/playbook resolve|close|reopen ID`, `/playbook assign ID @user`."""
    number = words[1].lstrip("#")
    if not number.isdigit() or not 0 < int(number) < 2**31:
        return say("not_a_number", language, word=escape(truncate(words[1], 40)))
    assignee = None
    if words[0] == "assign":
        found = _MENTION.fullmatch(words[2])
        if found is None:
            return say("say_whom", language)
        assignee = found.group(1) or found.group(2)
    action = cast(lifecycle.LifecycleAction, words[0])
    user = form.get("user_id") or "unknown"
    try:  # refusals come before any change: nothing to roll back
        incident = lifecycle.apply(
            session, int(number), action, by=user, now=runtime.clock.now(), assignee=assignee
        )
    except PlaybookError as exc:
        return escape(exc.message)
    owner = say("owner_suffix", language, who=mention(incident.owner)) if incident.owner else ""
    state = escape(status(incident.status, language))
    return say("incident_now", language, id=incident.id, status=state, owner=owner)


def _line(incident: Incident, language: str) -> str:
    title = escape(truncate(incident.title, 120))
    events = say("events", language, count=incident.event_count)
    return (
        f"#{incident.id} {escape(incident.severity)} {escape(incident.category)}: {title} "
        f"({events})"
    )


def _list(session: Session, language: str) -> str:
    query = (
        select(Incident)
        .where(Incident.status == "open")
        .order_by(col(Incident.id).desc())
        .limit(LIST_LIMIT)
    )
    incidents = list(session.exec(query))
    if not incidents:
        return say("no_open", language)
    total = session.exec(
        select(func.count()).select_from(Incident).where(Incident.status == "open")
    ).one()
    head = say("open_head", language, shown=len(incidents), total=total)
    return "\n".join([head, *(_line(i, language) for i in incidents)])


def _show(session: Session, incident_id: int, language: str) -> str:
    incident = session.get(Incident, incident_id)
    if incident is None:
        return say("no_incident", language, id=incident_id)
    status = say("status_line", language, status=escape(incident.status))
    lines = [f"*{_line(incident, language)}*", status]
    for step in steps_of(session, incident_id):
        who = step.assignee or step.owner or say("unassigned", language)
        lines.append(
            f"• {escape(truncate(step_title(step, language), 120))} `{escape(step.kind)}`: "
            f"{escape(step.status)} ({escape(who)})"
        )
    return "\n".join(lines)


def _status(runtime: Runtime, session: Session, language: str) -> str:
    loaded = runtime.rules.current
    return say(
        "rules_status",
        language,
        version=escape(loaded.playbook.version),
        since=f"{loaded.loaded_at:%Y-%m-%d %H:%M}",
        count=len(loaded.playbook.rule_ids),
        pending=outbox.pending_count(session),
    )
