"""Personal data is found, named and redacted; ordinary numbers are left alone."""

from __future__ import annotations

import pytest

from playbook.text import pii


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("연락처 010-1234-5678로 전화주세요", "phone"),
        ("call me on +82 10 9876 5432", "phone"),
        ("사무실 02-345-6789", "phone"),
        ("주민번호 900101-1234567 입니다", "rrn"),
        ("주민번호 0501304123456", "rrn"),
        ("card 4111 1111 1111 1111 charged twice", "card"),
        ("카드번호 5500-0000-0000-0004", "card"),
        ("환불 계좌 신한 110-123-456789 로 부탁", "bank_account"),
        ("my account 1234567890123 please", "bank_account"),
        ("메일 hong.gildong@example.co.kr 로 보내주세요", "email"),
        ("주문번호: A2026112300123 아직 안 왔어요", "order_number"),
        ("order #HB-99812345 never arrived", "order_number"),
    ],
)
def test_finds_each_kind(text: str, kind: str) -> None:
    assert pii.kinds(text) == {kind}
    redacted = pii.redact(text)
    assert f"[redacted:{kind}]" in redacted


@pytest.mark.parametrize(
    "text",
    [
        "요금이 55,000원이나 나왔어요",
        "2026-11-22 부터 계속 끊겨요",
        "https://twitter.com/someone/status/1790000000000000001",
        "팔로워 12000명, 리트윗 340회",
        "4111 1111 1111 1112 is not a valid card",
        "주민번호 901399-1234567 같은 건 없죠",
        "in 2026 we had 3 outages",
    ],
)
def test_ordinary_numbers_are_not_personal_data(text: str) -> None:
    assert pii.find(text) == []
    assert pii.redact(text) == text


def test_several_kinds_in_one_post() -> None:
    text = "010-2222-3333 / kim@example.com / 주문번호 ORD12345678"
    assert pii.kinds(text) == {"phone", "email", "order_number"}
    assert "010" not in pii.redact(text) and "kim@" not in pii.redact(text)


def test_two_million_characters() -> None:
    text = "가나다라 " * 400_000 + " 010-1234-5678"
    assert len(text) > 2_000_000
    assert pii.kinds(text) == {"phone"}
    assert pii.redact(text).endswith("[redacted:phone]")
