"""Facts about one event: its fields plus what Python derives from its text and context."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal
from urllib.parse import urlparse

from playbook.intake.events import EventIn

FactKind = Literal["text", "string", "number", "bool", "list", "time"]


@dataclass(frozen=True)
class FactSpec:
    kind: FactKind
    description: str


FACTS: dict[str, FactSpec] = {
    "text": FactSpec("text", "the post's text"),
    "source": FactSpec("string", "where it came from: twitter, news, blog, ..."),
    "lang": FactSpec("string", "the language the monitoring tool declared"),
    "language": FactSpec("string", "the language detected from the text (ko, en, other, unknown)"),
    "url": FactSpec("string", "the link to the post"),
    "author.id": FactSpec("string", "the author's account id"),
    "author.handle": FactSpec("string", "the author's handle, without @"),
    "author.name": FactSpec("text", "the author's display name"),
    "author.followers": FactSpec("number", "the author's follower count"),
    "author.verified": FactSpec("bool", "the author is verified"),
    "author.complaints": FactSpec("number", "this author's earlier complaints in the window"),
    "author.open_complaints": FactSpec(
        "number", "this author's earlier complaints whose incidents are still open"
    ),
    "mentions": FactSpec("list", "handles the post mentions"),
    "metrics.reposts": FactSpec("number", "reposts so far"),
    "metrics.replies": FactSpec("number", "replies so far"),
    "metrics.likes": FactSpec("number", "likes so far"),
    "metrics.quotes": FactSpec("number", "quotes so far"),
    "amplification": FactSpec("number", "reposts plus quotes"),
    "reach": FactSpec("number", "estimated audience: followers plus 100 per repost or quote"),
    "in_reply_to": FactSpec("string", "id of the post this one answers"),
    "repost_of": FactSpec("string", "id of the post this one reposts"),
    "quote_of": FactSpec("string", "id of the post this one quotes"),
    "is_reply": FactSpec("bool", "the post is a reply"),
    "is_repost": FactSpec("bool", "the post is a repost"),
    "is_quote": FactSpec("bool", "the post quotes another"),
    "hints.kind": FactSpec("string", "the monitoring tool's own classification"),
    "hints.topic": FactSpec("string", "the monitoring tool's own topic"),
    "ceo_mentioned": FactSpec("bool", "a CEO handle is mentioned"),
    "ceo_named": FactSpec(
        "bool", "a CEO handle is mentioned or the text names the CEO (organisation.ceo_titles)"
    ),
    "brand_mentioned": FactSpec("bool", "a brand handle or brand term is mentioned"),
    "brand_handle_mentioned": FactSpec("bool", "a brand handle is mentioned"),
    "has_personal_data": FactSpec("bool", "the text carries personal data"),
    "personal_data": FactSpec("list", "kinds of personal data: rrn, phone, card, ..."),
    "has_link": FactSpec("bool", "the text or url has a link"),
    "has_news_link": FactSpec("bool", "a link to a news site"),
    "topics": FactSpec("list", "expert topics detected from their keyword lists"),
    "text_length": FactSpec("number", "characters in the text"),
    "time": FactSpec("time", "when the post was made (or received)"),
    "incident.event_count": FactSpec("number", "events in the incident this one joins"),
    "incident.velocity_10m": FactSpec("number", "events per minute over the last 10 minutes"),
    "incident.authors": FactSpec("number", "distinct authors in the incident"),
    "incident.reach": FactSpec("number", "summed reach of the incident's events"),
    "model.category": FactSpec("string", "the triage model's category for the text"),
    "model.confidence": FactSpec("number", "the triage model's probability for that category"),
    "topic.velocity_10m": FactSpec(
        "number",
        "events per minute over the last 10 minutes carrying a topic of this event (in any "
        "incident or none, this event included); the highest among its topics",
    ),
    "topic.event_count_1h": FactSpec(
        "number",
        "events in the last hour carrying a topic of this event; the highest among its topics",
    ),
}

NEWS_DOMAINS = (
    "news",
    "yna.co.kr",
    "chosun.com",
    "joongang.co.kr",
    "donga.com",
    "hani.co.kr",
    "khan.co.kr",
    "mk.co.kr",
    "hankyung.com",
    "kbs.co.kr",
    "mbc.co.kr",
    "sbs.co.kr",
    "jtbc.co.kr",
    "ytn.co.kr",
    "reuters.com",
    "bloomberg.com",
    "bbc.co.uk",
    "bbc.com",
    "nytimes.com",
    "ft.com",
    "wsj.com",
    "cnn.com",
    "theguardian.com",
    "koreaherald.com",
    "koreatimes.co.kr",
)


MODEL_SCORE = "model.score."  # + a category: the triage model's probability for it
MODEL_CATEGORIES = frozenset(("complaint", "rumour", "question", "abuse", "praise", "other"))


def is_known_fact(name: str) -> bool:
    if name.startswith(MODEL_SCORE):
        return name.removeprefix(MODEL_SCORE) in MODEL_CATEGORIES
    return name in FACTS or name.startswith("hints.")


def fact_kind(name: str) -> FactKind:
    if name.startswith(MODEL_SCORE):
        return "number"
    return FACTS[name].kind if name in FACTS else "string"


@dataclass(frozen=True)
class AuthorHistory:
    complaints: int = 0
    open_complaints: int = 0


@dataclass(frozen=True)
class IncidentStats:
    event_count: int
    velocity_10m: float
    authors: int
    reach: int


@dataclass(frozen=True)
class TopicRate:
    """How fast one expert topic is being talked about, across every incident."""

    topic: str
    velocity_10m: float
    event_count_1h: int


def topic_facts(rates: Mapping[str, TopicRate]) -> dict[str, Any]:
    """`topic.*` facts: the busiest of the event's topics; none for an event without topics."""
    if not rates:
        return {}
    busiest = max(rates.values(), key=lambda r: (r.velocity_10m, r.event_count_1h))
    return {
        "topic.velocity_10m": busiest.velocity_10m,
        "topic.event_count_1h": max(r.event_count_1h for r in rates.values()),
    }


def _links(event: EventIn) -> list[str]:
    words = [w for w in event.text.split() if w.startswith(("http://", "https://"))]
    return words[:50]


def _is_news(link: str) -> bool:
    host = (urlparse(link).hostname or "").lower()
    return any(host == d or host.endswith("." + d) or d in host.split(".") for d in NEWS_DOMAINS)


def event_facts(
    event: EventIn,
    *,
    detect_language: Callable[[str], str],
    personal_data: Callable[[str], set[str]],
    ceo_handles: frozenset[str],
    brand_handles: frozenset[str],
    brand_mentioned_in_text: bool,
    ceo_named_in_text: bool = False,
    topics: list[str],
    now: datetime,
    history: AuthorHistory | None = None,
    incident: IncidentStats | None = None,
) -> dict[str, Any]:
    """Everything a rule may test about one event; absent values are left out."""
    facts: dict[str, Any] = {"text": event.text, "source": event.source}
    author = event.author
    metrics = event.metrics
    mentions = {m.lower() for m in event.mentions}
    mentions |= {w[1:].rstrip(":,.!?").lower() for w in event.text.split() if w.startswith("@")}
    followers = author.followers if author and author.followers is not None else None
    amplification = (metrics.reposts + metrics.quotes) if metrics else 0
    _put(facts, "lang", event.lang.lower() if event.lang else None)
    facts["language"] = detect_language(event.text)
    _put(facts, "url", event.url)
    if author:
        _put(facts, "author.id", author.id)
        _put(facts, "author.handle", author.handle.lower() if author.handle else None)
        _put(facts, "author.name", author.name)
        _put(facts, "author.followers", followers)
        facts["author.verified"] = author.verified
    facts["mentions"] = sorted(mentions)
    _context_facts(facts, history, incident)
    if metrics:
        for name in ("reposts", "replies", "likes", "quotes"):
            facts[f"metrics.{name}"] = getattr(metrics, name)
    facts["amplification"] = amplification
    facts["reach"] = (followers or 0) + 100 * amplification
    for name in ("in_reply_to", "repost_of", "quote_of"):
        _put(facts, name, getattr(event, name))
    facts["is_reply"] = event.in_reply_to is not None
    facts["is_repost"] = event.repost_of is not None or event.text.startswith("RT @")
    facts["is_quote"] = event.quote_of is not None
    for key, value in (event.hints or {}).items():
        facts[f"hints.{key.lower()}"] = value.lower()
    facts["ceo_mentioned"] = bool(mentions & ceo_handles)
    facts["ceo_named"] = facts["ceo_mentioned"] or ceo_named_in_text
    facts["brand_handle_mentioned"] = bool(mentions & brand_handles)
    facts["brand_mentioned"] = facts["brand_handle_mentioned"] or brand_mentioned_in_text
    kinds = personal_data(event.text)
    facts["personal_data"] = sorted(kinds)
    facts["has_personal_data"] = bool(kinds)
    links = _links(event) + ([event.url] if event.url and event.source == "news" else [])
    facts["has_link"] = bool(links)
    facts["has_news_link"] = event.source == "news" or any(_is_news(link) for link in links)
    facts["topics"] = topics
    facts["text_length"] = len(event.text)
    facts["time"] = event.created_at or now
    return facts


def _context_facts(
    facts: dict[str, Any], history: AuthorHistory | None, incident: IncidentStats | None
) -> None:
    """What the database knows: the author's complaints, the incident the post joins."""
    if history is not None:
        facts["author.complaints"] = history.complaints
        facts["author.open_complaints"] = history.open_complaints
    if incident is not None:
        facts["incident.event_count"] = incident.event_count
        facts["incident.velocity_10m"] = incident.velocity_10m
        facts["incident.authors"] = incident.authors
        facts["incident.reach"] = incident.reach


def _put(facts: dict[str, Any], name: str, value: Any) -> None:
    if value is not None:
        facts[name] = value


def engine_name(fact: str) -> str:
    """Fact names as the matcher backends take them: `author.followers` -> `author__followers`."""
    return fact.replace(".", "__").replace("-", "_").lower()


def summary(facts: Mapping[str, Any]) -> dict[str, Any]:
    """The facts worth storing with an event (no text, JSON-friendly)."""
    return {
        k: (v.isoformat() if isinstance(v, datetime) else v)
        for k, v in facts.items()
        if k not in ("text", "author.name")
    }
