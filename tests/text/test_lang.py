"""Language by script share: Hangul syllables and jamo are Korean, links do not count."""

from __future__ import annotations

import pytest

from playbook.text import lang


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("요금이 두 배로 나왔어요", "ko"),
        ("ㅋㅋㅋㅋ", "ko"),
        ("ㅅㅂ 진짜", "ko"),
        ("ㅠㅠ", "ko"),
        ("hanbit 인터넷 또 먹통", "ko"),
        ("Galaxy S24 배터리 폭발했다는 소문", "ko"),
        ("@hanbit_telecom @hanbit_care 환불 https://t.co/AbCdEfGhIj", "ko"),
        ("The network is down again", "en"),
        ("I love 김치 and my phone", "en"),
        ("Café crème, très cher", "en"),
        ("ＦＵＬＬＷＩＤＴＨ", "en"),
        ("ネットが遅い", "other"),
        ("Интернет не работает", "other"),
        ("网络又断了", "other"),
        ("😂😂😂 !!!", "unknown"),
        ("12,000 2026-11-22 ✅", "unknown"),
        ("https://t.co/abc @hanbit", "unknown"),
        ("", "unknown"),
    ],
)
def test_detect(text: str, expected: str) -> None:
    assert lang.detect(text) == expected


def test_korean_share_threshold() -> None:
    # Three Hangul among ten letters is Korean; two among ten is not.
    assert lang.detect("가나다 abcdefg") == "ko"
    assert lang.detect("가나 abcdefgh") == "en"


def test_two_million_characters() -> None:
    assert lang.detect("요금 폭탄 " * 400_000) == "ko"
    assert lang.detect("bill shock " * 200_000) == "en"
    assert lang.detect("🔥" * 2_000_000) == "unknown"
