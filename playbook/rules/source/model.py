"""Typed model of rules.yaml: what editors may write, validated before anything is compiled."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Annotated, Any, Literal, TypedDict

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    field_validator,
    model_validator,
)

from playbook.rules.source.base import (
    Category,
    Outcome,
    Severity,
    Strict,
    parse_duration,
)
from playbook.rules.source.examples import Example
from playbook.rules.source.settings import Settings

SEVERITIES: tuple[Severity, ...] = ("low", "medium", "high", "critical")
OUTCOMES: tuple[Outcome, ...] = ("at_fault", "not_at_fault", "needs_investigation")

# The canonical order of steps in a workflow (CONTRACT.md); more kinds may be added here.
STEP_KINDS: tuple[str, ...] = (
    "triage",
    "private_channel",
    "verify_facts",
    "acknowledge",
    "apologise",
    "correct_rumour",
    "promise_follow_up",
    "publish_action_plan",
    "blog_post",
    "cs_handoff",
    "engage_advocates",
    "convene_committee",
    "disengage",
)
PUBLIC_ANSWERS = frozenset(
    {
        "acknowledge",
        "apologise",
        "correct_rumour",
        "promise_follow_up",
        "publish_action_plan",
        "blog_post",
        "engage_advocates",
    }
)
# Steps that only apply after verification reached one of these outcomes.
OUTCOME_STEPS: dict[str, tuple[Outcome, ...]] = {
    "apologise": ("at_fault",),
    "publish_action_plan": ("at_fault",),
    "correct_rumour": ("not_at_fault",),
    "promise_follow_up": ("needs_investigation",),
}

Identifier = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,79}$")]
CEO_TITLES = ("대표님", "사장님", "회장님", "CEO")  # address the CEO in a post: `ceo_named`


class Organisation(Strict):
    name: Annotated[str, Field(min_length=1, max_length=200)]
    language: Literal["ko", "en"] = "en"  # what Slack cards, notices and `/playbook` speak
    ceo_handles: list[str] = []
    ceo_titles: list[Annotated[str, Field(min_length=1, max_length=80)]] = list(CEO_TITLES)
    brand_handles: list[str] = []
    brand_terms: list[str] = []

    @field_validator("ceo_handles", "brand_handles")
    @classmethod
    def _no_at(cls, value: list[str]) -> list[str]:
        return [handle.lstrip("@") for handle in value]


class Expert(Strict):
    owner: Annotated[str, Field(min_length=1, max_length=200)]
    lead: str | None = None
    name: str | None = None
    keywords: str | None = None  # a list name


class Advocates(Strict):
    """Who invites advocates (tip 6); the accounts `pin`ned first, `exclude`d never listed;
    `helpful`: terms marking a reply that answers another user's complaint or question."""

    owner: str
    name: str | None = None
    pin: list[Annotated[str, Field(pattern=r"^@?[A-Za-z0-9_.\-]{1,100}$")]] = []
    exclude: list[Annotated[str, Field(pattern=r"^@?[A-Za-z0-9_.\-]{1,100}$")]] = []
    helpful: list[Annotated[str, Field(min_length=1, max_length=200)]] = []
    listed: Annotated[int, Field(ge=1, le=20)] = 5  # accounts the step shows

    @model_validator(mode="after")
    def _pinned_or_excluded(self) -> Advocates:
        pinned = {h.removeprefix("@").lower() for h in self.pin}  # `@Fan_1` is `fan_1`
        if both := sorted(pinned & {h.removeprefix("@").lower() for h in self.exclude}):
            raise ValueError(f"accounts both pinned and excluded: {', '.join(both)}")
        return self


class KeywordList(Strict):
    """Terms found as substrings (`match: text`) or as words, skipping negated ones on request."""

    terms: Annotated[list[Annotated[str, Field(min_length=1, max_length=200)]], Field(min_length=1)]
    match: Literal["text", "words"] = "text"
    negation: Literal["ignore", "skip"] = "ignore"
    word_boundary: bool = False
    compact: bool = False

    @model_validator(mode="after")
    def _options_fit(self) -> KeywordList:
        if self.match == "words" and (self.word_boundary or self.compact):
            raise ValueError("`word_boundary` and `compact` apply to `match: text` only")
        if self.negation == "skip" and self.match != "words":
            raise ValueError("`negation: skip` needs `match: words`")
        return self


class Schedule(Strict):
    timezone: str = "UTC"
    days: list[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]] = [
        "mon",
        "tue",
        "wed",
        "thu",
        "fri",
    ]
    start: Annotated[str, Field(pattern=r"^\d{2}:\d{2}$")] = "09:00"
    end: Annotated[str, Field(pattern=r"^\d{2}:\d{2}$")] = "18:00"


class Leaf(Strict):
    """One test of one fact. Exactly one operator is given."""

    fact: Annotated[str, Field(min_length=1, max_length=80)]
    equals: str | int | float | bool | None = None
    in_: list[str | int | float] | None = Field(default=None, alias="in")
    contains_any: str | list[str] | None = None
    matches: str | None = None
    greater_than: float | None = None
    less_than: float | None = None
    at_least: float | None = None
    at_most: float | None = None
    between: Annotated[list[float], Field(min_length=2, max_length=2)] | None = None
    exists: bool | None = None
    in_schedule: Schedule | None = None
    case_sensitive: bool = False
    word_boundary: bool | None = None

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @model_validator(mode="after")
    def _one_operator(self) -> Leaf:
        given = [name for name in OPERATORS if getattr(self, _attr(name)) is not None]
        if len(given) != 1:
            names = ", ".join(OPERATORS)
            if not given:
                raise ValueError(f"a test of `{self.fact}` needs one operator: {names}")
            raise ValueError(f"a test of `{self.fact}` has several operators ({', '.join(given)})")
        return self

    @property
    def operator(self) -> str:
        return next(name for name in OPERATORS if getattr(self, _attr(name)) is not None)

    @property
    def operand(self) -> Any:
        return getattr(self, _attr(self.operator))


OPERATORS = (
    "equals",
    "in",
    "contains_any",
    "matches",
    "greater_than",
    "less_than",
    "at_least",
    "at_most",
    "between",
    "exists",
    "in_schedule",
)


def _attr(operator: str) -> str:
    return "in_" if operator == "in" else operator


class Ref(Strict):
    condition: str


class AllOf(Strict):
    all: list[Condition]


class AnyOf(Strict):
    any: list[Condition]


class NotOf(Strict):
    not_: Condition = Field(alias="not")
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


def _condition_shape(value: Any) -> str:
    """Pick the condition form by its key, so errors speak of one form, not five."""
    if isinstance(value, dict):
        for key in ("all", "any", "not", "condition"):
            if key in value:
                return key
        return "test"
    if isinstance(value, BaseModel):
        return {AllOf: "all", AnyOf: "any", NotOf: "not", Ref: "condition"}.get(type(value), "test")
    return "test"


Condition = Annotated[
    Annotated[AllOf, Tag("all")]
    | Annotated[AnyOf, Tag("any")]
    | Annotated[NotOf, Tag("not")]
    | Annotated[Ref, Tag("condition")]
    | Annotated[Leaf, Tag("test")],
    Discriminator(_condition_shape),
]


PLACEHOLDER = re.compile(r"\{([A-Za-z_]+)\}")
# What a draft may say in braces; `points` is the action plan's list of points raised.
PLACEHOLDERS = ("author", "author_name", "org", "topic", "expert", "limit", "url", "points")


class Draft(Strict):
    ko: str | None = None
    en: str | None = None


class StepSpec(Strict):
    kind: str
    title: str | None = None
    owner: str | None = None
    due_in: str | None = None
    requires: list[str] | None = None
    applies_if: list[Outcome] | None = None
    draft: Draft | None = None

    @field_validator("due_in")
    @classmethod
    def _duration(cls, value: str | None) -> str | None:
        if value is not None:
            parse_duration(value)
        return value


class Then(Strict):
    category: Category | None = None
    severity: Severity | None = None
    channel: str | None = None
    # false: the incident gets no Slack card of its own (a quiet queue, read in the API and
    # the board); the first matched rule that says either way decides; unsaid, a card.
    card: bool | None = None
    steps: list[StepSpec] = []


class Rule(Strict):
    id: Identifier
    description: str | None = None
    priority: Annotated[int, Field(ge=-1000, le=1000)] = 0
    when: Condition
    then: Then
    stop: bool = False


class Default(Strict):
    category: Category = "other"
    severity: Severity = "low"
    steps: list[StepSpec] = []


class RulesFile(Strict):
    version: Literal[1] = 1
    organisation: Organisation
    settings: Settings = Settings()
    experts: dict[Identifier, Expert] = {}
    advocates: Advocates | None = None
    lists: dict[Identifier, KeywordList] = {}
    conditions: dict[Identifier, Condition] = {}
    default: Default = Default()
    rules: list[Rule]
    examples: list[Example] = []


class InForce(TypedDict):
    """What cards, action plans and step actions take from the rules in force."""

    experts: Mapping[str, Expert]
    channel_limit: int
    advocates: Advocates | None
    language: Literal["ko", "en"]  # `organisation.language`: what Slack says


def in_force(model: RulesFile) -> InForce:
    return {
        "experts": model.experts,
        "channel_limit": model.settings.channel_limit,
        "advocates": model.advocates,
        "language": model.organisation.language,
    }
