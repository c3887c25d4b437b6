"""Inbound events: the generic shape of CONTRACT.md and the X (Twitter) API v2 shape."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    StrictBool,
    StringConstraints,
    Tag,
    field_validator,
)

MAX_TEXT_CHARS = 100_000


def _without_nul(value: Any) -> Any:
    """NUL characters carry nothing readable and PostgreSQL cannot store them: dropped."""
    return value.replace("\x00", "") if isinstance(value, str) else value


NoNul = AfterValidator(_without_nul)  # after the length limits: the schema counts what was sent
Stripped = AfterValidator(lambda value: value.strip())  # likewise after the limits
# Something other than white space or NUL (\x85 spelt out: JSON Schema's \s lacks it).
BLANK = r"[^\s\x00\x85]"
MAX_COUNT = 10**12  # no account or post has more; larger numbers are a sender's bug
# Strict: JSON integers only; `false` or "12" is a sender's bug, not a count.
Count = Annotated[int, Field(ge=0, le=MAX_COUNT, strict=True)]
# An id must show something once trimmed (the pattern says so in the schema).
ShortStr = Annotated[
    str,
    StringConstraints(min_length=1, max_length=256, pattern=BLANK),
    Stripped,
    NoNul,
]
Handle = Annotated[str, StringConstraints(max_length=100), Stripped, NoNul]


def _no_number(value: Any) -> Any:
    """A moment is an RFC 3339 string (or a datetime), never a number of seconds."""
    if isinstance(value, int | float) or (isinstance(value, str) and _is_number(value)):
        raise ValueError("expected an RFC 3339 date-time string, such as 2026-11-22T10:00:00Z")
    return value


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


Moment = Annotated[datetime, BeforeValidator(_no_number)]
# A reference to another post: blank means none.
Ref = Annotated[str, StringConstraints(max_length=256), Stripped, NoNul]
Name = Annotated[str, StringConstraints(max_length=200), NoNul]
Text = Annotated[str, StringConstraints(max_length=MAX_TEXT_CHARS), NoNul]
Short = Annotated[str, StringConstraints(max_length=100), NoNul]


def _strip_at(value: str | None) -> str | None:
    return value.lstrip("@") if value else value


class Author(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: ShortStr | None = None
    handle: Handle | None = None
    name: Name | None = None
    followers: Count | None = None
    verified: StrictBool = False

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
    source: Annotated[
        str,
        StringConstraints(min_length=1, max_length=64, pattern=BLANK),
        Stripped,
        NoNul,
    ]
    text: Text
    lang: Annotated[str, StringConstraints(max_length=16), NoNul] | None = None
    url: Annotated[str, StringConstraints(max_length=2048), NoNul] | None = None
    created_at: Moment | None = None
    author: Author | None = None
    mentions: Annotated[list[Handle], Field(max_length=100)] = []
    metrics: Metrics | None = None
    in_reply_to: Ref | None = None
    repost_of: Ref | None = None
    quote_of: Ref | None = None
    hints: Annotated[dict[Short, Short], Field(max_length=20)] | None = None

    @field_validator("source")
    @classmethod
    def _lower_source(cls, value: str) -> str:
        return value.lower()

    @field_validator("in_reply_to", "repost_of", "quote_of", mode="after")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return value or None

    @field_validator("mentions")
    @classmethod
    def _strip_mentions(cls, value: list[str]) -> list[str]:
        return [m.lstrip("@") for m in value if m.strip("@ ")]

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

    mentions: Annotated[list[XMention], Field(max_length=100)] = []


class XNoteTweet(BaseModel):
    """A long post's full text (the v2 API truncates `text` to 280 characters)."""

    model_config = ConfigDict(extra="ignore")

    text: Text


class XPost(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: ShortStr
    text: Text
    note_tweet: XNoteTweet | None = None
    author_id: ShortStr | None = None
    created_at: Moment | None = None
    lang: Annotated[str, StringConstraints(max_length=16)] | None = None
    public_metrics: XPublicMetrics | None = None
    referenced_tweets: list[XReference] = []
    entities: XEntities | None = None


class XUser(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: ShortStr
    username: Handle | None = None
    name: Name | None = None
    verified: StrictBool = False
    public_metrics: XPublicMetrics | None = None


class XIncludes(BaseModel):
    model_config = ConfigDict(extra="ignore")

    users: list[XUser] = []


def _one_or_many(value: Any) -> str:
    """Which shape `data` has, so an error names the post's own field, not both shapes."""
    return "list[XPost]" if isinstance(value, list) else "XPost"


class XBody(BaseModel):
    """A body as returned by the v2 lookup, search and filtered-stream endpoints."""

    model_config = ConfigDict(extra="ignore")

    data: Annotated[
        Annotated[XPost, Tag("XPost")] | Annotated[list[XPost], Tag("list[XPost]")],
        Discriminator(_one_or_many),
    ]
    includes: XIncludes | None = None

    def posts(self) -> list[XPost]:
        return self.data if isinstance(self.data, list) else [self.data]


def x_post_to_event(post: XPost, users: dict[str, XUser]) -> EventIn:
    """Map one v2 post (and its author from `includes.users`) to the generic event.

    Raises pydantic's ValidationError where the post breaks a limit of the generic event.
    """
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
