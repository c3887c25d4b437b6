"""From the rules' decision to steps: defaults, owners, drafts, routing; the one Step factory."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session

from playbook.core.models import Incident, Step, StepStatus
from playbook.intake.events import EventIn
from playbook.rules.playbook import Decision
from playbook.rules.source.model import (
    PLACEHOLDER,
    RulesFile,
    StepSpec,
    parse_duration,
)
from playbook.rules.source.settings import STORM_NOTIFY
from playbook.text import apology_lint
from playbook.text.length import draft_length
from playbook.workflow.kinds import kind, position


@dataclass
class PlannedStep:
    kind: str
    title: str
    owner: str | None
    due_in: int | None
    requires: tuple[str, ...]
    applies_if: tuple[str, ...] = ()
    draft: str | None = None
    lint: list[dict[str, str]] = field(default_factory=list)
    detail: dict[str, Any] = field(default_factory=dict)
    rule: str | None = None


# Steps whose draft is the company's position whatever the incident: an action plan is.
OFFICIAL_KINDS = frozenset({"publish_action_plan"})


def route_long_draft(
    draft: str, *, category: str, severity: str, limit: int, kind: str | None = None
) -> tuple[str | None, str | None]:
    """Tip 5: a draft over the channel's limit (as X counts it) goes elsewhere. The company's
    position (an action plan, a rumour, or anything high or critical) to a blog post, one
    customer's case to customer service. Returns the step kind to route to and why, or
    (None, None)."""
    length = draft_length(draft)
    if length <= limit:
        return None, None
    official = kind in OFFICIAL_KINDS or category == "rumour" or severity in ("high", "critical")
    because = (
        f"the draft counts {length} characters as X counts them (Korean and emoji 2, "
        f"links 23); the channel allows {limit}"
    )
    return ("blog_post" if official else "cs_handoff"), because


# --- owners and leads ------------------------------------------------------------------------


def experts_for(model: RulesFile, topics: Iterable[str]) -> list[dict[str, Any]]:
    """The expert groups of the topics, as steps record them."""
    return [
        {"topic": t, "owner": model.experts[t].owner, "name": model.experts[t].name}
        for t in topics
        if t in model.experts
    ]


def owner_for(model: RulesFile, spec: StepSpec, experts: list[dict[str, Any]]) -> str | None:
    """The owner rules: an expert group, the advocates, or the spec's own owner."""
    owner = spec.owner
    if owner == "expert":
        return str(experts[0]["owner"]) if experts else None
    if owner and owner.startswith("expert:"):
        known = model.experts.get(owner.removeprefix("expert:"))
        return known.owner if known else None
    if owner == "advocates":
        return model.advocates.owner if model.advocates else None
    return owner


def lead_group(model: RulesFile, step: Step, severity: str | None = None) -> str | None:
    """Who is called when a step is escalated, by hand or by the clock. A step nobody owns:
    whom `settings.escalation.unowned` names for the incident's severity. An owned step: the
    lead of the expert group that owns it, else of the first expert group named on it, else
    the storm's notify group (the CEO's office in the default playbook)."""
    if not step.owner and severity is not None:
        called = getattr(model.settings.escalation.unowned, severity, None)
        return model.settings.storm.notify if called == STORM_NOTIFY else called
    for expert in model.experts.values():
        if step.owner and expert.owner == step.owner and expert.lead:
            return expert.lead
    for named in step.detail.get("experts") or []:
        known = model.experts.get(str(named.get("topic")))
        if known is not None and known.lead:
            return known.lead
    return model.settings.storm.notify


def is_lead(model: RulesFile, step: Step, actor: str) -> bool:
    """The lead role on a step: an admin of the rules, or a member of the lead group of an
    expert group that owns the step or is named on it (the actor given as that group)."""
    if actor in model.settings.admins:
        return True
    leads = {e.lead for e in model.experts.values() if e.lead and e.owner == step.owner}
    for named in step.detail.get("experts") or []:
        known = model.experts.get(str(named.get("topic")))
        if known is not None and known.lead:
            leads.add(known.lead)
    return actor in leads


# --- planning ---------------------------------------------------------------------------------


def plan(model: RulesFile, decision: Decision, event: EventIn) -> list[PlannedStep]:
    """The steps of a decision in canonical order, long drafts routed (tip 5)."""
    steps = [
        plan_step(model, spec, rule, event, decision.language, decision.topics)
        for spec, rule in decision.specs
    ]
    steps = _route_long_drafts(model, steps, decision, event)
    steps.sort(key=lambda s: position(s.kind))
    return steps


def plan_step(
    model: RulesFile,
    spec: StepSpec,
    rule: str | None,
    event: EventIn | None,
    language: str,
    topics: list[str],
) -> PlannedStep:
    """One step as a rule describes it, the kind's defaults filling what the rule leaves out."""
    defaults = kind(spec.kind)
    experts = experts_for(model, topics)
    requires = tuple(spec.requires) if spec.requires is not None else defaults.requires
    if spec.kind != "triage":
        requires = ("triage", *[r for r in requires if r != "triage"])
    draft = _draft(model, spec, event, language, topics, experts) if event else None
    step = PlannedStep(
        kind=spec.kind,
        title=spec.title or defaults.title_en,
        owner=owner_for(model, spec, experts),
        due_in=parse_duration(spec.due_in or defaults.due),
        requires=requires,
        applies_if=tuple(spec.applies_if or defaults.applies_if),
        draft=draft,
        rule=rule,
    )
    if experts:
        step.detail["experts"] = experts
    if draft is not None and defaults.linted:
        step.lint = [
            {"code": f.code, "message": f.message} for f in apology_lint.lint(draft, language)
        ]
    return step


def _draft(
    model: RulesFile,
    spec: StepSpec,
    event: EventIn,
    language: str,
    topics: list[str],
    experts: list[dict[str, Any]],
) -> str | None:
    if spec.draft is None:
        return None
    template = getattr(spec.draft, language) or spec.draft.en or spec.draft.ko
    if not template:
        return None
    author = event.author
    values = {
        "author": f"@{author.handle}" if author and author.handle else "",
        "author_name": (author.name or "") if author else "",
        "org": model.organisation.name,
        "topic": topics[0] if topics else "",
        "expert": (experts[0]["name"] or experts[0]["topic"]) if experts else "",
        "limit": str(model.settings.channel_limit),
        "url": event.url or "",
    }
    return fill(template, values)


# A placeholder with what hangs on it: a Korean honorific and the separator that follows.
_SLOT = re.compile(PLACEHOLDER.pattern + r"((?:님|씨)?[ \t]*[,:;]?[ \t]*)")


def fill(template: str, values: dict[str, str]) -> str:
    """The template with its placeholders filled. An empty value takes its honorific and
    separator with it (no `님, …` or `, thank you…` for a post without an author), and the
    sentence it opened starts with a capital. Values are inserted literally: event text is
    never itself used as a template."""

    def slot(found: re.Match[str]) -> str:
        name, tail = found.group(1), found.group(2)
        if name not in values:
            return found.group(0)
        return values[name] + tail if values[name] else ""

    template = template.strip()
    text = _SLOT.sub(slot, template).strip()
    first = _SLOT.match(template)
    if first is not None and first.group(1) in values and not values[first.group(1)]:
        text = text[:1].upper() + text[1:]
    return text


def _route_long_drafts(
    model: RulesFile, steps: list[PlannedStep], decision: Decision, event: EventIn
) -> list[PlannedStep]:
    limit = model.settings.channel_limit
    kinds = {s.kind for s in steps}
    for step in list(steps):
        target, because = route_long_draft(
            step.draft or "",
            category=decision.category,
            severity=decision.severity,
            limit=limit,
            kind=step.kind,
        )
        if target is None:
            continue
        step.detail["routed_to"] = target
        step.detail["routed_because"] = because
        if target not in kinds:
            kinds.add(target)
            extra = plan_step(
                model, StepSpec(kind=target), None, event, decision.language, decision.topics
            )
            extra.detail["routed_from"] = step.kind
            steps.append(extra)
    return steps


# --- the one Step factory ------------------------------------------------------------------


def new_step(incident: Incident, planned: PlannedStep, *, position: int, now: datetime) -> Step:
    """A Step row for a planned step; `depends_on` is filled once the rows have ids."""
    detail = dict(planned.detail)
    if planned.draft is not None:
        detail["draft"] = planned.draft
        detail["lint"] = planned.lint
    if planned.rule:
        detail["rule"] = planned.rule
    return Step(
        incident_id=incident.id or 0,
        position=position,
        kind=planned.kind,
        title=planned.title,
        status=StepStatus.PENDING,
        owner=planned.owner,
        applies_if=list(planned.applies_if),
        detail=detail,
        due_at=now + timedelta(seconds=planned.due_in) if planned.due_in else None,
        created_at=now,
        updated_at=now,
    )


def create_steps(
    session: Session, incident: Incident, planned: list[PlannedStep], now: datetime
) -> list[Step]:
    """A new incident's workflow, stored, prerequisites linked."""
    steps = [new_step(incident, p, position=i, now=now) for i, p in enumerate(planned)]
    session.add_all(steps)
    session.flush()
    ids = {s.kind: s.id or 0 for s in steps}
    for step, wanted in zip(steps, planned, strict=True):
        step.depends_on = [ids[k] for k in wanted.requires if k in ids and ids[k] != step.id]
    return steps


def add_steps(
    session: Session,
    incident: Incident,
    existing: list[Step],
    planned: list[PlannedStep],
    now: datetime,
    *,
    canonical: bool = False,
) -> list[Step]:
    """Steps added to a running workflow (routing, storms, new needs); kinds it has are kept.
    They go last, or with `canonical` where their kind stands in the canonical order."""
    present = {s.kind for s in existing}
    ids = {s.kind: s.id or 0 for s in existing}
    last = max((s.position for s in existing), default=-1)
    added = []
    for wanted in planned:
        if wanted.kind in present:
            continue
        present.add(wanted.kind)
        last += 1
        at = position(wanted.kind) if canonical else last
        step = new_step(incident, wanted, position=at, now=now)
        step.depends_on = [ids[k] for k in wanted.requires if k in ids]
        added.append(step)
    session.add_all(added)
    session.flush()
    return added


def spec_for(
    model: RulesFile, matched_rules: Iterable[str], kind_name: str
) -> tuple[StepSpec, str | None]:
    """How the incident's matched rules describe a step of `kind_name`, else the defaults."""
    by_id = {r.id: r for r in model.rules}
    for rule_id in matched_rules:
        rule = by_id.get(rule_id)
        for spec in rule.then.steps if rule else []:
            if spec.kind == kind_name:
                return spec, rule_id
    return StepSpec(kind=kind_name), None


def storm_steps(
    session: Session, incident: Incident, model: RulesFile, existing: list[Step], now: datetime
) -> list[Step]:
    """A storm convenes the committee (and, for a rumour, the advocates), owned by the storm's
    notify group (advocates: their team), after triage only: a storm waits for nothing else."""
    kinds = ["convene_committee"] + (["engage_advocates"] if incident.category == "rumour" else [])
    departments = sorted({e.owner for t, e in model.experts.items() if t in incident.topics})
    planned = []
    for name in kinds:
        step = plan_step(model, StepSpec(kind=name), None, None, incident.language, [])
        advocates = model.advocates if name == "engage_advocates" else None
        step.owner = advocates.owner if advocates else model.settings.storm.notify
        step.requires = ("triage",)
        step.detail = {"added_by": "storm", "departments": departments}
        planned.append(step)
    return add_steps(session, incident, existing, planned, now, canonical=True)
