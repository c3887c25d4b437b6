"""The `examples:` block of rules.yaml: a post, what the author and the incident looked like,
and what the playbook must decide."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from playbook.rules.source.base import Category, Severity, Strict


class Expect(Strict):
    category: Category | None = None
    severity: Severity | list[Severity] | None = None
    rules: list[str] | None = None
    steps: list[str] | None = None
    no_steps: list[str] | None = None
    incident: bool | None = None


class ExampleHistory(Strict):
    """The author's past complaints, as the database would count them."""

    complaints: Annotated[int, Field(ge=0)] = 0
    open_complaints: Annotated[int, Field(ge=0)] = 0


class ExampleIncident(Strict):
    """The incident the example's post joins, as grouping would report it."""

    event_count: Annotated[int, Field(ge=1)] = 1
    velocity_10m: Annotated[float, Field(ge=0)] = 0
    authors: Annotated[int, Field(ge=1)] = 1
    reach: Annotated[int, Field(ge=0)] = 0


class ExampleTopic(Strict):
    """How busy the post's topics are across every incident (the `topic.*` facts)."""

    velocity_10m: Annotated[float, Field(ge=0)] = 0
    event_count_1h: Annotated[int, Field(ge=0)] = 1


class Example(Strict):
    name: str
    event: dict[str, Any]
    expect: Expect
    history: ExampleHistory | None = None
    incident: ExampleIncident | None = None
    topic: ExampleTopic | None = None
