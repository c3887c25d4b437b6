"""The console sink: cards printed to the log, the default when no Slack token is set."""

from __future__ import annotations

import itertools
import logging
from typing import Any

from playbook.actions.sinks import Message, is_card_of

log = logging.getLogger("playbook.cards")


class ConsoleSink:
    """Prints cards to the log and keeps them in `messages` (tests read them there)."""

    def __init__(self) -> None:
        self._ts = itertools.count(1)
        self.messages: list[dict[str, Any]] = []

    def _show(self, verb: str, channel: str, message: Message) -> None:
        self.messages.append({"verb": verb, "channel": channel, **message})
        lines = [f"[card {verb} {channel}] {message.get('text', '')}"]
        for block in message.get("blocks", []):
            text = block.get("text")
            if isinstance(text, dict):
                lines.append("  " + text.get("text", "").replace("\n", "\n  "))
        log.info("\n".join(lines))

    def post(self, channel: str, message: Message) -> tuple[str, str]:
        ts = f"console.{next(self._ts)}"
        self._show("post", channel, {**message, "ts": ts})
        return channel, ts

    def update(self, channel: str, ts: str, message: Message) -> None:
        self._show(f"update {ts}", channel, message)

    def reply(self, channel: str, thread_ts: str, message: Message) -> None:
        self._show(f"reply {thread_ts}", channel, message)

    def find_card(self, channel: str, incident_id: int) -> tuple[str, str] | None:
        posts = [m for m in self.messages if m["verb"] == "post" and m["channel"] == channel]
        found = [m["ts"] for m in posts if is_card_of(m, incident_id)]
        return (channel, str(found[-1])) if found else None
