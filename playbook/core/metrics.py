"""Prometheus metrics, in a registry of the runtime's own (several apps per test process)."""

from __future__ import annotations

from collections import Counter as Tally
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector
from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from playbook.core.clock import as_utc
from playbook.core.models import AuditEntry, Incident, IncidentStatus, OutboxItem, Step, StepStatus


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.events = Counter(
            "playbook_events_total",
            "Events received, by outcome",
            ["outcome"],
            registry=self.registry,
        )
        self.incidents = Counter(
            "playbook_incidents_created_total",
            "Incidents opened",
            ["category", "severity"],
            registry=self.registry,
        )
        self.ingest_seconds = Histogram(
            "playbook_ingest_seconds", "Time to accept one event", registry=self.registry
        )
        self.outbox_pending = Gauge(
            "playbook_outbox_pending", "Outbox items waiting", registry=self.registry
        )
        self.rules_reloads = Counter(
            "playbook_rules_reloads_total",
            "Rules reloads, by outcome",
            ["outcome"],
            registry=self.registry,
        )


# --- workflow figures, read from the database at scrape time -------------------------------------
#
# Computed from the audit trail rather than counted where steps complete: the database is the
# one place every instance, the API, Slack, the board and the scheduler all write to, so the
# figures survive restarts, agree between instances and need no sink threaded through them.

SECONDS_BUCKETS = (60, 300, 900, 1800, 3600, 7200, 14400, 43200, 86400, 172800, 604800)
SEVERITY_LABELS = ("low", "medium", "high", "critical")


@dataclass
class _Histogram:
    """Observations per label set, turned into a Prometheus histogram family."""

    name: str
    documentation: str
    labels: tuple[str, ...]
    seen: dict[tuple[str, ...], list[float]] = field(default_factory=dict)

    def observe(self, labels: tuple[str, ...], seconds: float) -> None:
        self.seen.setdefault(labels, []).append(max(seconds, 0.0))

    def family(self) -> HistogramMetricFamily:
        family = HistogramMetricFamily(self.name, self.documentation, labels=list(self.labels))
        for labels, values in sorted(self.seen.items()):
            buckets = [
                (str(float(le)), float(sum(v <= le for v in values))) for le in SECONDS_BUCKETS
            ]
            buckets.append(("+Inf", float(len(values))))
            family.add_metric(list(labels), buckets, sum_value=sum(values))
        return family


def _seconds(later: datetime, earlier: datetime) -> float:
    return (as_utc(later) - as_utc(earlier)).total_seconds()


class Completion(NamedTuple):
    """One step completion with what the figures need of its step and incident."""

    at: datetime
    kind: str
    planned: datetime
    due_at: datetime | None
    incident_id: int
    category: str
    severity: str
    opened: datetime


def _completions(session: Session) -> list[Completion]:
    """Every step completion, as plain columns (no ORM objects: a scrape reads them all)."""
    query = (
        sa_select(
            col(AuditEntry.at),
            col(Step.kind),
            col(Step.created_at),
            col(Step.due_at),
            col(Incident.id),
            col(Incident.category),
            col(Incident.severity),
            col(Incident.created_at),
        )
        .join(Step, col(AuditEntry.step_id) == col(Step.id))
        .join(Incident, col(AuditEntry.incident_id) == col(Incident.id))
        .where(col(AuditEntry.action) == "complete", col(AuditEntry.to_state) == StepStatus.DONE)
    )
    return [Completion(*row) for row in session.execute(query)]


def workflow_families(
    session: Session, now: datetime, first_response: frozenset[str]
) -> Iterator[Metric]:
    """First response (the first completed step of a `first_response` kind), step completion,
    SLA breaches, escalations, open incidents, outbox age."""
    first = _Histogram(
        "playbook_first_response_seconds",
        "Incident opened to its first completed triage or public answer",
        ("category", "severity"),
    )
    steps = _Histogram(
        "playbook_step_completion_seconds",
        "Step planned to step completed",
        ("category", "severity"),
    )
    breaches = CounterMetricFamily(
        "playbook_sla_breaches", "Steps completed after their due time", labels=["kind"]
    )
    earliest: dict[int, Completion] = {}
    late: Tally[str] = Tally()
    for done in _completions(session):
        steps.observe((done.category, done.severity), _seconds(done.at, done.planned))
        if done.due_at is not None and as_utc(done.at) > as_utc(done.due_at):
            late[done.kind] += 1
        if done.kind in first_response:
            known = earliest.get(done.incident_id)
            if known is None or as_utc(done.at) < as_utc(known.at):
                earliest[done.incident_id] = done
    for done in earliest.values():
        first.observe((done.category, done.severity), _seconds(done.at, done.opened))
    for kind, count in sorted(late.items()):
        breaches.add_metric([kind], count)
    yield first.family()
    yield steps.family()
    yield breaches
    yield _escalations(session)
    yield _open_incidents(session)
    yield _outbox_age(session, now)


def _escalations(session: Session) -> CounterMetricFamily:
    family = CounterMetricFamily(
        "playbook_escalations",
        "Escalations: a step handed to its lead group, or a storm",
        labels=["reason"],
    )
    query = select(AuditEntry.action, func.count()).where(
        col(AuditEntry.action).in_(("escalate", "storm"))
    )
    counts = dict(session.exec(query.group_by(AuditEntry.action)).all())
    family.add_metric(["step"], counts.get("escalate", 0))
    family.add_metric(["storm"], counts.get("storm", 0))
    return family


def _open_incidents(session: Session) -> GaugeMetricFamily:
    family = GaugeMetricFamily(
        "playbook_incidents_open", "Open incidents, by severity", labels=["severity"]
    )
    query = select(Incident.severity, func.count()).where(Incident.status == IncidentStatus.OPEN)
    counts = dict(session.exec(query.group_by(Incident.severity)).all())
    for severity in sorted(set(SEVERITY_LABELS) | set(counts)):
        family.add_metric([severity], counts.get(severity, 0))
    return family


def _outbox_age(session: Session, now: datetime) -> GaugeMetricFamily:
    oldest = session.exec(
        select(func.min(OutboxItem.created_at)).where(OutboxItem.status == StepStatus.PENDING)
    ).one()
    age = max(_seconds(now, oldest), 0.0) if oldest is not None else 0.0
    return GaugeMetricFamily(
        "playbook_outbox_oldest_pending_seconds",
        "Age of the oldest outbox item still waiting to be sent (0: none waiting)",
        value=age,
    )


class WorkflowCollector(Collector):
    """The workflow figures as read by one session at one moment (one scrape)."""

    def __init__(self, session: Session, now: datetime, first_response: frozenset[str]) -> None:
        self._session, self._now, self._first = session, now, first_response

    def collect(self) -> Iterator[Metric]:
        return workflow_families(self._session, self._now, self._first)


def workflow_text(session: Session, now: datetime, first_response: frozenset[str]) -> bytes:
    """The workflow figures in Prometheus' text format, to follow the runtime's registry.
    `first_response`: the step kinds that answer (the rules' public answers and triage)."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(WorkflowCollector(session, now, first_response))
    return generate_latest(registry)
