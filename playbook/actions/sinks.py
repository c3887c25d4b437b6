"""Where cards go: Slack's Web API, or the console when no token is set."""

from __future__ import annotations

import itertools
import json
import logging
from typing import Any, Protocol

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
)

log = logging.getLogger("playbook.cards")


class CardSink(Protocol):
    def post(self, channel: str, message: dict[str, Any]) -> tuple[str, str]:
        """Post a new message; returns (channel id, message ts)."""
        ...

    def update(self, channel: str, ts: str, message: dict[str, Any]) -> None: ...

    def reply(self, channel: str, thread_ts: str, message: dict[str, Any]) -> None: ...


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
        self._show("post", channel, message)
        return channel, f"console.{next(self._ts)}"

    def update(self, channel: str, ts: str, message: dict[str, Any]) -> None:
        self._show(f"update {ts}", channel, message)

    def reply(self, channel: str, thread_ts: str, message: dict[str, Any]) -> None:
        self._show(f"reply {thread_ts}", channel, message)


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


def dumps(message: dict[str, Any]) -> str:
    return json.dumps(message, ensure_ascii=False)
