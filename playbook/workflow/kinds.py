"""Step kinds: one entry each, with its defaults, its titles in Korean and English, and who acts.

The rules language names the kinds (`rules.source.model.STEP_KINDS`, their canonical order);
this table says what each one means when a rule does not say otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from playbook.rules.source.model import OUTCOME_STEPS, PUBLIC_ANSWERS, STEP_KINDS, Outcome


class StepKind(StrEnum):
    TRIAGE = "triage"
    PRIVATE_CHANNEL = "private_channel"
    VERIFY_FACTS = "verify_facts"
    ACKNOWLEDGE = "acknowledge"
    APOLOGISE = "apologise"
    CORRECT_RUMOUR = "correct_rumour"
    PROMISE_FOLLOW_UP = "promise_follow_up"
    PUBLISH_ACTION_PLAN = "publish_action_plan"
    BLOG_POST = "blog_post"
    CS_HANDOFF = "cs_handoff"
    ENGAGE_ADVOCATES = "engage_advocates"
    CONVENE_COMMITTEE = "convene_committee"
    DISENGAGE = "disengage"


@dataclass(frozen=True)
class Kind:
    """What a step of one kind is, before any rule adds to it."""

    name: StepKind
    title_en: str
    title_ko: str
    due: str  # a duration, as rules.yaml writes them
    requires: tuple[str, ...] = ()  # kinds that must close first (triage always does)
    linted: bool = False  # its draft apologises or commits to something (tip 3)
    # Who acts: "expert" (the topic's group), "advocates", "storm" (the storm's notify group)
    # or None (whoever the rule names; the triage desk by default).
    acted_by: str | None = None

    def title(self, language: str) -> str:
        return self.title_ko if language == "ko" else self.title_en

    @property
    def public(self) -> bool:
        """It speaks for the company in public (abuse never gets one)."""
        return self.name in PUBLIC_ANSWERS

    @property
    def applies_if(self) -> tuple[Outcome, ...]:
        """The verification outcomes under which it still applies (none: always)."""
        return OUTCOME_STEPS.get(self.name, ())


_VERIFIED = ("verify_facts",)  # public answers wait for verified facts (tip 1)
KINDS: dict[StepKind, Kind] = {
    StepKind.TRIAGE: Kind(
        StepKind.TRIAGE,
        "Triage: confirm the category and whether to answer at all",
        "분류: 유형을 확인하고 답할지 정하기",
        "15m",
    ),
    StepKind.PRIVATE_CHANNEL: Kind(
        StepKind.PRIVATE_CHANNEL,
        "Continue in private (DM, e-mail or phone): personal data involved",
        "개인정보 포함: DM·이메일·전화로 비공개 전환",
        "30m",
    ),
    StepKind.VERIFY_FACTS: Kind(
        StepKind.VERIFY_FACTS,
        "Verify the facts with the in-house experts",
        "사내 전문가와 사실 확인",
        "1h",
        acted_by="expert",
    ),
    StepKind.ACKNOWLEDGE: Kind(
        StepKind.ACKNOWLEDGE,
        "Acknowledge: a quick, human reply that we are listening",
        "경청 답변: 듣고 있다는 빠르고 사람다운 답",
        "30m",
    ),
    StepKind.APOLOGISE: Kind(
        StepKind.APOLOGISE,
        "Apologise: a real, specific apology",
        "사과: 구체적이고 진정성 있는 사과",
        "2h",
        _VERIFIED,
        linted=True,
    ),
    StepKind.CORRECT_RUMOUR: Kind(
        StepKind.CORRECT_RUMOUR,
        "Correct the rumour point by point",
        "루머를 항목별로 바로잡기",
        "1h",
        _VERIFIED,
    ),
    StepKind.PROMISE_FOLLOW_UP: Kind(
        StepKind.PROMISE_FOLLOW_UP,
        "Say it is being investigated and when findings will be shared",
        "조사 중임과 결과 공유 시점 알리기",
        "2h",
        _VERIFIED,
        linted=True,
    ),
    StepKind.PUBLISH_ACTION_PLAN: Kind(
        StepKind.PUBLISH_ACTION_PLAN,
        "Publish the action plan: each point, an action, an owner, a date",
        "실행 계획 공개: 항목마다 조치, 담당, 기한",
        "1d",
        ("verify_facts", "apologise"),
        linted=True,
    ),
    StepKind.BLOG_POST: Kind(
        StepKind.BLOG_POST,
        "Publish the official position in long form and link it",
        "공식 입장을 블로그에 장문으로 게시하고 링크",
        "1d",
        _VERIFIED,
        linted=True,
    ),
    StepKind.CS_HANDOFF: Kind(
        StepKind.CS_HANDOFF,
        "Hand the case to customer service",
        "고객센터로 건 이관",
        "1h",
    ),
    StepKind.ENGAGE_ADVOCATES: Kind(
        StepKind.ENGAGE_ADVOCATES,
        "Invite advocates to share their view",
        "지지 고객에게 의견 공유 요청",
        "2h",
        _VERIFIED,
        acted_by="advocates",
    ),
    StepKind.CONVENE_COMMITTEE: Kind(
        StepKind.CONVENE_COMMITTEE,
        "Convene the departments concerned now",
        "관련 부서 즉시 소집",
        "30m",
        acted_by="storm",
    ),
    StepKind.DISENGAGE: Kind(
        StepKind.DISENGAGE, "No public answer: monitor only", "공개 답변 없음: 모니터링만", "1h"
    ),
}
assert tuple(KINDS) == tuple(StepKind) and tuple(k.value for k in StepKind) == STEP_KINDS


def kind(name: str) -> Kind:
    """The table entry of a kind the rules language knows."""
    return KINDS[StepKind(name)]


def position(name: str) -> int:
    """Where a kind stands in a workflow (the canonical order)."""
    return STEP_KINDS.index(name)
