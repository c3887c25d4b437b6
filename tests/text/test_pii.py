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
        # Korean bank formats need no bank word: 3-3-6, 3-2-6, 3-6-5, 4-2-7, 6-2-6.
        ("110-987-654321 로 보내주세요", "bank_account"),
        ("환불은 302-12-345678", "bank_account"),
        ("123-456789-12345 여기요", "bank_account"),
        ("3333-01-1234567 부탁해요", "bank_account"),
        ("123456-01-123456", "bank_account"),
        # A digit run is an account when money is to be sent to it.
        ("110987654321 로 보내주세요", "bank_account"),
        ("please transfer it to 1234567890123", "bank_account"),
        ("send it to 110987654321", "bank_account"),
        ("연락은 https://call.example.com/u/010-2345-6789 로", "phone"),
        ("https://x.example.com/contact?phone=01012345678", "phone"),
        ("tel:+82-10-1234-5678", "phone"),
        ("서울시 강남구 테헤란로 123", "address"),
        ("서울특별시 종로구 세종대로 175 입니다", "address"),
        ("주소는 서울 마포구 성산로 12길 34, 101동 경비실", "address"),
        ("경기도 용인시 수지구 풍덕천로 112, 103동 1502호입니다", "address"),
        ("강남구 역삼동 123-45 로 와주세요", "address"),
        ("역삼동 737번지", "address"),
        ("래미안아파트 101동 1203호", "address"),
        ("우리집 101동 1203호 인데요", "address"),
        ("send the engineer to 742 Evergreen Terrace", "address"),
        ("I live at 221B Baker Street, London", "address"),
        ("1600 Pennsylvania Ave NW", "address"),
        ("deliver to 55 W 42nd St Apt 5B please", "address"),
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
        ("110-987-654321 로 보내주세요", "110-987-654321"),
        ("see https://call.example.com/u/010-2345-6789 now", "010-2345-6789"),
        ("주소는 서울 마포구 성미산로 17, 402호입니다", "서울 마포구 성미산로 17, 402호"),
        ("래미안아파트 101동 1203호 로 와주세요", "래미안아파트 101동 1203호"),
        ("to 742 Evergreen Terrace Apt 5 asap", "742 Evergreen Terrace Apt 5"),
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
        # Not accounts: a business number, an ISBN, a date-and-time, a digit run with no verb.
        "사업자등록번호 123-45-67890",
        "ISBN 978-89-123456-7",
        "2026-11-22 15:30에 송금했어요",
        "55,000원 이체했는데 안 됐어요",
        "트윗 1234567890123 참고",
        "배송조회 123456789012 보냈다고 하는데",
        # Not addresses: a road word used as "to", a time, a count, a price, a subway line.
        "다시 고객센터로 3번 전화했어요",
        "다시 집으로 3시간 걸려요",
        "친구 회사로 2 번 갔어요",
        "가입시 카드로 5만원 결제",
        "요즘 강남구 집값 1억",
        "2호선 타고 왔어요",
        "우리 동네 101동 엘리베이터 고장",
        "강남역 11번 출구 앞",
        "I waited 3 hours on the road",
        "Top 10 Things about Main Street",
        "2 Google Drive accounts",
        "5G coverage on Highway 1 is bad",
        "https://maps.example.com/서울시/강남구/테헤란로/123",
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


def test_order_number_keeps_its_kind_in_a_bank_shape() -> None:
    assert pii.kinds("주문번호 110-987-654321 아직이요") == {"order_number"}


def test_phone_in_a_bank_shape_is_found_once() -> None:
    assert pii.find("010-1234-5678 로 보내주세요") == [pii.PiiMatch("phone", 0, 13)]


def test_bare_digits_in_a_link_are_not_a_phone() -> None:
    assert pii.find("https://t.co/abc?ref=01012345678&id=010-1234") == []


def test_redact_all_reaches_every_string() -> None:
    raw = {
        "text": "안녕하세요",
        "url": "https://example.com/?to=kim@example.com",
        "author": {"name": "010-9876-5432", "followers": 3, "verified": False},
        "mentions": ["hanbit", "lee@example.org"],
        "hints": {"contact": "서울시 강남구 테헤란로 123"},
    }
    assert pii.redact_all(raw) == {
        "text": "안녕하세요",
        "url": "https://example.com/?to=[redacted:email]",
        "author": {"name": "[redacted:phone]", "followers": 3, "verified": False},
        "mentions": ["hanbit", "[redacted:email]"],
        "hints": {"contact": "[redacted:address]"},
    }


def test_a_link_with_personal_data_is_dropped() -> None:
    assert pii.link_without_personal_data("https://example.com/?to=kim@example.com") is None
    assert pii.link_without_personal_data("https://x.example.com/u/010-1234-5678") is None
    kept = "https://twitter.com/someone/status/1790000000000000001"
    assert pii.link_without_personal_data(kept) == kept
    assert pii.link_without_personal_data(None) is None


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
