"""Folding, the similarity view of a post, and compacting for obfuscated words."""

from __future__ import annotations

import pytest

from playbook.text.normalize import compact, fold, for_similarity, strip_links, strip_rt_prefix


def test_fold_ignores_case_and_width() -> None:
    assert fold("ＨＡＮＢＩＴ Telecom") == "hanbit telecom"
    assert fold("Straße") == "strasse"
    assert fold("한빛") == "한빛"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("RT @kim: 한빛 파산설", "한빛 파산설"),
        ("RT @kim: RT @lee_2: 한빛 파산설", "한빛 파산설"),
        ("rt@kim 한빛 파산설", "한빛 파산설"),
        ("ART @kim: 그림", "ART @kim: 그림"),
        ("한빛 파산설 RT @kim", "한빛 파산설 RT @kim"),
    ],
)
def test_only_leading_rt_prefixes_are_dropped(text: str, expected: str) -> None:
    assert strip_rt_prefix(text) == expected


def test_links_and_handles_are_blanked() -> None:
    assert strip_links("@Hanbit_Care 보세요 https://t.co/AbC www.example.com/x").split() == [
        "보세요"
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("RT @someone: 한빛 파산설 #한빛 https://t.co/x 😱 2026", "한빛 파산설"),
        ("@hanbit_care   요금이   두 번!!! 🙄🙄 나왔어요 #최악", "요금이 두 번 나왔어요"),
        ("The NETWORK is down (again) 3rd time...", "the network is down again rd time"),
        ("메일은 kim@example.com 입니다", "메일은 kim example com 입니다"),
        ("😂😂😂 123 !!!", ""),
        ("under_score", "under score"),
    ],
)
def test_for_similarity_keeps_only_words(text: str, expected: str) -> None:
    assert for_similarity(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("시 발", "시발"),
        ("s.h.i.t", "shit"),
        ("S-H-I-T!!", "shit"),
        ("시🔥발", "시발"),
        ("5 G", "5g"),
        ("under_score", "underscore"),
    ],
)
def test_compact_drops_spaces_punctuation_and_emoji(text: str, expected: str) -> None:
    assert compact(text) == expected


def test_long_input_is_normalised_whole() -> None:
    text = "RT @a: " + "가나다 #태그 http://x.y/z 😀 " * 200_000
    assert for_similarity(text) == " ".join(["가나다"] * 200_000)
