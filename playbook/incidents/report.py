"""The after-action report: what happened to one incident, how fast, by whom, from the audit."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, func, select

from playbook.core.clock import as_utc
from playbook.core.models import AuditEntry, Event, Incident, Step

SYSTEM_ACTOR = "playbook"
MAX_MINUTES = 24 * 60
# Each milestone: the step kinds whose completion marks it.
MILESTONES = {
    "first_response": ("acknowledge", "apologise", "correct_rumour", "promise_follow_up"),
    "verification": ("verify_facts",),
    "apology_or_correction": ("apologise", "correct_rumour"),
    "action_plan": ("publish_action_plan",),
}


@dataclass(frozen=True)
class StepSla:
    step_id: int
    kind: str
    title: str
    status: str
    due_at: datetime | None
    closed_at: datetime | None
    closed_by: str | None
    met: bool | None  # None: no deadline, or still open and not yet due


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    actor: str
    action: str
    step_id: int | None
    from_state: str | None
    to_state: str | None
    note: str | None


@dataclass
class Report:
    incident_id: int
    title: str
    category: str
    severity: str
    status: str
    event_count: int
    reach: int
    created_at: datetime
    resolved_at: datetime | None
    seconds_to: dict[str, float | None]
    sla: list[StepSla]
    escalations: list[TimelineEntry]
    actors: dict[str, dict[str, int]]
    timeline: list[TimelineEntry]
    volume_start: datetime
    volume_per_minute: list[int]
    published: list[dict[str, str]] = field(default_factory=list)

    @property
    def sla_attainment(self) -> float | None:
        judged = [s.met for s in self.sla if s.met is not None]
        return sum(judged) / len(judged) if judged else None

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["sla_attainment"] = self.sla_attainment
        return _jsonable(data)


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return as_utc(value).isoformat()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value


def audit_trail(session: Session, incident_id: int) -> list[AuditEntry]:
    query = (
        select(AuditEntry)
        .where(AuditEntry.incident_id == incident_id)
        .order_by(col(AuditEntry.at), col(AuditEntry.id))
    )
    return list(session.exec(query))


def _entry(row: AuditEntry) -> TimelineEntry:
    return TimelineEntry(
        as_utc(row.at), row.actor, row.action, row.step_id, row.from_state, row.to_state, row.note
    )


def _closings(trail: list[AuditEntry]) -> dict[int, AuditEntry]:
    """The last completion or skip of each step (a reopened step counts when closed again)."""
    closed: dict[int, AuditEntry] = {}
    for row in trail:
        if row.step_id is None:
            continue
        if row.action in ("complete", "skip"):
            closed[row.step_id] = row
        elif row.action == "reopen":
            closed.pop(row.step_id, None)
    return closed


def _sla(steps: list[Step], closings: dict[int, AuditEntry], now: datetime) -> list[StepSla]:
    out = []
    for step in steps:
        due = as_utc(step.due_at) if step.due_at else None
        row = closings.get(step.id or 0)
        closed_at = as_utc(row.at) if row else None
        met: bool | None = None
        if due is not None:
            if closed_at is not None:
                met = closed_at <= due
            elif now > due:
                met = False
        out.append(
            StepSla(
                step.id or 0,
                step.kind,
                step.title,
                step.status,
                due,
                closed_at,
                row.actor if row else None,
                met,
            )
        )
    return out


def _milestones(
    incident: Incident, steps: list[Step], closings: dict[int, AuditEntry]
) -> dict[str, float | None]:
    start = as_utc(incident.created_at)
    out: dict[str, float | None] = {}
    for name, kinds in MILESTONES.items():
        times = [
            as_utc(closings[s.id].at)
            for s in steps
            if s.kind in kinds and s.id in closings and closings[s.id].action == "complete"
        ]
        out[name] = (min(times) - start).total_seconds() if times else None
    return out


def _volume(session: Session, incident: Incident, now: datetime) -> tuple[datetime, list[int]]:
    start = as_utc(incident.created_at).replace(second=0, microsecond=0)
    last = session.exec(
        select(func.max(Event.received_at)).where(Event.incident_id == incident.id)
    ).one()
    end = min(as_utc(last) if last else start, start + timedelta(minutes=MAX_MINUTES - 1), now)
    counts = [0] * (int((end - start).total_seconds() // 60) + 1)
    rows = session.exec(
        select(Event.received_at).where(
            Event.incident_id == incident.id, col(Event.received_at) >= start
        )
    )
    for received in rows:
        index = int((as_utc(received) - start).total_seconds() // 60)
        if 0 <= index < len(counts):
            counts[index] += 1
    return start, counts


def build_report(session: Session, incident: Incident, now: datetime) -> Report:
    """Everything the after-action report says, as of `now`."""
    steps = list(
        session.exec(
            select(Step).where(Step.incident_id == incident.id).order_by(col(Step.position))
        )
    )
    trail = audit_trail(session, incident.id or 0)
    closings = _closings(trail)
    actors: dict[str, Counter[str]] = {}
    for row in trail:
        if row.actor != SYSTEM_ACTOR:
            actors.setdefault(row.actor, Counter())[row.action] += 1
    start, counts = _volume(session, incident, now)
    published = [
        {"kind": s.kind, "title": s.title, "text": str(s.detail["draft"])}
        for s in steps
        if s.status == "done" and s.detail.get("draft")
    ]
    return Report(
        incident_id=incident.id or 0,
        title=incident.title,
        category=incident.category,
        severity=incident.severity,
        status=incident.status,
        event_count=incident.event_count,
        reach=incident.reach,
        created_at=as_utc(incident.created_at),
        resolved_at=as_utc(incident.resolved_at) if incident.resolved_at else None,
        seconds_to=_milestones(incident, steps, closings),
        sla=_sla(steps, closings, now),
        escalations=[_entry(r) for r in trail if r.action == "escalate"],
        actors={name: dict(counter) for name, counter in actors.items()},
        timeline=[_entry(r) for r in trail],
        volume_start=start,
        volume_per_minute=counts,
        published=published,
    )
