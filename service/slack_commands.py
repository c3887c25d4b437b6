"""`/playbook` commands in Slack: list, show, status, and the incident as a whole."""

from __future__ import annotations

import re
from typing import Any, cast

from sqlalchemy import func
from sqlmodel import Session, col, select

from playbook.actions import outbox
from playbook.actions.slack.blocks import escape, mention, truncate
from playbook.actions.slack.texts import say, status, verb
from playbook.core.db import session_scope
from playbook.core.errors import PlaybookError
from playbook.core.models import Incident
from playbook.workflow import lifecycle
from playbook.workflow.steps import steps_of
from playbook.workflow.view import step_title
from service.limits import parse_id
from service.runtime import Runtime

LIST_LIMIT = 20
TEXT_CHARS = 3000
_MENTION = re.compile(r"<@([UW][A-Z0-9]{2,20})(?:\|[^>]*)?>|@?([\w.-]{1,80})")


def handle_command(runtime: Runtime, form: dict[str, str]) -> dict[str, Any]:
    """`/playbook list|show ID|status` (or `목록`, `보기 ID`, `상태`); anything else: the help."""
    words = (form.get("text") or "").split()
    command = verb(words[0]) if words else "help"
    language = runtime.model.organisation.language
    with session_scope(runtime.engine) as session:
        if command == "list" and len(words) == 1:
            text = _list(session, language)
        elif command == "show" and len(words) == 2:
            wanted = parse_id(words[1])
            shown = escape(words[1][:40])
            text = (
                _show(session, wanted, language)
                if wanted
                else say("no_incident", language, id=shown)
            )
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
    number = parse_id(words[1])
    if number is None:
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
            session, number, action, by=user, now=runtime.clock.now(), assignee=assignee
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
