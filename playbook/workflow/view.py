"""An incident's card, rendered from the database at send time (the latest state wins)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlmodel import Session

from playbook.actions.card_view import CardView, StepView
from playbook.actions.slack.card import PlanStepView, PointView, build_card
from playbook.actions.slack.texts import say
from playbook.core.clock import as_utc
from playbook.core.models import Incident, Step, StepStatus
from playbook.incidents.grouping import incident_stats
from playbook.workflow import advocates_view
from playbook.workflow.advocates_view import AdvocatesLike
from playbook.workflow.kinds import KINDS, StepKind
from playbook.workflow.steps import action_plan, steps_of, unverified

CHANNEL_LIMIT_DEFAULT = 280


def step_title(step: Step, language: str) -> str:
    """A kind's own title in the team's language; a title the rules gave stays as written."""
    kind = KINDS[StepKind(step.kind)] if step.kind in tuple(StepKind) else None
    return kind.title(language) if kind and step.title == kind.title("en") else step.title


def step_view(
    step: Step,
    detail: dict[str, Any] | None = None,
    plan: action_plan.Plan | None = None,
    *,
    language: str = "en",
) -> StepView:
    """The step as the card shows it; `detail` and `plan` are an open plan step's, as now."""
    detail = (step.detail or {}) if detail is None else detail
    lint = tuple(f"{f.get('code')}: {f.get('message')}" for f in detail.get("lint", []))
    view = StepView(
        id=step.id or 0,
        kind=step.kind,
        title=step_title(step, language),
        status=step.status,
        owner=step.owner,
        assignee=step.assignee,
        due_at=as_utc(step.due_at) if step.due_at else None,
        version=step.version,
        can_act=step.status == "active" or unverified(step),
        draft=detail.get("draft"),
        lint=lint,
        outcome=detail.get("outcome"),
        note=_note(step, detail),
    )
    if plan is None:
        return view
    points = tuple(PointView(p.point, p.action, p.owner, p.date, p.count) for p in plan.points)
    return PlanStepView(**vars(view), points=points, events_scanned=plan.events_scanned)


def _note(step: Step, detail: dict[str, Any]) -> str | None:
    """The step's note; the verification gate's state stands out (in red when overridden)."""
    override = detail.get("override")
    if isinstance(override, dict):
        return (
            f"🔴 PUBLISHED WITHOUT VERIFICATION: {override.get('by')} chose to publish without "
            f"verified facts: {override.get('note')}"
        )
    if step.status == StepStatus.BLOCKED:
        return "⛔ Blocked: the facts were not verified. Only a lead may publish without them."
    if unverified(step):
        who = detail.get("skipped_by") or "someone"
        return f"Skipped by {who}: {detail.get('skipped_reason')}. Public answers wait for a lead."
    return detail.get("skipped_reason") or detail.get("note")


def step_views(
    session: Session,
    incident: Incident,
    steps: list[Step],
    now: datetime,
    *,
    channel_limit: int = CHANNEL_LIMIT_DEFAULT,
    experts: Mapping[str, action_plan.ExpertLike] | None = None,
    advocates: AdvocatesLike | None = None,
    language: str = "en",
) -> tuple[StepView, ...]:
    """Every step as shown now: an open action plan is computed from the incident's events,
    the advocates to invite from those remembered."""
    shown = action_plan.shown_details(
        session, incident, steps, now=now, experts=experts, channel_limit=channel_limit
    )
    invited = advocates_view.shown_details(session, incident, steps, now=now, advocates=advocates)
    views: list[StepView] = []
    for step in steps:
        if step.id in invited:
            detail, invitees = invited[step.id or 0]
            views.append(
                advocates_view.with_invitees(step_view(step, detail, language=language), invitees)
            )
        else:
            views.append(step_view(step, *shown.get(step.id or 0, (None, None)), language=language))
    return tuple(views)


def shown_step_details(
    session: Session,
    incident: Incident,
    steps: list[Step],
    *,
    now: datetime,
    channel_limit: int = CHANNEL_LIMIT_DEFAULT,
    experts: Mapping[str, action_plan.ExpertLike] | None = None,
    advocates: AdvocatesLike | None = None,
) -> dict[int, dict[str, Any]]:
    """The details the API shows in place of the stored ones: open plans and advocate lists."""
    plans = action_plan.shown_details(
        session, incident, steps, now=now, experts=experts, channel_limit=channel_limit
    )
    invited = advocates_view.shown_details(session, incident, steps, now=now, advocates=advocates)
    return {step_id: detail for step_id, (detail, _) in [*plans.items(), *invited.items()]}


def card_view(
    session: Session,
    incident: Incident,
    now: datetime,
    channel_limit: int = CHANNEL_LIMIT_DEFAULT,
    *,
    experts: Mapping[str, action_plan.ExpertLike] | None = None,
    advocates: AdvocatesLike | None = None,
    language: str = "en",
) -> CardView:
    """The card's content in the team's `language`. Without `experts` (the rules' `experts:`),
    a plan's owners come from the experts the workflow recorded when it was planned."""
    summary = incident.summary or {}
    stats = incident_stats(session, incident, now)
    level = incident.storm_level
    escalation = say("storm_level", language, level=level) if level else None
    steps = steps_of(session, incident.id or 0)
    return CardView(
        incident_id=incident.id or 0,
        title=incident.title,
        category=incident.category,
        severity=incident.severity,
        status=incident.status,
        rules_version=incident.rules_version,
        event_count=incident.event_count,
        velocity_10m=stats.velocity_10m if incident.event_count > 1 else None,
        author_handle=summary.get("author"),
        author_followers=summary.get("followers"),
        post_url=summary.get("url"),
        excerpt=summary.get("excerpt", ""),
        steps=step_views(
            session,
            incident,
            steps,
            now,
            channel_limit=channel_limit,
            experts=experts,
            advocates=advocates,
            language=language,
        ),
        updated_at=as_utc(incident.updated_at),
        channel_limit=channel_limit,
        escalation=escalation,
        language=language,
    )


def render_card(
    session: Session,
    incident: Incident,
    now: datetime,
    *,
    channel_limit: int = CHANNEL_LIMIT_DEFAULT,
    experts: Mapping[str, action_plan.ExpertLike] | None = None,
    advocates: AdvocatesLike | None = None,
    language: str = "en",
) -> dict[str, Any]:
    view = card_view(
        session,
        incident,
        now,
        channel_limit,
        experts=experts,
        advocates=advocates,
        language=language,
    )
    return build_card(view, now)
