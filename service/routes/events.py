"""POST /v1/events, /v1/events/batch and /v1/events/x."""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends
from pydantic import ValidationError

from playbook.core.db import session_scope
from playbook.intake.events import EventIn, XBody, x_post_to_event
from playbook.pipeline import excerpt, ingest
from service.deps import RuntimeDep, require_api_key
from service.errors import describe
from service.runtime import Runtime
from service.schemas import BatchItemOut, BatchOut, IngestOut

log = logging.getLogger("playbook.events")
router = APIRouter(prefix="/v1/events", tags=["events"], dependencies=[Depends(require_api_key)])
MAX_BATCH = 1000


def accept(runtime: Runtime, event: EventIn) -> IngestOut:
    """One event in its own transaction: a later failure never loses an earlier event."""
    playbook = runtime.rules.playbook
    with runtime.metrics.ingest_seconds.time(), session_scope(runtime.engine) as session:
        result = ingest(
            session,
            event,
            playbook=playbook,
            now=runtime.clock.now(),
            default_channel=runtime.settings.slack_channel,
            store_personal_data=runtime.settings.store_personal_data,
        )
        answer = IngestOut.of(result)
    outcome = (
        "duplicate"
        if answer.duplicate
        else ("ignored" if answer.incident_id is None else "accepted")
    )
    runtime.metrics.events.labels(outcome).inc()
    if answer.incident_created:
        runtime.metrics.incidents.labels(answer.category, answer.severity).inc()
    log.info(
        "event %s/%s -> %s %s incident=%s%s",
        event.source,
        event.id,
        answer.category,
        answer.severity,
        answer.incident_id,
        " (duplicate)" if answer.duplicate else "",
    )
    log.debug("event %s text: %s", event.id, excerpt(event.text, 120))
    return answer


@router.post("", response_model=IngestOut)
def post_event(event: EventIn, runtime: RuntimeDep) -> IngestOut:
    return accept(runtime, event)


@router.post("/batch", response_model=BatchOut)
def post_batch(
    runtime: RuntimeDep,
    events: Annotated[list[dict[str, Any]], Body(embed=True, max_length=MAX_BATCH)],
) -> BatchOut:
    results = []
    for index, raw in enumerate(events):
        try:
            event = EventIn.model_validate(raw)
        except ValidationError as exc:
            first = describe([dict(e) for e in exc.errors()])[0]
            results.append(
                BatchItemOut(
                    index=index,
                    ok=False,
                    error="invalid",
                    message=first["message"],
                    field=first["field"],
                )
            )
            continue
        results.append(BatchItemOut(index=index, ok=True, result=accept(runtime, event)))
    accepted = sum(1 for r in results if r.ok)
    return BatchOut(accepted=accepted, failed=len(results) - accepted, results=results)


@router.post("/x", response_model=BatchOut)
def post_x(body: XBody, runtime: RuntimeDep) -> BatchOut:
    users = {user.id: user for user in (body.includes.users if body.includes else [])}
    results = []
    for index, post in enumerate(body.posts()):
        event = x_post_to_event(post, users)
        results.append(BatchItemOut(index=index, ok=True, result=accept(runtime, event)))
    return BatchOut(accepted=len(results), failed=0, results=results)
