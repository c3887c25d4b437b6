"""The JSON shapes of the HTTP API (CONTRACT.md)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, Field

from playbook.core.clock import as_utc
from playbook.core.models import AuditEntry, Event, Incident, Step
from playbook.intake.events import BLANK, NoNul
from playbook.intake.facts import TopicRate
from playbook.pipeline import IngestResult
from playbook.text.pii import link_without_personal_data
from service.limits import MAX_ID


class StepOut(BaseModel):
    id: int
    kind: str
    title: str
    status: str
    owner: str | None
    assignee: str | None
    due_at: datetime | None
    depends_on: list[int]
    detail: dict[str, Any]
    version: int

    @classmethod
    def of(cls, step: Step, detail: dict[str, Any] | None = None) -> StepOut:
        """The step; `detail` replaces the stored one (an open action plan, computed now)."""
        return cls(
            id=step.id or 0,
            kind=step.kind,
            title=step.title,
            status=step.status,
            owner=step.owner,
            assignee=step.assignee,
            due_at=as_utc(step.due_at) if step.due_at else None,
            depends_on=list(step.depends_on),
            detail=dict(step.detail if detail is None else detail),
            version=step.version,
        )


class IngestOut(BaseModel):
    event_id: str
    duplicate: bool
    incident_id: int | None
    incident_created: bool
    category: str | None
    severity: str | None
    matched_rules: list[str]
    steps: list[StepOut]
    grouped_because: str | None = None

    @classmethod
    def of(cls, result: IngestResult) -> IngestOut:
        return cls(
            event_id=result.event_id,
            duplicate=result.duplicate,
            incident_id=result.incident_id,
            incident_created=result.incident_created,
            category=result.category,
            severity=result.severity,
            matched_rules=result.matched_rules,
            steps=[StepOut.of(s) for s in result.steps],
            grouped_because=result.grouped_because,
        )


class BatchItemOut(BaseModel):
    index: int
    ok: bool
    result: IngestOut | None = None
    error: str | None = None
    message: str | None = None
    field: str | None = None


class BatchOut(BaseModel):
    accepted: int
    failed: int
    results: list[BatchItemOut]


class EventOut(BaseModel):
    id: str
    source: str
    text: str
    author: str | None
    followers: int | None
    url: str | None
    category: str | None
    received_at: datetime

    @classmethod
    def of(cls, event: Event, text: str) -> EventOut:
        return cls(
            id=event.external_id,
            source=event.source,
            text=text,
            author=event.author_handle,
            followers=event.followers,
            url=link_without_personal_data(event.url),  # whatever the storage setting
            category=event.category,
            received_at=as_utc(event.received_at),
        )


class TopicOut(BaseModel):
    """One of the incident's expert topics and how busy it is now, across all incidents."""

    topic: str
    velocity_10m: float = Field(description="events per minute over the last 10 minutes")
    event_count_1h: int = Field(description="events in the last hour")

    @classmethod
    def of(cls, rate: TopicRate) -> TopicOut:
        return cls(
            topic=rate.topic, velocity_10m=rate.velocity_10m, event_count_1h=rate.event_count_1h
        )


class IncidentOut(BaseModel):
    id: int
    title: str
    category: str
    severity: str
    status: str
    event_count: int
    rules_version: str
    model_version: str | None = Field(
        default=None, description="the triage model's sha256 (short) when the incident opened"
    )
    channel: str | None
    owner: str | None = None
    created_at: datetime
    updated_at: datetime
    steps: list[StepOut] = []
    events: list[EventOut] = []
    topics: list[TopicOut] = Field(
        default=[], description="its topics with their velocity now (GET of one incident only)"
    )

    @classmethod
    def of(
        cls,
        incident: Incident,
        steps: list[Step],
        events: list[EventOut],
        details: Mapping[int, dict[str, Any]] | None = None,
        topics: Iterable[TopicRate] = (),
    ) -> IncidentOut:
        return cls(
            id=incident.id or 0,
            title=incident.title,
            category=incident.category,
            severity=incident.severity,
            status=incident.status,
            event_count=incident.event_count,
            rules_version=incident.rules_version,
            model_version=incident.model_version,
            channel=incident.channel,
            owner=incident.owner,
            created_at=as_utc(incident.created_at),
            updated_at=as_utc(incident.updated_at),
            steps=[StepOut.of(s, (details or {}).get(s.id or 0)) for s in steps],
            events=events,
            topics=[TopicOut.of(t) for t in topics],
        )


def _no_bool(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("expected an integer, not a boolean")
    return value


BY_FIELD = Field(
    default=None,
    min_length=1,
    max_length=200,
    description="ignored when the request carries an API key (the key's name is the actor); "
    "without configured keys (loopback only) it names the actor, else `local`",
)


class StepActionIn(BaseModel):
    action: Literal[
        "complete", "skip", "reopen", "assign", "escalate", "edit_draft", "override_verification"
    ] = Field(
        description="override_verification: a lead publishes without verified facts (a skipped "
        "verify_facts step); needs a `note`"
    )
    by: Annotated[str, Field(pattern=BLANK), NoNul] | None = BY_FIELD
    note: Annotated[str, Field(max_length=5000), NoNul] | None = None
    assignee: Annotated[str, Field(max_length=200), NoNul] | None = None
    outcome: Literal["at_fault", "not_at_fault", "needs_investigation"] | None = None
    draft: Annotated[str, Field(max_length=20_000), NoNul] | None = Field(
        default=None, description="edit_draft: the text"
    )
    route: Literal["blog_post", "customer_service"] | None = Field(
        default=None, description="edit_draft: where an over-long answer goes (tip 5)"
    )
    # Not strict: the board's forms send "3"; a JSON boolean is still refused.
    version: Annotated[int, Field(ge=0, le=MAX_ID), BeforeValidator(_no_bool)] | None = None


class IncidentActionIn(BaseModel):
    """POST /v1/incidents/{id}: the incident as a whole."""

    action: Literal["resolve", "close", "reopen", "assign"]
    by: Annotated[str, Field(pattern=BLANK), NoNul] | None = BY_FIELD
    note: Annotated[str, Field(max_length=5000), NoNul] | None = None
    assignee: Annotated[str, Field(max_length=200), NoNul] | None = Field(
        default=None, description="assign: the owner"
    )


class StepActionOut(BaseModel):
    incident: IncidentOut
    changes: list[dict[str, Any]]


class AuditOut(BaseModel):
    """One entry of an incident's audit trail."""

    id: int
    at: datetime
    actor: str
    action: str
    step_id: int | None
    from_state: str | None
    to_state: str | None
    note: str | None
    data: dict[str, Any]
    rules_version: str

    @classmethod
    def of(cls, entry: AuditEntry) -> AuditOut:
        return cls(
            id=entry.id or 0,
            at=as_utc(entry.at),
            actor=entry.actor,
            action=entry.action,
            step_id=entry.step_id,
            from_state=entry.from_state,
            to_state=entry.to_state,
            note=entry.note,
            data=dict(entry.data),
            rules_version=entry.rules_version,
        )


class MergeIn(BaseModel):
    into: int = Field(ge=1, le=MAX_ID, description="the incident that survives")
    by: str = Field(default="api", max_length=200)


class SplitIn(BaseModel):
    event_ids: list[Annotated[str, Field(min_length=1, max_length=256)]] = Field(
        min_length=1, max_length=1000
    )
    by: str = Field(default="api", max_length=200)
