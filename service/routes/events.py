"""POST /v1/events, /v1/events/batch and /v1/events/x."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends
from pydantic import ValidationError

from playbook.batch import Failed
from playbook.core.errors import PlaybookError
from playbook.intake.events import EventIn, XBody, x_post_to_event
from service.deps import RuntimeDep, require_api_key
from service.errors import describe
from service.runtime import Runtime
from service.schemas import BatchItemOut, BatchOut, IngestOut
from service.writer import commit_events

router = APIRouter(prefix="/v1/events", tags=["events"], dependencies=[Depends(require_api_key)])
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


@router.post("", response_model=IngestOut)
def post_event(event: EventIn, runtime: RuntimeDep) -> IngestOut:
    return runtime.writer.submit(event)


@router.post("/batch", response_model=BatchOut)
def post_batch(
    runtime: RuntimeDep,
    events: Annotated[list[dict[str, Any]], Body(embed=True, max_length=MAX_BATCH)],
) -> BatchOut:
    results: list[BatchItemOut] = []
    valid: list[tuple[int, EventIn]] = []
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
        valid.append((index, event))
    stored = accept_all(runtime, [event for _, event in valid])
    for (index, _), item in zip(valid, stored, strict=True):
        results.append(item.model_copy(update={"index": index}))
    results.sort(key=lambda r: r.index)
    accepted = sum(1 for r in results if r.ok)
    return BatchOut(accepted=accepted, failed=len(results) - accepted, results=results)


@router.post("/x", response_model=BatchOut)
def post_x(body: XBody, runtime: RuntimeDep) -> BatchOut:
    users = {user.id: user for user in (body.includes.users if body.includes else [])}
    results = accept_all(runtime, [x_post_to_event(post, users) for post in body.posts()])
    accepted = sum(1 for r in results if r.ok)
    return BatchOut(accepted=accepted, failed=len(results) - accepted, results=results)
