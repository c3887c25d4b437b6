"""POST /slack/interactions and /slack/commands: Slack's requests, signature checked."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from service.deps import RuntimeDep

router = APIRouter(prefix="/slack", tags=["slack"])


def _not_configured() -> JSONResponse:
    return JSONResponse(
        status_code=503,
        content={
            "error": "slack_not_configured",
            "message": "PLAYBOOK_SLACK_SIGNING_SECRET is not set: Slack requests are refused",
        },
    )


@router.post("/interactions")
async def interactions(request: Request, runtime: RuntimeDep) -> JSONResponse:
    if not runtime.settings.slack_signing_secret:
        return _not_configured()
    return JSONResponse(status_code=501, content={"error": "not_implemented"})


@router.post("/commands")
async def commands(request: Request, runtime: RuntimeDep) -> JSONResponse:
    if not runtime.settings.slack_signing_secret:
        return _not_configured()
    return JSONResponse(status_code=501, content={"error": "not_implemented"})
