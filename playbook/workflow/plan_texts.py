"""The action plan's words in Korean and English: what each team will do, and the frame of
the public summary. Code defaults until rules.yaml `experts:` can say them (editable drafts)."""

from __future__ import annotations

ACTIONS: dict[str, dict[str, str]] = {
    "billing": {
        "ko": "청구 내역 점검 및 잘못 청구된 금액 환불",
        "en": "Review the charges and refund any overcharge",
    },
    "network": {
        "ko": "장애 원인 조사 및 재발 방지",
        "en": "Investigate and fix the outage, and prevent a repeat",
    },
    "devices": {
        "ko": "결함 원인 조사 및 수리·교체",
        "en": "Investigate the defect and repair or replace affected devices",
    },
    "app": {"ko": "오류 수정 및 업데이트 배포", "en": "Fix the bug and ship an update"},
    "store": {
        "ko": "매장 응대 점검 및 직원 교육",
        "en": "Review how stores handled it and retrain staff",
    },
    "delivery": {
        "ko": "배송 지연 원인 확인 및 일정 안내",
        "en": "Find the cause of the delays and confirm delivery dates",
    },
    "finance_ir": {
        "ko": "사실 확인 후 공시·공식 입장 발표",
        "en": "Confirm the facts and publish the official position",
    },
    "safety": {
        "ko": "안전 점검 및 필요한 제품 회수·교체",
        "en": "Run a safety review and recall or replace affected products",
    },
    "legal": {
        "ko": "법무 검토 후 공식 입장 발표",
        "en": "Complete the legal review and publish our position",
    },
    "privacy": {
        "ko": "유출 경위 조사, 피해 고객 개별 안내 및 보호 조치",
        "en": "Investigate the breach, notify affected customers and protect their data",
    },
    "hr": {"ko": "사실 확인 후 내부 조치 공유", "en": "Confirm the facts and share what we change"},
}
GENERIC_ACTION = {
    "ko": "원인 조사 및 재발 방지",
    "en": "Investigate and fix the cause, and prevent a repeat",
}
GENERAL_LABEL = {"ko": "기타 의견", "en": "Other concerns"}
GENERAL_TEAM = {"ko": "담당 부서", "en": "the team responsible"}
FRAME = {
    "ko": ("조치 계획을 알려드립니다.", "진행 상황은 이 계정에서 계속 알려드리겠습니다."),
    "en": ("Our action plan:", "We will post progress here."),
}
