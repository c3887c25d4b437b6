"""GET /v1/incidents (filtered, paged), one incident, its audit and report; step actions."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Response
from sqlmodel import Session, col, select

from playbook.core.errors import NotFound
from playbook.core.models import Event, Incident
from playbook.incidents.listing import IncidentFilter, find_incidents
from playbook.incidents.report import audit_trail, build_report
from playbook.intake.events import Moment, NoNul
from playbook.intake.facts import TopicRate
from playbook.intake.topics import topic_rates
from playbook.pipeline import excerpt
from playbook.workflow import lifecycle, merging
from playbook.workflow.steps import steps_of
from playbook.workflow.view import shown_step_details
from service.deps import ApiKeyName, RuntimeDep, SessionDep, api_actor, require_api_key
from service.errors import error_responses
from service.limits import IdPath
from service.runtime import Runtime
from service.schemas import (
    AuditOut,
    EventOut,
    IncidentActionIn,
    IncidentOut,
    MergeIn,
    SplitIn,
    StepActionIn,
    StepActionOut,
    StepOut,
)
from service.step_actions import perform

router = APIRouter(
    prefix="/v1/incidents",
    tags=["incidents"],
    dependencies=[Depends(require_api_key)],
    responses=error_responses(400, 401, 403, 404, 413, 422),
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
        rules = runtime.in_force()
        details = shown_step_details(
            session,
            incident,
            steps,
            now=now,
            experts=rules["experts"],
            channel_limit=rules["channel_limit"],
            advocates=rules["advocates"],
        )
    return IncidentOut.of(incident, steps, events, details, topics)


def get_incident(session: Session, incident_id: int) -> Incident:
    incident = session.get(Incident, incident_id)
    if incident is None:
        raise NotFound(f"no incident {incident_id}", field="incident_id")
    return incident


@router.get("", response_model=list[IncidentOut])
def list_incidents(
    session: SessionDep,
    response: Response,
    status: Literal["open", "resolved", "closed", "merged"] | None = None,
    severity: Literal["low", "medium", "high", "critical"] | None = None,
    category: Literal["complaint", "rumour", "question", "abuse", "praise", "other"] | None = None,
    channel: Annotated[str | None, Query(max_length=200), NoNul] = None,
    q: Annotated[str | None, Query(max_length=200, description="text in the title"), NoNul] = None,
    since: Annotated[Moment | None, Query(description="updated at or after")] = None,
    cursor: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> list[IncidentOut]:
    """Newest first; a further page's cursor is in the `X-Next-Cursor` header."""
    where = IncidentFilter(status, severity, category, channel, q, since)
    page, next_cursor = find_incidents(session, where, limit=limit, cursor=cursor)
    if next_cursor is not None:
        response.headers["X-Next-Cursor"] = str(next_cursor)
    return [incident_out(session, i, with_events=False) for i in page]


@router.get("/{incident_id}", response_model=IncidentOut)
def show_incident(incident_id: IdPath, session: SessionDep, runtime: RuntimeDep) -> IncidentOut:
    incident = get_incident(session, incident_id)
    return incident_out(session, incident, with_events=True, runtime=runtime)


@router.post("/{incident_id}", response_model=IncidentOut, responses=error_responses(409))
def act_on_incident(
    incident_id: IdPath,
    body: IncidentActionIn,
    session: SessionDep,
    runtime: RuntimeDep,
    key_name: ApiKeyName,
) -> IncidentOut:
    """Resolve, close, reopen or assign the incident as a whole; audited, the card updated.
    The actor is the API key's name (see `api_actor`)."""
    incident = lifecycle.apply(
        session,
        incident_id,
        body.action,
        by=api_actor(key_name, body.by),
        now=runtime.clock.now(),
        note=body.note,
        assignee=body.assignee,
    )
    return incident_out(session, incident, with_events=False, runtime=runtime)


@router.post(
    "/{incident_id}/steps/{step_id}",
    response_model=StepActionOut,
    responses=error_responses(409),
)
def act_on_step(
    incident_id: IdPath,
    step_id: IdPath,
    body: StepActionIn,
    session: SessionDep,
    runtime: RuntimeDep,
    key_name: ApiKeyName,
) -> StepActionOut:
    """One step action; the actor is the API key's name (see `api_actor`)."""
    acting = body.model_copy(update={"by": api_actor(key_name, body.by)})
    incident, changes = perform(session, runtime, incident_id, step_id, acting)
    return StepActionOut(
        incident=incident_out(session, incident, with_events=False, runtime=runtime),
        changes=[c.__dict__ for c in changes],
    )


@router.post("/{incident_id}/merge", response_model=IncidentOut, responses=error_responses(409))
def merge_incident(
    incident_id: IdPath, body: MergeIn, session: SessionDep, runtime: RuntimeDep
) -> IncidentOut:
    """Merge this incident into `into` (one story); answers the survivor."""
    survivor = merging.merge(session, incident_id, body.into, by=body.by, now=runtime.clock.now())
    return incident_out(session, survivor, with_events=True, runtime=runtime)


@router.post("/{incident_id}/split", response_model=IncidentOut, responses=error_responses(409))
def split_incident(
    incident_id: IdPath, body: SplitIn, session: SessionDep, runtime: RuntimeDep
) -> IncidentOut:
    """Move the chosen events into a new incident; answers the new incident."""
    new = merging.split(session, incident_id, body.event_ids, by=body.by, now=runtime.clock.now())
    return incident_out(session, new, with_events=True, runtime=runtime)


@router.get("/{incident_id}/audit", response_model=list[AuditOut])
def incident_audit(incident_id: IdPath, session: SessionDep) -> list[AuditOut]:
    """The incident's audit trail, oldest first: who did what, when, from what to what."""
    get_incident(session, incident_id)
    return [AuditOut.of(entry) for entry in audit_trail(session, incident_id)]


@router.get("/{incident_id}/report")
def incident_report(
    incident_id: IdPath, session: SessionDep, runtime: RuntimeDep
) -> dict[str, Any]:
    """The after-action report as JSON."""
    return build_report(session, get_incident(session, incident_id), runtime.clock.now()).as_dict()


__all__ = ["router", "StepOut"]
