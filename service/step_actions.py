"""One dispatch of a person's step action to the workflow, for the API and the board alike."""

from __future__ import annotations

from sqlmodel import Session

from playbook.core.errors import Conflict, InvalidInput
from playbook.core.models import Incident
from playbook.workflow.actions import announce, edit_draft, escalate, override_verification
from playbook.workflow.steps import Change, apply_action, load_step
from service.deps import LOCAL_ACTOR
from service.runtime import Runtime
from service.schemas import StepActionIn


def perform(
    session: Session, runtime: Runtime, incident_id: int, step_id: int, body: StepActionIn
) -> tuple[Incident, list[Change]]:
    """Apply `body` to the step with the rules in force; the card and its thread follow."""
    now, by = runtime.clock.now(), body.by or LOCAL_ACTOR
    incident, step = load_step(session, incident_id, step_id)
    if body.version is not None and step.version != body.version:
        raise Conflict(
            f"step {step_id} ({step.kind}) changed since it was shown: it is now {step.status}",
            field="version",
        )
    changes: list[Change] = []
    if body.action == "escalate":
        escalate(session, incident, step, model=runtime.model, actor=by, now=now, note=body.note)
        return incident, changes
    if body.action == "override_verification":
        changes = override_verification(
            session, incident, step, model=runtime.model, by=by, now=now, note=body.note
        )
    elif body.action == "edit_draft":
        if body.draft is None:
            raise InvalidInput("`draft` is required to edit a draft", field="draft")
        changes = edit_draft(
            session,
            incident,
            step,
            text=body.draft,
            route=body.route,
            model=runtime.model,
            by=by,
            now=now,
        )
    else:
        changes = apply_action(
            session,
            incident,
            step_id,
            body.action,
            by=by,
            now=now,
            note=body.note,
            assignee=body.assignee,
            outcome=body.outcome,
            expected_version=body.version,
            experts=runtime.in_force()["experts"],
            channel_limit=runtime.in_force()["channel_limit"],
            advocates=runtime.in_force()["advocates"],
        )
    announce(session, incident, changes, now, language=runtime.in_force()["language"])
    return incident, changes
