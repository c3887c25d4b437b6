"""A compiled playbook: one version of the rules, deriving facts for an event and deciding."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from playbook.intake.events import EventIn
from playbook.intake.facts import AuthorHistory, IncidentStats
from playbook.rules import decide, triage
from playbook.rules import facts as rule_facts
from playbook.rules.compile import conditions as c
from playbook.rules.compile.compiler import Compiled, compile_source, version_of
from playbook.rules.decide import Decision
from playbook.rules.match.backends import make_matcher
from playbook.rules.source.loader import Source, load_file, load_text
from playbook.rules.source.model import Rule
from playbook.text.classifier import Classifier

__all__ = ["Decision", "Playbook"]


class Playbook:
    """One version of the rules, compiled and ready to decide on events."""

    def __init__(
        self, source: Source, *, backend: str = "auto", triage_model: Classifier | None = None
    ) -> None:
        self.source = source
        self.triage = triage_model or triage.configured()  # its facts: model.category, ...
        self.model_version = triage.version(self.triage)
        self.model = source.model
        self.version = version_of(source.text)
        self.compiled: Compiled = compile_source(source)
        self.matcher = make_matcher(self.compiled.rules, self.version, backend)  # type: ignore[arg-type]
        self.rules_by_id: dict[str, Rule] = {r.id: r for r in self.model.rules}
        self._order = decide.priority_order(self.model.rules)
        self._sources = rule_facts.FactSources.of(self.model, self.compiled.lists)

    @classmethod
    def from_file(
        cls, path: str, *, backend: str = "auto", triage_model: Classifier | None = None
    ) -> Playbook:
        return cls(load_file(path), backend=backend, triage_model=triage_model)

    @classmethod
    def from_text(
        cls,
        text: str,
        file: str = "rules.yaml",
        *,
        backend: str = "auto",
        triage_model: Classifier | None = None,
    ) -> Playbook:
        return cls(load_text(text, file), backend=backend, triage_model=triage_model)

    @property
    def rule_ids(self) -> list[str]:
        return [r.id for r in self.model.rules]

    def close(self) -> None:
        self.matcher.close()

    def facts(
        self,
        event: EventIn,
        *,
        now: datetime,
        history: AuthorHistory | None = None,
        incident: IncidentStats | None = None,
    ) -> dict[str, Any]:
        """Every fact about one event, with this file's CEO, brand and expert topics."""
        return rule_facts.facts_for(
            self._sources, event, now=now, history=history, incident=incident, model=self.triage
        )

    def engine_facts(self, facts: Mapping[str, Any]) -> c.Facts:
        """Only what the engine may see: booleans, numbers and short folded strings."""
        return rule_facts.engine_facts(self.compiled, facts)

    def decide(self, facts: dict[str, Any], event: EventIn) -> Decision:
        """Match the facts, then apply the hit policy (priority order, `stop`)."""
        matched = set(self.matcher.match(self.engine_facts(facts)))
        won, suppressed = decide.winners(self.model.rules, self._order, matched)
        return decide.decision(self.model.default, won, suppressed, facts)
