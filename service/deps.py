"""Dependencies shared by the routes: the runtime, a database session, the API key check."""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlmodel import Session

from playbook.core.db import session_scope
from playbook.core.errors import PlaybookError
from service.runtime import Runtime


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


def require_api_key(request: Request, runtime: RuntimeDep) -> None:
    """Bearer keys from PLAYBOOK_API_KEYS; with none set, only loopback clients get in."""
    keys = runtime.settings.api_key_list
    if not keys:
        client = request.client.host if request.client else None
        if not is_loopback(client):
            raise Forbidden(
                "no API keys are configured (PLAYBOOK_API_KEYS): /v1 is open to "
                "loopback clients only",
                field="Authorization",
            )
        return
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized("send `Authorization: Bearer <key>`", field="Authorization")
    presented = token.strip().encode()
    # Compare against every key so timing says nothing about which one nearly matched.
    valid = [hmac.compare_digest(presented, key.encode()) for key in keys]
    if not any(valid):
        raise Unauthorized("the API key is not valid", field="Authorization")
