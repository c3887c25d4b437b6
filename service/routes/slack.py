"""POST /slack/interactions and /slack/commands: Slack's requests, signature checked."""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping
from urllib.parse import parse_qs

from fastapi import APIRouter, BackgroundTasks, Request, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from service.deps import RuntimeDep
from service.errors import error_responses, problem
from service.limits import loads_bounded
from service.runtime import Runtime
from service.slack_commands import handle_command
from service.slack_interactions import handle_interaction, send_ephemeral

router = APIRouter(
    prefix="/slack",
    tags=["slack"],
    responses={200: {"description": "Slack's answer"}, **error_responses(400, 401, 413, 503)},
)
MAX_AGE_SECONDS = 5 * 60
_TIMESTAMP = re.compile(r"[0-9]{1,12}")  # Unix seconds; anything else is not Slack's


def _signed_by_slack(secret: str, now: float, raw: bytes, headers: Mapping[str, str]) -> bool:
    """Slack's v0 signature over the raw bytes, checked before anything is decoded."""
    stamp = headers.get("x-slack-request-timestamp", "")
    signature = headers.get("x-slack-signature", "")
    if not _TIMESTAMP.fullmatch(stamp) or abs(now - int(stamp)) > MAX_AGE_SECONDS:
        return False
    base = b"v0:" + stamp.encode("ascii") + b":" + raw
    expected = "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), signature.encode("utf-8", "replace"))


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
    if not _signed_by_slack(secret, runtime.clock.now().timestamp(), raw, headers):
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
        payload = loads_bounded(form.get("payload", ""))
    except (ValueError, RecursionError):
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
