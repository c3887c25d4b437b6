"""People on the board: invitations by one-time link, redeemed once before they expire."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlmodel import Session, col, func, select

from playbook.core.clock import as_utc
from playbook.core.errors import InvalidInput, NotFound
from playbook.core.models import Role, ServiceSecret, SigninToken, User

INVITE_TTL = timedelta(days=7)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def parse_role(value: str) -> Role:
    try:
        return Role(value)
    except ValueError:
        names = ", ".join(r.value for r in Role)
        raise InvalidInput(f"`{value}` is not a role; use one of {names}", field="role") from None


def invite(
    session: Session,
    email: str,
    *,
    role: Role,
    by: str,
    now: datetime,
    ttl: timedelta = INVITE_TTL,
) -> str:
    """A new sign-in token for `email` (returned once, stored only as its hash)."""
    email = email.strip().lower()
    if "@" not in email or len(email) > 320:
        raise InvalidInput(f"`{email}` is not an e-mail address", field="email")
    token = secrets.token_urlsafe(32)
    session.add(
        SigninToken(
            token_hash=_digest(token),
            email=email,
            role=role.value,
            created_by=by,
            created_at=now,
            expires_at=now + ttl,
        )
    )
    session.flush()
    return token


def redeem(session: Session, token: str, *, now: datetime) -> User:
    """The person a token signs in (created on first use); the token is spent."""
    row = session.exec(select(SigninToken).where(SigninToken.token_hash == _digest(token))).first()
    if row is None or row.used_at is not None or as_utc(row.expires_at) <= now:
        raise NotFound("this sign-in link is unknown, used or expired", field="token")
    row.used_at = now
    user = session.exec(select(User).where(User.email == row.email)).first()
    if user is None:
        user = User(email=row.email, name=row.email.split("@")[0], role=row.role, created_at=now)
        session.add(user)
    elif Role(row.role).allows(Role(user.role)) and row.role != user.role:
        user.role = row.role  # an invitation to a higher role promotes
    session.flush()
    return user


def user_count(session: Session) -> int:
    return int(session.exec(select(func.count(col(User.id)))).one())


def stored_secret(session: Session, name: str, *, now: datetime) -> str:
    """A secret generated once and kept in the database, so every instance shares it."""
    row = session.get(ServiceSecret, name)
    if row is None:
        row = ServiceSecret(name=name, value=secrets.token_urlsafe(48), created_at=now)
        session.add(row)
        session.flush()
    return row.value
