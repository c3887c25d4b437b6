"""What Slack says in the team's language (`organisation.language`): one catalogue, ko and en."""

from __future__ import annotations

from typing import Literal

Language = Literal["ko", "en"]

TEXTS: dict[str, tuple[str, str]] = {
    # key: (English, Korean); `{name}` fields are filled by `say`.
    "help": (
        "*/playbook* commands:\n"
        "• `list`: open incidents\n"
        "• `show ID`: one incident with its steps\n"
        "• `status`: the rules version in force and the Slack queue\n"
        "• `resolve ID`, `close ID`, `reopen ID`: the incident as a whole\n"
        "• `assign ID @user`: give the incident an owner",
        "*/playbook* 명령:\n"
        "• `목록` (`list`): 진행 중인 사건\n"
        "• `보기 번호` (`show ID`): 사건 하나와 그 단계\n"
        "• `상태` (`status`): 적용 중인 규칙 버전과 Slack 발송 대기열\n"
        "• `해결 번호`, `종료 번호`, `다시열기 번호` (`resolve`, `close`, `reopen`): 사건 전체\n"
        "• `배정 번호 @사람` (`assign ID @user`): 사건 담당자 지정",
    ),
    "no_open": ("No open incidents.", "진행 중인 사건이 없습니다."),
    "open_head": (
        "*Open incidents* ({shown} of {total}):",
        "*진행 중인 사건* ({total}건 중 {shown}건):",
    ),
    "events": ("{count} events", "게시물 {count}건"),
    "no_incident": ("No incident #{id}.", "#{id} 사건이 없습니다."),
    "status_line": ("Status: {status}", "상태: {status}"),
    "unassigned": ("unassigned", "담당 없음"),
    "rules_status": (
        "Rules version `{version}` in force since {since} UTC ({count} rules)\n"
        "Slack queue: {pending} pending",
        "규칙 버전 `{version}` 적용 중 ({since} UTC부터, 규칙 {count}개)\n"
        "Slack 발송 대기: {pending}건",
    ),
    "done": ("Done", "완료"),
    "skip": ("Skip", "건너뛰기"),
    "assign_me": ("Assign to me", "내가 맡기"),
    "escalate": ("Escalate", "상향 보고"),
    "edit_draft": ("Edit draft", "초안 수정"),
    "act_on_step": ("Act on this step…", "이 단계 처리…"),
}

# `/playbook` sub-commands as people type them, in either language.
VERBS: dict[str, str] = {
    "list": "list",
    "목록": "list",
    "show": "show",
    "보기": "show",
    "status": "status",
    "상태": "status",
    "help": "help",
    "도움말": "help",
    "resolve": "resolve",
    "해결": "resolve",
    "close": "close",
    "종료": "close",
    "reopen": "reopen",
    "다시열기": "reopen",
    "assign": "assign",
    "배정": "assign",
}


def say(key: str, language: str, **fields: object) -> str:
    """The catalogue's text for `key` in `language` (English for any other), filled in."""
    english, korean = TEXTS[key]
    text = korean if language == "ko" else english
    return text.format(**fields) if fields else text


def verb(word: str) -> str | None:
    """The command a typed sub-command names (`목록` -> `list`), or None."""
    return VERBS.get(word.lower())
