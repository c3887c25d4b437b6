"""Keyword lists: substrings in Korean words, whole Latin words, spaced-out obfuscation."""

from __future__ import annotations

import pytest

from playbook.text.keywords import MAX_CHARS, KeywordSet


def test_korean_terms_match_inside_words() -> None:
    words = KeywordSet(["사과", "환불"])
    assert words.find("정말 사과드립니다") == ["사과"]
    assert words.find("환불해주세요 사과도 하고") == ["사과", "환불"]
    assert words.hits("환불은요?")
    assert not words.hits("교환해주세요")


def test_matching_ignores_case_and_width() -> None:
    words = KeywordSet(["Hanbit", "LTE"])
    assert words.find("ＨＡＮＢＩＴ lte 느려요") == ["Hanbit", "LTE"]


def test_terms_come_back_in_list_order_once_each() -> None:
    words = KeywordSet(["b", "a", "b", " ", ""])
    assert words.terms == ("b", "a")
    assert words.find("a a a b b") == ["b", "a"]


def test_nested_and_overlapping_terms_are_all_found() -> None:
    words = KeywordSet(["사과", "사과문", "과문", "문을"])
    assert words.find("사과문을 올렸다") == ["사과", "사과문", "과문", "문을"]


def test_substring_by_default_for_latin_too() -> None:
    assert KeywordSet(["ass"]).find("first class") == ["ass"]


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("first class service", []),
        ("assessment", []),
        ("you ASS.", ["ass"]),
        ("ass!", ["ass"]),
        ("진짜ass같네", ["ass"]),
        ("ass2", []),
        ("2ass", []),
    ],
)
def test_word_boundary_keeps_latin_terms_whole(text: str, found: list[str]) -> None:
    assert KeywordSet(["ass"], word_boundary=True).find(text) == found


def test_word_boundary_leaves_korean_as_substring() -> None:
    words = KeywordSet(["사과", "is it true", "5G"], word_boundary=True)
    assert words.find("사과드립니다") == ["사과"]
    assert words.find("IS IT TRUE that they are closing?") == ["is it true"]
    assert words.find("this it true") == []
    assert words.find("5G가 안 터져요") == ["5G"]
    assert words.find("15G 요금제") == []


def test_word_boundary_checks_only_latin_edges_of_mixed_terms() -> None:
    words = KeywordSet(["갤럭시 s24"], word_boundary=True)
    assert words.hits("새 갤럭시 s24 배터리")
    assert words.hits("새갤럭시 s24")
    assert not words.hits("갤럭시 s245")


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("시 . 발 진짜", ["시발"]),
        ("시🔥발", ["시발"]),
        ("ㅅ ㅂ", ["ㅅㅂ"]),
        ("s.h.i.t", ["shit"]),
        ("S H I T!!", ["shit"]),
        ("sh.it", ["shit"]),
        ("go  to   hell", ["go to hell"]),
        ("gotohell", ["go to hell"]),
        ("this hit me", []),
        ("I wish it worked", []),
        ("회사 과장님", []),
        ("3시 발표", []),
        ("s.h.i.tty", []),
        ("class", []),
    ],
)
def test_compact_catches_spaced_words_but_not_words_run_together(
    text: str, found: list[str]
) -> None:
    words = KeywordSet(
        ["시발", "ㅅㅂ", "shit", "go to hell", "사과", "ass"], word_boundary=True, compact=True
    )
    assert words.find(text) == found


def test_compact_is_opt_in() -> None:
    assert KeywordSet(["시발"]).find("시 발") == []
    assert KeywordSet(["시발"], compact=True).find("시 발") == ["시발"]


def test_emoji_terms_match_with_or_without_variation_selector() -> None:
    words = KeywordSet(["❤️", "👍"])
    assert words.find("최고 ❤") == ["❤️"]
    assert words.find("👍👍 ❤️") == ["❤️", "👍"]


def test_terms_that_are_only_punctuation() -> None:
    words = KeywordSet(["?", "!!"], word_boundary=True, compact=True)
    assert words.find("되나요?") == ["?"]
    assert words.find("되나요") == []


def test_empty_list_never_hits() -> None:
    assert KeywordSet([]).find("anything") == []
    assert not KeywordSet([], compact=True).hits("anything")


def test_hundreds_of_terms() -> None:
    terms = [f"단어{i}번" for i in range(400)] + [f"word{i}x" for i in range(400)]
    words = KeywordSet(terms, word_boundary=True, compact=True)
    text = "여기 단어17번 그리고 word399x, 단어 3 9 9 번 끝 " + "잡담 " * 10_000
    assert words.find(text) == ["단어17번", "단어399번", "word399x"]


def test_two_million_characters() -> None:
    words = KeywordSet(["환불", "refund", "시발"], word_boundary=True, compact=True)
    filler = "요금 문의 class assessment 시 간 " * 80_000
    assert len(filler) > 2_000_000
    assert words.find("환불 refund " + filler) == ["환불", "refund"]
    # Matching looks at the first MAX_CHARS characters only: bounded work per list.
    assert words.find(filler[: MAX_CHARS - 10] + " 시발 " + filler) == ["시발"]
    assert words.find(filler + "환불") == []
