"""The workflow of one incident: step states, prerequisites, verification outcomes, audit."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlmodel import Session, col, select

from playbook.core.errors import Conflict, InvalidInput, NotFound
from playbook.core.models import AuditEntry, Incident, Step, StepStatus
from playbook.incidents.audit import audit
from playbook.rules.source.model import OUTCOMES, PUBLIC_ANSWERS
from playbook.workflow import action_plan, advocates_view
from playbook.workflow.advocates_view import AdvocatesLike

Action = Literal["complete", "skip", "reopen", "assign"]
CLOSED = ("done", "skipped")


@dataclass(frozen=True)
class Change:
    """One step's state change, for the audit trail, the card and its thread."""

    step_id: int
    kind: str
    action: str
    from_state: str
    to_state: str
    actor: str
    note: str | None = None


def load_step(session: Session, incident_id: int, step_id: int) -> tuple[Incident, Step]:
    """An incident and one of its steps, the incident locked for this transaction on
    PostgreSQL: concurrent actions on one incident take turns."""
    query = select(Incident).where(col(Incident.id) == incident_id)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    incident = session.exec(query).first()
    step = session.get(Step, step_id)
    if incident is None or step is None or step.incident_id != incident.id:
        raise NotFound(f"incident {incident_id} has no step {step_id}", field="step_id")
    return incident, step


def steps_of(session: Session, incident_id: int) -> list[Step]:
    query = select(Step).where(Step.incident_id == incident_id).order_by(col(Step.position))
    return list(session.exec(query))


def open_prerequisites(step: Step, by_id: dict[int, Step]) -> list[Step]:
    return [by_id[d] for d in step.depends_on if d in by_id and by_id[d].status not in CLOSED]


VERIFY = "verify_facts"
MIN_REASON = 10  # letters and digits a reason for skipping verification must have


def unverified(step: Step) -> bool:
    """A verification skipped without a finding, that no lead has overridden: the gate holds."""
    return (
        step.kind == VERIFY
        and step.status == StepStatus.SKIPPED
        and "outcome" not in step.detail
        and "override" not in step.detail
    )


def gate_held(step: Step, by_id: Mapping[int, Step]) -> bool:
    """A public answer stays blocked while the verification it waits on is unverified (tip 1)."""
    if step.kind not in PUBLIC_ANSWERS:
        return False
    return any(d in by_id and unverified(by_id[d]) for d in step.depends_on)


def refresh(steps: list[Step]) -> list[tuple[Step, str]]:
    """Activate steps whose prerequisites closed, park those whose reopened, block public
    answers behind a skipped verification; returns changes."""
    by_id = {s.id: s for s in steps if s.id is not None}
    changed = []
    for step in steps:
        if step.status in CLOSED:
            continue
        wanted = "pending" if open_prerequisites(step, by_id) else "active"
        if wanted == "active" and gate_held(step, by_id):
            wanted = StepStatus.BLOCKED
        if step.status != wanted:
            changed.append((step, step.status))
            step.status = wanted
    return changed


def _set(step: Step, status: str, now: datetime) -> None:
    step.status = status
    step.version += 1
    step.updated_at = now


def apply_action(
    session: Session,
    incident: Incident,
    step_id: int,
    action: Action,
    *,
    by: str,
    now: datetime,
    note: str | None = None,
    assignee: str | None = None,
    outcome: str | None = None,
    expected_version: int | None = None,
    experts: Mapping[str, action_plan.ExpertLike] | None = None,
    channel_limit: int = action_plan.CHANNEL_LIMIT,
    advocates: AdvocatesLike | None = None,
) -> list[Change]:
    """Apply one person's action to one step and all that follows. Completing keeps an action
    plan (points, draft), or the advocates to invite, as they stand on the step; `experts`,
    `channel_limit`, `advocates` are the rules' (else what the workflow recorded, 280, none)."""
    steps = steps_of(session, incident.id or 0)
    step = next((s for s in steps if s.id == step_id), None)
    if step is None:
        raise NotFound(f"incident {incident.id} has no step {step_id}", field="step_id")
    if expected_version is not None and step.version != expected_version:
        raise Conflict(
            f"step {step_id} ({step.kind}) changed since this card was shown: it is "
            f"now {step.status}",
            field="version",
        )
    if action == "complete":
        advocates_view.freeze(session, incident, step, now=now, advocates=advocates)
        changes = _complete_with_plan(
            session,
            incident,
            step,
            steps,
            by=by,
            now=now,
            note=note,
            outcome=outcome,
            experts=experts,
            channel_limit=channel_limit,
        )
    elif action == "assign":
        changes = _assign(step, by=by, now=now, assignee=assignee)
    elif action == "skip":
        changes = _skip(step, by=by, now=now, note=note)
    elif action == "reopen":
        changes = _reopen(step, steps, by=by, now=now, note=note)
    else:
        raise InvalidInput(f"unknown action `{action}`", field="action")
    for other, previous in refresh(steps):
        other.version += 1
        other.updated_at = now
        changes.append(
            Change(other.id or 0, other.kind, "refresh", previous, other.status, "playbook")
        )
    _record(session, incident, changes, now)
    _update_incident_status(session, incident, steps, by=by, now=now)
    return changes


def _assign(step: Step, *, by: str, now: datetime, assignee: str | None) -> list[Change]:
    if not assignee:
        raise InvalidInput("`assignee` is required to assign a step", field="assignee")
    step.assignee = assignee
    step.version += 1
    step.updated_at = now
    return [Change(step.id or 0, step.kind, "assign", step.status, step.status, by, assignee)]


def _skip(step: Step, *, by: str, now: datetime, note: str | None) -> list[Change]:
    if step.status in CLOSED:
        raise Conflict(f"step {step.id} ({step.kind}) is already {step.status}", field="action")
    if not note:
        raise InvalidInput("a reason (`note`) is required to skip a step", field="note")
    if step.kind == VERIFY:
        _require_reason(note)
        step.detail = {**step.detail, "skipped_by": by, "skipped_reason": note}
    before = step.status
    _set(step, "skipped", now)
    return [Change(step.id or 0, step.kind, "skip", before, "skipped", by, note)]


def _complete_with_plan(
    session: Session,
    incident: Incident,
    step: Step,
    steps: list[Step],
    *,
    by: str,
    now: datetime,
    note: str | None,
    outcome: str | None,
    experts: Mapping[str, action_plan.ExpertLike] | None,
    channel_limit: int,
) -> list[Change]:
    """Complete the step; an action plan is kept as published, no longer following events."""
    plan = None
    if action_plan.needs_plan(step):
        directory = action_plan.teams(experts, steps)
        plan = action_plan.build(
            session, incident, step, now=now, directory=directory, channel_limit=channel_limit
        )
    by_id: dict[int | None, Step] = {s.id: s for s in steps}
    changes = _complete(step, by_id, by=by, now=now, note=note, outcome=outcome)
    if plan is not None:
        step.detail = plan.detail(step.detail, incident=incident, now=now)
    return changes


def _require_reason(note: str) -> None:
    """Skipping verification needs a reason of substance: who decided is `by`, this is why."""
    if sum(ch.isalnum() for ch in note) < MIN_REASON:
        raise InvalidInput(
            f"skipping the verification needs a real reason (at least {MIN_REASON} letters): "
            "what makes verifying unnecessary, and who confirmed it",
            field="note",
        )


def _complete(
    step: Step,
    by_id: dict[int | None, Step],
    *,
    by: str,
    now: datetime,
    note: str | None,
    outcome: str | None,
) -> list[Change]:
    if step.status in CLOSED:
        raise Conflict(f"step {step.id} ({step.kind}) is already {step.status}", field="action")
    if step.status == StepStatus.BLOCKED:
        raise Conflict(
            f"step {step.id} ({step.kind}) is blocked: the facts were not verified (verification "
            "was skipped); only a lead may choose to publish without verification",
            field="step_id",
        )
    waiting = open_prerequisites(step, by_id)  # type: ignore[arg-type]
    if waiting:
        names = ", ".join(f"step {w.id} ({w.kind}, {w.status})" for w in waiting)
        raise Conflict(f"step {step.id} ({step.kind}) waits for {names}", field="step_id")
    before = step.status
    followers = [s for s in by_id.values() if s.applies_if]
    if step.kind == "verify_facts":
        if outcome is None and followers:
            raise InvalidInput(
                "verifying the facts needs an `outcome`: " + ", ".join(OUTCOMES), field="outcome"
            )
        if outcome is not None and outcome not in OUTCOMES:
            raise InvalidInput(
                f"`{outcome}` is not an outcome; use one of " + ", ".join(OUTCOMES), field="outcome"
            )
    elif outcome is not None:
        raise InvalidInput("only `verify_facts` takes an outcome", field="outcome")
    _set(step, "done", now)
    step.detail = {**step.detail, "completed_by": by, **({"note": note} if note else {})}
    changes = [Change(step.id or 0, step.kind, "complete", before, "done", by, note)]
    if outcome is not None:
        step.detail = {**step.detail, "outcome": outcome}
        changes += _apply_outcome(outcome, followers, now)
    return changes


def _apply_outcome(outcome: str, followers: list[Step], now: datetime) -> list[Change]:
    """Skip the steps that no longer apply, with the reason (tip 3: the workflow adapts)."""
    changes = []
    for other in followers:
        if other.status in CLOSED or outcome in other.applies_if:
            continue
        before = other.status
        reason = f"verification concluded {outcome.replace('_', ' ')}; {other.kind} does not apply"
        _set(other, "skipped", now)
        other.detail = {**other.detail, "skipped_reason": reason, "skipped_by_outcome": outcome}
        changes.append(
            Change(other.id or 0, other.kind, "skip", before, "skipped", "playbook", reason)
        )
    return changes


def _reopen(
    step: Step, steps: list[Step], *, by: str, now: datetime, note: str | None
) -> list[Change]:
    if step.status not in CLOSED:
        raise Conflict(
            f"step {step.id} ({step.kind}) is {step.status}, not done or skipped", field="action"
        )
    before = step.status
    _set(step, "pending", now)
    changes = [Change(step.id or 0, step.kind, "reopen", before, "pending", by, note)]
    if step.kind == VERIFY:  # a new verification: the skip and any override no longer hold
        gone = ("override", "skipped_by", "skipped_reason")
        step.detail = {k: v for k, v in step.detail.items() if k not in gone}
    if step.kind == VERIFY and "outcome" in step.detail:
        outcome = step.detail["outcome"]
        step.detail = {k: v for k, v in step.detail.items() if k != "outcome"}
        for other in steps:
            if other.detail.get("skipped_by_outcome") == outcome and other.status == "skipped":
                _set(other, "pending", now)
                other.detail = {
                    k: v
                    for k, v in other.detail.items()
                    if k not in ("skipped_reason", "skipped_by_outcome")
                }
                changes.append(
                    Change(
                        other.id or 0,
                        other.kind,
                        "reopen",
                        "skipped",
                        "pending",
                        "playbook",
                        "verification reopened",
                    )
                )
    return changes


def _record(session: Session, incident: Incident, changes: list[Change], now: datetime) -> None:
    for change in changes:
        session.add(
            AuditEntry(
                incident_id=incident.id or 0,
                step_id=change.step_id,
                actor=change.actor,
                action=change.action,
                from_state=change.from_state,
                to_state=change.to_state,
                note=change.note,
                data={},
                rules_version=incident.rules_version,
                at=now,
            )
        )
    incident.version += 1
    incident.updated_at = now


def _update_incident_status(
    session: Session, incident: Incident, steps: list[Step], *, by: str, now: datetime
) -> None:
    finished = all(s.status in CLOSED for s in steps)
    wanted = "resolved" if finished else "open"
    if incident.status == wanted:
        return
    audit(
        session,
        incident,
        actor=by,
        action="status",
        at=now,
        from_state=incident.status,
        to_state=wanted,
    )
    incident.status = wanted
    incident.resolved_at = now if finished else None
