"""Where cards go: Slack's Web API, or the console when no token is set."""

from __future__ import annotations

import itertools
import json
import logging
from typing import Any, Protocol

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
)

log = logging.getLogger("playbook.cards")
CARD_EVENT_TYPE = "playbook_incident"  # message metadata that marks a card as an incident's
# How far back to look for a card that may have been posted: 1,000 messages. The retry comes
# one outbox lease after the lost post, and pacing lets through about one post a second.
HISTORY_PAGES, HISTORY_PAGE = 5, 200


def card_metadata(incident_id: int) -> dict[str, Any]:
    """Slack message metadata for an incident's card, so a lost post can be found again."""
    return {"event_type": CARD_EVENT_TYPE, "event_payload": {"incident_id": incident_id}}


def is_card_of(message: dict[str, Any], incident_id: int) -> bool:
    metadata = message.get("metadata") or {}
    payload = metadata.get("event_payload") or {}
    top_level = message.get("thread_ts") in (None, message.get("ts"))
    return (
        top_level
        and metadata.get("event_type") == CARD_EVENT_TYPE
        and payload.get("incident_id") == incident_id
    )


class CardSink(Protocol):
    def post(self, channel: str, message: dict[str, Any]) -> tuple[str, str]:
        """Post a new message; returns (channel id, message ts)."""
        ...

    def update(self, channel: str, ts: str, message: dict[str, Any]) -> None: ...

    def reply(self, channel: str, thread_ts: str, message: dict[str, Any]) -> None: ...

    def find_card(self, channel: str, incident_id: int) -> tuple[str, str] | None:
        """The incident's card among the channel's recent messages: (channel id, ts), or None."""
        ...


class ConsoleSink:
    """Prints cards to the log: the default when no Slack token is set."""

    def __init__(self) -> None:
        self._ts = itertools.count(1)
        self.messages: list[dict[str, Any]] = []

    def _show(self, verb: str, channel: str, message: dict[str, Any]) -> None:
        self.messages.append({"verb": verb, "channel": channel, **message})
        lines = [f"[card {verb} {channel}] {message.get('text', '')}"]
        for block in message.get("blocks", []):
            text = block.get("text")
            if isinstance(text, dict):
                lines.append("  " + text.get("text", "").replace("\n", "\n  "))
        log.info("\n".join(lines))

    def post(self, channel: str, message: dict[str, Any]) -> tuple[str, str]:
        ts = f"console.{next(self._ts)}"
        self._show("post", channel, {**message, "ts": ts})
        return channel, ts

    def update(self, channel: str, ts: str, message: dict[str, Any]) -> None:
        self._show(f"update {ts}", channel, message)

    def reply(self, channel: str, thread_ts: str, message: dict[str, Any]) -> None:
        self._show(f"reply {thread_ts}", channel, message)

    def find_card(self, channel: str, incident_id: int) -> tuple[str, str] | None:
        posts = [m for m in self.messages if m["verb"] == "post" and m["channel"] == channel]
        found = [m["ts"] for m in posts if is_card_of(m, incident_id)]
        return (channel, str(found[-1])) if found else None


class SlackSink:
    """Posts and updates cards with slack-sdk's WebClient (429 Retry-After honoured)."""

    def __init__(self, token: str, base_url: str, timeout: int = 10) -> None:
        self.client = WebClient(
            token=token,
            base_url=base_url,
            timeout=timeout,
            retry_handlers=[
                ConnectionErrorRetryHandler(max_retry_count=1),
                RateLimitErrorRetryHandler(max_retry_count=2),
            ],
        )

    def post(self, channel: str, message: dict[str, Any]) -> tuple[str, str]:
        answer = self.client.chat_postMessage(channel=channel, **message)
        return str(answer["channel"]), str(answer["ts"])

    def update(self, channel: str, ts: str, message: dict[str, Any]) -> None:
        self.client.chat_update(channel=channel, ts=ts, **message)

    def reply(self, channel: str, thread_ts: str, message: dict[str, Any]) -> None:
        self.client.chat_postMessage(channel=channel, thread_ts=thread_ts, **message)

    def find_card(self, channel: str, incident_id: int) -> tuple[str, str] | None:
        """Reads the channel's history with metadata (channels:history, groups:history)."""
        channel_id = channel if _is_channel_id(channel) else self._channel_id(channel)
        if channel_id is None:
            return None
        cursor: str | None = None
        for _ in range(HISTORY_PAGES):
            page = self._history(channel_id, cursor)
            for message in page.get("messages") or []:
                if is_card_of(message, incident_id):
                    return channel_id, str(message["ts"])
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                break
        return None

    def _history(self, channel_id: str, cursor: str | None) -> Any:
        def read() -> Any:
            return self.client.conversations_history(
                channel=channel_id, cursor=cursor, limit=HISTORY_PAGE, include_all_metadata=True
            )

        try:
            return read()
        except SlackApiError as exc:
            if exc.response.get("error") != "not_in_channel":
                raise
        # chat:write.public posts without joining; reading needs the bot in the channel.
        self.client.conversations_join(channel=channel_id)
        return read()

    def _channel_id(self, name: str) -> str | None:
        """A channel's id from its name (channels:read, groups:read); None if not found."""
        wanted, cursor = name.lstrip("#"), None
        while True:
            page = self.client.conversations_list(
                types="public_channel,private_channel",
                exclude_archived=True,
                limit=1000,
                cursor=cursor,
            )
            for channel in page.get("channels") or []:
                if channel.get("name") == wanted:
                    return str(channel["id"])
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return None


def _is_channel_id(channel: str) -> bool:
    return channel[:1] in ("C", "G", "D") and channel.isalnum() and channel.isupper()


def dumps(message: dict[str, Any]) -> str:
    return json.dumps(message, ensure_ascii=False)
