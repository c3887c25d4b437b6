"""A compiled playbook: facts for an event, matching, the hit policy and the planned workflow."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from playbook.intake.events import EventIn
from playbook.intake.facts import AuthorHistory, IncidentStats, engine_name, event_facts
from playbook.rules.compile import conditions as c
from playbook.rules.compile.compiler import Compiled, compile_source, version_of
from playbook.rules.match.backends import make_matcher
from playbook.rules.source.loader import Source, load_file, load_text
from playbook.rules.source.model import (
    SEVERITIES,
    Rule,
    StepSpec,
)
from playbook.text import lang, pii
from playbook.text.keywords import KeywordSet

ENGINE_INT = 2**53


@dataclass
class Decision:
    category: str
    severity: str
    matched_rules: list[str]
    suppressed_rules: list[str]
    # The steps the winning rules name, first rule first, one per kind (the default's when no
    # rule won); the workflow's planner turns them into steps.
    specs: list[tuple[StepSpec, str | None]]
    channel: str | None
    language: str
    facts: dict[str, Any]
    topics: list[str]

    @property
    def ignored(self) -> bool:
        return not self.specs


class Playbook:
    """One version of the rules, compiled and ready to decide on events."""

    def __init__(self, source: Source, *, backend: str = "auto") -> None:
        self.source = source
        self.model = source.model
        self.version = version_of(source.text)
        self.compiled: Compiled = compile_source(source)
        self.matcher = make_matcher(self.compiled.rules, self.version, backend)  # type: ignore[arg-type]
        self.rules_by_id: dict[str, Rule] = {r.id: r for r in self.model.rules}
        self._order = sorted(
            range(len(self.model.rules)), key=lambda i: (-self.model.rules[i].priority, i)
        )
        org = self.model.organisation
        self._ceo = frozenset(h.lower() for h in org.ceo_handles)
        self._brand = frozenset(h.lower() for h in org.brand_handles)
        self._brand_terms = (
            KeywordSet(org.brand_terms, word_boundary=True) if org.brand_terms else None
        )
        self._topics = {
            topic: self.compiled.lists[expert.keywords]
            for topic, expert in self.model.experts.items()
            if expert.keywords and expert.keywords in self.compiled.lists
        }

    @classmethod
    def from_file(cls, path: str, *, backend: str = "auto") -> Playbook:
        return cls(load_file(path), backend=backend)

    @classmethod
    def from_text(cls, text: str, file: str = "rules.yaml", *, backend: str = "auto") -> Playbook:
        return cls(load_text(text, file), backend=backend)

    @property
    def rule_ids(self) -> list[str]:
        return [r.id for r in self.model.rules]

    def close(self) -> None:
        self.matcher.close()

    # --- facts -----------------------------------------------------------------------------

    def facts(
        self,
        event: EventIn,
        *,
        now: datetime,
        history: AuthorHistory | None = None,
        incident: IncidentStats | None = None,
    ) -> dict[str, Any]:
        text = event.text
        topics = [topic for topic, words in self._topics.items() if words.hits(text)]
        facts = event_facts(
            event,
            detect_language=lang.detect,
            personal_data=pii.kinds,
            ceo_handles=self._ceo,
            brand_handles=self._brand,
            brand_mentioned_in_text=bool(self._brand_terms and self._brand_terms.hits(text)),
            topics=topics,
            now=now,
            history=history,
            incident=incident,
        )
        if event.lang and facts["language"] in ("unknown", "other"):
            facts["language"] = event.lang.lower()
        return facts

    def engine_facts(self, facts: Mapping[str, Any]) -> c.Facts:
        """Only what the engine may see: booleans, numbers and short folded strings."""
        out: c.Facts = {}
        wanted = self.compiled.engine_facts
        for name, value in facts.items():
            key = engine_name(name)
            if key not in wanted:
                continue
            if isinstance(value, bool):
                out[key] = value
            elif isinstance(value, int | float):
                if value != value:  # NaN: no comparison can hold, so leave the fact out
                    continue
                # Both matchers must see the same number; the engine is exact up to 2**53.
                out[key] = max(-ENGINE_INT, min(ENGINE_INT, value))
            elif isinstance(value, str):
                out[key] = value.casefold()[:256]
        for derivation in self.compiled.derivations:
            out[derivation.name] = bool(derivation.predicate(dict(facts)))
        return out

    # --- deciding --------------------------------------------------------------------------

    def decide(self, facts: dict[str, Any], event: EventIn) -> Decision:
        matched = set(self.matcher.match(self.engine_facts(facts)))
        winners: list[Rule] = []
        suppressed: list[str] = []
        stopped = False
        for index in self._order:
            rule = self.model.rules[index]
            if rule.id not in matched:
                continue
            if stopped:
                suppressed.append(rule.id)
                continue
            winners.append(rule)
            stopped = rule.stop
        return self._decision(winners, suppressed, facts, event)

    def _decision(
        self, winners: list[Rule], suppressed: list[str], facts: dict[str, Any], event: EventIn
    ) -> Decision:
        default = self.model.default
        category = next((r.then.category for r in winners if r.then.category), default.category)
        severities = [r.then.severity for r in winners if r.then.severity] or [default.severity]
        severity = max(severities, key=SEVERITIES.index)
        channel = next((r.then.channel for r in winners if r.then.channel), None)
        specs: dict[str, tuple[StepSpec, str | None]] = {}
        for rule in winners:
            for spec in rule.then.steps:
                specs.setdefault(spec.kind, (spec, rule.id))
        if not winners:
            for spec in default.steps:
                specs.setdefault(spec.kind, (spec, None))
        language = "ko" if facts.get("language") == "ko" else "en"
        return Decision(
            category,
            severity,
            [r.id for r in winners],
            suppressed,
            list(specs.values()),
            channel,
            language,
            facts,
            list(facts.get("topics", [])),
        )
