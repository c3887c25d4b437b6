"""Slack's catalogue: every text in both languages, with the same fields to fill."""

from __future__ import annotations

import string

import pytest
from pydantic import ValidationError

from playbook.actions.slack.texts import TEXTS, say, verb
from playbook.rules.source.model import Organisation


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("key", sorted(TEXTS))
def test_every_text_has_both_languages_with_the_same_fields(key: str) -> None:
    english, korean = TEXTS[key]
    assert english and korean and english != korean
    assert fields(english) == fields(korean)


def test_say_fills_in_and_falls_back_to_english() -> None:
    assert say("no_incident", "ko", id=7) == "#7 사건이 없습니다."
    assert say("no_incident", "en", id=7) == "No incident #7."
    assert say("no_incident", "fr", id=7) == "No incident #7."


def test_korean_and_english_sub_commands() -> None:
    assert [verb(w) for w in ("목록", "보기", "상태", "LIST", "Show", "도움말")] == [
        "list",
        "show",
        "status",
        "list",
        "show",
        "help",
    ]
    assert [verb(w) for w in ("해결", "종료", "다시열기", "배정")] == [
        "resolve",
        "close",
        "reopen",
        "assign",
    ]
    assert verb("삭제") is None


def test_organisation_language_is_ko_or_en_and_english_by_default() -> None:
    assert Organisation(name="Acme").language == "en"
    assert Organisation(name="Acme", language="ko").language == "ko"
    with pytest.raises(ValidationError):
        Organisation(name="Acme", language="fr")  # type: ignore[arg-type]
