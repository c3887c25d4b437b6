"""Everything a running service holds: settings, database, rules, clock, card delivery."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from slack_sdk import WebClient
from sqlalchemy.engine import Engine
from sqlmodel import Session

from playbook.actions.console import ConsoleSink
from playbook.actions.delivery import Deliverer
from playbook.actions.sinks import CardSink
from playbook.actions.slack.sink import SlackSink
from playbook.core.clock import Clock, SystemClock
from playbook.core.db import make_engine, migrate
from playbook.core.errors import RulesInvalid
from playbook.core.metrics import Metrics
from playbook.core.models import Incident
from playbook.core.settings import Settings
from playbook.editor.trial import trial_in_child
from playbook.rules import triage
from playbook.rules.registry import RulesRegistry
from playbook.rules.source.model import InForce, RulesFile, in_force
from playbook.text import morph
from playbook.workflow.scheduler import run_due
from playbook.workflow.view import render_card
from service.writer import Writer, commit_events

log = logging.getLogger("playbook")


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    clock: Clock
    rules: RulesRegistry
    sink: CardSink
    deliverer: Deliverer
    metrics: Metrics = field(default_factory=Metrics)
    _stop: threading.Event = field(default_factory=threading.Event)
    _seen_stamp: tuple[float, int] | None = None
    _threads: list[threading.Thread] = field(default_factory=list)
    writer: Writer = field(init=False)

    def __post_init__(self) -> None:
        self.writer = Writer(
            lambda events: commit_events(self, events),
            wait_ms=self.settings.group_commit_ms,
            max_events=self.settings.group_commit_max,
        )

    @property
    def model(self) -> RulesFile:
        """The rules in force, as written."""
        return self.rules.playbook.model

    @property
    def slack(self) -> WebClient | None:
        """The runtime's one Slack client (the Slack sink's); None when cards go to the console."""
        return self.sink.client if isinstance(self.sink, SlackSink) else None

    def in_force(self) -> InForce:
        """The experts and channel limit of the rules in force (keyword arguments)."""
        return in_force(self.rules.playbook.model)

    @classmethod
    def build(
        cls,
        settings: Settings,
        *,
        clock: Clock | None = None,
        sink: CardSink | None = None,
        engine: Engine | None = None,
    ) -> Runtime:
        """Connect, migrate and load the rules; raises RulesInvalid for a bad rules file."""
        clock = clock or SystemClock()
        morph.get_kiwi()  # built now (1-4 s), not on the first post's request
        engine = engine or make_engine(settings.database_url)
        migrate(engine)
        rules = RulesRegistry(
            settings.rules_file,
            backend=settings.rules_backend,
            now=clock.now,
            check=lambda text, file: trial_in_child(text, file, settings.rules_backend),
            triage_model=triage.load(settings.triage_model or triage.DEFAULT_MODEL),
        )
        sink = sink or default_sink(settings)
        deliverer = Deliverer(engine, sink, clock, lambda s, i, n: _render(rules, s, i, n))
        runtime = cls(settings, engine, clock, rules, sink, deliverer)
        runtime._seen_stamp = rules.file_stamp()
        return runtime

    def start_workers(self) -> None:
        """Deliver the outbox in the background (the service; tests drain it themselves)."""
        loops = [("outbox", self._deliver_loop)]
        if self.settings.watch_rules:
            loops.append(("rules-watch", self._watch_loop))
        for name, loop in loops:
            worker = threading.Thread(target=loop, name=name, daemon=True)
            worker.start()
            self._threads.append(worker)

    def _deliver_loop(self) -> None:
        while not self._stop.is_set():
            try:
                run_due(self.engine, self.rules.playbook.model, self.clock.now())
                self.deliverer.deliver_due()
            except Exception:  # noqa: BLE001 - the loop must survive a bad pass
                log.exception("outbox pass failed")
            self._stop.wait(self.settings.outbox_interval_seconds)

    def _watch_loop(self) -> None:
        """Reload when the rules file changes on disk; a bad file leaves the rules in force."""
        while not self._stop.wait(2.0):
            self.check_rules_file()

    def check_rules_file(self) -> bool | None:
        """One look at the rules file: None if unchanged, else whether the reload took."""
        stamp = self.rules.file_stamp()
        if stamp == self._seen_stamp:
            return None
        self._seen_stamp = stamp
        try:
            self.rules.reload()
        except RulesInvalid:
            self.metrics.rules_reloads.labels("refused").inc()
            return False
        self.metrics.rules_reloads.labels("ok").inc()
        return True

    def close(self) -> None:
        self._stop.set()
        self.writer.close()
        for thread in self._threads:
            thread.join(timeout=5)
        self.rules.close()
        self.engine.dispose()


def default_sink(settings: Settings) -> CardSink:
    if settings.slack_bot_token:
        return SlackSink(settings.slack_bot_token, settings.slack_api_url)
    log.warning("PLAYBOOK_SLACK_BOT_TOKEN is not set: cards go to the console")
    return ConsoleSink()


def _render(
    rules: RulesRegistry, session: Session, incident: Incident, now: datetime
) -> dict[str, Any]:
    """The card as the rules in force show it: their experts and their channel limit."""
    return render_card(session, incident, now, **in_force(rules.playbook.model))
