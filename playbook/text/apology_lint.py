"""A linter for public answers: hedged apologies, no concrete action, blaming the customer."""

from __future__ import annotations

import re
from dataclasses import dataclass

from playbook.text.keywords import KeywordSet
from playbook.text.normalize import strip_links


@dataclass(frozen=True)
class Finding:
    code: str  # "hedge", "no_action" or "blames_customer"
    message: str  # what to change, in plain English


# Korean phrases are matched inside words and across odd spacing ("불편을끼쳐 드렸다면");
# English ones as whole words, so "I'm sorry. If you..." is not "sorry if".
_HEDGES_KO = KeywordSet(
    [
        "불편을 드렸다면",
        "불편을 끼쳐드렸다면",
        "불편하셨다면",
        "불쾌하셨다면",
        "불쾌감을 드렸다면",
        "오해가 있으셨다면",
        "오해가 있었다면",
        "오해의 소지",
        "심려를 끼쳐드렸다면",
        "그렇게 느끼셨다면",
        "유감",
    ],
    compact=True,
)
_HEDGES_EN = KeywordSet(
    [
        "if anyone was offended",
        "if anyone is offended",
        "if you were offended",
        "if we offended",
        "anyone who was offended",
        "sorry if",
        "apologize if",
        "apologise if",
        "apologies if",
        "regret any inconvenience",
        "sorry for any inconvenience",
        "apologize for any inconvenience",
        "apologise for any inconvenience",
        "inconvenience this may have caused",
        "mistakes were made",
        "sorry you feel",
        "sorry that you feel",
        "sorry you felt",
    ],
    word_boundary=True,
)
_BLAME_KO = KeywordSet(
    [
        "고객님의 부주의",
        "고객님 부주의",
        "고객 부주의",
        "사용자 부주의",
        "사용 부주의",
        "취급 부주의",
        "고객님의 과실",
        "고객님 과실",
        "고객 과실",
        "사용자 과실",
        "사용자의 과실",
        "잘못 사용",
        "잘못된 사용",
    ],
    compact=True,
)
_BLAME_EN = KeywordSet(
    [
        "you should have",
        "you shouldn't have",
        "user error",
        "operator error",
        "your fault",
        "you failed to",
        "you did not follow",
        "you didn't follow",
        "misuse",
        "misused",
        "improper use",
    ],
    word_boundary=True,
)

_DONE = re.compile(  # something already fixed is concrete on its own
    r"(?:조치|복구|환불|수리|교체|해결|개선|보상|처리|정상화|수정|반영|취소)\s?(?:를|을|가|이)?\s?"
    r"(?:완료|했습니다|했어요|하였습니다|되었습니다|됐습니다|해\s?드렸)"
    r"|\b(?:we|we've|we have|has been|have been|is now|is|was|are now)\s+(?:now\s+)?"
    r"(?:fixed|refunded|restored|replaced|resolved|repaired|credited|reversed|corrected|"
    r"rolled back|reinstated|cancell?ed)\b",
    re.IGNORECASE,
)
_COMMITMENT = re.compile(
    r"겠습니다|겠어요|드릴게요|할게요|예정입니다|예정이에요|조치|수리|환불|보상|교체|복구"
    r"|\b(?:we will|we'll|we are going to|we're going to|we are \w+ing|we're \w+ing)\b",
    re.IGNORECASE,
)
_WHEN = re.compile(
    r"\d|오늘|내일|모레|금일|익일|즉시|이번\s?주|다음\s?주|금주|차주|이번\s?달|이달|다음\s?달|주말|"
    r"오전|오후|하루|이틀|사흘|일주일|한\s?시간|한\s?달|\[(?:시간|날짜|일시|기한|시각|일정)"
    r"|\b(?:today|tonight|tomorrow|this (?:morning|afternoon|evening|week|month)|next week|"
    r"next month|(?:mon|tues|wednes|thurs|fri|satur|sun)day|within|immediately|right away|"
    r"noon|midnight|end of (?:the )?(?:day|week|month))\b"
    r"|\[(?:time|date|deadline|day|when)",
    re.IGNORECASE,
)

_EXAMPLES = {
    "hedge": {
        "ko": "“불편을 드려 죄송합니다” rather than “불편을 드렸다면 죄송합니다”",
        "en": "“We are sorry we charged you twice” rather than “Sorry if anyone was upset”",
    },
    "no_action": {
        "ko": "“오늘 18시까지 중복 결제분을 환불해 드리겠습니다”",
        "en": "“We will refund the double charge by 6 pm today”",
    },
}


def lint(text: str, lang: str) -> list[Finding]:
    """What to fix in one draft answer; an empty list means nothing to flag.

    Korean and English phrasing are both recognised whatever `lang` says (drafts fall back
    to the other language); `lang` ("ko" or anything else for English) picks the examples.
    """
    example_lang = "ko" if lang == "ko" else "en"
    findings: list[Finding] = []
    hedges = _HEDGES_KO.find(text) + _HEDGES_EN.find(text)
    if hedges:
        findings.append(Finding("hedge", _hedge_message(hedges, example_lang)))
    if not _has_concrete_action(text):
        findings.append(Finding("no_action", _no_action_message(example_lang)))
    blame = _BLAME_KO.find(text) + _BLAME_EN.find(text)
    if blame:
        findings.append(Finding("blames_customer", _blame_message(blame)))
    return findings


def _has_concrete_action(text: str) -> bool:
    words = strip_links(text)  # digits in a link are not a date
    if _DONE.search(words):
        return True
    return bool(_COMMITMENT.search(words) and _WHEN.search(words))


def _quoted(phrases: list[str]) -> str:
    return ", ".join(f"“{phrase}”" for phrase in phrases)


def _hedge_message(phrases: list[str], lang: str) -> str:
    return (
        f"{_quoted(phrases)} makes the apology sound conditional or vague. Say plainly what "
        f"went wrong and that you are sorry, e.g. {_EXAMPLES['hedge'][lang]}."
    )


def _no_action_message(lang: str) -> str:
    return (
        "There is no concrete action with a time. Say what you will do and by when, "
        f"e.g. {_EXAMPLES['no_action'][lang]}, or what you have already fixed."
    )


def _blame_message(phrases: list[str]) -> str:
    return (
        f"{_quoted(phrases)} puts the blame on the customer. Take the customer's side: "
        "leave out whose fault it was and say what you will do to help."
    )
