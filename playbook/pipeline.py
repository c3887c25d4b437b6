"""Ingest one event: triage, group, match the rules, plan the workflow, store, queue the card."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, case, exists, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col, select

from playbook.actions import outbox
from playbook.core.models import Event, Incident, Step
from playbook.incidents import stories
from playbook.incidents.advocates import remember as remember_advocate
from playbook.incidents.audit import audit
from playbook.incidents.authors import AuthorMatch, author_history, author_incident
from playbook.incidents.grouping import (
    Fingerprint,
    Match,
    adopt_orphans,
    find_incident,
    fingerprint,
    remember,
    stats_and_author,
)
from playbook.incidents.storm import check_storm
from playbook.intake.events import EventIn
from playbook.intake.facts import IncidentStats, summary, topic_facts
from playbook.intake.topics import count_event, prune, topic_rates
from playbook.rules.playbook import Decision, Playbook
from playbook.rules.source.model import SEVERITIES, parse_duration
from playbook.text import pii
from playbook.workflow.keepup import keep_up
from playbook.workflow.planner import add_steps, create_steps, plan, storm_steps
from playbook.workflow.steps import refresh, steps_of

EXCERPT_CHARS = 280


@dataclass
class IngestResult:
    """The answer to one accepted event (CONTRACT.md)."""

    event_id: str
    duplicate: bool
    incident_id: int | None
    incident_created: bool
    category: str | None
    severity: str | None
    matched_rules: list[str]
    steps: list[Step] = field(default_factory=list)
    grouped_because: str | None = None


def author_key(event: EventIn) -> str | None:
    author = event.author
    if author is None:
        return None
    ident = author.id or (author.handle.lower() if author.handle else None)
    return f"{event.source}:{ident}" if ident else None


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    """A short, personal-data-free excerpt for titles, cards, listings and logs."""
    clean = " ".join(pii.redact(text[: limit * 4]).split())
    return clean if len(clean) <= limit else clean[: limit - 1] + "…"


# Built once: in a storm, building a statement costs more than the database's work on it.
_STORED = (
    select(Event, Incident)
    .outerjoin(Incident, col(Incident.id) == col(Event.incident_id))
    .where(
        Event.source == bindparam("source"),
        col(Event.external_id).in_(bindparam("ids", expanding=True)),
    )
)


def find_duplicate(session: Session, event: EventIn) -> Event | None:
    return find_stored(session, event)[0]


def find_stored(
    session: Session, event: EventIn
) -> tuple[Event | None, tuple[Event, Incident | None] | None]:
    """A stored copy of this event (a repeat), and the post it refers to with its incident."""
    ids = [event.id] if event.parent_id in (None, event.id) else [event.id, event.parent_id]
    rows = session.exec(_STORED, params={"source": event.source, "ids": ids})
    found = {e.external_id: (e, incident) for e, incident in rows}
    stored = found.get(event.id)
    return stored[0] if stored else None, found.get(event.parent_id) if event.parent_id else None


def duplicate_result(session: Session, stored: Event) -> IngestResult:
    steps = steps_of(session, stored.incident_id) if stored.incident_id else []
    return IngestResult(
        stored.external_id,
        True,
        stored.incident_id,
        False,
        stored.category,
        stored.severity,
        list(stored.matched_rules),
        steps,
    )


def ingest(
    session: Session,
    event: EventIn,
    *,
    playbook: Playbook,
    now: datetime,
    default_channel: str,
    store_personal_data: bool = False,
) -> IngestResult:
    """Accept one event in the caller's transaction; a repeat changes nothing."""
    stored, parent = find_stored(session, event)
    if stored is not None:
        return duplicate_result(session, stored)
    key = author_key(event)
    fp = fingerprint(event.text)
    grouping = playbook.model.settings.grouping
    words = stories.words_of(event, playbook.model.organisation.brand_terms)
    match = find_incident(session, event, fp=fp, settings=grouping, now=now, parent=parent)
    decision, stats, author_known = _decide(session, event, playbook, match, key, now)
    if match is None and (match := stories.story_match(session, words, decision, playbook, now)):
        decision, stats, author_known = _decide(session, event, playbook, match, key, now)
    if match is None:  # the author's own open incident, repeated (tip 7)
        days = playbook.model.settings.complaint_window_days
        match = author_incident(session, key, decision, fp, window_days=days, now=now)
    if match is not None:
        result = _join(session, match, event, decision, playbook, now, stats, author_known)
    elif decision.ignored:
        category, severity, rules = decision.category, decision.severity, decision.matched_rules
        result = IngestResult(event.id, False, None, False, category, severity, rules)
    else:
        result = _open(session, event, decision, playbook, fp, now=now, channel=default_channel)
        stories.prune(session, now, parse_duration(grouping.window))
    _store_event(
        session, event, decision, playbook, result.incident_id, key, now, store_personal_data
    )
    try:
        session.flush()
    except IntegrityError:
        # Another request stored the same (source, id) first: answer as a duplicate.
        session.rollback()
        again = find_duplicate(session, event)
        if again is None:
            raise
        return duplicate_result(session, again)
    stories.count_terms(session, words, now)
    if result.incident_id is not None and words:
        stories.learn(session, result.incident_id, words)
    remember_advocate(session, event, decision, playbook.model, result.incident_id, key, now)
    count_event(session, decision.facts["topics"], now)  # last: its row locks are held least
    return result


def _decide(
    session: Session,
    event: EventIn,
    playbook: Playbook,
    match: Match | None,
    key: str | None,
    now: datetime,
) -> tuple[Decision, IncidentStats | None, bool]:
    """The rules' decision, knowing the incident the event joins (its stats), and whether the
    author already posted in it."""
    stats, author_known = (
        stats_and_author(session, match.incident, now, key) if match else (None, False)
    )
    days = playbook.model.settings.complaint_window_days
    history = author_history(session, key, window_days=days, now=now)
    facts = playbook.facts(event, now=now, history=history, incident=stats)
    facts.update(topic_facts(topic_rates(session, facts["topics"], now, plus=1)))
    return playbook.decide(facts, event), stats, author_known


def _store_event(
    session: Session,
    event: EventIn,
    decision: Decision,
    playbook: Playbook,
    incident_id: int | None,
    key: str | None,
    now: datetime,
    keep: bool,
) -> None:
    sent: dict[str, Any] = event.model_dump(mode="json", exclude_none=True)
    raw = sent if keep else _redacted(sent)
    facts = summary(decision.facts)  # carries the url, mentions and hints as well
    author = event.author
    session.add(
        Event(
            source=event.source,
            external_id=event.id,
            incident_id=incident_id,
            text=raw["text"],
            redacted=raw != sent,
            author_key=key,
            author_handle=author.handle if author else None,
            followers=author.followers if author else None,
            url=raw.get("url"),
            parent_id=event.parent_id,
            language=decision.facts.get("language"),
            category=decision.category,
            severity=decision.severity,
            matched_rules=decision.matched_rules,
            facts=facts if keep else pii.redact_all(facts),
            raw=raw,
            rules_version=playbook.version,
            posted_at=event.created_at,
            received_at=now,
        )
    )


# What identifies a post and its thread; every other string is redacted (text, url, author
# name, mentions, hints): personal data may hide in any of them.
_IDENTITY = frozenset(
    ("id", "source", "lang", "created_at", "in_reply_to", "repost_of", "quote_of")
)


def _redacted(sent: dict[str, Any]) -> dict[str, Any]:
    return {key: v if key in _IDENTITY else pii.redact_all(v) for key, v in sent.items()}


def _new_incident(
    event: EventIn, decision: Decision, playbook: Playbook, *, now: datetime, channel: str
) -> Incident:
    author = event.author
    return Incident(
        title=f"{decision.category.capitalize()}: {excerpt(event.text, 90)}",
        category=decision.category,
        severity=decision.severity,
        status="open",
        event_count=1,
        author_count=1,
        reach=int(decision.facts.get("reach", 0)),
        rules_version=playbook.version,
        model_version=playbook.model_version,
        matched_rules=decision.matched_rules,
        channel=decision.channel or channel,
        language=decision.language,
        topics=decision.topics,
        root_source=event.source,
        root_external_id=event.id,
        summary={
            "author": author.handle if author else None,
            "followers": author.followers if author else None,
            "url": pii.link_without_personal_data(event.url),
            "excerpt": excerpt(event.text),
            "personal_data": decision.facts.get("personal_data", []),
            "card": decision.card,
        },
        created_at=now,
        updated_at=now,
    )


def _open(
    session: Session,
    event: EventIn,
    decision: Decision,
    playbook: Playbook,
    fp: Fingerprint,
    *,
    now: datetime,
    channel: str,
) -> IngestResult:
    incident = _new_incident(event, decision, playbook, now=now, channel=channel)
    session.add(incident)
    session.flush()
    steps = create_steps(session, incident, plan(playbook.model, decision, event), now)
    refresh(steps)
    audit(
        session,
        incident,
        actor="playbook",
        action="created",
        at=now,
        to_state="open",
        data={
            "matched_rules": decision.matched_rules,
            "severity": decision.severity,
            "category": decision.category,
            "event": event.id,
        },
    )
    outbox.enqueue_card(session, incident, now=now)
    remember(session, incident, fp, now)
    adopt_orphans(session, incident, event, now)
    prune(session, now)  # old topic counts: swept now and then, when an incident opens
    category, severity, rules = decision.category, decision.severity, decision.matched_rules
    return IngestResult(event.id, False, incident.id, True, category, severity, rules, steps)


def _count_join(
    session: Session, incident: Incident, event: EventIn, *, reach: int, now: datetime, new: bool
) -> None:
    """Add one event to the incident's counters in one atomic UPDATE ... RETURNING, which also
    locks the row until the transaction ends: concurrent joins never overwrite each other's
    counts, and whether the author is new is decided against the events stored by then."""
    key = author_key(event)
    if key is None:
        bump: Any = int(new)
    else:
        seen = exists().where(col(Event.incident_id) == incident.id, col(Event.author_key) == key)
        bump = case((seen, 0), else_=1)
    counted = (
        update(Incident)
        .where(col(Incident.id) == incident.id)
        .values(
            event_count=col(Incident.event_count) + 1,
            author_count=col(Incident.author_count) + bump,
            reach=col(Incident.reach) + reach,
            version=col(Incident.version) + 1,
            updated_at=now,
        )
        .returning(*(getattr(Incident, name) for name in _COUNTED))
        .execution_options(synchronize_session=False)
    )
    row = session.execute(counted).one()
    for name, value in zip(_COUNTED, row, strict=True):
        set_committed_value(incident, name, value)
    set_committed_value(incident, "updated_at", now)  # the ORM's copy, as the code has it


_COUNTED = ("event_count", "author_count", "reach", "version", "severity", "storm_level")


def _join(
    session: Session,
    match: Match,
    event: EventIn,
    decision: Decision,
    playbook: Playbook,
    now: datetime,
    stats: IncidentStats | None,
    author_known: bool,
) -> IngestResult:
    """Count the event into its incident. A post joining its author's own incident adds the
    steps it calls for that the incident lacks (customer service, then disengage; tip 7)."""
    incident = match.incident
    reach = int(decision.facts.get("reach", 0))
    by_author = isinstance(match, AuthorMatch)
    new = not (author_known or by_author)
    _count_join(session, incident, event, reach=reach, now=now, new=new)
    rate = (stats.velocity_10m if stats else 0.0) + 0.1  # this event, one in ten minutes
    needs = plan(playbook.model, decision, event) if by_author else []
    if SEVERITIES.index(decision.severity) > SEVERITIES.index(incident.severity):
        audit(
            session,
            incident,
            actor="playbook",
            action="severity",
            at=now,
            from_state=incident.severity,
            to_state=decision.severity,
            note=f"event {event.id} matched {', '.join(decision.matched_rules)}",
        )
        incident.severity = decision.severity
    steps = steps_of(session, incident.id or 0)
    # Issue 15: the joining post's needs (category, private channel, reopening).
    steps += keep_up(session, incident, steps, decision, event, playbook.model, now=now)
    steps.sort(key=lambda s: s.position)
    added = add_steps(session, incident, steps, needs, now, canonical=True) if needs else []
    if check_storm(session, incident, playbook, now=now, rate=rate):
        added += storm_steps(session, incident, playbook.model, steps + added, now)
    if added:
        steps += added
        refresh(steps)
        steps.sort(key=lambda s: s.position)
    outbox.enqueue_card(session, incident, now=now)
    return IngestResult(
        event.id,
        False,
        incident.id,
        False,
        incident.category,
        incident.severity,
        decision.matched_rules,
        steps,
        grouped_because=match.reason,
    )
