"""What a card shows, filled by the service from its database (no Slack types here)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class StepView:
    id: int
    kind: str
    title: str
    status: str  # pending | active | done | skipped | blocked
    owner: str | None  # "subteam:S0123", "user:U0123" or plain text
    assignee: str | None  # a Slack user id ("U0123") or a name
    due_at: datetime | None
    version: int  # bumps on every change: stale clicks are detected with it
    can_act: bool
    draft: str | None = None
    lint: tuple[str, ...] = ()
    outcome: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class CardView:
    incident_id: int
    title: str
    category: str
    severity: str
    status: str
    rules_version: str
    event_count: int
    velocity_10m: float | None
    author_handle: str | None
    author_followers: int | None
    post_url: str | None
    excerpt: str  # already redacted of personal data upstream
    steps: tuple[StepView, ...]
    updated_at: datetime
    channel_limit: int = 280
    escalation: str | None = None
    language: str = "en"  # the team's (`organisation.language`): the card's own words
