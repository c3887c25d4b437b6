"""GET /v1/incidents, GET /v1/incidents/{id}, POST /v1/incidents/{id}/steps/{step_id}."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from sqlmodel import Session, col, select

from playbook.core.errors import Conflict, InvalidInput, NotFound
from playbook.core.models import Event, Incident
from playbook.intake.facts import TopicRate
from playbook.intake.topics import topic_rates
from playbook.pipeline import excerpt
from playbook.workflow import action_plan, lifecycle
from playbook.workflow.actions import announce, edit_draft, escalate, override_verification
from playbook.workflow.steps import Change, apply_action, load_step, steps_of
from service.deps import RuntimeDep, SessionDep, require_api_key
from service.runtime import Runtime
from service.schemas import (
    EventOut,
    IncidentActionIn,
    IncidentOut,
    StepActionIn,
    StepActionOut,
    StepOut,
)

router = APIRouter(
    prefix="/v1/incidents", tags=["incidents"], dependencies=[Depends(require_api_key)]
)
FIRST_EVENTS = 20


def incident_out(
    session: Session, incident: Incident, *, with_events: bool, runtime: Runtime | None = None
) -> IncidentOut:
    """The incident; with `runtime`, its topics' velocity and an open action plan, as of now."""
    events: list[EventOut] = []
    if with_events:
        query = (
            select(Event)
            .where(Event.incident_id == incident.id)
            .order_by(col(Event.id))
            .limit(FIRST_EVENTS)
        )
        # Listings never show personal data, whatever the storage setting.
        events = [EventOut.of(e, excerpt(e.text, 1000)) for e in session.exec(query)]
    steps = steps_of(session, incident.id or 0)
    details: dict[int, dict] = {}
    topics: list[TopicRate] = []
    if runtime is not None:
        now = runtime.clock.now()
        topics = list(topic_rates(session, incident.topics, now).values())
        shown = action_plan.shown_details(session, incident, steps, now=now, **runtime.in_force())
        details = {step_id: detail for step_id, (detail, _) in shown.items()}
    return IncidentOut.of(incident, steps, events, details, topics)


def get_incident(session: Session, incident_id: int) -> Incident:
    incident = session.get(Incident, incident_id)
    if incident is None:
        raise NotFound(f"no incident {incident_id}", field="incident_id")
    return incident


@router.get("", response_model=list[IncidentOut])
def list_incidents(
    session: SessionDep,
    status: Literal["open", "resolved", "closed", "merged"] | None = None,
    category: Literal["complaint", "rumour", "question", "abuse", "praise", "other"] | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> list[IncidentOut]:
    query = select(Incident).order_by(col(Incident.id).desc()).limit(limit)
    if status:
        query = query.where(Incident.status == status)
    if category:
        query = query.where(Incident.category == category)
    return [incident_out(session, i, with_events=False) for i in session.exec(query)]


@router.get("/{incident_id}", response_model=IncidentOut)
def show_incident(incident_id: int, session: SessionDep, runtime: RuntimeDep) -> IncidentOut:
    incident = get_incident(session, incident_id)
    return incident_out(session, incident, with_events=True, runtime=runtime)


@router.post("/{incident_id}", response_model=IncidentOut)
def act_on_incident(
    incident_id: int, body: IncidentActionIn, session: SessionDep, runtime: RuntimeDep
) -> IncidentOut:
    """Resolve, close, reopen or assign the incident as a whole; audited, the card updated."""
    incident = lifecycle.apply(
        session,
        incident_id,
        body.action,
        by=body.by,
        now=runtime.clock.now(),
        note=body.note,
        assignee=body.assignee,
    )
    return incident_out(session, incident, with_events=False, runtime=runtime)


@router.post("/{incident_id}/steps/{step_id}", response_model=StepActionOut)
def act_on_step(
    incident_id: int, step_id: int, body: StepActionIn, session: SessionDep, runtime: RuntimeDep
) -> StepActionOut:
    now = runtime.clock.now()
    incident, step = load_step(session, incident_id, step_id)
    if body.version is not None and step.version != body.version:
        raise Conflict(
            f"step {step_id} ({step.kind}) changed since it was shown: it is now {step.status}",
            field="version",
        )
    changes: list[Change] = []
    if body.action == "escalate":
        escalate(
            session, incident, step, model=runtime.model, actor=body.by, now=now, note=body.note
        )
    elif body.action == "override_verification":
        changes = override_verification(
            session, incident, step, model=runtime.model, by=body.by, now=now, note=body.note
        )
        announce(session, incident, changes, now)
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
            by=body.by,
            now=now,
        )
        announce(session, incident, changes, now)
    else:
        changes = apply_action(
            session,
            incident,
            step_id,
            body.action,
            by=body.by,
            now=now,
            note=body.note,
            assignee=body.assignee,
            outcome=body.outcome,
            expected_version=body.version,
            **runtime.in_force(),
        )
        announce(session, incident, changes, now)
    return StepActionOut(
        incident=incident_out(session, incident, with_events=False, runtime=runtime),
        changes=[c.__dict__ for c in changes],
    )


__all__ = ["router", "StepOut"]
