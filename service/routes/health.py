"""GET /healthz and GET /metrics (Prometheus text)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Response
from fastapi.responses import PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

from playbook.actions.outbox import pending_count
from playbook.core.db import session_scope
from playbook.core.metrics import workflow_text
from playbook.rules.source.model import PUBLIC_ANSWERS
from service.deps import RuntimeDep, require_metrics_key

router = APIRouter(tags=["health"])
FIRST_RESPONSE_KINDS = frozenset(PUBLIC_ANSWERS) | {"triage"}  # a person has answered


@router.get("/healthz")
def healthz(runtime: RuntimeDep) -> dict[str, object]:
    with session_scope(runtime.engine) as session:
        session.exec(text("SELECT 1"))  # type: ignore[call-overload]
        queue = pending_count(session)
    return {"status": "ok", "rules_version": runtime.rules.playbook.version, "outbox": queue}


@router.get(
    "/metrics",
    response_class=PlainTextResponse,
    responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}}},
    dependencies=[Depends(require_metrics_key)],
)
def metrics(runtime: RuntimeDep) -> Response:
    """The runtime's counters, then the workflow figures read from the database now."""
    with session_scope(runtime.engine) as session:
        runtime.metrics.outbox_pending.set(pending_count(session))
        figures = workflow_text(session, runtime.clock.now(), FIRST_RESPONSE_KINDS)
    own = generate_latest(runtime.metrics.registry)
    return Response(own + figures, media_type=CONTENT_TYPE_LATEST)
