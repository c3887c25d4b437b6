"""Tip 7 by the author's history: their complaints counted over the window whatever became of
their incidents, and their repeated posts on the same demand joined to their open incident."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, func
from sqlmodel import Session, col, select

from playbook.core.models import Event, Incident
from playbook.incidents.grouping import Fingerprint, Match
from playbook.intake.facts import AuthorHistory
from playbook.rules.decide import Decision
from playbook.text.similarity import similarity

# The categories one author repeats: the same demand again, the same troll's insults again.
JOINED = ("complaint", "abuse")
# The same demand in other words: well below grouping's near-duplicate threshold, and only
# ever compared with the same author's own open incidents.
SAME_DEMAND = 0.3


def _history_query() -> Any:
    open_incident = (col(Incident.id) == col(Event.incident_id)) & (Incident.status == "open")
    return (
        select(func.count(col(Event.id)), func.count(col(Incident.id)))
        .select_from(Event)
        .outerjoin(Incident, open_incident)
        .where(
            Event.author_key == bindparam("key"),
            Event.category == "complaint",
            col(Event.received_at) >= bindparam("since"),
        )
    )


# Built once: in a storm, building a statement costs more than the database's work on it.
_HISTORY = _history_query()


def author_history(
    session: Session, key: str | None, *, window_days: int, now: datetime
) -> AuthorHistory:
    """The author's complaints in the window (however their incidents ended), and those whose
    incidents are still open: one query."""
    if key is None:
        return AuthorHistory()
    since = now - timedelta(days=window_days)
    row = session.execute(_HISTORY, {"key": key, "since": since}).one()
    return AuthorHistory(complaints=row[0], open_complaints=row[1])


class AuthorMatch(Match):
    """The author's own open incident, which a repeated post joins."""


def author_incident(
    session: Session,
    key: str | None,
    decision: Decision,
    fp: Fingerprint,
    *,
    window_days: int,
    now: datetime,
) -> AuthorMatch | None:
    """The author's own open incident this post repeats: the same category, touched within
    the window, and (for a complaint) the same demand: a shared topic, or similar words."""
    category, topics = decision.category, decision.topics
    if key is None or decision.ignored or category not in JOINED:
        return None
    theirs = select(Event.incident_id).where(Event.author_key == key)
    query = (
        select(Incident)
        .where(
            col(Incident.id).in_(theirs),
            Incident.status == "open",
            Incident.category == category,
            col(Incident.updated_at) >= now - timedelta(days=window_days),
        )
        .order_by(col(Incident.updated_at).desc(), col(Incident.id).desc())
        .limit(5)
    )
    for incident in session.exec(query):
        if category == "abuse" or _same_demand(incident, topics, fp):
            reason = f"the same author's open {category} incident {incident.id}"
            return AuthorMatch(incident, reason)
    return None


def _same_demand(incident: Incident, topics: Sequence[str], fp: Fingerprint) -> bool:
    if set(topics) & set(incident.topics):
        return True
    if not fp.signature or not incident.signature:
        return not topics and not incident.topics
    return similarity(fp.signature, tuple(incident.signature)) >= SAME_DEMAND
