"""A linter for public answers: hedged apologies, no concrete action, blaming the customer."""

from __future__ import annotations

import re
from dataclasses import dataclass

from playbook.text.normalize import fold


@dataclass(frozen=True)
class Finding:
    code: str
    message: str


HEDGES = (
    "불편을 드렸다면",
    "불편하셨다면",
    "불쾌하셨다면",
    "오해가 있으셨다면",
    "오해가 있었다면",
    "심려를 끼쳐드렸다면",
    "유감",
    "if anyone was offended",
    "if you were offended",
    "sorry if",
    "sorry for any",
    "regret any inconvenience",
    "any inconvenience caused",
    "mistakes were made",
    "we apologise if",
    "we apologize if",
)
BLAME = (
    "고객님의 부주의",
    "고객님 부주의",
    "사용자 과실",
    "사용자의 과실",
    "잘못 사용",
    "고객님 과실",
    "you should have",
    "user error",
    "your fault",
    "you failed to",
    "misuse",
)
ACTION_KO = re.compile(r"(하겠습니다|드리겠습니다|조치|수리|환불|보상|교체|개선|완료|해결했|복구)")
WHEN_KO = re.compile(r"(오늘|내일|이번 주|\d+\s*(일|시|분|월|주)|까지|\[)")
ACTION_EN = re.compile(
    r"\b(we will|we'll|we have (fixed|refunded|restored|replaced)|"
    r"we've (fixed|refunded|restored|replaced)|by \w+)",
    re.IGNORECASE,
)
WHEN_EN = re.compile(
    r"\b(today|tomorrow|this week|by|within|\d+\s*(hours?|days?|am|pm))\b|\[", re.IGNORECASE
)


def lint(text: str, lang: str) -> list[Finding]:
    """Findings for one draft; an empty list means nothing to flag."""
    folded = fold(text)
    findings = []
    hedge = next((h for h in HEDGES if fold(h) in folded), None)
    if hedge:
        findings.append(
            Finding(
                "hedge",
                f"“{hedge}” makes the apology conditional or vague: "
                "say plainly what went wrong and that you are sorry",
            )
        )
    blame = next((b for b in BLAME if fold(b) in folded), None)
    if blame:
        findings.append(
            Finding(
                "blames_customer",
                f"“{blame}” puts the fault on the customer: speak from the customer's side",
            )
        )
    action, when = (ACTION_KO, WHEN_KO) if lang == "ko" else (ACTION_EN, WHEN_EN)
    if not (action.search(text) and when.search(text)):
        findings.append(
            Finding(
                "no_action", "no concrete action with a time: say what will be done and by when"
            )
        )
    return findings
