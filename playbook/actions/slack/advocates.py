"""The advocates an `engage_advocates` step lists on the card, and its invitation (tip 6)."""

from __future__ import annotations

from dataclasses import dataclass

from playbook.actions.card_view import StepView
from playbook.actions.slack.blocks import quote, safe_text

SHOWN = 5  # accounts listed on the card (the API lists every one)
CLOSED = frozenset({"done", "skipped"})


@dataclass(frozen=True)
class AdvocateView:
    handle: str
    followers: int
    praise_count: int
    helpful_count: int
    topics: tuple[str, ...]  # the incident's topics the account spoke about
    pinned: bool = False


@dataclass(frozen=True)
class AdvocatesStepView(StepView):
    """An `engage_advocates` step with the accounts to invite and a draft invitation."""

    advocates: tuple[AdvocateView, ...] = ()
    invitation: str = ""


def _line(advocate: AdvocateView) -> str:
    pin = "📌 " if advocate.pinned else ""
    topics = f" · on {safe_text(', '.join(advocate.topics), 80)}" if advocate.topics else ""
    return (
        f"{pin}@{safe_text(advocate.handle, 100)} · {advocate.followers:,} followers · "
        f"{advocate.praise_count} praise, {advocate.helpful_count} helpful{topics}"
    )


def advocates_lines(step: StepView, compact: bool, shown: int = SHOWN) -> list[str]:
    """The accounts and the invitation under an open step; one line when the card is tight."""
    if not isinstance(step, AdvocatesStepView) or step.status in CLOSED:
        return []
    count = len(step.advocates)
    if compact:
        return [f"🤝 {count} advocate{'' if count == 1 else 's'} to invite"] if count else []
    if not count:
        return ["🤝 No advocates remembered yet: praise and helpful replies will show here."]
    lines = [f"*Advocates to invite* ({count})", *map(_line, step.advocates[:shown])]
    if count > shown:
        lines.append(f"…and {count - shown} more")
    if step.invitation:
        lines += ["*Invitation* (their own words, if they wish; no rewards)"]
        lines.append(quote(safe_text(step.invitation, 600)))
    return lines
