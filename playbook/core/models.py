"""Storage: events, incidents, steps, the audit trail, Slack message references, the outbox."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, DateTime, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


class IncidentStatus(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"  # every step closed
    CLOSED = "closed"
    MERGED = "merged"


class StepStatus(StrEnum):
    PENDING = "pending"  # waits for its prerequisites
    ACTIVE = "active"  # may be acted on now
    DONE = "done"
    SKIPPED = "skipped"
    BLOCKED = "blocked"

    @property
    def closed(self) -> bool:
        return self in (StepStatus.DONE, StepStatus.SKIPPED)


def _when(*, index: bool = False, nullable: bool = False) -> Any:
    return Field(
        default=None, sa_column=Column(DateTime(timezone=True), index=index, nullable=nullable)
    )


def _json(default: Any) -> Any:
    return Field(
        default_factory=lambda: type(default)(default), sa_column=Column(JSON, nullable=False)
    )


class Incident(SQLModel, table=True):
    """One matter that needs handling; many events may belong to it."""

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=300)
    category: str = Field(max_length=20, index=True)
    severity: str = Field(max_length=10)
    status: str = Field(default=IncidentStatus.OPEN, max_length=20, index=True)
    event_count: int = 1
    author_count: int = 1
    reach: int = Field(default=0, sa_type=BigInteger)
    rules_version: str = Field(max_length=40)
    model_version: str | None = Field(default=None, max_length=64)  # the triage model's stamp
    matched_rules: list[str] = _json([])
    channel: str | None = Field(default=None, max_length=200)
    language: str = Field(default="en", max_length=16)
    topics: list[str] = _json([])
    root_source: str | None = Field(default=None, max_length=64)
    root_external_id: str | None = Field(default=None, max_length=256)
    summary: dict[str, Any] = _json({})
    storm_level: int = 0
    owner: str | None = Field(default=None, max_length=200)  # who leads it as a whole
    signature: list[int] = _json([])
    version: int = 1
    created_at: datetime = _when(index=True)
    updated_at: datetime = _when()
    resolved_at: datetime | None = _when(nullable=True)


class Event(SQLModel, table=True):
    """One post as received; idempotent on (source, external_id)."""

    __table_args__ = (
        UniqueConstraint("source", "external_id", name="uq_event_source_external_id"),
        Index("ix_event_incident_received", "incident_id", "received_at"),
        Index("ix_event_author_received", "author_key", "received_at"),
        Index("ix_event_incident_author", "incident_id", "author_key"),
    )

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=64)
    external_id: str = Field(max_length=256)
    incident_id: int | None = Field(default=None, foreign_key="incident.id")
    text: str = Field(sa_column=Column(Text, nullable=False))
    redacted: bool = False
    author_key: str | None = Field(default=None, max_length=300)
    author_handle: str | None = Field(default=None, max_length=100)
    followers: int | None = Field(default=None, sa_type=BigInteger)
    url: str | None = Field(default=None, max_length=2048)
    parent_id: str | None = Field(default=None, max_length=256, index=True)
    language: str | None = Field(default=None, max_length=16)
    category: str | None = Field(default=None, max_length=20)
    severity: str | None = Field(default=None, max_length=10)
    matched_rules: list[str] = _json([])
    facts: dict[str, Any] = _json({})
    raw: dict[str, Any] = _json({})
    rules_version: str = Field(max_length=40)
    posted_at: datetime | None = _when(nullable=True)
    received_at: datetime = _when(index=True)


class IncidentBand(SQLModel, table=True):
    """LSH band keys of an incident's text: near-duplicates find it by key, in any instance."""

    __tablename__ = "incident_band"

    incident_id: int = Field(foreign_key="incident.id", primary_key=True)
    band_key: str = Field(max_length=40, primary_key=True, index=True)
    created_at: datetime = _when()


class Step(SQLModel, table=True):
    """One step of an incident's workflow."""

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", index=True)
    position: int
    kind: str = Field(max_length=40)
    title: str = Field(max_length=300)
    status: str = Field(default=StepStatus.PENDING, max_length=20)
    owner: str | None = Field(default=None, max_length=200)
    assignee: str | None = Field(default=None, max_length=200)
    depends_on: list[int] = _json([])
    applies_if: list[str] = _json([])
    detail: dict[str, Any] = _json({})
    version: int = 1
    due_at: datetime | None = _when(nullable=True, index=True)
    reminded_at: datetime | None = _when(nullable=True)
    escalated_at: datetime | None = _when(nullable=True)
    created_at: datetime = _when()
    updated_at: datetime = _when()


class AuditEntry(SQLModel, table=True):
    """Every state change: who, when, from, to, and the rules version in force."""

    __tablename__ = "audit"

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", index=True)
    step_id: int | None = Field(default=None, foreign_key="step.id")
    actor: str = Field(max_length=200)
    action: str = Field(max_length=40)
    from_state: str | None = Field(default=None, max_length=40)
    to_state: str | None = Field(default=None, max_length=40)
    note: str | None = Field(default=None, sa_column=Column(Text))
    data: dict[str, Any] = _json({})
    rules_version: str = Field(max_length=40)
    at: datetime = _when(index=True)


class SlackMessage(SQLModel, table=True):
    """Where an incident's card lives in Slack, so it is posted once and then updated."""

    __tablename__ = "slack_message"

    incident_id: int = Field(foreign_key="incident.id", primary_key=True)
    channel: str = Field(max_length=200)
    ts: str = Field(max_length=40)
    version_sent: int = 0
    posted_at: datetime = _when()
    updated_at: datetime = _when()


class SlackChannel(SQLModel, table=True):
    """When a channel may next be posted to (Slack allows one message a second per channel).

    `channel` is the name or id a post was addressed to; `channel_id` is the id Slack answered
    with, so a card posted to `#crisis-room` and its thread replies to `C0…` share one pace.
    """

    __tablename__ = "slack_channel"

    channel: str = Field(max_length=200, primary_key=True)
    channel_id: str | None = Field(default=None, max_length=200, index=True)
    free_at: datetime = _when()


class OutboxItem(SQLModel, table=True):
    """A side effect to deliver (a card post or update, a thread reply, a notice).

    `status` is pending, sending (claimed by an instance until `next_attempt_at`, its lease)
    or sent; `attempts` counts attempts started.
    """

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_due", "status", "next_attempt_at"),
        Index("ix_outbox_incident_status", "incident_id", "status", "kind"),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=40)
    incident_id: int | None = Field(default=None, foreign_key="incident.id", index=True)
    channel: str | None = Field(default=None, max_length=200)
    payload: dict[str, Any] = _json({})
    status: str = Field(default=StepStatus.PENDING, max_length=20)
    attempts: int = 0
    last_error: str | None = Field(default=None, sa_column=Column(Text))
    next_attempt_at: datetime = _when()
    created_at: datetime = _when()
    done_at: datetime | None = _when(nullable=True)


class TopicCount(SQLModel, table=True):
    """Events received in one 10-second bucket that carry one topic."""

    __tablename__ = "topic_count"
    __table_args__ = (Index("ix_topic_count_bucket", "bucket"),)

    topic: str = Field(max_length=80, primary_key=True)
    bucket: int = Field(primary_key=True, sa_type=BigInteger)  # Unix second the bucket starts
    events: int = 0


class Role(StrEnum):
    """What a person may do on the board; each role may do everything the ones before it may."""

    VIEWER = "viewer"  # read
    RESPONDER = "responder"  # act on steps
    EDITOR = "editor"  # change the rules
    ADMIN = "admin"  # invite people

    def allows(self, needed: Role) -> bool:
        order = list(Role)
        return order.index(self) >= order.index(needed)


class User(SQLModel, table=True):
    """A person who may sign in to the board."""

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=320, unique=True, index=True)
    name: str = Field(default="", max_length=200)
    role: str = Field(default=Role.VIEWER, max_length=20)
    created_at: datetime = _when()


class SigninToken(SQLModel, table=True):
    """A one-time sign-in link: only its SHA-256 is stored; used once, before it expires."""

    __tablename__ = "signin_token"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    email: str = Field(max_length=320)
    role: str = Field(max_length=20)
    created_by: str = Field(max_length=200)
    created_at: datetime = _when()
    expires_at: datetime = _when()
    used_at: datetime | None = _when(nullable=True)


class ServiceSecret(SQLModel, table=True):
    """A secret the service generated for itself (the session key), shared by every instance."""

    __tablename__ = "service_secret"

    name: str = Field(max_length=40, primary_key=True)
    value: str = Field(max_length=200)
    created_at: datetime = _when()


class RulesVersion(SQLModel, table=True):
    """One saved text of rules.yaml: who saved it and when, to compare and roll back."""

    __tablename__ = "rules_version"

    id: int | None = Field(default=None, primary_key=True)
    text: str = Field(sa_column=Column(Text, nullable=False))
    hash: str = Field(max_length=40, index=True)
    saved_by: str = Field(max_length=320)
    saved_at: datetime = _when(index=True)


class Advocate(SQLModel, table=True):
    """An account that praises the brand or helps others, remembered over months (tip 6).

    `topics` maps each topic the account spoke about to when it last did (ISO time).
    """

    author_key: str = Field(max_length=300, primary_key=True)
    handle: str = Field(max_length=100, index=True)
    followers: int = Field(default=0, sa_type=BigInteger)
    praise_count: int = 0
    helpful_count: int = 0
    last_seen_at: datetime = _when(index=True)
    topics: dict[str, str] = _json({})


class StoryTerm(SQLModel, table=True):
    """Posts received in one 10-minute bucket that carry one salient term (its recent rarity).

    The row with the empty term counts every post of the bucket: the documents of the IDF.
    """

    __tablename__ = "story_term"
    __table_args__ = (Index("ix_story_term_bucket", "bucket"),)

    term: str = Field(max_length=80, primary_key=True)
    bucket: int = Field(primary_key=True, sa_type=BigInteger)  # Unix second the bucket starts
    count: int = 0


class IncidentTerm(SQLModel, table=True):
    """How many of an incident's posts carry one salient term: the story's term vector.

    The row with the empty term counts the posts that contributed terms.
    """

    __tablename__ = "incident_term"
    __table_args__ = (Index("ix_incident_term_term", "term"),)

    incident_id: int = Field(foreign_key="incident.id", primary_key=True)
    term: str = Field(max_length=80, primary_key=True)
    count: int = 0
