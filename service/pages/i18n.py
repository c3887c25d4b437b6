"""The board's words in English and Korean; the viewer picks, a cookie remembers."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Request

LANG_COOKIE = "playbook_lang"
LANGUAGES = ("en", "ko")

TEXTS: dict[str, tuple[str, str]] = {
    "board": ("Board", "상황판"),
    "rules": ("Rules", "규칙"),
    "sign_out": ("Sign out", "로그아웃"),
    "sign_in": ("Sign in", "로그인"),
    "signin_intro": (
        "Sign in with the one-time link an admin gave you (playbook user invite EMAIL).",
        "관리자에게 받은 일회용 링크로 로그인하세요 (playbook user invite EMAIL).",
    ),
    "signin_confirm": ("Continue signing in as this link's person", "이 링크로 로그인 계속"),
    "open_incidents": ("Incidents", "사건"),
    "severity": ("Severity", "심각도"),
    "status": ("Status", "상태"),
    "category": ("Category", "분류"),
    "channel": ("Channel", "채널"),
    "search": ("Search", "검색"),
    "filter": ("Filter", "필터"),
    "any": ("any", "전체"),
    "title": ("Title", "제목"),
    "events": ("Events", "게시물"),
    "velocity": ("Last 30 min", "최근 30분"),
    "next_step": ("Next step", "다음 단계"),
    "owner": ("Owner", "담당"),
    "due": ("Due", "기한"),
    "age": ("Age", "경과"),
    "overdue": ("overdue", "기한 초과"),
    "none_open": ("No incidents match.", "해당하는 사건이 없습니다."),
    "timeline": ("Timeline", "경과 기록"),
    "volume": ("Volume per minute", "분당 게시물"),
    "steps": ("Steps", "단계"),
    "draft": ("Draft", "초안"),
    "lint": ("Apology check", "사과문 점검"),
    "complete": ("Complete", "완료"),
    "skip": ("Skip", "건너뛰기"),
    "reason": ("reason", "사유"),
    "reopen": ("Reopen", "다시 열기"),
    "assign": ("Assign", "배정"),
    "escalate": ("Escalate", "상향 보고"),
    "save_draft": ("Save draft", "초안 저장"),
    "outcome": ("Outcome", "결과"),
    "report": ("After-action report", "사후 보고서"),
    "refused": ("Refused", "거부됨"),
    "who": ("Who", "누가"),
    "when": ("When", "언제"),
    "what": ("What", "무엇"),
    "time_to": ("Time to", "소요 시간"),
    "sla": ("Deadlines met", "기한 준수"),
    "escalations": ("Escalations", "상향 보고"),
    "who_did_what": ("Who did what", "담당자별 조치"),
    "published": ("Published texts", "게시된 글"),
    "read_only": ("You may read; acting needs the responder role.", "읽기 전용입니다."),
    "first_response": ("first response", "첫 대응"),
    "verification": ("verification", "사실 확인"),
    "apology_or_correction": ("apology or correction", "사과 또는 정정"),
    "action_plan": ("action plan", "조치 계획"),
    "not_yet": ("not yet", "아직"),
    "met": ("met", "준수"),
    "missed": ("missed", "초과"),
    "playground": ("Rules playground", "규칙 실험실"),
    "in_force": ("In force", "적용 중"),
    "saved": ("Saved", "저장됨"),
    "save": ("Save", "저장"),
    "save_refused": (
        "Not saved: the draft has problems; the rules in force stay.",
        "저장하지 않았습니다: 초안에 문제가 있어 기존 규칙이 계속 적용됩니다.",
    ),
    "try_post": ("Try a post", "게시물로 시험"),
    "stored_post": ("A stored post", "저장된 게시물"),
    "paste_post": ("Paste a post's text or its JSON", "게시물 본문이나 JSON을 붙여 넣으세요"),
    "preview": ("Preview", "미리 보기"),
    "dry_run": ("Dry run over history", "과거 게시물로 시험"),
    "last_posts": ("Last posts", "최근 게시물 수"),
    "versions": ("Saved versions", "저장된 버전"),
    "version": ("Version", "버전"),
    "compare": ("Compare", "비교"),
    "no_versions": ("Nothing saved here yet.", "아직 저장된 버전이 없습니다."),
    "diff_heading": ("This version → the rules in force", "이 버전 → 적용 중인 규칙"),
    "same_text": ("The same text as the rules in force.", "적용 중인 규칙과 같습니다."),
    "rollback": ("Roll back to this version", "이 버전으로 되돌리기"),
    "draft_rules": ("Draft", "초안"),
}


def language(request: Request) -> str:
    """The cookie's choice, else the browser's first language if we have it, else English."""
    chosen = request.cookies.get(LANG_COOKIE)
    if chosen in LANGUAGES:
        return chosen
    accept = request.headers.get("accept-language", "")
    return "ko" if accept.lower().startswith("ko") else "en"


def translator(lang: str) -> Callable[[str], str]:
    index = LANGUAGES.index(lang) if lang in LANGUAGES else 0

    def t(key: str) -> str:
        pair = TEXTS.get(key)
        return pair[index] if pair else key

    return t
