"""Bounds on what a request may carry: body size, ids, JSON nesting, Slack actions."""

from __future__ import annotations

import json
import re
from typing import Annotated, Any

from fastapi import Path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_ID = 2**31 - 1  # ids are PostgreSQL integers; CONTRACT.md: path ids within 1..2^31-1
IdPath = Annotated[int, Path(ge=1, le=MAX_ID)]
MAX_JSON_DEPTH = 64  # Slack's deepest payloads (views with blocks) nest about 12 levels
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_JSON_BRACKET = re.compile(r"[\[\]{}]")


def valid_id(value: int) -> bool:
    """Whether `value` can be the id of a row: 1..2^31-1."""
    return 1 <= value <= MAX_ID


def fits_column(*numbers: int) -> bool:
    """Whether every number fits an integer column (0..2^31-1): larger ones are forged."""
    return all(0 <= number <= MAX_ID for number in numbers)


def parse_id(text: str) -> int | None:
    """An id written in ASCII digits (`#12` or `12`) within 1..2^31-1, else None."""
    digits = text.removeprefix("#")
    if not (0 < len(digits) <= 10 and digits.isascii() and digits.isdigit()):
        return None
    number = int(digits)
    return number if valid_id(number) else None


def json_depth(text: str) -> int:
    """How deeply `text` nests arrays and objects (strings skipped), without parsing it."""
    depth = deepest = 0
    for match in _JSON_BRACKET.finditer(_JSON_STRING.sub("", text)):
        depth += 1 if match.group() in "[{" else -1
        deepest = max(deepest, depth)
    return deepest


def loads_bounded(text: str) -> Any:
    """json.loads, refusing (ValueError) documents nested deeper than MAX_JSON_DEPTH."""
    if json_depth(text) > MAX_JSON_DEPTH:
        raise ValueError(f"the JSON nests deeper than {MAX_JSON_DEPTH} levels")
    return json.loads(text)


class BodyLimit:
    """ASGI middleware: bodies over `max_bytes` answer 413 with a JSON error."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(send)
            return
        # Read the body up front (at most max_bytes), then replay it to the app.
        chunks: list[bytes] = []
        seen = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                await self.app(scope, _replay([message]), send)
                return
            chunk = message.get("body", b"")
            seen += len(chunk)
            if seen > self.max_bytes:
                await self._refuse(send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = {"type": "http.request", "body": b"".join(chunks), "more_body": False}
        await self.app(scope, _replay([body], then=receive), send)

    async def _refuse(self, send: Send) -> None:
        body = json.dumps(
            {
                "error": "too_large",
                "message": f"the body is over {self.max_bytes} bytes",
                "field": "body",
            }
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


def _replay(messages: list[Message], then: Receive | None = None) -> Receive:
    pending = list(messages)

    async def receive() -> Message:
        if pending:
            return pending.pop(0)
        if then is not None:
            return await then()
        return {"type": "http.disconnect"}

    return receive
