"""A local fake of Slack's Web API: a real HTTP server on a free loopback port for tests."""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

from playbook.actions.slack_validate import SlackPayloadError, validate_message, validate_modal

TOKEN = "xoxb-test-token"


@dataclass
class Call:
    method: str
    body: dict[str, Any]


@dataclass
class _Failure:
    status: int = 200
    error: str | None = None
    retry_after: int | None = None


@dataclass
class FakeSlack:
    """Records calls, validates Block Kit, and answers failures when told to."""

    calls: list[Call] = field(default_factory=list)
    invalid: list[str] = field(default_factory=list)
    _failures: dict[str, list[_Failure]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _ts: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def __enter__(self) -> FakeSlack:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
                fake._handle(self)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/api/"

    def fail_next(
        self,
        method: str,
        *,
        status: int = 200,
        error: str | None = None,
        retry_after: int | None = None,
    ) -> None:
        with self._lock:
            self._failures.setdefault(method, []).append(_Failure(status, error, retry_after))

    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        method = request.path.rsplit("/", 1)[-1]
        length = int(request.headers.get("content-length", 0))
        raw = request.rfile.read(length).decode()
        if request.headers.get("content-type", "").startswith("application/json"):
            body = json.loads(raw or "{}")
        else:
            body = {k: v[0] for k, v in parse_qs(raw).items()}
            for key in ("blocks", "view"):
                if isinstance(body.get(key), str):
                    body[key] = json.loads(body[key])
        with self._lock:
            failure = self._failures.get(method, []).pop(0) if self._failures.get(method) else None
            if request.headers.get("authorization") != f"Bearer {TOKEN}":
                failure = _Failure(200, "invalid_auth")
            if failure is None:
                self.calls.append(Call(method, body))
                self._validate(method, body)
        if failure is not None:
            headers = {"Retry-After": str(failure.retry_after)} if failure.retry_after else {}
            answer: dict[str, Any] = {"ok": False, "error": failure.error or "ratelimited"}
            self._reply(request, failure.status, answer, headers)
            return
        ts = f"1700000000.{next(self._ts):06d}"
        self._reply(
            request,
            200,
            {
                "ok": True,
                "channel": body.get("channel", "C1"),
                "ts": body.get("ts", ts),
                "message": {"ts": ts},
            },
            {},
        )

    def _validate(self, method: str, body: dict[str, Any]) -> None:
        try:
            if method in ("chat.postMessage", "chat.update", "chat.postEphemeral"):
                validate_message(body)
            elif method in ("views.open", "views.update"):
                validate_modal(body["view"])
        except SlackPayloadError as exc:
            self.invalid.append(f"{method}: {exc}")

    @staticmethod
    def _reply(
        request: BaseHTTPRequestHandler,
        status: int,
        answer: dict[str, Any],
        headers: dict[str, str],
    ) -> None:
        data = json.dumps(answer).encode()
        request.send_response(status)
        request.send_header("content-type", "application/json")
        request.send_header("content-length", str(len(data)))
        for key, value in headers.items():
            request.send_header(key, value)
        request.end_headers()
        request.wfile.write(data)
