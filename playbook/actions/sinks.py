"""Where outbox items go: the `CardSink` protocol every sink implements, and its errors."""

from __future__ import annotations

from typing import Any, Protocol

Message = dict[str, Any]
CARD_EVENT_TYPE = "playbook_incident"  # message metadata that marks a card as an incident's


class RateLimited(Exception):
    """The sink refused a call for now: try that channel again in `retry_after` seconds.

    Raised instead of waiting inside the call, so one slow channel holds up only itself.
    """

    def __init__(self, retry_after: float, detail: str = "rate limited") -> None:
        super().__init__(f"{detail} (retry after {retry_after:g} s)")
        self.retry_after = retry_after


def card_metadata(incident_id: int) -> dict[str, Any]:
    """Message metadata for an incident's card, so a lost post can be found again."""
    return {"event_type": CARD_EVENT_TYPE, "event_payload": {"incident_id": incident_id}}


def is_card_of(message: Message, incident_id: int) -> bool:
    metadata = message.get("metadata") or {}
    payload = metadata.get("event_payload") or {}
    top_level = message.get("thread_ts") in (None, message.get("ts"))
    return (
        top_level
        and metadata.get("event_type") == CARD_EVENT_TYPE
        and payload.get("incident_id") == incident_id
    )


class CardSink(Protocol):
    """Posts, updates and threads messages; may raise RateLimited, or anything to be retried."""

    def post(self, channel: str, message: Message) -> tuple[str, str]:
        """Post a new message; returns (channel id, message ts)."""
        ...

    def update(self, channel: str, ts: str, message: Message) -> None: ...

    def reply(self, channel: str, thread_ts: str, message: Message) -> None: ...

    def find_card(self, channel: str, incident_id: int) -> tuple[str, str] | None:
        """The incident's card among the channel's recent messages: (channel id, ts), or None."""
        ...
