"""The story path of grouping: a post joins the open incident whose salient terms it shares.

Copies find their incident by MinHash (grouping.py); a story told in other words finds it
here. A post's salient terms are Korean nouns and verb/adjective lemmas (Kiwi) and English
words without stopwords. Each term weighs by how rare it is in recent traffic (IDF over the
grouping window, counted per 10 minutes in `story_term`, so every instance agrees): the
brand's name, in every post, says nothing. An open incident keeps how many of its posts
carry each term (`incident_term`); a post joins the incident that covers most of its weight.
"""

from __future__ import annotations

import math
import re
import threading
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, func
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, delete, select

from playbook.core.clock import as_utc
from playbook.core.models import Event, Incident, IncidentTerm, StoryTerm
from playbook.incidents.grouping import Match
from playbook.intake.events import EventIn
from playbook.rules.playbook import Decision, Playbook
from playbook.rules.source.base import parse_duration
from playbook.rules.source.settings import GroupingSettings
from playbook.text.normalize import fold, strip_links, strip_rt_prefix

if TYPE_CHECKING:
    from kiwipiepy import Kiwi

BUCKET_SECONDS = 600
DOCS = ""  # the term under which every post (of a bucket, of an incident) is counted
MAX_TERMS = 24  # a long post's first terms say what it is about
PRIOR_DOCS = 40  # unseen posts assumed at a cold start, so the first posts' terms weigh
FULL_SHARE = 0.25  # a term carried by a quarter of an incident's posts is its own
NOVEL_SHARE = 0.5  # a term new to the window weighs this share of a rare one
SALIENT = 1.5  # a shared term counts towards story_min_terms from this weight (IDF) up
CATEGORY_BONUS = 0.1  # same category: a little closer
TOPIC_BONUS = 0.05  # a shared expert topic: a little closer
CANDIDATES = 5  # the best-covering incidents weighed closer: centroid and nearest posts
NEIGHBOURS = 20  # a candidate's latest posts, each compared with the post
NEAREST = 2  # a candidate's likeness by its posts: the mean of its best this many
OPPOSED = {("praise", "complaint"), ("praise", "rumour"), ("praise", "abuse")}

_KEPT_TAGS = {"NNG", "NNP", "XR", "VV", "VA"}  # nouns, roots, verb and adjective lemmas
# English words (with "5g", "e-202") and numbers of three digits or more (error codes, plans).
_LATIN = re.compile(r"[a-z][a-z0-9'-]*[a-z0-9]|\d+[a-z][a-z0-9-]*|\d{3,}")
_HANGUL = re.compile(r"[가-힣]")
_KO_STOP = {
    "하다", "되다", "있다", "없다", "같다", "보다", "이다", "않다", "아니다", "그렇다", "이렇다",
    "주다", "오다", "가다", "알다", "싶다", "나다", "받다", "쓰다", "말다", "좋다", "모르다",
    "진짜", "지금", "오늘", "사람", "정도", "생각", "이거", "그거", "저거", "우리", "다들",
    "혹시", "근데", "완전", "계속", "무슨", "얘기", "하나", "때문", "이번", "그냥", "제발",
}  # fmt: skip
_EN_STOP_WORDS = (
    "a an the and or but if of to in on at by for with from as is are was were be been being "
    "it its this that these those i me my we our you your he she they them their there here "
    "not no so too very just now today still again also all any some what why how when who "
    "do does did done have has had can could would should will shall may might must get got "
    "anyone else than then about into out up down over only even really lol omg pls please "
    "rt via amp im dont cant its youre thats"
)
_EN_STOP = frozenset(_EN_STOP_WORDS.split())


@dataclass(frozen=True)
class StoryMatch:
    incident: Incident
    score: float
    shared: tuple[str, ...]


# --- terms -----------------------------------------------------------------------------------

_kiwi: Kiwi | None = None
_kiwi_lock = threading.Lock()


def _analyser() -> Kiwi:
    global _kiwi
    with _kiwi_lock:
        if _kiwi is None:
            from kiwipiepy import Kiwi  # imported late: loading its model takes seconds

            _kiwi = Kiwi()
        return _kiwi


def _english(word: str) -> str | None:
    word = word.lower().strip("'")
    if len(word) < 3 or word in _EN_STOP:
        return None
    for suffix, keep in (("ies", "y"), ("ing", ""), ("ed", ""), ("es", ""), ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: len(word) - len(suffix)] + keep
    return word


def _korean(form: str, tag: str, lemma: str) -> str | None:
    if tag not in _KEPT_TAGS:
        return None
    word = lemma if tag in ("VV", "VA") else form
    if len(word) < 2 or word in _KO_STOP or not _HANGUL.search(word):
        return None
    return word[:80]


@lru_cache(maxsize=8192)
def terms(text: str) -> tuple[str, ...]:
    """The post's salient terms, in order of first appearance, each once."""
    clean = strip_links(strip_rt_prefix(fold(text)))[:1000]
    found: dict[str, None] = {}
    for token in _analyser().tokenize(clean):
        tag = token.tag.split("-")[0]
        term = _korean(token.form, tag, getattr(token, "lemma", token.form))
        if term is not None:
            found.setdefault(term)
    for word in _LATIN.findall(clean):
        term = word if word[0].isdigit() else _english(word)
        if term is not None:
            found.setdefault(term[:80])
    return tuple(found)[:MAX_TERMS]


def salient(text: str, brand_terms: Iterable[str]) -> tuple[str, ...]:
    """The post's terms without the brand's own names: they are in every post, even before
    the traffic has shown it."""
    brand = _brand_words(tuple(brand_terms))
    return tuple(t for t in terms(text) if t not in brand)


def words_of(event: EventIn, brand_terms: Iterable[str]) -> tuple[str, ...]:
    """What a post says for the story path; a repost says nothing new."""
    return () if event.repost_of else salient(event.text, brand_terms)


@lru_cache(maxsize=16)
def _brand_words(brand_terms: tuple[str, ...]) -> frozenset[str]:
    return frozenset(t for name in brand_terms for t in terms(name))


# --- rarity in recent traffic ----------------------------------------------------------------


def bucket_of(moment: datetime) -> int:
    seconds = int(as_utc(moment).timestamp())
    return seconds - seconds % BUCKET_SECONDS


_FREQUENCIES = (
    select(StoryTerm.term, func.sum(StoryTerm.count))
    .where(
        col(StoryTerm.term).in_(bindparam("terms", expanding=True)),
        col(StoryTerm.bucket) > bindparam("after"),
    )
    .group_by(StoryTerm.term)
)


def weights(session: Session, words: Iterable[str], now: datetime, window: int) -> dict[str, float]:
    """Each term's IDF over the window, this post counted: log((N + prior) / (df + 1)).

    A term no earlier post carried weighs a share of a rare term's weight: it cannot join
    stories, but a post made mostly of new words is not the story of its few old ones."""
    wanted = sorted({*words, DOCS})
    after = bucket_of(now) - window
    rows = session.execute(_FREQUENCIES, {"terms": wanted, "after": after})
    counts = {t: int(n) for t, n in rows}
    docs = counts.get(DOCS, 0) + 1 + PRIOR_DOCS
    novel = NOVEL_SHARE * math.log(docs / 2)
    return {
        t: math.log(docs / (counts[t] + 1)) if counts.get(t) else novel for t in wanted if t != DOCS
    }


_UPSERTS: dict[tuple[str, str], Any] = {}


def _upsert(session: Session, table: Any, keys: list[str]) -> Any:
    dialect_name = session.get_bind().dialect.name
    if (dialect_name, table.name) not in _UPSERTS:
        dialect = postgresql if dialect_name == "postgresql" else sqlite
        insert = dialect.insert(table).values(
            **{k: bindparam(k) for k in keys if k != "count"}, count=1
        )
        _UPSERTS[dialect_name, table.name] = insert.on_conflict_do_update(
            index_elements=[k for k in keys if k != "count"],
            set_={"count": table.c.count + insert.excluded.count},
        )
    return _UPSERTS[dialect_name, table.name]


def count_terms(session: Session, words: Iterable[str], now: datetime) -> None:
    """Add one post to the current bucket of each of its terms (and of every post)."""
    bucket = bucket_of(now)
    rows = [{"term": t, "bucket": bucket} for t in sorted({*words, DOCS})]
    table = StoryTerm.__table__  # type: ignore[attr-defined]
    session.execute(_upsert(session, table, ["term", "bucket"]), rows)


def learn(session: Session, incident_id: int, words: Iterable[str]) -> None:
    """Add one post's terms to an incident's term vector."""
    rows = [{"incident_id": incident_id, "term": t} for t in sorted({*words, DOCS})]
    table = IncidentTerm.__table__  # type: ignore[attr-defined]
    session.execute(_upsert(session, table, ["incident_id", "term"]), rows)


def prune(session: Session, now: datetime, window: int) -> None:
    """Drop term counts older than the window: they are never read again."""
    cutoff = bucket_of(now) - window
    session.execute(delete(StoryTerm).where(col(StoryTerm.bucket) <= cutoff))


# --- matching --------------------------------------------------------------------------------

_CANDIDATES = (
    select(IncidentTerm.incident_id, IncidentTerm.term, IncidentTerm.count)
    .join(Incident, col(Incident.id) == col(IncidentTerm.incident_id))
    .where(
        col(IncidentTerm.term).in_(bindparam("terms", expanding=True)),
        col(Incident.status) == "open",
        col(Incident.updated_at) >= bindparam("since"),
    )
)


def find_story(
    session: Session,
    words: tuple[str, ...],
    *,
    category: str,
    topics: list[str],
    settings: GroupingSettings,
    now: datetime,
    brand: tuple[str, ...] = (),
) -> StoryMatch | None:
    """The open incident, updated within the window, whose terms best cover the post's."""
    if len(words) < settings.story_min_terms or settings.story_similarity >= 1:
        return None
    window = parse_duration(settings.window)
    weight = weights(session, words, now, window)
    rows = session.execute(
        _CANDIDATES, {"terms": [*words, DOCS], "since": now - timedelta(seconds=window)}
    )
    vectors: dict[int, dict[str, int]] = defaultdict(dict)
    for incident_id, term, count in rows:
        vectors[incident_id][term] = count
    total = sum(weight.values()) or 1.0
    scored = []
    for incident_id, vector in vectors.items():
        posts = max(vector.get(DOCS, 1), 1)
        shared = tuple(t for t in words if t in vector)
        if sum(weight[t] >= SALIENT for t in shared) >= settings.story_min_terms:
            covered = sum(weight[t] * min(1.0, vector[t] / posts / FULL_SHARE) for t in shared)
            scored.append((covered / total, incident_id, shared))
    top = sorted(scored, reverse=True)[:CANDIDATES]
    ids = [i for _c, i, _s in top]
    likeness = _likeness(session, weight, ids, _brand_words(brand), now=now, window=window)
    best: StoryMatch | None = None
    for covered, incident_id, shared in top:
        incident = session.get(Incident, incident_id)
        if incident is None:
            continue
        score = max(covered, likeness.get(incident_id, 0.0)) + _agreement(
            incident, category, topics
        )
        if score >= settings.story_similarity and (best is None or score > best.score):
            best = StoryMatch(incident, round(score, 3), shared)
    return best


_VECTORS = select(IncidentTerm.incident_id, IncidentTerm.term, IncidentTerm.count).where(
    col(IncidentTerm.incident_id).in_(bindparam("ids", expanding=True))
)
_RECENT = (
    select(Event.text)
    .where(col(Event.incident_id) == bindparam("incident_id"))
    .order_by(col(Event.received_at).desc())
    .limit(NEIGHBOURS)
)


def _likeness(
    session: Session,
    post: dict[str, float],
    ids: list[int],
    brand: frozenset[str],
    *,
    now: datetime,
    window: int,
) -> dict[int, float]:
    """How like each candidate the post is, the better of two readings (TF-IDF cosines): its
    centroid (the share of its posts carrying each term), for a story told by many; and its
    nearest latest posts, for a story whose tellers each say only part of it."""
    if not ids:
        return {}
    vectors: dict[int, dict[str, int]] = defaultdict(dict)
    for incident_id, term, count in session.execute(_VECTORS, {"ids": ids}):
        vectors[incident_id][term] = count
    recent = {i: _recent_terms(session, i, brand) for i in ids}
    wanted = {t for v in vectors.values() for t in v} | {
        t for r in recent.values() for s in r for t in s
    }
    known = weights(session, wanted - {DOCS}, now, window)
    known.update(post)
    result = {}
    for incident_id in ids:
        vector = vectors.get(incident_id, {})
        posts = max(vector.get(DOCS, 1), 1)
        centroid = {t: n / posts * known[t] for t, n in vector.items() if t != DOCS}
        nearest = sorted(
            (_cosine(post, {t: known[t] for t in s}) for s in recent[incident_id]), reverse=True
        )[:NEAREST]
        by_posts = sum(nearest) / len(nearest) if nearest else 0.0
        result[incident_id] = max(_cosine(post, centroid), by_posts)
    return result


def _recent_terms(session: Session, incident_id: int, brand: frozenset[str]) -> set[frozenset[str]]:
    """The terms of an incident's latest posts, each set once (a repost repeats its post)."""
    texts = session.execute(_RECENT, {"incident_id": incident_id}).scalars()
    return {frozenset(found) for text in texts if (found := set(terms(text)) - brand)}


def _cosine(a: dict[str, float], b: dict[str, float]) -> float:
    norm = math.sqrt(sum(w * w for w in a.values()) * sum(w * w for w in b.values()))
    return sum(w * b.get(t, 0.0) for t, w in a.items()) / norm if norm else 0.0


def _agreement(incident: Incident, category: str, topics: list[str]) -> float:
    """Category and topic: the same adds a little; praise against a complaint takes a lot."""
    pair = (incident.category, category)
    if pair in OPPOSED or pair[::-1] in OPPOSED:
        return -1.0
    bonus = CATEGORY_BONUS if incident.category == category else 0.0
    if topics and incident.topics:
        bonus += TOPIC_BONUS if set(topics) & set(incident.topics) else -TOPIC_BONUS
    return bonus


def story_match(
    session: Session,
    words: tuple[str, ...],
    decision: Decision,
    playbook: Playbook,
    now: datetime,
) -> Match | None:
    """The story path's match (with the reason explain and the API show), once the rules have
    decided on the post alone; the caller decides again, knowing the incident's numbers."""
    grouping = playbook.model.settings.grouping
    found = find_story(
        session,
        words,
        category=decision.category,
        topics=decision.topics,
        settings=grouping,
        now=now,
        brand=tuple(playbook.model.organisation.brand_terms),
    )
    if found is None:
        return None
    return Match(
        found.incident,
        f"tells the story of incident {found.incident.id}: {', '.join(found.shared[:6])} "
        f"({found.score:.0%}, threshold {grouping.story_similarity:.0%})",
    )
