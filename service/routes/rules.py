"""GET /v1/rules; POST /v1/rules/reload, /check, /preview (a draft beside the event), /dry-run."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Request
from pydantic import BaseModel, Field

from playbook.core.models import Role
from playbook.editor.check import check_text
from playbook.editor.dryrun import DryRun, dry_run
from playbook.editor.explain import explain
from playbook.intake.events import EventIn
from playbook.intake.topics import topic_rates
from playbook.rules.playbook import Playbook
from service.auth import check_csrf, optional_viewer
from service.deps import Forbidden, RuntimeDep, SessionDep, require_api_key
from service.errors import error_responses
from service.runtime import Runtime

CSRF_HEADER = "x-csrf-token"
DRAFT_BACKEND = "python"  # drafts compile in-process: the pure matcher has no C code to crash
MAX_RULES_CHARS = 500_000


def rules_caller(request: Request, runtime: RuntimeDep, session: SessionDep) -> str:
    """An API key, or the playground's signed-in editor (with the session's CSRF header)."""
    presented = request.headers.get(CSRF_HEADER)
    viewer = optional_viewer(request, session) if presented else None
    if viewer is not None:
        check_csrf(viewer, presented)
        if not viewer.may(Role.EDITOR):
            raise Forbidden(f"the rules need the editor role; you are {viewer.role}", field="role")
        return viewer.actor
    return require_api_key(request, runtime) or "api"


router = APIRouter(
    prefix="/v1/rules",
    tags=["rules"],
    dependencies=[Depends(rules_caller)],
    responses=error_responses(400, 401, 403, 413, 422),
)
RulesText = Annotated[str, Field(max_length=MAX_RULES_CHARS)]


class RulesOut(BaseModel):
    version: str
    model_version: str = Field(description="the triage model's sha256 (short), its `model.*` facts")
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


class CheckIn(BaseModel):
    text: RulesText


class CheckOut(BaseModel):
    ok: bool
    problems: list[dict[str, Any]]


class PreviewIn(BaseModel):
    """The wrapped form: an event and, optionally, a draft rules text to try it under."""

    event: EventIn
    rules: RulesText | None = None


class DryRunIn(BaseModel):
    rules: RulesText
    limit: int = Field(default=200, ge=1, le=2000)


def rules_out(runtime: Any) -> RulesOut:
    loaded = runtime.rules.current
    error = runtime.rules.last_error
    return RulesOut(
        version=loaded.playbook.version,
        model_version=loaded.playbook.model_version,
        loaded_at=loaded.loaded_at,
        file=loaded.file,
        backend=loaded.playbook.matcher.name,
        rules=loaded.playbook.rule_ids,
        last_error=[p.as_dict() for p in error.problems] if error else None,
        removed_rules=list(loaded.removed.rules),
        removed_examples=list(loaded.removed.examples),
    )


def compile_draft(runtime: Runtime, text: str) -> Playbook:
    """A draft's playbook, not in force; raises RulesInvalid with every problem."""
    return Playbook.from_text(text, str(runtime.rules.path), backend=DRAFT_BACKEND)


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


@router.post("/check", response_model=CheckOut)
def check_rules(body: CheckIn, runtime: RuntimeDep) -> CheckOut:
    """Every problem of a rules text at line:column, as `playbook rules check` reports them."""
    problems = check_text(body.text, str(runtime.rules.path))
    return CheckOut(ok=not problems, problems=[p.as_dict() for p in problems])


@router.post("/preview")
def preview(
    runtime: RuntimeDep, session: SessionDep, body: Annotated[dict[str, Any], Body()]
) -> dict[str, Any]:
    """The would-be result for one event; with `{"event", "rules"}`, under the draft too."""
    if isinstance(body.get("event"), dict):
        wrapped = PreviewIn.model_validate(body)
        event, draft_text = wrapped.event, wrapped.rules
    else:
        event, draft_text = EventIn.model_validate(body), None
    now = runtime.clock.now()

    def explained(playbook: Playbook) -> dict[str, Any]:
        return explain(
            playbook,
            event,
            now=now,
            topic_rates=lambda topics: topic_rates(session, topics, now, plus=1),
        )

    in_force = explained(runtime.rules.playbook)
    if draft_text is None:
        return in_force
    draft = compile_draft(runtime, draft_text)
    try:
        return {**explained(draft), "draft": True, "in_force": in_force}
    finally:
        draft.close()


@router.post("/dry-run")
def dry_run_rules(body: DryRunIn, runtime: RuntimeDep, session: SessionDep) -> dict[str, Any]:
    """Which of the last `limit` stored posts would get another category, severity or steps."""
    draft = compile_draft(runtime, body.rules)
    try:
        found = dry_run(session, in_force=runtime.rules.playbook, draft=draft, limit=body.limit)
    finally:
        draft.close()
    return dry_run_out(found)


def dry_run_out(found: DryRun) -> dict[str, Any]:
    return {
        "posts": found.posts,
        "changed": len(found.changes),
        "changes": [
            {
                "event_id": c.event_id,
                "incident_id": c.incident_id,
                "text": c.text,
                "what": list(c.what),
                "before": {**vars(c.before), "steps": list(c.before.steps)},
                "after": {**vars(c.after), "steps": list(c.after.steps)},
            }
            for c in found.changes
        ],
    }
