"""The Slack sink: cards posted, updated and found again through the runtime's one WebClient."""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import partial
from typing import Any, TypeVar

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler

from playbook.actions.sinks import Message, RateLimited, is_card_of

T = TypeVar("T")
# How far back to look for a card that may have been posted: 1,000 messages. The retry comes
# one outbox lease after the lost post, and pacing lets through about one post a second.
HISTORY_PAGES, HISTORY_PAGE = 5, 200
DEFAULT_RETRY_AFTER = 1.0  # a 429 without a Retry-After header (Slack always sends one)


class SlackSink:
    """Posts and updates cards with slack-sdk's WebClient.

    A 429 is not waited out here (that would hold up every channel behind one): it is raised
    as RateLimited, and the deliverer holds back only that channel for Retry-After.
    """

    def __init__(self, token: str, base_url: str, timeout: int = 10) -> None:
        self._client = WebClient(
            token=token,
            base_url=base_url,
            timeout=timeout,
            retry_handlers=[ConnectionErrorRetryHandler(max_retry_count=1)],
        )

    @property
    def client(self) -> WebClient:
        """The one Slack client of the runtime (also for modals and ephemeral messages)."""
        return self._client

    def post(self, channel: str, message: Message) -> tuple[str, str]:
        answer = _call(lambda: self._client.chat_postMessage(channel=channel, **message))
        return str(answer["channel"]), str(answer["ts"])

    def update(self, channel: str, ts: str, message: Message) -> None:
        _call(lambda: self._client.chat_update(channel=channel, ts=ts, **message))

    def reply(self, channel: str, thread_ts: str, message: Message) -> None:
        _call(
            lambda: self._client.chat_postMessage(channel=channel, thread_ts=thread_ts, **message)
        )

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
            return self._client.conversations_history(
                channel=channel_id, cursor=cursor, limit=HISTORY_PAGE, include_all_metadata=True
            )

        try:
            return _call(read)
        except SlackApiError as exc:
            if exc.response.get("error") != "not_in_channel":
                raise
        # chat:write.public posts without joining; reading needs the bot in the channel.
        _call(lambda: self._client.conversations_join(channel=channel_id))
        return _call(read)

    def _channels_page(self, cursor: str | None) -> Any:
        return self._client.conversations_list(
            types="public_channel,private_channel", exclude_archived=True, limit=1000, cursor=cursor
        )

    def _channel_id(self, name: str) -> str | None:
        """A channel's id from its name (channels:read, groups:read); None if not found."""
        wanted, cursor = name.lstrip("#"), None
        while True:
            page = _call(partial(self._channels_page, cursor))
            for channel in page.get("channels") or []:
                if channel.get("name") == wanted:
                    return str(channel["id"])
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return None


def _call(method: Callable[[], T]) -> T:
    """One Web API call; Slack's 429 becomes RateLimited with the wait Slack asked for."""
    try:
        return method()
    except SlackApiError as exc:
        if exc.response.status_code != 429:
            raise
        raise RateLimited(
            _retry_after(exc.response.headers), str(exc.response.get("error"))
        ) from None


def _retry_after(headers: Any) -> float:
    for name, value in dict(headers or {}).items():
        if name.lower() == "retry-after":
            raw = value[0] if isinstance(value, list | tuple) and value else value
            try:
                seconds = float(str(raw))
            except ValueError:
                break
            return seconds if math.isfinite(seconds) and seconds > 0 else DEFAULT_RETRY_AFTER
    return DEFAULT_RETRY_AFTER


def _is_channel_id(channel: str) -> bool:
    return channel[:1] in ("C", "G", "D") and channel.isalnum() and channel.isupper()
