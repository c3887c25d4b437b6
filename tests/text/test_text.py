"""Language by script, keyword lists inside Korean words, regex safety, the apology linter."""

from __future__ import annotations

import pytest

from playbook.text import apology_lint, lang, regex_safety
from playbook.text.keywords import KeywordSet
from playbook.text.normalize import for_similarity


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("요금이 두 배로 나왔어요", "ko"),
        ("ㅋㅋㅋㅋ", "ko"),
        ("hanbit 인터넷 또 먹통", "ko"),
        ("The network is down again", "en"),
        ("😂😂😂 !!!", "unknown"),
        ("ネットが遅い", "other"),
    ],
)
def test_language(text: str, expected: str) -> None:
    assert lang.detect(text) == expected


def test_korean_substrings_and_english_word_boundaries() -> None:
    words = KeywordSet(["사과", "ass", "is it true"], word_boundary=True)
    assert words.find("정말 사과드립니다") == ["사과"]
    assert words.find("first class service") == []
    assert words.find("you ASS.") == ["ass"]
    assert words.hits("IS IT TRUE that they are closing?")


def test_compact_matching_catches_spaced_korean_but_not_latin_across_words() -> None:
    words = KeywordSet(["시발", "shit"], word_boundary=True, compact=True)
    assert words.find("시 . 발 진짜") == ["시발"]
    assert words.find("this hit me") == []


def test_keywords_on_two_million_characters() -> None:
    words = KeywordSet(["환불"])
    assert words.hits("가" * 2_000_000 + "환불") is False  # past the matched prefix
    assert words.hits("환불" + "가" * 2_000_000) is True


def test_similarity_text_drops_noise() -> None:
    assert for_similarity("RT @someone: 한빛 파산설 #한빛 https://t.co/x 😱 2026") == "한빛 파산설"


@pytest.mark.parametrize("pattern", ["(a+)+", "(a*)*", r"(\w+\s?)+", "(.*)*", r"(\d|\d\d)+"])
def test_catastrophic_patterns_are_refused(pattern: str) -> None:
    assert regex_safety.check(pattern)


@pytest.mark.parametrize(
    "pattern", [r"^\d{3}-\d{4}$", "환불(해|좀)", "(?i)is it true", "[가-힣](설|썰)(이|은|\\s|$)"]
)
def test_ordinary_patterns_pass(pattern: str) -> None:
    assert regex_safety.check(pattern) == []


@pytest.mark.parametrize(
    ("text", "language", "codes"),
    [
        ("불편을 드렸다면 죄송합니다.", "ko", {"hedge", "no_action"}),
        ("고객님의 부주의로 발생한 문제입니다. 오늘 안내드리겠습니다.", "ko", {"blames_customer"}),
        ("We regret any inconvenience caused.", "en", {"hedge", "no_action"}),
        (
            "Sorry if anyone was offended. You should have read the manual.",
            "en",
            {"hedge", "blames_customer", "no_action"},
        ),
        (
            "@kim님, 저희 잘못이 맞습니다. 진심으로 사과드립니다. 오늘 6시까지 환불하겠습니다.",
            "ko",
            set(),
        ),
        ("We got this wrong and we are sorry. We will refund you by 6pm today.", "en", set()),
    ],
)
def test_apology_linter(text: str, language: str, codes: set[str]) -> None:
    assert {f.code for f in apology_lint.lint(text, language)} == codes
