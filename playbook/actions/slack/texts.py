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
    "override": ("Publish without verification", "확인 없이 게시"),
    "outcome_at_fault": ("At fault", "회사 잘못"),
    "outcome_not_at_fault": ("Not at fault", "회사 잘못 아님"),
    "outcome_needs_investigation": ("Needs investigation", "조사 필요"),
    "outcome_line": ("Outcome: *{outcome}*", "결과: *{outcome}*"),
    "status_pending": ("pending", "대기"),
    "status_active": ("active", "진행 중"),
    "status_done": ("done", "완료"),
    "status_skipped": ("skipped", "건너뜀"),
    "status_blocked": ("blocked", "보류"),
    "status_open": ("open", "진행 중"),
    "status_resolved": ("resolved", "해결됨"),
    "status_closed": ("closed", "종료됨"),
    "for": ("{who} for {owner}", "{who} ({owner} 대신)"),
    "due": ("due {date}", "기한 {date}"),
    "overdue_by": (" · *overdue* by {span}", " · *{span} 지남*"),
    "no_due": ("has no due time", "기한 없음"),
    "is_overdue": ("is overdue by {span}", "기한이 {span} 지났습니다"),
    "is_due_in": ("is due in {span}", "기한까지 {span} 남았습니다"),
    "untitled_step": ("(untitled step)", "(제목 없는 단계)"),
    "untitled_incident": ("(untitled incident)", "(제목 없는 사건)"),
    "draft_head": ("*Draft* ({count})", "*초안* ({count})"),
    "draft_over": (
        "*Draft* ({count}, {over} over: needs a route)",
        "*초안* ({count}, {over}자 초과: 경로 필요)",
    ),
    "empty": ("(empty)", "(비어 있음)"),
    "more_findings": ("⚠️ …and {count} more findings", "⚠️ …외 {count}건"),
    "posts_one": ("post", "건"),
    "posts_many": ("posts", "건"),
    "point_by": ("by {date}", "{date}까지"),
    "points_raised_one": ("📋 {count} point raised", "📋 제기된 사항 {count}건"),
    "points_raised_many": ("📋 {count} points raised", "📋 제기된 사항 {count}건"),
    "points_head": (
        "*Points raised* ({count}, from {events} events read)",
        "*제기된 사항* ({count}건, 게시물 {events}건 분석)",
    ),
    "and_more": ("…and {count} more", "…외 {count}건"),
    "finished": ("Finished", "완료"),
    "waiting": ("Waiting", "대기"),
    "more_steps": (
        "…and {count} more steps to act on; they show here as others finish.",
        "…처리할 단계가 {count}개 더 있습니다. 다른 단계가 끝나면 여기에 나타납니다.",
    ),
    "incident_no": ("incident #{id}", "사건 #{id}"),
    "unknown_author": ("unknown author", "작성자 미상"),
    "followers": (" ({count} followers)", " (팔로워 {count}명)"),
    "view_post": ("view post", "게시물 보기"),
    "no_text": ("(no text)", "(내용 없음)"),
    "status_fact": ("Status: *{status}*", "상태: *{status}*"),
    "velocity": ("{rate}/min over 10 min", "최근 10분 분당 {rate}건"),
    "rules_fact": ("rules `{version}`", "규칙 `{version}`"),
    "updated": ("updated {date}", "갱신 {date}"),
    "open_steps": ("({count} open steps)", "(열린 단계 {count}개)"),
    "storm_level": ("storm level {level}", "폭주 단계 {level}"),
    "reply": (
        "{who} {verb} *{title}* (`{kind}`, now {status}) at {date}",
        "{who} 님이 *{title}* {verb} (`{kind}`, 현재 {status}) · {date}",
    ),
    "verb_complete": ("completed", "완료했습니다"),
    "verb_skip": ("skipped", "건너뛰었습니다"),
    "verb_reopen": ("reopened", "다시 열었습니다"),
    "verb_assign": ("took", "맡았습니다"),
    "verb_escalate": ("escalated", "상향 보고했습니다"),
    "verb_edit_draft": ("edited the draft of", "초안을 수정했습니다"),
    "verb_refresh": ("moved", "진행 상태를 바꿨습니다"),
    "verb_override_verification": (
        "🔴 chose to publish without verification after",
        "🔴 사실 확인 없이 게시하기로 했습니다:",
    ),
    "verb_outcome": ("recorded *{outcome}* on", "*{outcome}* 결과를 기록했습니다:"),
    "verb_changed": ("changed", "변경했습니다"),
    "nudge": (
        "{lead}: *{title}* on incident #{id} ({severity} {category}) {due}",
        "{lead}: 사건 #{id} ({severity} {category})의 *{title}* {due}",
    ),
    "reminder_for": ("⏰ Reminder for {who}", "⏰ {who} 님께 알림"),
    "escalated_to": ("🚨 Escalated to {lead}", "🚨 {lead}에게 상향 보고"),
    "no_lead": (
        "the incident lead (no lead group in the rules)",
        "사건 책임자 (규칙에 책임 그룹 없음)",
    ),
    "storm": (
        "🚨 Storm: incident #{id} ({category}) has {count} events, {rate}/min. {notify}"
        "The departments concerned convene now.",
        "🚨 폭주: 사건 #{id} ({category}) 게시물 {count}건, 분당 {rate}건. {notify}"
        "관련 부서는 지금 소집해 주세요.",
    ),
    "busy": (
        "📈 Busy story: incident #{id} ({category}) has {count} events, {rate}/min. "
        "For information; nobody is paged.",
        "📈 화제 집중: 사건 #{id} ({category}) 게시물 {count}건, 분당 {rate}건. "
        "참고용이며 아무도 호출하지 않습니다.",
    ),
    # modals
    "modal_context": ("Incident #{id} · *{title}* `{kind}`", "사건 #{id} · *{title}* `{kind}`"),
    "skip_title": ("Skip step", "단계 건너뛰기"),
    "cancel": ("Cancel", "취소"),
    "skip_why": ("Why skip this step?", "이 단계를 건너뛰는 이유는?"),
    "skip_hint": (
        "Everyone in the channel sees this in the card's thread.",
        "채널의 모두가 카드 스레드에서 이 내용을 봅니다.",
    ),
    "save_draft": ("Save draft", "초안 저장"),
    "reply_label": ("Reply", "답글"),
    "count_hint": (
        "{length}/{limit} characters as X counts them (CJK and emoji 2, links {tco})",
        "X 기준 {length}/{limit}자 (한중일 문자·이모지 2, 링크 {tco})",
    ),
    "over_limit": (
        "⚠️ *{over} characters over the {limit} limit.* Shorten it, or route it.",
        "⚠️ *{limit}자 제한을 {over}자 넘었습니다.* 줄이거나 경로를 고르세요.",
    ),
    "route_label": (
        "Too long for one post: where does the full answer go?",
        "게시물 하나로는 깁니다. 전체 답변은 어디로 보낼까요?",
    ),
    "route_blog_post": ("Blog post (official position)", "블로그 글 (공식 입장)"),
    "route_customer_service": (
        "Customer service (one customer's case)",
        "고객 서비스 (한 고객의 건)",
    ),
    "draft_missing": ("Write the reply before saving it.", "저장하기 전에 답글을 쓰세요."),
    "route_unknown": ("Choose one of the listed routes.", "목록의 경로 중 하나를 고르세요."),
    "route_needed": (
        "{over} characters over the {limit} limit: shorten the reply, "
        "or choose where the full answer goes.",
        "{limit}자 제한을 {over}자 넘었습니다. 답글을 줄이거나 전체 답변을 보낼 곳을 고르세요.",
    ),
    # answers to clicks and commands
    "not_changed": (
        "{message}\nNothing was changed; the card shows the current state.",
        "{message}\n아무것도 바뀌지 않았습니다. 카드에 현재 상태가 보입니다.",
    ),
    "stale": (
        "This card was out of date: *{title}* changed since it was shown (it is now {status}).",
        "카드가 최신이 아니었습니다: *{title}* 단계가 그 사이 바뀌었습니다 (현재 {status}).",
    ),
    "not_actionable": (
        "*{title}* cannot be acted on now: it is {status}.",
        "*{title}* 단계는 지금 처리할 수 없습니다: {status} 상태입니다.",
    ),
    "no_draft": ("*{title}* has no draft to edit.", "*{title}* 단계에는 수정할 초안이 없습니다."),
    "skip_reason_needed": ("Say why this step is skipped.", "건너뛰는 이유를 적어 주세요."),
    "not_a_number": ("`{word}` is not an incident number.", "`{word}`은(는) 사건 번호가 아닙니다."),
    "say_whom": (
        "Say whom: `/playbook assign ID @user`.",
        "누구인지 적어 주세요: `/playbook 배정 번호 @사람`.",
    ),
    "incident_now": ("Incident #{id} is {status}{owner}.", "사건 #{id}: {status}{owner}."),
    "owner_suffix": (", owner {who}", ", 담당 {who}"),
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


def status(word: str, language: str) -> str:
    """A step status (`pending`, `done`…) as the team reads it; unknown ones as written."""
    key = f"status_{word}"
    return say(key, language) if key in TEXTS else word


def verb(word: str) -> str | None:
    """The command a typed sub-command names (`목록` -> `list`), or None."""
    return VERBS.get(word.lower())
