"""Board sign-in: signed session cookies carrying a CSRF token, and the role each page needs."""

from __future__ import annotations

import hmac
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlmodel import Session

from playbook.accounts.users import invite, stored_secret, user_count
from playbook.core.db import session_scope
from playbook.core.errors import PlaybookError
from playbook.core.models import Role, User
from service.deps import Forbidden, SessionDep
from service.runtime import Runtime

log = logging.getLogger("playbook.service")
COOKIE = "playbook_session"


class SignInRequired(PlaybookError):
    """No valid session: pages answer with a redirect to the sign-in page."""

    status = 401
    code = "signin_required"


@dataclass(frozen=True)
class Viewer:
    """The signed-in person, as a page sees them."""

    id: int
    email: str
    name: str
    role: Role
    csrf: str

    @property
    def actor(self) -> str:
        """How the audit names them."""
        return self.email

    def may(self, role: Role) -> bool:
        return self.role.allows(role)


class Sessions:
    """Signs and reads session cookies: the user id and the session's CSRF token."""

    def __init__(self, secret: str, max_age_seconds: int) -> None:
        self._serializer = URLSafeTimedSerializer(secret, salt="playbook.session")
        self.max_age = max_age_seconds

    def issue(self, user: User) -> str:
        return self._serializer.dumps({"u": user.id, "c": secrets.token_urlsafe(24)})

    def read(self, cookie: str | None) -> dict[str, Any] | None:
        if not cookie:
            return None
        try:
            data = self._serializer.loads(cookie, max_age=self.max_age)
        except BadSignature:
            return None
        return data if isinstance(data, dict) else None


def build_sessions(runtime: Runtime) -> Sessions:
    """PLAYBOOK_SESSION_SECRET, or a secret generated once and kept in the database."""
    secret = runtime.settings.session_secret
    if not secret:
        with session_scope(runtime.engine) as session:
            secret = stored_secret(session, "session", now=runtime.clock.now())
    return Sessions(secret, int(runtime.settings.session_hours * 3600))


def first_admin_link(runtime: Runtime) -> str | None:
    """With nobody to sign in, an admin invitation; its link goes to the log."""
    with session_scope(runtime.engine) as session:
        if user_count(session):
            return None
        token = invite(
            session,
            "admin@localhost",
            role=Role.ADMIN,
            by="playbook (first start)",
            now=runtime.clock.now(),
        )
    link = f"{runtime.settings.base_url}/signin/{token}"
    log.warning("no one can sign in to the board yet: open %s to become its admin", link)
    return link


def _load_viewer(request: Request, session: Session) -> Viewer | None:
    """The cookie's person, read in the request's own session (one writer lock on SQLite)."""
    sessions: Sessions | None = getattr(request.app.state, "sessions", None)
    data = sessions.read(request.cookies.get(COOKIE)) if sessions else None
    if not data or not isinstance(data.get("u"), int):
        return None
    user = session.get(User, data["u"])
    if user is None:
        return None
    return Viewer(user.id or 0, user.email, user.name, Role(user.role), str(data.get("c")))


def optional_viewer(request: Request, session: SessionDep) -> Viewer | None:
    return _load_viewer(request, session)


def signed_in(request: Request, session: SessionDep) -> Viewer:
    viewer = _load_viewer(request, session)
    if viewer is None:
        raise SignInRequired("sign in to see the board", field="session")
    return viewer


def needs(role: Role) -> Callable[[Viewer], Viewer]:
    """A dependency: the signed-in person, who must hold `role` (or a higher one)."""

    def check(viewer: Annotated[Viewer, Depends(signed_in)]) -> Viewer:
        if not viewer.may(role):
            needed = f"this needs the {role.value} role; you are {viewer.role}"
            raise Forbidden(needed, field="role")
        return viewer

    return check


def check_csrf(viewer: Viewer, presented: object) -> None:
    """Every form carries the session's token; a form from elsewhere does not have it."""
    if not isinstance(presented, str) or not hmac.compare_digest(presented, viewer.csrf):
        raise Forbidden("the form is stale or came from elsewhere: reload and retry", field="csrf")


ViewerDep = Annotated[Viewer, Depends(signed_in)]
ResponderDep = Annotated[Viewer, Depends(needs(Role.RESPONDER))]
EditorDep = Annotated[Viewer, Depends(needs(Role.EDITOR))]
