"""POST /v1/events, /v1/events/batch and /v1/events/x."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends
from pydantic import ValidationError

from playbook.batch import Failed
from playbook.core.errors import PlaybookError
from playbook.intake.events import EventIn, XBody, x_post_to_event
from service.deps import RuntimeDep, require_api_key
from service.errors import describe, error_responses
from service.runtime import Runtime
from service.schemas import BatchItemOut, BatchOut, IngestOut
from service.writer import commit_events

router = APIRouter(
    prefix="/v1/events",
    tags=["events"],
    dependencies=[Depends(require_api_key)],
    responses=error_responses(400, 401, 403, 413, 422),
)
MAX_BATCH = 1000


def accept_all(runtime: Runtime, events: list[EventIn]) -> list[BatchItemOut]:
    """Events in one transaction, each in a savepoint: a failing event fails alone."""
    return [
        _failed(i, a.error) if isinstance(a, Failed) else BatchItemOut(index=i, ok=True, result=a)
        for i, a in enumerate(commit_events(runtime, events))
    ]


def _failed(index: int, error: Exception) -> BatchItemOut:
    if isinstance(error, PlaybookError):
        return BatchItemOut(
            index=index, ok=False, error=error.code, message=error.message, field=error.field
        )
    return BatchItemOut(
        index=index, ok=False, error="internal", message="internal error; the event was not stored"
    )


def _invalid(index: int, exc: ValidationError) -> BatchItemOut:
    first = describe([dict(e) for e in exc.errors()])[0]
    return BatchItemOut(
        index=index, ok=False, error="invalid", message=first["message"], field=first["field"]
    )


def _answer(runtime: Runtime, checked: list[EventIn | BatchItemOut]) -> BatchOut:
    """Store the valid events together (each in a savepoint); the invalid ones fail alone."""
    valid = [(i, item) for i, item in enumerate(checked) if isinstance(item, EventIn)]
    stored = accept_all(runtime, [event for _, event in valid])
    results = [item for item in checked if isinstance(item, BatchItemOut)]
    results += [
        item.model_copy(update={"index": i}) for (i, _), item in zip(valid, stored, strict=True)
    ]
    results.sort(key=lambda r: r.index)
    accepted = sum(1 for r in results if r.ok)
    return BatchOut(accepted=accepted, failed=len(results) - accepted, results=results)


@router.post("", response_model=IngestOut)
def post_event(event: EventIn, runtime: RuntimeDep) -> IngestOut:
    """One event, committed with the others arriving in the same few milliseconds."""
    return runtime.writer.submit(event)


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
            checked.append(_invalid(index, exc))
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
            checked.append(_invalid(index, exc))
    return _answer(runtime, checked)
