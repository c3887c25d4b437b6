"""The `engage_advocates` step as shown (tip 6): the few advocates to invite, and an invitation.

Computed when a card or the API shows the step, from the `advocate` table, so it follows the
latest praise and help; nothing is written on the way. Completing the step freezes the list
and the invitation on it (`freeze`): what the team was shown is what it acted on.

The invitation is honest by construction: it asks for the person's own view, if they wish;
it never hands them words to post and never offers anything in return (tip 6).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlmodel import Session

from playbook.actions.card_view import StepView
from playbook.actions.slack.advocates import AdvocatesStepView, AdvocateView
from playbook.core.clock import as_utc
from playbook.core.models import Incident, Step
from playbook.incidents.advocates import Listed, recent

KIND = "engage_advocates"
CLOSED = ("done", "skipped")
DEFAULT_LISTED = 5

INVITATION = {
    "ko": (
        "안녕하세요. 평소 저희 서비스에 대한 경험을 솔직하게 나눠 주셔서 감사합니다. 요즘 저희와 "
        "관련된 이야기가 오가고 있어, 저희가 확인한 사실을 [링크]에 정리해 두었습니다. 직접 "
        "겪으신 경험이나 생각이 있으시고 원하신다면, 편하게 본인의 말로 나눠 주세요. 부담 "
        "갖지 않으셔도 괜찮습니다."
    ),
    "en": (
        "Hello, and thank you for sharing your honest experience of our service. There is some "
        "talk about us at the moment, and we have put what we know at [link]. If you have your "
        "own experience or view of it and would like to share it, please do, in your own words. "
        "There is no obligation at all."
    ),
}


class AdvocatesLike(Protocol):
    """What the step needs of rules.yaml `advocates:`."""

    @property
    def pin(self) -> list[str]: ...

    @property
    def exclude(self) -> list[str]: ...

    @property
    def listed(self) -> int: ...


@dataclass(frozen=True)
class Invitees:
    accounts: tuple[Listed, ...]
    invitation: str

    def detail(self, stored: Mapping[str, Any], *, now: datetime) -> dict[str, Any]:
        """The step's detail as shown: the stored one with these accounts and the invitation."""
        return {
            **stored,
            "advocates": {
                "accounts": [asdict(a) for a in self.accounts],
                "invitation": self.invitation,
                "computed_at": as_utc(now).isoformat(),
            },
        }


def invitation(language: str) -> str:
    return INVITATION["ko" if language.lower().startswith("ko") else "en"]


def needs_list(step: Step) -> bool:
    return step.kind == KIND and step.status not in CLOSED


def build(session: Session, incident: Incident, advocates: AdvocatesLike | None) -> Invitees:
    accounts = recent(
        session,
        list(incident.topics or []),
        pin=advocates.pin if advocates else (),
        exclude=advocates.exclude if advocates else (),
        limit=advocates.listed if advocates else DEFAULT_LISTED,
    )
    return Invitees(tuple(accounts), invitation(incident.language or "en"))


def shown_details(
    session: Session,
    incident: Incident,
    steps: list[Step],
    *,
    now: datetime,
    advocates: AdvocatesLike | None = None,
) -> dict[int, tuple[dict[str, Any], Invitees]]:
    """For each open `engage_advocates` step, its detail as shown now (by step id)."""
    wanted = [s for s in steps if needs_list(s) and s.id is not None]
    if not wanted:
        return {}
    invitees = build(session, incident, advocates)
    return {s.id or 0: (invitees.detail(s.detail or {}, now=now), invitees) for s in wanted}


def freeze(
    session: Session,
    incident: Incident,
    step: Step,
    *,
    now: datetime,
    advocates: AdvocatesLike | None = None,
) -> None:
    """Keep the list and invitation on a step being completed, as they stand now."""
    if needs_list(step):
        step.detail = build(session, incident, advocates).detail(step.detail or {}, now=now)


def with_invitees(view: StepView, invitees: Invitees) -> AdvocatesStepView:
    """The card's view of the step, with the accounts to invite and the invitation."""
    accounts = tuple(
        AdvocateView(a.handle, a.followers, a.praise_count, a.helpful_count, a.topics, a.pinned)
        for a in invitees.accounts
    )
    return AdvocatesStepView(**vars(view), advocates=accounts, invitation=invitees.invitation)
