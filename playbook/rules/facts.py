"""Facts for one event as a rules file sees them, and the part of them the engine may see."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from playbook.intake.events import EventIn
from playbook.intake.facts import AuthorHistory, IncidentStats, engine_name, event_facts
from playbook.rules import triage
from playbook.rules.compile import conditions as c
from playbook.rules.compile.compiler import Compiled
from playbook.rules.source.model import RulesFile
from playbook.text import lang, pii
from playbook.text.classifier import Classifier
from playbook.text.keywords import KeywordSet, TermList

ENGINE_INT = 2**53


@dataclass(frozen=True)
class FactSources:
    """What a rules file adds to an event's facts: its CEO and brand, its expert topics."""

    ceo: frozenset[str]
    ceo_titles: KeywordSet | None
    brand: frozenset[str]
    brand_terms: KeywordSet | None
    topics: dict[str, TermList]

    @classmethod
    def of(cls, model: RulesFile, lists: Mapping[str, TermList]) -> FactSources:
        org = model.organisation
        return cls(
            ceo=frozenset(h.lower() for h in org.ceo_handles),
            ceo_titles=KeywordSet(org.ceo_titles, word_boundary=True) if org.ceo_titles else None,
            brand=frozenset(h.lower() for h in org.brand_handles),
            brand_terms=(
                KeywordSet(org.brand_terms, word_boundary=True) if org.brand_terms else None
            ),
            topics={
                topic: lists[expert.keywords]
                for topic, expert in model.experts.items()
                if expert.keywords and expert.keywords in lists
            },
        )


def facts_for(
    sources: FactSources,
    event: EventIn,
    *,
    now: datetime,
    history: AuthorHistory | None = None,
    incident: IncidentStats | None = None,
    model: Classifier | None = None,
) -> dict[str, Any]:
    """Every fact about one event; the event's own language tag fills in an unknown one; the
    triage model's opinion (`model.*`) when a model is given."""
    text = event.text
    topics = [topic for topic, words in sources.topics.items() if words.hits(text)]
    facts = event_facts(
        event,
        detect_language=lang.detect,
        personal_data=pii.kinds,
        ceo_handles=sources.ceo,
        brand_handles=sources.brand,
        brand_mentioned_in_text=bool(sources.brand_terms and sources.brand_terms.hits(text)),
        ceo_named_in_text=bool(sources.ceo_titles and sources.ceo_titles.hits(text)),
        topics=topics,
        now=now,
        history=history,
        incident=incident,
    )
    if event.lang and facts["language"] in ("unknown", "other"):
        facts["language"] = event.lang.lower()
    if model is not None:
        facts.update(triage.model_facts(model, text))
    return facts


def engine_facts(compiled: Compiled, facts: Mapping[str, Any]) -> c.Facts:
    """Only what the engine may see: booleans, numbers and short folded strings."""
    out: c.Facts = {}
    wanted = compiled.engine_facts
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
    for derivation in compiled.derivations:
        out[derivation.name] = bool(derivation.predicate(dict(facts)))
    return out
