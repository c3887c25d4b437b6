"""POST /v1/events, /v1/events/batch and /v1/events/x."""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends
from pydantic import ValidationError

from playbook.core.db import session_scope
from playbook.core.errors import PlaybookError
from playbook.intake.events import EventIn, XBody, x_post_to_event
from playbook.pipeline import excerpt, ingest
from service.deps import RuntimeDep, require_api_key
from service.errors import describe, error_responses
from service.runtime import Runtime
from service.schemas import BatchItemOut, BatchOut, IngestOut

log = logging.getLogger("playbook.events")
router = APIRouter(
    prefix="/v1/events",
    tags=["events"],
    dependencies=[Depends(require_api_key)],
    responses=error_responses(400, 401, 403, 413, 422),
)
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


def _failure(index: int, exc: ValidationError) -> BatchItemOut:
    first = describe([dict(e) for e in exc.errors()])[0]
    return BatchItemOut(
        index=index, ok=False, error="invalid", message=first["message"], field=first["field"]
    )


def _accept_one(runtime: Runtime, index: int, event: EventIn) -> BatchItemOut:
    """One event of many: whatever befalls it, the answer says which were stored."""
    try:
        return BatchItemOut(index=index, ok=True, result=accept(runtime, event))
    except PlaybookError as exc:
        return BatchItemOut(
            index=index, ok=False, error=exc.code, message=exc.message, field=exc.field
        )
    except Exception:
        log.exception("event %s/%s (index %d) was not stored", event.source, event.id, index)
        return BatchItemOut(
            index=index, ok=False, error="internal", message="internal error; not stored"
        )


def _answer(runtime: Runtime, checked: list[EventIn | BatchItemOut]) -> BatchOut:
    """Accept the valid events, each in its own transaction; the invalid ones fail alone."""
    results = [
        item if isinstance(item, BatchItemOut) else _accept_one(runtime, index, item)
        for index, item in enumerate(checked)
    ]
    accepted = sum(1 for r in results if r.ok)
    return BatchOut(accepted=accepted, failed=len(results) - accepted, results=results)


@router.post("/batch", response_model=BatchOut)
def post_batch(
    runtime: RuntimeDep,
    events: Annotated[list[dict[str, Any]], Body(embed=True, max_length=MAX_BATCH)],
) -> BatchOut:
    checked: list[EventIn | BatchItemOut] = []
    for index, raw in enumerate(events):
        try:
            checked.append(EventIn.model_validate(raw))
        except ValidationError as exc:
            checked.append(_failure(index, exc))
    return _answer(runtime, checked)


@router.post("/x", response_model=BatchOut)
def post_x(body: XBody, runtime: RuntimeDep) -> BatchOut:
    """Every post is mapped (and checked) before any is stored; a bad post fails alone."""
    users = {user.id: user for user in (body.includes.users if body.includes else [])}
    checked: list[EventIn | BatchItemOut] = []
    for index, post in enumerate(body.posts()):
        try:
            checked.append(x_post_to_event(post, users))
        except ValidationError as exc:
            checked.append(_failure(index, exc))
    return _answer(runtime, checked)
