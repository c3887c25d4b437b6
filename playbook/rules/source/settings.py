"""The `settings:` block of rules.yaml: grouping, storms, escalation and the playbook's limits."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, field_validator

from playbook.rules.source.base import Strict, parse_duration


class GroupingSettings(Strict):
    similarity: Annotated[float, Field(gt=0, le=1)] = 0.6
    window: str = "6h"
    hold: str = "2m"
    # The story path (incidents/stories.py): a post joins the open incident whose salient
    # terms cover this share of its own, weighted by rarity; 1 turns the path off.
    story_similarity: Annotated[float, Field(gt=0, le=1)] = 0.5
    story_min_terms: Annotated[int, Field(ge=1, le=20)] = 2


class StormSettings(Strict):
    velocity_10m: Annotated[float, Field(gt=0)] = 30
    event_count: Annotated[int, Field(gt=0)] = 100
    channel: str | None = None
    notify: str | None = None
    # Only storms of these categories raise severity, convene the committee and page `notify`;
    # others are reported in `channel` as a notice.
    categories: list[str] = Field(default_factory=lambda: ["complaint", "rumour"])


# `unowned:` may name the storm's notify group with this word instead of repeating it.
STORM_NOTIFY = "storm"


class UnownedEscalation(Strict):
    """Who is called for an overdue step nobody owns, by the incident's severity: a Slack group
    ("subteam:ID"), a person ("user:ID"), `storm` (the storm's notify group), or null (nobody
    is paged; the escalation is posted in the card's thread)."""

    low: str | None = None
    medium: str | None = None
    high: str | None = STORM_NOTIFY
    critical: str | None = STORM_NOTIFY


class EscalationSettings(Strict):
    """An overdue step: after `after`, the owner's lead is called and maybe severity raised."""

    after: str = "30m"
    raise_severity: bool = False
    unowned: UnownedEscalation = UnownedEscalation()

    @field_validator("after")
    @classmethod
    def _duration(cls, value: str) -> str:
        parse_duration(value)
        return value


class Settings(Strict):
    channel_limit: Annotated[int, Field(gt=0, le=100_000)] = 280
    complaint_window_days: Annotated[int, Field(gt=0, le=365)] = 30
    grouping: GroupingSettings = GroupingSettings()
    storm: StormSettings = StormSettings()
    escalation: EscalationSettings = EscalationSettings()
    # Who may override the verification gate besides the expert group's lead: Slack user ids
    # and API key names.
    admins: list[Annotated[str, Field(min_length=1, max_length=200)]] = []
