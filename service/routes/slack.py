"""POST /slack/interactions and /slack/commands: Slack's requests, signature checked."""

from __future__ import annotations

import json
from collections.abc import Mapping
from urllib.parse import parse_qs

from fastapi import APIRouter, BackgroundTasks, Request, Response
from fastapi.responses import JSONResponse
from slack_sdk.signature import Clock as SignatureClock
from slack_sdk.signature import SignatureVerifier
from starlette.concurrency import run_in_threadpool

from service.deps import RuntimeDep
from service.errors import problem
from service.runtime import Runtime
from service.slack_interactions import handle_command, handle_interaction, send_ephemeral

router = APIRouter(prefix="/slack", tags=["slack"])


class _RuntimeClock(SignatureClock):
    """The runtime's clock, so tests judge staleness without waiting."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    def now(self) -> float:
        return self.runtime.clock.now().timestamp()


def _not_configured() -> JSONResponse:
    return JSONResponse(
        status_code=503,
        content={
            "error": "slack_not_configured",
            "message": "PLAYBOOK_SLACK_SIGNING_SECRET is not set: Slack requests are refused",
        },
    )


def _refused(runtime: Runtime, raw: bytes, headers: Mapping[str, str]) -> JSONResponse | None:
    """None for a request Slack signed within the last 5 minutes, else the answer to give."""
    secret = runtime.settings.slack_signing_secret
    if not secret:
        return _not_configured()
    verifier = SignatureVerifier(secret, clock=_RuntimeClock(runtime))
    if not verifier.is_valid_request(raw, dict(headers)):
        return problem(
            401,
            "unauthorized",
            "the Slack signature is missing, stale or wrong",
            "X-Slack-Signature",
        )
    return None


def _form(raw: bytes) -> dict[str, str] | None:
    try:
        fields = parse_qs(raw.decode("utf-8"), keep_blank_values=True)
    except (UnicodeDecodeError, ValueError):
        return None
    return {key: values[-1] for key, values in fields.items()}


@router.post("/interactions")
async def interactions(
    request: Request, runtime: RuntimeDep, background: BackgroundTasks
) -> Response:
    raw = await request.body()
    refused = _refused(runtime, raw, request.headers)
    if refused is not None:
        return refused
    form = _form(raw) or {}
    try:
        payload = json.loads(form.get("payload", ""))
    except ValueError:
        payload = None
    if not isinstance(payload, dict):
        return problem(400, "invalid", "`payload` is not a JSON object", "payload")
    answer = await run_in_threadpool(handle_interaction, runtime, payload)
    # Slack wants its answer within 3 s: explanations follow the acknowledgement.
    for message in answer.ephemeral:
        background.add_task(send_ephemeral, runtime, message)
    if answer.body is None:
        return Response(status_code=200, background=background)
    return JSONResponse(answer.body, background=background)


@router.post("/commands")
async def commands(request: Request, runtime: RuntimeDep) -> JSONResponse:
    raw = await request.body()
    refused = _refused(runtime, raw, request.headers)
    if refused is not None:
        return refused
    form = _form(raw)
    if form is None:
        return problem(400, "invalid", "the body is not form-encoded UTF-8", "body")
    return JSONResponse(await run_in_threadpool(handle_command, runtime, form))
