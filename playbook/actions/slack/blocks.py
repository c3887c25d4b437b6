"""Block Kit text pieces: untrusted text made inert, cut cleanly, and wrapped in text objects."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime, timedelta
from typing import Any

Block = dict[str, Any]

MAX_BLOCKS = 50
SECTION_CHARS = 3000
HEADER_CHARS = 150
BUTTON_CHARS = 75
MODAL_TITLE_CHARS = 24
INPUT_CHARS = 3000
FALLBACK_CHARS = 1000
URL_CHARS = 1000

_USER_ID = re.compile(r"[UW](?=[A-Z0-9]*\d)[A-Z0-9]{2,20}")
_SUBTEAM_ID = re.compile(r"S[A-Z0-9]{2,20}")
_BROADCAST = re.compile(r"@(channel|here|everyone)\b", re.IGNORECASE)
_ENTITIES = ("&amp;", "&lt;", "&gt;")


def escape(text: str) -> str:
    """Make untrusted text inert in mrkdwn: `<!channel>`, `<@U1>` and `<url|label>` show as typed.

    A bare `@channel`/`@here`/`@everyone` also gets an invisible word joiner, so no
    parsing mode on Slack's side can turn it into a ping.
    """
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _BROADCAST.sub("@\u2060\\1", text)


def truncate(text: str, limit: int) -> str:
    """At most `limit` characters, ending in "…" when cut.

    Never cuts inside an escape (`&amp;`), inside `<...>` markup (mentions, links, dates),
    between a letter and its combining marks, or inside a decomposed Hangul syllable.
    """
    if len(text) <= limit:
        return text
    if limit < 1:
        return ""
    cut = text[: limit - 1]
    while cut and _joins_previous(text[len(cut)]):
        cut = cut[:-1]
    amp = cut.rfind("&")
    if amp != -1 and any(text.startswith(e, amp) and amp + len(e) > len(cut) for e in _ENTITIES):
        cut = cut[:amp]
    opened = cut.rfind("<")
    if opened > cut.rfind(">"):
        cut = cut[:opened]
    return cut.rstrip("\u200d") + "…"


def _joins_previous(char: str) -> bool:
    code = ord(char)
    return (
        unicodedata.category(char) in ("Mn", "Mc", "Me")
        or char == "\u200d"  # zero-width joiner inside an emoji sequence
        or 0x1160 <= code <= 0x11FF  # Hangul medial vowels and final consonants
        or 0xD7B0 <= code <= 0xD7FF
        or 0x1F3FB <= code <= 0x1F3FF  # emoji skin tones
    )


def safe_text(raw: str | None, limit: int, empty: str = "") -> str:
    """Untrusted text made safe for mrkdwn and cut to `limit` characters."""
    safe = escape(unicodedata.normalize("NFC", raw or ""))
    return truncate(safe, limit) or empty


def quote(text: str) -> str:
    return ">" + text.replace("\n", "\n>")


def mention(who: str | None) -> str:
    """`subteam:S1` -> group mention, `user:U1` or a bare user id -> user mention, else text."""
    if not who:
        return "unassigned"
    kind, _, ident = who.partition(":")
    if kind == "subteam" and _SUBTEAM_ID.fullmatch(ident):
        return f"<!subteam^{ident}>"
    if kind == "user" and _USER_ID.fullmatch(ident):
        return f"<@{ident}>"
    if _USER_ID.fullmatch(who):
        return f"<@{who}>"
    return safe_text(who, 200)


def utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def date(moment: datetime) -> str:
    """A date Slack shows in each reader's own time zone, with a UTC fallback."""
    moment = utc(moment)
    stamp = int(moment.timestamp())
    return f"<!date^{stamp}^{{date_short_pretty}} {{time}}|{moment:%Y-%m-%d %H:%M} UTC>"


def span(delta: timedelta, language: str = "en") -> str:
    minutes = max(int(delta.total_seconds() // 60), 0)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    d, h, m = ("일", "시간", "분") if language == "ko" else (" d", " h", " min")
    if days:
        return f"{days}{d} {hours}{h}"
    return f"{hours}{h} {minutes}{m}" if hours else f"{minutes}{m}"


def link(url: str | None, label: str) -> str:
    """A mrkdwn link, only for http(s) URLs; `|`, `<`, `>` and spaces are percent-encoded."""
    if not url or not url.lower().startswith(("https://", "http://")) or len(url) > URL_CHARS:
        return ""
    safe = "".join(f"%{ord(c):02X}" if c in '|<> "' or ord(c) < 0x21 else c for c in url)
    return f"<{safe.replace('&', '&amp;')}|{label}>"


# --- text objects and the simplest blocks -------------------------------------------------------


def mrkdwn(text: str) -> dict[str, Any]:
    # verbatim: Slack must not auto-link or auto-mention anything in text we did not mark up.
    return {"type": "mrkdwn", "text": truncate(text, SECTION_CHARS) or " ", "verbatim": True}


def plain(text: str, limit: int, *, emoji: bool = True) -> dict[str, Any]:
    return {"type": "plain_text", "text": truncate(text, limit) or "-", "emoji": emoji}


def as_written(raw: str | None, limit: int, empty: str) -> dict[str, Any]:
    """Someone else's words (a post) shown as written: plain text, so `*`, `_`, `~`, backticks
    and `:emoji:` codes format nothing; `<`, `>` and `&` escaped and broadcasts defused."""
    return plain(safe_text(raw, limit, empty), SECTION_CHARS, emoji=False)


def section(text: str, block_id: str, accessory: Block | None = None) -> Block:
    block: Block = {"type": "section", "block_id": block_id, "text": mrkdwn(text)}
    if accessory:
        block["accessory"] = accessory
    return block


def context(text: str, block_id: str) -> Block:
    return {"type": "context", "block_id": block_id, "elements": [mrkdwn(text)]}
