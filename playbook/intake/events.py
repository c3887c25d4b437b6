"""Inbound events: the generic shape of CONTRACT.md and the X (Twitter) API v2 shape."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from playbook.core.errors import InvalidInput

MAX_TEXT_CHARS = 100_000

MAX_COUNT = 10**12  # no account or post has more; larger numbers are a sender's bug
Count = Annotated[int, Field(ge=0, le=MAX_COUNT)]
ShortStr = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=256)]
Handle = Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)]


def _strip_at(value: str | None) -> str | None:
    return value.lstrip("@") if value else value


class Author(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: ShortStr | None = None
    handle: Handle | None = None
    name: Annotated[str, StringConstraints(max_length=200)] | None = None
    followers: Count | None = None
    verified: bool = False

    _handle = field_validator("handle")(lambda v: _strip_at(v))


class Metrics(BaseModel):
    model_config = ConfigDict(extra="ignore")

    reposts: Count = 0
    replies: Count = 0
    likes: Count = 0
    quotes: Count = 0


class EventIn(BaseModel):
    """One post sent in by a monitoring tool; only `id`, `source` and `text` are required."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=False)

    id: ShortStr
    source: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
    text: Annotated[str, StringConstraints(max_length=MAX_TEXT_CHARS)]
    lang: Annotated[str, StringConstraints(max_length=16)] | None = None
    url: Annotated[str, StringConstraints(max_length=2048)] | None = None
    created_at: datetime | None = None
    author: Author | None = None
    mentions: Annotated[list[Handle], Field(max_length=100)] = []
    metrics: Metrics | None = None
    in_reply_to: ShortStr | None = None
    repost_of: ShortStr | None = None
    quote_of: ShortStr | None = None
    hints: dict[str, Annotated[str, StringConstraints(max_length=100)]] | None = None

    @field_validator("source")
    @classmethod
    def _lower_source(cls, value: str) -> str:
        return value.lower()

    @field_validator("mentions")
    @classmethod
    def _strip_mentions(cls, value: list[str]) -> list[str]:
        return [m.lstrip("@") for m in value if m.strip("@ ")]

    @field_validator("hints")
    @classmethod
    def _few_hints(cls, value: dict[str, str] | None) -> dict[str, str] | None:
        if value is not None and len(value) > 20:
            raise ValueError("at most 20 hints")
        return value

    @property
    def parent_id(self) -> str | None:
        """The post this one copies, quotes or answers, if any."""
        return self.repost_of or self.quote_of or self.in_reply_to


# --- X (Twitter) API v2 -----------------------------------------------------------------


class XPublicMetrics(BaseModel):
    model_config = ConfigDict(extra="ignore")

    retweet_count: Count = 0
    reply_count: Count = 0
    like_count: Count = 0
    quote_count: Count = 0
    followers_count: Count | None = None


class XReference(BaseModel):
    model_config = ConfigDict(extra="ignore")

    type: str
    id: ShortStr


class XMention(BaseModel):
    model_config = ConfigDict(extra="ignore")

    username: Handle


class XEntities(BaseModel):
    model_config = ConfigDict(extra="ignore")

    mentions: list[XMention] = []


class XNoteTweet(BaseModel):
    """A long post's full text (the v2 API truncates `text` to 280 characters)."""

    model_config = ConfigDict(extra="ignore")

    text: Annotated[str, StringConstraints(max_length=MAX_TEXT_CHARS)]


class XPost(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: ShortStr
    text: Annotated[str, StringConstraints(max_length=MAX_TEXT_CHARS)]
    note_tweet: XNoteTweet | None = None
    author_id: ShortStr | None = None
    created_at: datetime | None = None
    lang: Annotated[str, StringConstraints(max_length=16)] | None = None
    public_metrics: XPublicMetrics | None = None
    referenced_tweets: list[XReference] = []
    entities: XEntities | None = None


class XUser(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: ShortStr
    username: Handle | None = None
    name: str | None = None
    verified: bool = False
    public_metrics: XPublicMetrics | None = None


class XIncludes(BaseModel):
    model_config = ConfigDict(extra="ignore")

    users: list[XUser] = []


class XBody(BaseModel):
    """A body as returned by the v2 lookup, search and filtered-stream endpoints."""

    model_config = ConfigDict(extra="ignore")

    data: XPost | list[XPost]
    includes: XIncludes | None = None

    def posts(self) -> list[XPost]:
        return self.data if isinstance(self.data, list) else [self.data]


def x_post_to_event(post: XPost, users: dict[str, XUser]) -> EventIn:
    """Map one v2 post (and its author from `includes.users`) to the generic event."""
    user = users.get(post.author_id or "")
    refs = {ref.type: ref.id for ref in post.referenced_tweets}
    metrics = post.public_metrics or XPublicMetrics()
    handle = user.username if user else None
    author: dict[str, Any] = {"id": post.author_id, "handle": handle}
    if user is not None:
        author["name"] = user.name
        author["verified"] = user.verified
        if user.public_metrics and user.public_metrics.followers_count is not None:
            author["followers"] = user.public_metrics.followers_count
    try:
        return EventIn(
            id=post.id,
            source="twitter",
            text=post.note_tweet.text if post.note_tweet and post.note_tweet.text else post.text,
            lang=post.lang,
            url=f"https://twitter.com/{handle or 'i/web'}/status/{post.id}",
            created_at=post.created_at,
            author=author,  # type: ignore[arg-type]
            mentions=[m.username for m in (post.entities.mentions if post.entities else [])],
            metrics={  # type: ignore[arg-type]
                "reposts": metrics.retweet_count,
                "replies": metrics.reply_count,
                "likes": metrics.like_count,
                "quotes": metrics.quote_count,
            },
            repost_of=refs.get("retweeted"),
            quote_of=refs.get("quoted"),
            in_reply_to=refs.get("replied_to"),
        )
    except ValueError as exc:  # pragma: no cover - XPost already validated the same limits
        raise InvalidInput(str(exc), field="data") from exc
