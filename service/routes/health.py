"""GET /healthz and GET /metrics (Prometheus text)."""

from __future__ import annotations

from fastapi import APIRouter, Response
from fastapi.responses import PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

from playbook.actions.outbox import pending_count
from playbook.core.db import session_scope
from service.deps import RuntimeDep

router = APIRouter(tags=["health"])


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
)
def metrics(runtime: RuntimeDep) -> Response:
    with session_scope(runtime.engine) as session:
        runtime.metrics.outbox_pending.set(pending_count(session))
    return Response(generate_latest(runtime.metrics.registry), media_type=CONTENT_TYPE_LATEST)
