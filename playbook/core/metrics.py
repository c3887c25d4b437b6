"""Prometheus metrics, in a registry of the runtime's own (several apps per test process)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


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
