"""Slack's clicks, modal submissions and `/playbook` commands, applied to the workflow."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from playbook.actions.slack.blocks import escape, truncate
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
from playbook.actions.slack.texts import say, status
from playbook.core.db import session_scope
from playbook.core.errors import Conflict, PlaybookError
from playbook.core.models import Step
from playbook.workflow.actions import announce, edit_draft, escalate, override_verification
from playbook.workflow.steps import Action, apply_action, load_step
from playbook.workflow.view import card_view, step_title, step_view
from service.limits import fits_column
from service.runtime import Runtime

log = logging.getLogger("playbook.slack")

MAX_ACTIONS = 5  # Slack sends one action per click; more is not Slack, and is not all read


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
        click = parse_action(str(raw.get("action_id", "")), value)
    except ValueError:
        return None
    # A forged id that fits no integer column (10**20) never reaches the database.
    return click if fits_column(click.incident_id, click.step_id, click.version) else None


def handle_block_actions(runtime: Runtime, payload: dict[str, Any]) -> Answer:
    """Buttons and menus on cards: applied once; one refused click (of MAX_ACTIONS) explained."""
    user, channel = _user_id(payload), _channel_id(payload)
    answer = Answer()
    actions = payload.get("actions")
    for raw in actions[:MAX_ACTIONS] if isinstance(actions, list) else []:
        click = _parse_click(raw)
        if click is None or not user:
            continue
        try:
            _apply_click(runtime, click, user, payload.get("trigger_id"))
        except PlaybookError as exc:
            text = say("not_changed", _language(runtime), message=escape(exc.message))
            if not answer.ephemeral:
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
    if not fits_column(submission["incident_id"], submission["step_id"], submission["version"]):
        return Answer()  # not a view this service opened
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
