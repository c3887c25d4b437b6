"""A compiled playbook: facts for an event, matching, the hit policy and the planned workflow."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from playbook.intake.events import EventIn
from playbook.intake.facts import AuthorHistory, IncidentStats, engine_name, event_facts
from playbook.rules.compile import conditions as c
from playbook.rules.compile.compiler import Compiled, compile_source, version_of
from playbook.rules.match.backends import make_matcher
from playbook.rules.source.loader import Source, load_file, load_text
from playbook.rules.source.model import (
    OUTCOME_STEPS,
    PLACEHOLDER,
    PUBLIC_ANSWERS,
    SEVERITIES,
    STEP_KINDS,
    Rule,
    StepSpec,
    parse_duration,
)
from playbook.text import apology_lint, lang, pii
from playbook.text.keywords import KeywordSet
from playbook.text.length import draft_length

DEFAULT_TITLES = {
    "triage": "Triage: confirm the category and whether to answer at all",
    "verify_facts": "Verify the facts with the in-house experts",
    "acknowledge": "Acknowledge: a quick, human reply that we are listening",
    "apologise": "Apologise: a real, specific apology",
    "correct_rumour": "Correct the rumour point by point",
    "promise_follow_up": "Say it is being investigated and when findings will be shared",
    "publish_action_plan": "Publish the action plan: each point, an action, an owner, a date",
    "blog_post": "Publish the official position in long form and link it",
    "cs_handoff": "Hand the case to customer service",
    "private_channel": "Continue in private (DM, e-mail or phone): personal data involved",
    "engage_advocates": "Invite advocates to share their view",
    "disengage": "No public answer: monitor only",
    "convene_committee": "Convene the departments concerned now",
}
DEFAULT_DUE = {
    "triage": "15m",
    "private_channel": "30m",
    "verify_facts": "1h",
    "acknowledge": "30m",
    "apologise": "2h",
    "correct_rumour": "1h",
    "promise_follow_up": "2h",
    "publish_action_plan": "1d",
    "blog_post": "1d",
    "cs_handoff": "1h",
    "engage_advocates": "2h",
    "disengage": "1h",
    "convene_committee": "30m",
}
# Public answers wait for verified facts (tip 1); the plan follows the apology (tip 4).
DEFAULT_REQUIRES = {
    **{kind: ("verify_facts",) for kind in PUBLIC_ANSWERS - {"acknowledge", "engage_advocates"}},
    "publish_action_plan": ("verify_facts", "apologise"),
    "engage_advocates": ("verify_facts",),
}
# Drafts that apologise or commit to something are linted (tip 3); thank-yous are not.
LINTED = frozenset({"apologise", "promise_follow_up", "publish_action_plan", "blog_post"})
ENGINE_INT = 2**53


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


@dataclass
class Decision:
    category: str
    severity: str
    matched_rules: list[str]
    suppressed_rules: list[str]
    steps: list[PlannedStep]
    channel: str | None
    language: str
    facts: dict[str, Any]
    topics: list[str]

    @property
    def ignored(self) -> bool:
        return not self.steps


def route_long_draft(
    draft: str, *, category: str, severity: str, limit: int
) -> tuple[str | None, str | None]:
    """Tip 5: a draft over the channel's limit (as X counts it) goes elsewhere. The company's
    position (a rumour, or anything high or critical) to a blog post, one customer's case to
    customer service. Returns the step kind to route to and why, or (None, None)."""
    length = draft_length(draft)
    if length <= limit:
        return None, None
    official = category == "rumour" or severity in ("high", "critical")
    because = (
        f"the draft counts {length} characters as X counts them (Korean and emoji 2, "
        f"links 23); the channel allows {limit}"
    )
    return ("blog_post" if official else "cs_handoff"), because


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
        topics = list(facts.get("topics", []))
        steps = [
            self._plan(spec, rule, facts, event, language, topics) for spec, rule in specs.values()
        ]
        steps = self._route_long_drafts(steps, category, severity, facts, event, language, topics)
        steps.sort(key=lambda s: STEP_KINDS.index(s.kind))
        return Decision(
            category,
            severity,
            [r.id for r in winners],
            suppressed,
            steps,
            channel,
            language,
            facts,
            topics,
        )

    def _plan(
        self,
        spec: StepSpec,
        rule: str | None,
        facts: dict[str, Any],
        event: EventIn,
        language: str,
        topics: list[str],
    ) -> PlannedStep:
        owner, experts = self._owner(spec, topics)
        requires = (
            tuple(spec.requires)
            if spec.requires is not None
            else DEFAULT_REQUIRES.get(spec.kind, ())
        )
        if spec.kind != "triage":
            requires = ("triage", *[r for r in requires if r != "triage"])
        draft = self._draft(spec, facts, event, language, topics, experts)
        step = PlannedStep(
            kind=spec.kind,
            title=spec.title or DEFAULT_TITLES.get(spec.kind, spec.kind),
            owner=owner,
            due_in=parse_duration(spec.due_in or DEFAULT_DUE.get(spec.kind, "1h")),
            requires=requires,
            applies_if=tuple(spec.applies_if or OUTCOME_STEPS.get(spec.kind, ())),
            draft=draft,
            rule=rule,
        )
        if experts:
            step.detail["experts"] = experts
        if draft is not None and spec.kind in LINTED:
            step.lint = [
                {"code": f.code, "message": f.message} for f in apology_lint.lint(draft, language)
            ]
        return step

    def _owner(self, spec: StepSpec, topics: list[str]) -> tuple[str | None, list[dict[str, Any]]]:
        experts = [
            {"topic": t, "owner": self.model.experts[t].owner, "name": self.model.experts[t].name}
            for t in topics
            if t in self.model.experts
        ]
        owner = spec.owner
        if owner == "expert":
            owner = experts[0]["owner"] if experts else None
        elif owner and owner.startswith("expert:"):
            topic = owner.removeprefix("expert:")
            owner = self.model.experts[topic].owner
        elif owner == "advocates" and self.model.advocates:
            owner = self.model.advocates.owner
        return owner, experts

    def _draft(
        self,
        spec: StepSpec,
        facts: dict[str, Any],
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
            "org": self.model.organisation.name,
            "topic": topics[0] if topics else "",
            "expert": (experts[0]["name"] or experts[0]["topic"]) if experts else "",
            "limit": str(self.model.settings.channel_limit),
            "url": event.url or "",
        }
        # Values are inserted literally: event text is never itself used as a template.
        return PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), template).strip()

    def _route_long_drafts(
        self,
        steps: list[PlannedStep],
        category: str,
        severity: str,
        facts: dict[str, Any],
        event: EventIn,
        language: str,
        topics: list[str],
    ) -> list[PlannedStep]:
        limit = self.model.settings.channel_limit
        kinds = {s.kind for s in steps}
        for step in list(steps):
            target, because = route_long_draft(
                step.draft or "", category=category, severity=severity, limit=limit
            )
            if target is None:
                continue
            step.detail["routed_to"] = target
            step.detail["routed_because"] = because
            if target not in kinds:
                kinds.add(target)
                extra = self._plan(StepSpec(kind=target), None, facts, event, language, topics)
                extra.detail["routed_from"] = step.kind
                steps.append(extra)
        return steps
