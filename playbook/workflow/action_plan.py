"""The action plan (tip 4): the points people raised, each with an action, an owner and a date.

Computed when a card or the API shows the step, from the incident's stored events, so it
follows the incident as events join; nothing is written on the way. The cost is bounded:
topics are counted in SQL over at most `SCAN_LIMIT` events (the earliest and the latest
half), and excerpts are picked from at most `2 * SAMPLE` posts.
"""

from __future__ import annotations

import json
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import func, union
from sqlmodel import Session, col, select

from playbook.core.clock import as_utc
from playbook.core.models import Event, Incident, Step
from playbook.text import apology_lint, pii
from playbook.text.normalize import strip_links, strip_rt_prefix
from playbook.text.similarity import signature, similarity
from playbook.workflow.plan_texts import ACTIONS, FRAME, GENERAL_LABEL, GENERAL_TEAM, GENERIC_ACTION
from playbook.workflow.planner import route_long_draft

KIND = "publish_action_plan"
CHANNEL_LIMIT = 280  # characters of a public post, when the rules in force are not at hand
CLOSED = ("done", "skipped")
SCAN_LIMIT = 10_000  # events whose topics are counted: the first and the latest 5,000
SAMPLE = 60  # earliest and latest posts read for excerpts
CANDIDATES = 24  # distinct posts per topic compared for the most representative one
NEAR = 0.5  # estimated Jaccard at which two posts say the same thing
MAX_POINTS = 6
EXCERPT_CHARS = 40
POINT_CHARS = 80
TEXT_CHARS = 500  # characters of a post read (and redacted) for its excerpt
DEFAULT_DAYS = 3
GENERAL = "general"
POINTS_PLACEHOLDER = "{points}"


class ExpertLike(Protocol):
    """What the plan needs of a topic's experts (rules.yaml `experts:` entries)."""

    @property
    def owner(self) -> str: ...

    @property
    def name(self) -> str | None: ...


@dataclass(frozen=True)
class Team:
    owner: str
    name: str | None


@dataclass(frozen=True)
class Point:
    topic: str  # an expert topic, or "general" for posts without one
    point: str  # what people raised: the topic and a short, redacted excerpt
    action: str
    owner: str | None  # the topic's expert group, else the step's owner
    team: str  # how the public summary names the owner
    date: str  # ISO date
    count: int  # events raising it (among those scanned)


@dataclass(frozen=True)
class Plan:
    points: tuple[Point, ...]
    draft: str
    lint: list[dict[str, str]]
    edited: bool  # staff edited the draft: it is theirs, the points are for reference
    events_scanned: int
    routed_to: str | None = None
    routed_because: str | None = None

    def detail(
        self, stored: Mapping[str, Any], *, incident: Incident, now: datetime
    ) -> dict[str, Any]:
        """The step's detail as shown: the stored one with this plan, its draft and findings."""
        shown = dict(stored)
        shown["plan"] = {
            "points": [asdict(p) for p in self.points],
            "events_scanned": self.events_scanned,
            "event_count": incident.event_count,
            "computed_at": as_utc(now).isoformat(),
        }
        if not self.edited:
            shown["draft"], shown["lint"] = self.draft, self.lint
            for key in ("routed_to", "routed_because"):
                shown.pop(key, None)
            if self.routed_to:
                shown["routed_to"], shown["routed_because"] = self.routed_to, self.routed_because
        return shown


# --- experts --------------------------------------------------------------------------------


def teams(experts: Mapping[str, ExpertLike] | None, steps: Iterable[Step]) -> dict[str, Team]:
    """Each topic's owner and name: the rules in force, else what the workflow recorded."""
    found: dict[str, Team] = {}
    for step in steps:
        for expert in (step.detail or {}).get("experts") or []:
            topic, owner = expert.get("topic"), expert.get("owner")
            if isinstance(topic, str) and isinstance(owner, str):
                found.setdefault(topic, Team(owner, expert.get("name")))
    for topic, expert in (experts or {}).items():
        found[topic] = Team(expert.owner, expert.name)
    return found


# --- the plan -------------------------------------------------------------------------------


def needs_plan(step: Step) -> bool:
    return step.kind == KIND and step.status not in CLOSED


def build(
    session: Session,
    incident: Incident,
    step: Step,
    *,
    now: datetime,
    directory: Mapping[str, Team],
    channel_limit: int,
) -> Plan:
    """The plan for one `publish_action_plan` step from the incident's events right now."""
    language = "ko" if incident.language == "ko" else "en"
    counts, scanned = _topic_counts(session, incident.id or 0)
    excerpts = _excerpts(session, incident.id or 0)
    date = _date(step, incident)
    points = tuple(
        _point(topic, count, excerpts.get(topic), step, directory, language, date)
        for topic, count in _ranked(counts)
    )
    stored = (step.detail or {}).get("draft")
    if (step.detail or {}).get("edited_by") and isinstance(stored, str):
        lint = list((step.detail or {}).get("lint") or [])
        return Plan(points, stored, lint, True, scanned)
    draft = summary_draft(points, language, template=stored if isinstance(stored, str) else None)
    findings = apology_lint.lint(draft, language)
    lint = [{"code": f.code, "message": f.message} for f in findings]
    routed_to, because = route(draft, incident, channel_limit)
    return Plan(points, draft, lint, False, scanned, routed_to, because)


def route(draft: str, incident: Incident, limit: int) -> tuple[str | None, str | None]:
    """Where a plan's draft goes when it runs over the channel's limit (tip 5)."""
    return route_long_draft(
        draft,
        category=incident.category,
        severity=incident.severity,
        limit=limit,
        kind="publish_action_plan",
    )


def _ranked(counts: Counter[str]) -> list[tuple[str, int]]:
    """Topics by how many raised them (the first raised first on a tie), the general point
    last; at most `MAX_POINTS`."""
    ranked = [(t, n) for t, n in counts.most_common() if t != GENERAL]
    if counts.get(GENERAL) or not ranked:
        ranked.append((GENERAL, counts.get(GENERAL, 0)))
    return ranked[:MAX_POINTS]


def _point(
    topic: str,
    count: int,
    excerpt: str | None,
    step: Step,
    directory: Mapping[str, Team],
    language: str,
    date: str,
) -> Point:
    team = directory.get(topic) if topic != GENERAL else None
    label = topic.replace("_", " ") if topic != GENERAL else GENERAL_LABEL[language]
    point = _cap(f"{label}: “{excerpt}”" if excerpt else label, POINT_CHARS)
    action = ACTIONS.get(topic, GENERIC_ACTION)[language]
    owner = team.owner if team else step.owner
    name = (team.name or topic) if team else _team_name(step.owner, directory, language)
    return Point(topic, point, action, owner, name, date, count)


def _team_name(owner: str | None, directory: Mapping[str, Team], language: str) -> str:
    known = next((t.name for t in directory.values() if owner and t.owner == owner), None)
    return known or GENERAL_TEAM[language]


def _date(step: Step, incident: Incident) -> str:
    if step.due_at is not None:
        return as_utc(step.due_at).date().isoformat()
    return (as_utc(incident.created_at) + timedelta(days=DEFAULT_DAYS)).date().isoformat()


def summary_draft(points: Iterable[Point], language: str, *, template: str | None = None) -> str:
    """The public summary, one line per point, in the incident's language.

    A template with `{points}` gets the lines there; the default template's
    "1) [point raised] → …" placeholders are replaced, keeping its opening and closing.
    """
    if language == "ko":
        lines = [
            f"{i}) {p.point} → {p.action}, 담당 {p.team}, {p.date}까지."
            for i, p in enumerate(points, 1)
        ]
    else:
        lines = [
            f"{i}) {p.point} → {p.action}, owner {p.team}, by {p.date}."
            for i, p in enumerate(points, 1)
        ]
    body = "\n".join(lines)
    if template and POINTS_PLACEHOLDER in template:
        return template.replace(POINTS_PLACEHOLDER, body).strip()
    head, tail = _frame(template, language)
    return "\n".join(part for part in (head, body, tail) if part)


def _frame(template: str | None, language: str) -> tuple[str, str]:
    """The opening and closing around the template's numbered placeholder points."""
    head, tail = FRAME[language]
    if not template or "1)" not in template or "]" not in template:
        return head, tail
    opening = template[: template.index("1)")].strip()
    after = template[template.rindex("]") + 1 :]
    end = after.find(".")
    closing = after[end + 1 :].strip() if end != -1 else ""
    return opening or head, closing


# --- reading the events, bounded ------------------------------------------------------------


def _topics_of(raw: Any) -> list[str]:
    if raw is None:
        return []
    try:
        value = json.loads(raw) if isinstance(raw, str) else raw
    except ValueError:
        return []
    return [t for t in value if isinstance(t, str)] if isinstance(value, list) else []


def _topic_column() -> Any:
    return col(Event.facts)["topics"].as_string()


def _window(incident_id: int, size: int) -> Any:
    """Ids of the incident's first and latest `size` events: only these are read."""
    base = select(col(Event.id)).where(Event.incident_id == incident_id)
    # In the order of the (incident_id, received_at) index: no sort of a storm's events.
    first = base.order_by(col(Event.received_at), col(Event.id)).limit(size).subquery()
    newest = col(Event.received_at).desc(), col(Event.id).desc()
    latest = base.order_by(*newest).limit(size).subquery()
    return union(select(first.c.id), select(latest.c.id)).subquery()


def _topic_counts(session: Session, incident_id: int) -> tuple[Counter[str], int]:
    """Events per topic (an event may raise several) over the first and latest events,
    in the order the topics were first raised."""
    window = _window(incident_id, SCAN_LIMIT // 2)
    topics = _topic_column().label("topics")
    query = (
        select(topics, func.count(), func.min(col(Event.id)))
        .where(col(Event.id).in_(select(window.c.id)))
        .group_by(topics)
    )
    rows = sorted(session.execute(query), key=lambda row: row[2])
    counts: Counter[str] = Counter()
    for raw, count, _ in rows:
        for topic in dict.fromkeys(_topics_of(raw) or [GENERAL]):
            counts[topic] += count
    return counts, sum(row[1] for row in rows)


def _excerpts(session: Session, incident_id: int) -> dict[str, str]:
    """Per topic, the excerpt of the post most others in the sample repeat (earliest on a tie)."""
    window = _window(incident_id, SAMPLE)
    query = (
        select(col(Event.id), func.substr(col(Event.text), 1, TEXT_CHARS), _topic_column())
        .where(col(Event.id).in_(select(window.c.id)))
        .order_by(col(Event.id))
    )
    by_topic: dict[str, list[str]] = {}
    for _, text, raw in session.execute(query):
        clean = excerpt(text or "")
        if not clean:
            continue
        for topic in _topics_of(raw) or [GENERAL]:
            candidates = by_topic.setdefault(topic, [])
            if clean in candidates or len(set(candidates)) < CANDIDATES:
                candidates.append(clean)
    signatures: dict[str, tuple[int, ...]] = {}
    return {topic: _representative(texts, signatures) for topic, texts in by_topic.items()}


def _representative(texts: list[str], signatures: dict[str, tuple[int, ...]]) -> str:
    """The text with the most near-duplicates among `texts`; the earliest wins a tie."""
    copies = Counter(texts)
    distinct = list(copies)  # in first-seen order
    sigs = [signatures.get(t) or signatures.setdefault(t, signature(t)) for t in distinct]
    best, best_score = 0, -1
    for i, sig in enumerate(sigs):
        near = sum(copies[distinct[j]] for j, o in enumerate(sigs) if similarity(sig, o) >= NEAR)
        if near > best_score:
            best, best_score = i, near
    return distinct[best]


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    """What a post says, fit for a public summary: redacted, no RT prefix, links or @handles."""
    redacted = pii.redact(unicodedata.normalize("NFC", text))
    words = " ".join(strip_links(strip_rt_prefix(redacted)).split())
    return _cap(words.strip(" -–—:·,"), limit)


def _cap(text: str, limit: int) -> str:
    """At most `limit` characters, cut at a space where one is near, never inside a
    `[redacted:…]` mark."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    opened = cut.rfind("[")
    if opened > cut.rfind("]"):
        cut = cut[:opened]
    space = cut.rfind(" ")
    if space > limit * 2 // 3:
        cut = cut[:space]
    return cut.rstrip(" -–—:·,.") + "…"


# --- what views show ------------------------------------------------------------------------


def shown_details(
    session: Session,
    incident: Incident,
    steps: list[Step],
    *,
    now: datetime,
    experts: Mapping[str, ExpertLike] | None = None,
    channel_limit: int,
) -> dict[int, tuple[dict[str, Any], Plan]]:
    """For each open plan step, its detail as shown with the current plan (by step id)."""
    wanted = [s for s in steps if needs_plan(s) and s.id is not None]
    if not wanted:
        return {}
    directory = teams(experts, steps)
    shown = {}
    for step in wanted:
        plan = build(
            session, incident, step, now=now, directory=directory, channel_limit=channel_limit
        )
        shown[step.id or 0] = (plan.detail(step.detail or {}, incident=incident, now=now), plan)
    return shown
