"""One place that turns errors into JSON answers naming the field; never a stack trace."""

from __future__ import annotations

import logging
import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from playbook.core.errors import PlaybookError, RulesInvalid

log = logging.getLogger("playbook.service")

WHEN = {
    400: "the request is malformed",
    401: "missing or wrong credentials (API key, Slack signature)",
    403: "refused: no API keys are configured and the client is not local",
    404: "no such incident or step",
    409: "the step's state or version does not allow the action",
    413: "the body is too large",
    422: "a field is invalid; `field` names it",
    503: "the feature is not configured",
}


class ErrorOut(BaseModel):
    """Every error answer: a code, a clear message and, where one is to blame, the field."""

    error: str
    message: str
    field: str | None = None
    errors: list[dict[str, str]] | None = None


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` for these error statuses, all in the ErrorOut shape."""
    return {status: {"model": ErrorOut, "description": WHEN[status]} for status in statuses}


# pydantic names the branch of a union in `loc` ('XPost', 'list[XPost]'); no field does.
_TYPE_LABEL = re.compile(r"[A-Z]\w*|[\w-]+\[.*\]")


def field_path(loc: tuple[Any, ...] | list[Any]) -> str:
    """('body', 'author', 'followers') -> 'author.followers'; list indexes as [n]."""
    parts: list[str] = []
    for element in loc:
        if element in ("body", "query", "path", "header") and not parts:
            continue
        if isinstance(element, str) and _TYPE_LABEL.fullmatch(element):
            continue
        if isinstance(element, int):
            parts.append(f"[{element}]")
        else:
            parts.append(("." if parts else "") + str(element))
    return "".join(parts) or "body"


def describe(errors: list[dict[str, Any]]) -> list[dict[str, str]]:
    out = []
    for error in errors:
        field = field_path(error.get("loc", ()))
        kind = error.get("type", "")
        if kind == "json_invalid":
            message = "the body is not valid JSON"
            field = "body"
        elif kind == "missing":
            message = f"`{field}` is required"
        else:
            message = f"`{field}`: {str(error.get('msg', 'invalid')).removeprefix('Value error, ')}"
        out.append({"field": field, "message": message})
    return out


def problem(
    status: int, code: str, message: str, field: str | None = None, **extra: Any
) -> JSONResponse:
    body: dict[str, Any] = {"error": code, "message": message}
    if field is not None:
        body["field"] = field
    body.update(extra)
    return JSONResponse(status_code=status, content=body)


def validation_response(errors: list[dict[str, Any]]) -> JSONResponse:
    described = describe(errors)
    first = described[0] if described else {"field": "body", "message": "invalid request"}
    return problem(422, "invalid", first["message"], first["field"], errors=described)


def install(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def _request_invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        return validation_response([dict(e) for e in exc.errors()])

    @app.exception_handler(ValidationError)
    async def _model_invalid(_: Request, exc: ValidationError) -> JSONResponse:
        return validation_response([dict(e) for e in exc.errors()])

    @app.exception_handler(RulesInvalid)
    async def _rules_invalid(_: Request, exc: RulesInvalid) -> JSONResponse:
        return problem(
            exc.status, exc.code, exc.message, "rules", problems=[p.as_dict() for p in exc.problems]
        )

    @app.exception_handler(PlaybookError)
    async def _domain(_: Request, exc: PlaybookError) -> JSONResponse:
        return problem(exc.status, exc.code, exc.message, exc.field)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        message = exc.detail if isinstance(exc.detail, str) else "request refused"
        content = {"error": "http_error", "message": message}
        return JSONResponse(
            status_code=exc.status_code, content=content, headers=getattr(exc, "headers", None)
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return problem(500, "internal", "internal error; the request was not applied")
