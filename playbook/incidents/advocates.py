"""Advocates (tip 6): the accounts that praise the brand or help others, remembered over months.

What counts, kept simple on purpose:
- a post the rules classify as `praise` (the praise rule already rules out abuse and sarcasm);
- a helpful reply: a reply to another user's post in an open complaint or question incident,
  classified `praise` or `other` (not a complaint, rumour or abuse itself), containing one of
  the `advocates.helpful` terms ("설정에서 해보세요", "worked for me").
Brand and CEO accounts are not advocates, nor are accounts without a handle (nobody could
invite them). An account that ever posted abuse is never remembered, and its abuse forgets it.
Each qualifying post is one upsert, atomic on both databases.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import JSON, cast, func
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, delete, select

from playbook.core.clock import as_utc
from playbook.core.models import Advocate, Event, Incident, IncidentStatus
from playbook.intake.events import EventIn
from playbook.rules.decide import Decision
from playbook.rules.source.model import RulesFile
from playbook.text.keywords import KeywordSet

HELPED = ("complaint", "question")  # incidents whose open threads a reply may help in
REPLY_CATEGORIES = ("praise", "other")  # what a helpful reply is itself
SCAN = 2000  # advocates read (the most recently seen) when listing a step's few


def bare(handle: str) -> str:
    """`@Fan_1` and `fan_1` are one account."""
    return handle.strip().removeprefix("@").lower()


def remember(
    session: Session,
    event: EventIn,
    decision: Decision,
    model: RulesFile,
    incident_id: int | None,
    key: str | None,
    now: datetime,
) -> None:
    """Count this post for its author when it is praise or a helpful reply; abuse forgets."""
    handle = event.author.handle if event.author else None
    if key is None or not handle:
        return
    if decision.category == "abuse":
        session.execute(delete(Advocate).where(col(Advocate.author_key) == key))
        return
    brand = model.organisation.brand_handles + model.organisation.ceo_handles
    if bare(handle) in {bare(h) for h in brand}:
        return
    praise = decision.category == "praise"
    helped = _helped_in(session, event, decision, model, incident_id, key)
    if not (praise or helped) or _abusive(session, key):
        return
    topics = [*decision.topics, *(helped.topics if helped else [])]
    row = {
        "author_key": key,
        "handle": bare(handle)[:100],
        "followers": max(event.author.followers or 0, 0) if event.author else 0,
        "praise_count": int(praise),
        "helpful_count": int(helped is not None),
        "last_seen_at": now,
        "topics": dict.fromkeys(topics, as_utc(now).isoformat(timespec="microseconds")),
    }
    session.execute(_upsert(session.get_bind().dialect.name), row)


def _helped_in(
    session: Session,
    event: EventIn,
    decision: Decision,
    model: RulesFile,
    incident_id: int | None,
    key: str,
) -> Incident | None:
    """The open complaint or question this post helps in: a reply to another user's post
    that answers (its topics are the ones the helper spoke about), else None."""
    if model.advocates is None or not event.parent_id or incident_id is None:
        return None
    if decision.category not in REPLY_CATEGORIES or event.parent_id == event.id:
        return None
    if not _markers(tuple(model.advocates.helpful)).hits(event.text):
        return None
    incident = session.get(Incident, incident_id)
    if incident is None or incident.category not in HELPED:
        return None
    if incident.status != IncidentStatus.OPEN:
        return None
    parent_author = session.exec(
        select(Event.author_key).where(
            Event.source == event.source, Event.external_id == event.parent_id
        )
    ).first()
    return incident if parent_author != key else None


@lru_cache(maxsize=8)
def _markers(terms: tuple[str, ...]) -> KeywordSet:
    return KeywordSet(terms, word_boundary=True)


def _abusive(session: Session, key: str) -> bool:
    found = select(Event.id).where(Event.author_key == key, Event.category == "abuse").limit(1)
    return session.exec(found).first() is not None


_UPSERTS: dict[str, Any] = {}


def _upsert(dialect_name: str) -> Any:
    """INSERT ... ON CONFLICT: counts add up, the latest reach and time win, topics merge."""
    if dialect_name not in _UPSERTS:
        table = Advocate.__table__  # type: ignore[attr-defined]
        dialect = postgresql if dialect_name == "postgresql" else sqlite
        insert = dialect.insert(table)
        new = insert.excluded
        topics: Any
        if dialect_name == "postgresql":
            jsonb = postgresql.JSONB
            topics = cast(cast(table.c.topics, jsonb).op("||")(cast(new.topics, jsonb)), JSON)
        else:
            topics = func.json_patch(table.c.topics, new.topics)
        _UPSERTS[dialect_name] = insert.on_conflict_do_update(
            index_elements=["author_key"],
            set_={
                "handle": new.handle,
                "followers": new.followers,
                "praise_count": table.c.praise_count + new.praise_count,
                "helpful_count": table.c.helpful_count + new.helpful_count,
                "last_seen_at": new.last_seen_at,
                "topics": topics,
            },
        )
    return _UPSERTS[dialect_name]


# --- listing ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Listed:
    """One advocate as a step lists it."""

    handle: str
    followers: int
    praise_count: int
    helpful_count: int
    last_seen_at: str | None  # ISO time; None for a pinned account never seen
    topics: tuple[str, ...]  # the incident's topics this account spoke about
    pinned: bool = False


def recent(
    session: Session,
    topics: Sequence[str],
    *,
    pin: Iterable[str] = (),
    exclude: Iterable[str] = (),
    limit: int = 5,
) -> list[Listed]:
    """Pinned accounts first, then whoever spoke most recently on the topics, then (to fill
    the list) the most recently seen others; excluded accounts never. Reads at most SCAN rows."""
    pinned = list(dict.fromkeys(bare(h) for h in pin))
    excluded = {bare(h) for h in exclude} - set(pinned)
    found = select(Advocate).where(col(Advocate.handle).in_(pinned))
    known = {a.handle: a for a in session.exec(found)} if pinned else {}
    listed = [_listed(known[h], topics, pinned=True) if h in known else _unseen(h) for h in pinned]
    query = select(Advocate).order_by(col(Advocate.last_seen_at).desc()).limit(SCAN)
    seen = excluded | set(pinned)
    others = []
    for advocate in session.exec(query):  # one line per handle (an account may move sources)
        if advocate.handle not in seen:
            seen.add(advocate.handle)
            others.append(advocate)
    others.sort(key=lambda a: (_last_on(a, topics), as_utc(a.last_seen_at)), reverse=True)
    listed += [_listed(a, topics) for a in others[: max(limit - len(listed), 0)]]
    return listed


def _last_on(advocate: Advocate, topics: Sequence[str]) -> str:
    """When the account last spoke on one of the topics (ISO, sortable), or "" if never."""
    return max((advocate.topics.get(t, "") for t in topics), default="")


def _listed(advocate: Advocate, topics: Sequence[str], *, pinned: bool = False) -> Listed:
    return Listed(
        handle=advocate.handle,
        followers=advocate.followers,
        praise_count=advocate.praise_count,
        helpful_count=advocate.helpful_count,
        last_seen_at=as_utc(advocate.last_seen_at).isoformat(),
        topics=tuple(t for t in topics if t in advocate.topics),
        pinned=pinned,
    )


def _unseen(handle: str) -> Listed:
    return Listed(handle, 0, 0, 0, None, (), pinned=True)
