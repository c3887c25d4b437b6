"""GET /v1/rules, POST /v1/rules/reload, POST /v1/rules/preview."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from playbook.editor.explain import explain
from playbook.intake.events import EventIn
from playbook.intake.topics import topic_rates
from service.deps import RuntimeDep, SessionDep, require_api_key
from service.errors import error_responses

router = APIRouter(
    prefix="/v1/rules",
    tags=["rules"],
    dependencies=[Depends(require_api_key)],
    responses=error_responses(400, 401, 403, 413, 422),
)


class RulesOut(BaseModel):
    version: str
    loaded_at: datetime
    file: str
    backend: str
    rules: list[str]
    last_error: list[dict[str, Any]] | None = None
    removed_rules: list[str] = Field(
        default=[], description="rule ids the last reload removed from the rules it replaced"
    )
    removed_examples: list[str] = Field(
        default=[], description="example names the last reload removed"
    )


def rules_out(runtime: Any) -> RulesOut:
    loaded = runtime.rules.current
    error = runtime.rules.last_error
    return RulesOut(
        version=loaded.playbook.version,
        loaded_at=loaded.loaded_at,
        file=loaded.file,
        backend=loaded.playbook.matcher.name,
        rules=loaded.playbook.rule_ids,
        last_error=[p.as_dict() for p in error.problems] if error else None,
        removed_rules=list(loaded.removed.rules),
        removed_examples=list(loaded.removed.examples),
    )


@router.get("", response_model=RulesOut)
def show_rules(runtime: RuntimeDep) -> RulesOut:
    return rules_out(runtime)


@router.post("/reload", response_model=RulesOut)
def reload_rules(runtime: RuntimeDep) -> RulesOut:
    """Validate, trial in a child process, then swap; a bad file changes nothing."""
    try:
        runtime.rules.reload()
    except Exception:
        runtime.metrics.rules_reloads.labels("refused").inc()
        raise
    runtime.metrics.rules_reloads.labels("ok").inc()
    return rules_out(runtime)


@router.post("/preview")
def preview(event: EventIn, runtime: RuntimeDep, session: SessionDep) -> dict[str, Any]:
    """The would-be result for one event, with the topics' live velocity; stores nothing."""
    now = runtime.clock.now()
    return explain(
        runtime.rules.playbook,
        event,
        now=now,
        topic_rates=lambda topics: topic_rates(session, topics, now, plus=1),
    )
