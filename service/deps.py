"""Dependencies shared by the routes: the runtime, a database session, the API key check."""

from __future__ import annotations

import hmac
import ipaddress
import logging
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlmodel import Session

from playbook.core.db import session_scope
from playbook.core.errors import PlaybookError
from service.runtime import Runtime

log = logging.getLogger("playbook.service")

# Headers a proxy adds: their presence means the loopback peer may be relaying anyone.
FORWARDING_HEADERS = (
    "forwarded",
    "x-forwarded-for",
    "x-forwarded-host",
    "x-real-ip",
    "x-client-ip",
    "true-client-ip",
    "cf-connecting-ip",
)


class Unauthorized(PlaybookError):
    status = 401
    code = "unauthorized"


class Forbidden(PlaybookError):
    status = 403
    code = "forbidden"


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


def get_session(runtime: RuntimeDep) -> Iterator[Session]:
    with session_scope(runtime.engine) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


def is_loopback(host: str | None) -> bool:
    if not host:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


LOCAL_ACTOR = "local"  # who acts through /v1 when no keys are set and `by` says nobody


def require_api_key(request: Request, runtime: RuntimeDep) -> str | None:
    """Bearer keys from PLAYBOOK_API_KEYS; the key's name is returned: the caller's identity.
    With no keys set, only loopback clients get in, and they are nobody in particular (None)."""
    keys = runtime.settings.named_api_keys
    if not keys:
        _require_local(request)
        return None
    presented = bearer_token(request)
    # Compare against every key so timing says nothing about which one nearly matched.
    valid = [(hmac.compare_digest(presented, key.encode()), name) for name, key in keys]
    found = [name for matched, name in valid if matched]
    if not found:
        raise Unauthorized("the API key is not valid", field="Authorization")
    return found[0]


def bearer_token(request: Request) -> bytes:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("send `Authorization: Bearer <key>`", field="Authorization")
    return token.strip().encode()


def _require_local(request: Request) -> None:
    """With no keys, only a loopback client that is not relaying for someone else gets in."""
    client = request.client.host if request.client else None
    relayed = [name for name in FORWARDING_HEADERS if name in request.headers]
    if relayed:
        log.warning(
            "refused %s %s from %s: no API keys are configured and the request carries "
            "forwarding headers (%s), so it may come from anywhere",
            request.method,
            request.url.path,
            client,
            ", ".join(relayed),
        )
        raise Forbidden(
            f"no API keys are configured (PLAYBOOK_API_KEYS) and the request came through a "
            f"proxy ({relayed[0]}): set API keys to serve /v1 behind a proxy",
            field=relayed[0],
        )
    if not is_loopback(client):
        log.warning(
            "refused %s %s from %s: no API keys are configured",
            request.method,
            request.url.path,
            client,
        )
        raise Forbidden(
            "no API keys are configured (PLAYBOOK_API_KEYS): /v1 is open to loopback clients only",
            field="Authorization",
        )


def require_metrics_key(request: Request, runtime: RuntimeDep) -> None:
    """`PLAYBOOK_METRICS_KEY`, when set, is wanted as `Authorization: Bearer KEY` on /metrics."""
    wanted = runtime.settings.metrics_key
    if wanted and not hmac.compare_digest(bearer_token(request), wanted.encode()):
        raise Unauthorized("the metrics key is not valid", field="Authorization")


ApiKeyName = Annotated[str | None, Depends(require_api_key)]


def api_actor(key_name: str | None, by: str | None) -> str:
    """Who acts through /v1: the key's name; the body's `by` is ignored when a key is used,
    and only names the actor for loopback callers when no keys are configured."""
    return key_name or by or LOCAL_ACTOR
