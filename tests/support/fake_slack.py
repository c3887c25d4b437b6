"""A local fake of Slack's Web API over real HTTP, for slack_sdk.WebClient in tests."""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.support.slack_validate import SlackPayloadError, validate_message, validate_modal

TOKEN = "xoxb-test-token"
SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
JSON_FIELDS = ("blocks", "attachments", "view", "metadata")  # sent as JSON strings in forms
MESSAGE_METHODS = ("chat.postMessage", "chat.update", "chat.postEphemeral")
VIEW_METHODS = ("views.open", "views.update")
BOT = {"team_id": "T0FAKE", "team": "Fake Team", "user_id": "U0FAKEBOT", "bot_id": "B0FAKEBOT"}


@dataclass(frozen=True)
class Call:
    """One request as the fake saw it: the body decoded, whatever its encoding was."""

    method: str
    body: dict[str, Any]
    at: datetime
    status: int = 200
    error: str | None = None
    reached: bool = True  # False when refused before the method ran (auth, scripted failure)


@dataclass(frozen=True)
class Invalid:
    """A payload Slack would refuse or mangle, and why."""

    method: str
    problems: list[str]


@dataclass(frozen=True)
class _Failure:
    status: int
    error: str
    retry_after: int | None = None
    channel: str | None = None  # only calls to this channel (its id), else any call


@dataclass(frozen=True)
class Fault:
    """Slack misbehaving for a while: from `start` to `end` seconds after `schedule()`.

    `kind` is "429" (with Retry-After), "500", or "hang": the method runs (the message is
    posted) but the answer is held `hang_seconds`, past the client's timeout, so the caller
    cannot know its post went through. One call in `every` to `methods` is hit.
    """

    start: float
    end: float
    kind: str
    every: int = 1
    methods: tuple[str, ...] = ("chat.postMessage", "chat.update")
    retry_after: int = 1
    hang_seconds: float = 12.0


@dataclass
class _Answer:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)
    reached: bool = False


class FakeSlack:
    """Slack's Web API on 127.0.0.1 (a free port) in a daemon thread.

    `with FakeSlack() as slack:` then `WebClient(token=slack.token, base_url=slack.url + "/api/")`
    (methods are served under `/api/` and at the root alike).

    `.requests` records every request with its answer; `.calls` only those that reached the
    method (not refused for auth or by a scripted failure): what Slack acted on. Every
    `blocks`/`view` is validated; problems land in `.invalid` (with `strict=True` the call is
    also refused with `invalid_blocks`, as Slack would).
    """

    def __init__(self, token: str = TOKEN, *, strict: bool = False) -> None:
        self.token = token
        self.strict = strict
        self.hold_timeout = 30.0  # a held request never outlives a forgotten test by much
        self._lock = threading.Condition()
        self._calls: list[Call] = []
        self._invalid: list[Invalid] = []
        self._failures: dict[str, deque[_Failure]] = defaultdict(deque)
        self._holds: dict[str, deque[threading.Event]] = defaultdict(deque)
        self._ts = itertools.count(1)
        self._ids = itertools.count(1)
        self._channels: dict[str, str] = {}
        self._schedule: list[Fault] = []
        self._schedule_start: float | None = None
        self._fault_hits: dict[Fault, int] = defaultdict(int)
        self.faults_injected: dict[str, int] = defaultdict(int)  # kind -> calls hit
        self._released = threading.Event()  # set on stop(): no hang outlives the fake
        self.messages: dict[tuple[str, str], dict[str, Any]] = {}
        self.views: dict[str, dict[str, Any]] = {}
        self._server: ThreadingHTTPServer | None = None

    # --- lifecycle ---

    def __enter__(self) -> FakeSlack:
        self.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def start(self) -> None:
        server = _Server(("127.0.0.1", 0), _handler_for(self))
        self._server = server
        # A short poll keeps stop() quick: shutdown() waits for the loop to notice.
        serve = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.02},
            name="fake-slack",
            daemon=True,
        )
        serve.start()

    def stop(self) -> None:
        self._released.set()
        with self._lock:
            for events in self._holds.values():
                for event in events:
                    event.set()  # nothing waits past the end of the test
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("FakeSlack is not running: use it as a context manager")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    # --- what tests read ---

    @property
    def requests(self) -> list[Call]:
        with self._lock:
            return list(self._calls)

    @property
    def calls(self) -> list[Call]:
        with self._lock:
            return [c for c in self._calls if c.reached]

    @property
    def invalid(self) -> list[Invalid]:
        with self._lock:
            return list(self._invalid)

    def calls_to(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def wait_for(self, method: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        """Blocks until `count` requests to `method` were answered (made on other threads)."""
        with self._lock:
            done = self._lock.wait_for(
                lambda: sum(c.method == method for c in self._calls) >= count, timeout
            )
            if not done:
                raise TimeoutError(f"{method} was not called {count} time(s) within {timeout}s")
            return [c for c in self._calls if c.method == method]

    def channel_id(self, channel: str) -> str:
        """The id the fake gives a channel name (`#crisis-response` -> `C…`); ids pass through."""
        name = channel.lstrip("#")
        if name[:1] in ("C", "G", "D") and name[1:].isalnum() and name.isupper():
            return name
        with self._lock:
            return self._channels.setdefault(name, f"C{len(self._channels) + 1:08d}")

    # --- what tests script ---

    def fail_next(
        self,
        method: str,
        status: int | None = None,
        retry_after: int = 1,
        error: str | None = None,
        channel: str | None = None,
    ) -> None:
        """The next call to `method` fails: 429 with Retry-After by default, another HTTP status,
        or with `error` alone an HTTP 200 `{"ok": false, "error": error}` as Slack does.
        With `channel` (a name or an id), only the next call to that channel fails."""
        if status is None:
            status = 200 if error else 429
        default = {429: "ratelimited", 200: "fatal_error"}.get(status, "internal_error")
        only = self.channel_id(channel) if channel else None
        failure = _Failure(status, error or default, retry_after if status == 429 else None, only)
        with self._lock:
            self._failures[method].append(failure)

    def hold_next(self, method: str) -> threading.Event:
        """The next call to `method` waits, unanswered, until the returned event is set."""
        event = threading.Event()
        with self._lock:
            self._holds[method].append(event)
        return event

    def schedule(self, faults: list[Fault]) -> None:
        """Arms a fault schedule; its times count from the next Web API call (a service that
        is slow to start on a loaded machine still meets every fault); [] ends it."""
        with self._lock:
            self._schedule = list(faults)
            self._schedule_start = None
            self._fault_hits.clear()

    def outage_over(self) -> bool:
        """Whether every scheduled fault's window has passed."""
        with self._lock:
            if self._schedule_start is None:
                return not self._schedule
            elapsed = time.monotonic() - self._schedule_start
            return all(f.end <= elapsed for f in self._schedule)

    # --- serving (runs on the server's threads) ---

    def handle(self, method: str, headers: dict[str, str], raw: bytes, query: str) -> _Answer:
        arrived = datetime.now(UTC)
        hold = self._pop(self._holds, method)
        if hold is not None:
            hold.wait(self.hold_timeout)
        body, problem = _decode(headers.get("content-type", ""), raw, query)
        fault = self._scheduled_fault(method)
        if fault is not None and fault.kind != "hang":
            answer = _fault_answer(fault)
        else:
            answer = self._answer(method, headers, body, problem)
        with self._lock:
            error = None if answer.body.get("ok") else str(answer.body.get("error"))
            self._calls.append(Call(method, body, arrived, answer.status, error, answer.reached))
            self._lock.notify_all()
        if fault is not None and fault.kind == "hang":
            self._released.wait(fault.hang_seconds)  # done, but the caller has given up
        return answer

    def _scheduled_fault(self, method: str) -> Fault | None:
        """The scheduled fault that hits this call, if any (and counts it)."""
        with self._lock:
            if self._schedule and self._schedule_start is None:
                self._schedule_start = time.monotonic()
            elapsed = time.monotonic() - (self._schedule_start or 0.0)
            for fault in self._schedule:
                if method not in fault.methods or not fault.start <= elapsed < fault.end:
                    continue
                self._fault_hits[fault] += 1
                if (self._fault_hits[fault] - 1) % fault.every == 0:
                    self.faults_injected[fault.kind] += 1
                    return fault
        return None

    def _answer(
        self, method: str, headers: dict[str, str], body: dict[str, Any], problem: str | None
    ) -> _Answer:
        auth = _auth_error(headers.get("authorization"), body.get("token"), self.token)
        if problem or auth:
            return _Answer(200, {"ok": False, "error": problem or auth})
        failure = self._pop_failure(method, str(body.get("channel") or ""))
        if failure is not None:
            extra = {"Retry-After": str(failure.retry_after)} if failure.retry_after else {}
            return _Answer(failure.status, {"ok": False, "error": failure.error}, extra)
        if self._refused(method, body):
            return _Answer(200, {"ok": False, "error": "invalid_blocks"})
        handler = self._methods().get(method)
        if handler is None:
            return _Answer(404, {"ok": False, "error": "unknown_method"})
        with self._lock:
            return _Answer(200, handler(body), reached=True)

    def _pop(self, queues: dict[str, deque[Any]], method: str) -> Any:
        with self._lock:
            queue = queues.get(method)
            return queue.popleft() if queue else None

    def _pop_failure(self, method: str, channel: str) -> _Failure | None:
        """The first failure scripted for this call: for its channel, or for any channel."""
        called = self.channel_id(channel) if channel else None
        with self._lock:
            queue = self._failures.get(method) or deque()
            for failure in queue:
                if failure.channel is None or failure.channel == called:
                    queue.remove(failure)
                    return failure
        return None

    def _refused(self, method: str, body: dict[str, Any]) -> bool:
        """Validates what Slack would; records problems; True when strict mode refuses."""
        try:
            if method in MESSAGE_METHODS and ("blocks" in body or "text" in body):
                validate_message(body)
            elif method in VIEW_METHODS and "view" in body:
                validate_modal(body["view"])
        except SlackPayloadError as exc:
            with self._lock:
                self._invalid.append(Invalid(method, exc.problems))
            return self.strict
        return False

    def _methods(self) -> dict[str, Any]:
        return {
            "auth.test": self._auth_test,
            "chat.postMessage": self._post_message,
            "chat.update": self._update,
            "chat.postEphemeral": self._post_ephemeral,
            "views.open": self._views_open,
            "views.update": self._views_update,
            "conversations.history": self._history,
            "conversations.list": self._list,
            "conversations.join": self._join,
        }

    # --- the methods (called with the lock held) ---

    def _next_ts(self) -> str:
        # Fixed width, so later messages compare greater both as strings and as numbers.
        return f"1700000000.{next(self._ts):06d}"

    def _auth_test(self, body: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "url": "https://fake.slack.test/", "user": "playbook", **BOT}

    def _post_message(self, body: dict[str, Any]) -> dict[str, Any]:
        if not body.get("channel"):
            return {"ok": False, "error": "channel_not_found"}
        if not (body.get("text") or body.get("blocks") or body.get("attachments")):
            return {"ok": False, "error": "no_text"}
        channel, ts = self._channel(str(body["channel"])), self._next_ts()
        message = _message(body, ts)
        self.messages[(channel, ts)] = message
        return {"ok": True, "channel": channel, "ts": ts, "message": message}

    def _update(self, body: dict[str, Any]) -> dict[str, Any]:
        channel, ts = self._channel(str(body.get("channel", ""))), str(body.get("ts", ""))
        if (channel, ts) not in self.messages:
            return {"ok": False, "error": "message_not_found"}
        message = {**self.messages[(channel, ts)], **_message(body, ts), "edited": True}
        self.messages[(channel, ts)] = message
        return {
            "ok": True,
            "channel": channel,
            "ts": ts,
            "text": message["text"],
            "message": message,
        }

    def _post_ephemeral(self, body: dict[str, Any]) -> dict[str, Any]:
        if not body.get("channel"):
            return {"ok": False, "error": "channel_not_found"}
        if not body.get("user"):
            return {"ok": False, "error": "user_not_found"}
        return {"ok": True, "message_ts": self._next_ts()}

    def _views_open(self, body: dict[str, Any]) -> dict[str, Any]:
        if not body.get("trigger_id"):
            return {"ok": False, "error": "invalid_trigger_id"}
        if not isinstance(body.get("view"), dict):
            return {"ok": False, "error": "invalid_arguments"}
        view_id = f"V{next(self._ids):08d}"
        return self._store_view(view_id, body["view"])

    def _views_update(self, body: dict[str, Any]) -> dict[str, Any]:
        view_id = body.get("view_id") or self._by_external_id(body.get("external_id"))
        if view_id not in self.views:
            return {"ok": False, "error": "not_found"}
        if body.get("hash") and body["hash"] != self.views[view_id]["hash"]:
            return {"ok": False, "error": "hash_conflict"}
        if not isinstance(body.get("view"), dict):
            return {"ok": False, "error": "invalid_arguments"}
        return self._store_view(view_id, body["view"])

    def _by_external_id(self, external_id: Any) -> str | None:
        found = [
            k for k, v in self.views.items() if external_id and v.get("external_id") == external_id
        ]
        return found[0] if found else None

    def _store_view(self, view_id: str, view: dict[str, Any]) -> dict[str, Any]:
        stored = {**view, "id": view_id, "hash": f"h{next(self._ids)}", "state": {"values": {}}}
        self.views[view_id] = stored
        return {"ok": True, "view": stored}

    def _history(self, body: dict[str, Any]) -> dict[str, Any]:
        """A channel's top-level messages, newest first; ids only, as Slack requires."""
        channel = str(body.get("channel", ""))
        if not _is_id(channel):
            return {"ok": False, "error": "channel_not_found"}
        oldest, latest = str(body.get("oldest") or ""), str(body.get("latest") or "")
        messages = sorted(
            (
                m
                for (c, ts), m in self.messages.items()
                if c == channel
                and m.get("thread_ts") in (None, ts)
                and (not oldest or ts > oldest)
                and (not latest or ts < latest)
            ),
            key=lambda m: str(m["ts"]),
            reverse=True,
        )
        if not _true(body.get("include_all_metadata")):
            messages = [{k: v for k, v in m.items() if k != "metadata"} for m in messages]
        page, cursor = _page(messages, body, default_limit=100)
        return {
            "ok": True,
            "messages": page,
            "has_more": bool(cursor),
            "response_metadata": {"next_cursor": cursor},
        }

    def _list(self, body: dict[str, Any]) -> dict[str, Any]:
        channels = [
            {"id": cid, "name": name, "is_channel": True, "is_archived": False}
            for name, cid in self._channels.items()
        ]
        page, cursor = _page(channels, body, default_limit=100)
        return {"ok": True, "channels": page, "response_metadata": {"next_cursor": cursor}}

    def _join(self, body: dict[str, Any]) -> dict[str, Any]:
        channel = str(body.get("channel", ""))
        if not _is_id(channel):
            return {"ok": False, "error": "channel_not_found"}
        return {"ok": True, "channel": {"id": channel}}

    def _channel(self, channel: str) -> str:
        name = channel.lstrip("#")
        if name[:1] in ("C", "G", "D") and name[1:].isalnum() and name.isupper():
            return name
        return self._channels.setdefault(name, f"C{len(self._channels) + 1:08d}")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # the default 5 drops bursts of connections for a second


def _fault_answer(fault: Fault) -> _Answer:
    if fault.kind == "429":
        headers = {"Retry-After": str(fault.retry_after)}
        return _Answer(429, {"ok": False, "error": "ratelimited"}, headers)
    return _Answer(500, {"ok": False, "error": "internal_error"})


def _message(body: dict[str, Any], ts: str) -> dict[str, Any]:
    message = {"type": "message", "ts": ts, "user": BOT["user_id"], "text": body.get("text", "")}
    for key in ("blocks", "thread_ts", "attachments", "metadata"):
        if key in body:
            message[key] = body[key]
    return message


def _is_id(channel: str) -> bool:
    return channel[:1] in ("C", "G", "D") and channel[1:].isalnum() and channel.isupper()


def _true(value: Any) -> bool:
    return value is True or str(value).lower() in ("1", "true")


def _page(
    items: list[dict[str, Any]], body: dict[str, Any], *, default_limit: int
) -> tuple[list[dict[str, Any]], str]:
    """One page of a cursor-paged list: the cursor is the offset, "" after the last page."""
    start = int(body.get("cursor") or 0)
    limit = int(body.get("limit") or default_limit)
    end = start + limit
    return items[start:end], str(end) if end < len(items) else ""


def _auth_error(header: str | None, form_token: Any, token: str) -> str | None:
    """Slack's answers: no token at all is `not_authed`, a wrong one `invalid_auth`."""
    given = header.removeprefix("Bearer ").strip() if header else form_token
    if header and not header.startswith("Bearer "):
        return "invalid_auth"
    if not given:
        return "not_authed"
    return None if given == token else "invalid_auth"


def _decode(content_type: str, raw: bytes, query: str) -> tuple[dict[str, Any], str | None]:
    """JSON or form body (plus query string) as one dict; JSON-valued form fields decoded."""
    body: dict[str, Any] = {k: v[-1] for k, v in parse_qs(query).items()}
    try:
        if content_type.startswith("application/json"):
            data = json.loads(raw or b"{}")
            if not isinstance(data, dict):
                return body, "invalid_json"
            return {**body, **data}, None
        body.update({k: v[-1] for k, v in parse_qs(raw.decode("utf-8")).items()})
        for key in JSON_FIELDS:
            if isinstance(body.get(key), str):
                body[key] = json.loads(body[key])
    except (ValueError, UnicodeDecodeError):
        return body, "invalid_json" if content_type.startswith(
            "application/json"
        ) else "invalid_form_data"
    return body, None


def _handler_for(slack: FakeSlack) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self._serve()

        def do_GET(self) -> None:
            self._serve()

        def _serve(self) -> None:
            parts = urlsplit(self.path)
            method = parts.path.removeprefix("/api/").strip("/")
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            headers = {k.lower(): v for k, v in self.headers.items()}
            answer = slack.handle(method, headers, raw, parts.query)
            payload = json.dumps(answer.body).encode()
            try:
                self.send_response(answer.status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(payload)))
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)
            except OSError:
                pass  # the client gave up (a timeout test): Slack would not notice either

        def log_message(self, format: str, *args: Any) -> None:
            return  # keep test output clean

    return Handler
