"""Personal data is found, named and redacted; ordinary numbers are left alone."""

from __future__ import annotations

import pytest

from playbook.text import pii


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("연락처 010-1234-5678로 전화주세요", "phone"),
        ("call me on +82 10 9876 5432", "phone"),
        ("+821012345678", "phone"),
        ("+82-2-345-6789 사무실", "phone"),
        ("사무실 02-345-6789", "phone"),
        ("(02) 345-6789", "phone"),
        ("010.1234.5678 문자 주세요", "phone"),
        ("번호01012345678임", "phone"),
        ("011-123-4567", "phone"),
        ("031 123 4567", "phone"),
        ("070-1234-5678", "phone"),
        ("주민번호 900101-1234567 입니다", "rrn"),
        ("주민번호 0501304123456", "rrn"),
        ("900101 1234567", "rrn"),
        ("2000년 윤년 000229-3123456", "rrn"),
        ("외국인 850615-5123456", "rrn"),
        ("card 4111 1111 1111 1111 charged twice", "card"),
        ("카드번호 5500-0000-0000-0004", "card"),
        ("4111111111111111로 결제", "card"),
        ("amex 3782 822463 10005", "card"),
        ("mastercard 2221000000000009", "card"),
        ("환불 계좌 신한 110-123-456789 로 부탁", "bank_account"),
        ("my account 1234567890123 please", "bank_account"),
        ("카카오뱅크 3333-01-1234567", "bank_account"),
        ("국민 123456-01-123456 입금해주세요", "bank_account"),
        ("110-123-456789 (신한)으로 보내주세요", "bank_account"),
        ("Acct: 1002-123-456789", "bank_account"),
        ("메일 hong.gildong@example.co.kr 로 보내주세요", "email"),
        ("문의는abc+cs@naver.com로", "email"),
        ("MAIL ME: Kim.Lee@Example.COM.", "email"),
        ("주문번호: A2026112300123 아직 안 왔어요", "order_number"),
        ("주문 번호는 20241115-0001234입니다", "order_number"),
        ("order #HB-99812345 never arrived", "order_number"),
        ("Order No. 12345 is late", "order_number"),
        ("order number: 7741-AB", "order_number"),
        ("번호이동 예약번호 HB-MNP-2026-118274 입니다", "order_number"),
        ("접수번호: 2026-1122 로 접수됐대요", "order_number"),
        ("Cancellation ref C-2026-091144. Please fix this", "order_number"),
        ("Account is under my name, contract #HT-88213045", "order_number"),
        ("ticket no. 55102 still open", "order_number"),
    ],
)
def test_finds_each_kind(text: str, kind: str) -> None:
    assert pii.kinds(text) == {kind}
    redacted = pii.redact(text)
    assert f"[redacted:{kind}]" in redacted


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("연락처 010-1234-5678로", "010-1234-5678"),
        ("call +82 10 9876 5432 now", "+82 10 9876 5432"),
        ("계좌 110-123-456789 로", "110-123-456789"),
        ("주문번호: A2026112300123 아직", "A2026112300123"),
        ("order #HB-99812345 never", "HB-99812345"),
        ("메일 kim@example.com.", "kim@example.com"),
    ],
)
def test_match_covers_exactly_the_data(text: str, found: str) -> None:
    [match] = pii.find(text)
    assert text[match.start : match.end] == found


@pytest.mark.parametrize(
    "text",
    [
        "요금이 55,000원이나 나왔어요",
        "1,010,000원 결제됨",
        "2026-11-22 부터 계속 끊겨요",
        "2026.11.22 15:30 장애",
        "https://twitter.com/someone/status/1790000000000000001",
        "https://t.co/abc?ref=01012345678",
        "트윗 1790000000000000001 참고",
        "팔로워 12000명, 리트윗 340회",
        "followers: 1,234,567",
        "4111 1111 1111 1112 is not a valid card",
        "주민번호 901399-1234567 같은 건 없죠",
        "주민번호 900230-1234567 같은 날은 없죠",
        "900101-9234567",
        "in 2026 we had 3 outages",
        "고객센터 1588-1234",
        "pi is 3.14159265358979323",
        "v1.010.12345678",
        "tel 010-1234-5678-9",
        "우리 2026-11-22에 가입했어요",
        "계좌 문제로 3번 전화함",
        "order now please",
        "order number: pending",
        "the contract was 24 months and I stayed 25",
        "thanks for the referral 2 weeks ago",
        "see the reference 3 times",
        "예약번호 알려주세요",
        "주문번호 알려드릴게요",
        "kim@localhost",
    ],
)
def test_ordinary_numbers_are_not_personal_data(text: str) -> None:
    assert pii.find(text) == []
    assert pii.redact(text) == text


def test_several_kinds_in_one_post() -> None:
    text = "010-2222-3333 / kim@example.com / 주문번호 ORD12345678"
    assert pii.kinds(text) == {"phone", "email", "order_number"}
    assert pii.redact(text) == (
        "[redacted:phone] / [redacted:email] / 주문번호 [redacted:order_number]"
    )


def test_matches_come_in_text_order() -> None:
    text = "kim@example.com 그리고 010-1234-5678 그리고 lee@example.com"
    found = pii.find(text)
    assert [m.kind for m in found] == ["email", "phone", "email"]
    assert [m.start for m in found] == sorted(m.start for m in found)


def test_overlap_goes_to_the_longest_match() -> None:
    # The phone number is also the start of the address: the address wins.
    assert pii.kinds("01012345678@example.com") == {"email"}


def test_overlap_of_equal_spans_goes_to_the_more_specific_kind() -> None:
    # With an account word nearby the number could be an account; a phone number is likelier.
    assert pii.kinds("우리 집 010-1234-5678") == {"phone"}
    assert pii.kinds("국민 4111-1111-1111-1111") == {"card"}
    assert pii.kinds("계좌 900101-1234567") == {"rrn"}


def test_email_inside_a_link_is_still_found() -> None:
    assert pii.kinds("https://example.com/contact?to=kim@example.com") == {"email"}


def test_redact_without_personal_data_returns_the_same_text() -> None:
    assert pii.redact("그냥 불만입니다") == "그냥 불만입니다"
    assert pii.redact("") == ""


def test_two_million_characters() -> None:
    text = "가나다라 " * 400_000 + " 010-1234-5678"
    assert len(text) > 2_000_000
    assert pii.kinds(text) == {"phone"}
    assert pii.redact(text).endswith("[redacted:phone]")


def test_two_million_characters_of_digits_and_near_misses() -> None:
    text = "1" * 1_000_000 + " 4111 1111 1111 1112 2026-11-22 a@" * 30_000 + "kim@example.com"
    assert len(text) > 2_000_000
    found = pii.find(text)
    assert [(m.kind, text[m.start : m.end]) for m in found] == [("email", "kim@example.com")]
