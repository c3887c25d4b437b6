"""What people do to a step beyond its state: escalate it, edit its draft; and telling Slack.

The HTTP API, Slack and the board call these same functions, so a step escalated by hand and
one escalated by the clock page the same group, and a draft edited anywhere is routed alike.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from playbook.actions import outbox
from playbook.actions.slack.messages import build_escalation, build_thread_reply
from playbook.core.errors import Conflict, InvalidInput, NotAllowed
from playbook.core.models import Incident, Step
from playbook.incidents.audit import audit
from playbook.rules.source.model import SEVERITIES, RulesFile, in_force
from playbook.text import apology_lint
from playbook.text.length import draft_length
from playbook.workflow.planner import add_steps, is_lead, lead_group, plan_step, spec_for
from playbook.workflow.steps import MIN_REASON, Change, refresh, steps_of, unverified
from playbook.workflow.view import card_view, step_view

# Where an over-long draft may be routed (tip 5): route name -> the step that carries it.
ROUTE_STEPS = {"blog_post": "blog_post", "customer_service": "cs_handoff"}
ROUTE_NAMES = {"blog_post": "the blog", "customer_service": "customer service"}


def announce(
    session: Session,
    incident: Incident,
    changes: list[Change],
    now: datetime,
    clicked: str | None = None,
    language: str = "en",
) -> None:
    """Thread replies for people's decisions (not activations) in the team's `language`,
    then the card update."""
    steps = {s.id: s for s in steps_of(session, incident.id or 0)}
    for index, change in enumerate(changes):
        step = steps.get(change.step_id)
        if step is None or change.action == "refresh":
            continue
        # The clicked step's reply names the outcome the person recorded, not a plain "done".
        action = (
            clicked if index == 0 and clicked and clicked.startswith("outcome_") else change.action
        )
        shown = step_view(step, language=language)
        reply = build_thread_reply(change.actor, action, shown, now, change.note, language)
        outbox.enqueue_thread(session, incident, reply, now=now)
    outbox.enqueue_card(session, incident, now=now)
    session.flush()


def escalate(
    session: Session,
    incident: Incident,
    step: Step,
    *,
    model: RulesFile,
    actor: str,
    now: datetime,
    note: str | None = None,
) -> str | None:
    """Call the step's lead group (one rule: `planner.lead_group`); returns who was called."""
    lead = lead_group(model, step, incident.severity)
    step.escalated_at = step.escalated_at or now
    audit(
        session,
        incident,
        actor=actor,
        action="escalate",
        at=now,
        step=step,
        from_state=step.status,
        to_state=step.status,
        note=f"{note}; lead: {lead}" if note else f"lead: {lead}",
        data={"lead": lead},
    )
    if model.settings.escalation.raise_severity:
        raise_severity(session, incident, step, now)
    step.version += 1  # the same click arriving again is stale
    step.updated_at = now
    incident.version += 1
    incident.updated_at = now
    view = card_view(session, incident, now, **in_force(model))
    message = build_escalation(view, step_view(step, language=view.language), now, lead)
    outbox.enqueue_thread(session, incident, message, now=now)
    outbox.enqueue_card(session, incident, now=now)
    return lead


def raise_severity(session: Session, incident: Incident, step: Step, now: datetime) -> None:
    """One level up per escalated step, never past critical; audited like any change."""
    level = SEVERITIES.index(incident.severity) if incident.severity in SEVERITIES else 0
    if level + 1 >= len(SEVERITIES):
        return
    before, incident.severity = incident.severity, SEVERITIES[level + 1]
    audit(
        session,
        incident,
        actor="playbook",
        action="raise_severity",
        at=now,
        step=step,
        from_state=before,
        to_state=incident.severity,
        note=f"{step.kind} was escalated and the rules raise severity on escalation",
    )


def edit_draft(
    session: Session,
    incident: Incident,
    step: Step,
    *,
    text: str,
    route: str | None,
    model: RulesFile,
    by: str,
    now: datetime,
) -> list[Change]:
    """The new draft on the step, linted; a chosen route adds the step that carries it."""
    if "draft" not in step.detail:
        raise Conflict(f"step {step.id} ({step.kind}) has no draft to edit", field="action")
    if not text.strip():
        raise InvalidInput("the draft is empty", field="draft")
    if route is not None and route not in ROUTE_STEPS:
        raise InvalidInput(
            f"`{route}` is not a route; use one of " + ", ".join(ROUTE_STEPS), field="route"
        )
    findings = apology_lint.lint(text, incident.language)
    detail = {**step.detail, "draft": text, "edited_by": by}
    detail["lint"] = [{"code": f.code, "message": f.message} for f in findings]
    target = ROUTE_STEPS.get(route) if route else None
    note = f"routed to {ROUTE_NAMES[route]}" if route and target else None
    if route and target:
        detail["routed_to"] = target
        detail["routed_because"] = f"routed by {by} to {ROUTE_NAMES[route]}"
    step.detail = detail
    data = {"length": draft_length(text), "routed_to": target}
    changes = [
        _acted_on(session, incident, step, "edit_draft", by=by, now=now, note=note, data=data)
    ]
    if target:
        changes += ensure_step(session, incident, step, target, model=model, now=now)
    incident.version += 1
    incident.updated_at = now
    return changes


def ensure_step(
    session: Session,
    incident: Incident,
    source: Step,
    kind: str,
    *,
    model: RulesFile,
    now: datetime,
) -> list[Change]:
    """Adds a `kind` step as the planner would, unless the workflow has one already."""
    steps = steps_of(session, incident.id or 0)
    if any(s.kind == kind for s in steps):
        return []
    spec, _ = spec_for(model, incident.matched_rules, kind)
    topics = [str(e.get("topic")) for e in source.detail.get("experts") or []]
    planned = plan_step(model, spec, None, None, incident.language, topics)
    planned.detail = {"routed_from": source.kind, "experts": source.detail.get("experts") or []}
    added = add_steps(session, incident, steps, [planned], now)
    for step in added:
        audit(
            session,
            incident,
            actor="playbook",
            action="step_added",
            at=now,
            step=step,
            to_state="pending",
            data={"routed_from": source.kind},
        )
    return refreshed(session, incident, [*steps, *added], now)


def refreshed(
    session: Session, incident: Incident, steps: list[Step], now: datetime
) -> list[Change]:
    """Activate and park steps after the workflow changed; each change audited."""
    changes = []
    for other, previous in refresh(steps):
        other.version += 1
        other.updated_at = now
        changes.append(
            Change(other.id or 0, other.kind, "refresh", previous, other.status, "playbook")
        )
        audit(
            session,
            incident,
            actor="playbook",
            action="refresh",
            at=now,
            step=other,
            from_state=previous,
            to_state=other.status,
        )
    return changes


def override_verification(
    session: Session,
    incident: Incident,
    step: Step,
    *,
    model: RulesFile,
    by: str,
    now: datetime,
    note: str | None = None,
) -> list[Change]:
    """A lead chooses to publish without verification: the public answers blocked behind the
    skipped `verify_facts` step may go ahead. Audited, and marked in red on the card."""
    if not unverified(step):
        raise Conflict(
            f"step {step.id} ({step.kind}) is not a skipped verification waiting for a lead",
            field="action",
        )
    if not is_lead(model, step, by):
        raise NotAllowed(
            f"only a lead may publish without verification: `{by}` is neither the lead group "
            "of the experts on this step nor listed in settings.admins",
            field="by",
        )
    reason = (note or "").strip()
    if sum(ch.isalnum() for ch in reason) < MIN_REASON:
        raise InvalidInput(
            f"say why it is published without verification (at least {MIN_REASON} letters)",
            field="note",
        )
    step.detail = {**step.detail, "override": {"by": by, "note": reason, "at": now.isoformat()}}
    data = {"skipped_by": step.detail.get("skipped_by")}
    action = "override_verification"
    changes = [_acted_on(session, incident, step, action, by=by, now=now, note=reason, data=data)]
    changes += refreshed(session, incident, steps_of(session, incident.id or 0), now)
    incident.version += 1
    incident.updated_at = now
    return changes


def _acted_on(
    session: Session,
    incident: Incident,
    step: Step,
    action: str,
    *,
    by: str,
    now: datetime,
    note: str | None,
    data: dict[str, Any],
) -> Change:
    """A person acted on a step without changing its state: the step's version moves (an
    older card's click is stale), the act is audited, and the change is returned for the card."""
    step.version += 1
    step.updated_at = now
    audit(
        session,
        incident,
        actor=by,
        action=action,
        at=now,
        step=step,
        from_state=step.status,
        to_state=step.status,
        note=note,
        data=data,
    )
    return Change(step.id or 0, step.kind, action, step.status, step.status, by, note)
