"""Personal data in posts: find it, name its kind, and redact it wherever text is shown."""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any


@dataclass(frozen=True)
class PiiMatch:
    kind: str
    start: int
    end: int


# Where kinds overlap the longer match wins; on a tie, the kind listed first: an order number
# (its word right before it) is likelier than an account number of the same shape.
KINDS = ("rrn", "card", "email", "phone", "order_number", "bank_account", "address")
_RANK = {kind: rank for rank, kind in enumerate(KINDS)}

# A number must stand on its own: not glued to letters or digits, not the tail of a longer
# dashed or dotted number, a decimal, a price ("1,010") or a URL path ("/status/0101...").
# Hangul may touch it on either side: "번호010-1234-5678로".
_START = r"(?<![\dA-Za-z_./=,+-])"
_END = r"(?![\dA-Za-z_]|[.,/-]\d)"

_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_RRN = re.compile(_START + r"(\d\d)(0[1-9]|1[0-2])(\d\d)(?: ?- ?| )?([1-8])\d{6}" + _END)
_CARD = re.compile(
    _START + r"(?:\d{13,19}|\d{4}([ -])(?:\d{4}\1\d{4}\1\d{4}(?:\1\d{3})?|\d{6}\1\d{4,5}))" + _END
)
_EMAIL = re.compile(
    r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
    r"(?![A-Za-z0-9-])"
)
# Mobile 010/011/016-019, Seoul 02, regional 031-064, internet phones 070; "+82" drops the 0.
_AREA = r"(?:1[016-9]|2|3[1-3]|4[1-4]|5[1-5]|6[1-4]|70)"
_PHONE = re.compile(
    _START + r"(?:\+82[ .-]?(?:\(0\))?|\(?0)" + _AREA + r"\)?[ .-]?\d{3,4}[ .-]?\d{4}" + _END
)
# Inside a link only dashed numbers, or a number after a phone key, are phones: bare digit
# runs there are ids and tracking codes far more often ("?ref=01012345678" stays).
_LINK_PHONE = re.compile(
    r"(?<![\dA-Za-z])(?:\+82-?|0)" + _AREA + r"-\d{3,4}-\d{4}(?![\dA-Za-z])"
    r"|(?i:tel:|(?:tel|phone|mobile|hp|cell)[a-z_]*=)"
    r"((?:\+?82-?|0)" + _AREA + r"-?\d{3,4}-?\d{4})(?![\dA-Za-z])"
)
# The dashed shapes Korean banks print (3-2-6, 3-3-6, 3-6-5, 4-2-7, 6-2-6) need no bank word.
_ACCOUNT_SHAPE = re.compile(
    _START + r"(?:\d{3}-\d{2,3}-\d{6}|\d{3}-\d{6}-\d{5}|\d{4}-\d{2}-\d{7}|\d{6}-\d{2}-\d{6})" + _END
)
_ACCOUNT_DIGITS = re.compile(_START + r"(?:\d{2,6}(?:-\d{2,8}){1,3}|\d{10,14})" + _END)
_ACCOUNT_CONTEXT = re.compile(  # a bank word, or a verb that sends money to a number
    r"계좌|통장|입금|이체|송금|보내|부쳐|은행|국민|신한|우리|하나|농협|기업|카카오뱅크|케이뱅크|"
    r"토스|새마을|우체국|수협|account|acct|bank|send|sent|transfer|wire",
    re.IGNORECASE,
)
# Korean addresses: [시/도] 시/군/구 [동] road 로/길 number; [구] 동/리/가 number [번지];
# [complex] N동 N호. English: number, capitalised street name, street type, [apt/unit].
_SIDO = (
    r"(?:서울|부산|대구|인천|광주|대전|울산|세종|경기|강원|충북|충남|전북|전남|경북|경남|제주"
    r"|충청[남북]|전라[남북]|경상[남북])(?:특별시|광역시|특별자치시|특별자치도|시|도)?"
)
_GU = r"(?P<gu>[가-힣]{1,5}[시군구])"
_LOT = r"\d{1,5}(?:-\d{1,5})?"
_UNIT = r"(?:,?\s?(?:\d{1,4}\s?동\s?)?\d{1,5}\s?호(?!선))?"  # "17, 402호": the flat too
# A number followed by a counter is a time, a price or a count, not a building number.
_NOT_COUNTED = (
    r"(?![\d,.]\d|-\d|\s?(?:시|분|초|일|월|년|원|만|천|억|명|회|번(?!지)|개|차|배|달|주|살|세"
    r"|%|km|GB))"
)
_KO_ROAD = re.compile(
    r"(?<![가-힣])(?P<sido>" + _SIDO + r"\s*)?" + _GU + r"(?:\s+[가-힣]{1,5}[구동읍면])?"
    r"\s+(?P<road>[가-힣A-Za-z0-9]{1,12}[로길])\s?" + _LOT + r"(?:번?길\s?" + _LOT + r")?"
    r"(?:\s?번지)?" + _UNIT + _NOT_COUNTED
)
_KO_LOT = re.compile(
    r"(?<![가-힣])(?:(?P<sido>" + _SIDO + r"\s*)?" + _GU + r"\s+(?:[가-힣]{1,5}[읍면]\s+)?)?"
    r"[가-힣0-9]{1,6}(?:[동리]|\d가)\s?" + _LOT + r"(?P<bunji>\s?번지)?" + _UNIT + _NOT_COUNTED
)
_KO_FLAT = re.compile(
    r"(?:(?<![가-힣A-Za-z0-9])[가-힣A-Za-z0-9]{0,12}"
    r"(?:아파트|빌라|맨션|오피스텔|빌딩|타워|하이츠|주공|래미안|자이|푸르지오|힐스테이트|아이파크"
    r"|e편한세상|더샵|롯데캐슬|APT)\s?)?"
    r"(?<![\dA-Za-z])(?:\d{1,4}|[A-Za-z가-하])\s?동\s?\d{1,5}\s?호(?!선)"
)
_EN_ADDRESS = re.compile(
    r"(?<![\w.,$#/-])\d{1,6}[A-Za-z]?\s+(?:(?:[A-Z][A-Za-z'-]*|\d{1,3}(?:st|nd|rd|th))\s+){1,3}"
    r"(?i:street|st|avenue|ave|road|rd|boulevard|blvd|lane|ln|terrace|parkway|pkwy"
    r"|highway|hwy)(?![A-Za-z])\.?"
    r"(?:,?\s?(?i:apt|apartment|unit|suite|ste|#)\.?\s?#?\s?[A-Za-z0-9-]{1,6}(?![A-Za-z0-9]))?"
)
# Words ending in 시/구/군 that are not districts ("다시", "친구"); a bare "X시" means "when X"
# far more often than a city, so a city counts only after its province.
_NOT_DISTRICTS = frozenset(
    ("친구", "가구", "도구", "입구", "출구", "연구", "요구", "추구", "욕구", "창구", "지구")
    + ("전구", "야구", "농구", "배구", "탁구", "항구", "아군", "적군", "장군", "국군", "공군")
)
_ACCOUNT_LOOKBEHIND = 20  # characters before the digits searched for a context word
_ACCOUNT_LOOKAHEAD = 12  # and after them: "110-123-456789 (신한)"
_ORDER = re.compile(  # order, reservation, ticket and contract numbers: one customer's case
    r"(?:(?:주문|예약|접수|신청|계약|고객|가입|티켓|문의)\s?번호"
    r"|(?i:order|reservation|booking|ticket|case|contract|cancellation)"
    r"\s?(?:(?i:number|num|no)\.?(?![a-z])|(?i:id)|#|(?i:ref)\b\.?)"
    r"|(?i:ref)\.?(?=\s{0,3}[:#]?\s{0,3}[A-Za-z]{0,4}-?\d))"
    r"\s{0,3}(?:[:#]|은|는|이|가)?\s{0,3}#?"
    r"(?<![A-Za-z0-9])([A-Za-z0-9][A-Za-z0-9-]{2,38}[A-Za-z0-9])(?![A-Za-z0-9-])"
)


def find(text: str) -> list[PiiMatch]:
    """Every piece of personal data in the whole text, in order, without overlaps."""
    links = [m.span() for m in _URL.finditer(text)]
    candidates = [m for m in _candidates(text) if m.kind == "email" or not _inside(m, links)]
    candidates += _link_phones(text, links)
    return _without_overlaps(candidates)


def kinds(text: str) -> set[str]:
    """The kinds of personal data the text carries, e.g. {"phone", "email"}."""
    return {m.kind for m in find(text)}


def redact(text: str) -> str:
    """The text with each piece of personal data replaced by `[redacted:KIND]`."""
    out: list[str] = []
    last = 0
    for m in find(text):
        out += [text[last : m.start], f"[redacted:{m.kind}]"]
        last = m.end
    out.append(text[last:])
    return "".join(out)


def redact_all(value: Any) -> Any:
    """`value` (JSON: dicts, lists, strings, numbers) with every string in it redacted."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {key: redact_all(item) for key, item in value.items()}
    if isinstance(value, list):
        return [redact_all(item) for item in value]
    return value


def link_without_personal_data(url: str | None) -> str | None:
    """The link, or None when it carries personal data: a redacted link leads nowhere."""
    return None if url is None or find(url) else url


def _candidates(text: str) -> Iterator[PiiMatch]:
    for m in _RRN.finditer(text):
        if _plausible_birth_date(m):
            yield PiiMatch("rrn", m.start(), m.end())
    for m in _CARD.finditer(text):
        if _plausible_card(re.sub(r"\D", "", m.group())):
            yield PiiMatch("card", m.start(), m.end())
    for m in _EMAIL.finditer(text):
        yield PiiMatch("email", m.start(), m.end())
    for m in _PHONE.finditer(text):
        yield PiiMatch("phone", m.start(), m.end())
    yield from _accounts(text)
    for m in _ORDER.finditer(text):
        if any(ch.isdigit() for ch in m.group(1)):
            yield PiiMatch("order_number", m.start(1), m.end(1))
    yield from _addresses(text)


def _accounts(text: str) -> Iterator[PiiMatch]:
    for m in _ACCOUNT_SHAPE.finditer(text):
        yield PiiMatch("bank_account", m.start(), m.end())
    for m in _ACCOUNT_DIGITS.finditer(text):
        if 10 <= sum(ch.isdigit() for ch in m.group()) <= 16 and _near_account_word(text, m):
            yield PiiMatch("bank_account", m.start(), m.end())


def _addresses(text: str) -> Iterator[PiiMatch]:
    for m in _KO_ROAD.finditer(text):
        if _district(m) and not m.group("road").endswith("으로"):
            yield PiiMatch("address", m.start(), m.end())
    for m in _KO_LOT.finditer(text):
        if (m.group("gu") and _district(m)) or m.group("bunji"):
            yield PiiMatch("address", m.start(), m.end())
    for pattern in (_KO_FLAT, _EN_ADDRESS):
        for m in pattern.finditer(text):
            yield PiiMatch("address", m.start(), m.end())


def _district(m: re.Match[str]) -> bool:
    """The 시/군/구 word is a district: after a province, or a 군/구 that is not a common word."""
    gu = m.group("gu")
    return bool(m.group("sido")) or (gu[-1] != "시" and gu not in _NOT_DISTRICTS)


def _link_phones(text: str, links: list[tuple[int, int]]) -> list[PiiMatch]:
    found = []
    for start, end in links:
        for m in _LINK_PHONE.finditer(text, start, end):
            span = m.span(1) if m.group(1) else m.span()
            found.append(PiiMatch("phone", *span))
    return found


def _plausible_birth_date(m: re.Match[str]) -> bool:
    """The first six digits are a real date in the century the gender digit gives."""
    year, month, day, gender = (int(m.group(i)) for i in range(1, 5))
    century = 1900 if gender in (1, 2, 5, 6) else 2000
    try:
        date(century + year, month, day)
    except ValueError:
        return False
    return True


def _plausible_card(digits: str) -> bool:
    """Issuer prefix (Amex/JCB 3, Visa 4, Mastercard 5 and 2221-2720, 6, domestic 9) and Luhn."""
    if not 13 <= len(digits) <= 19:
        return False
    issuer_ok = digits[0] in "34569" or 2221 <= int(digits[:4]) <= 2720
    return issuer_ok and _luhn_ok(digits)


def _luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch) * (2 if i % 2 else 1)
        total += n - 9 if n > 9 else n
    return total % 10 == 0


def _near_account_word(text: str, m: re.Match[str]) -> bool:
    before = text[max(0, m.start() - _ACCOUNT_LOOKBEHIND) : m.start()]
    after = text[m.end() : m.end() + _ACCOUNT_LOOKAHEAD]
    return bool(_ACCOUNT_CONTEXT.search(before) or _ACCOUNT_CONTEXT.search(after))


def _inside(match: PiiMatch, links: list[tuple[int, int]]) -> bool:
    """Whether the match overlaps one of the links (sorted, not overlapping each other)."""
    i = bisect_left(links, (match.end, -1)) - 1  # the last link starting before the match ends
    return i >= 0 and links[i][1] > match.start


def _without_overlaps(candidates: list[PiiMatch]) -> list[PiiMatch]:
    """Overlapping candidates are settled cluster by cluster: longest, then most specific."""
    kept: list[PiiMatch] = []
    cluster: list[PiiMatch] = []
    cluster_end = -1
    for m in sorted(candidates, key=lambda c: (c.start, c.end)):
        if m.start >= cluster_end:  # nothing so far reaches this match: a new cluster
            kept += _settle(cluster)
            cluster = []
        cluster.append(m)
        cluster_end = max(cluster_end, m.end)
    return kept + _settle(cluster)


def _settle(cluster: list[PiiMatch]) -> list[PiiMatch]:
    chosen: list[PiiMatch] = []
    for m in sorted(cluster, key=lambda c: (c.start - c.end, _RANK[c.kind], c.start)):
        if all(m.end <= c.start or c.end <= m.start for c in chosen):
            chosen.append(m)
    return sorted(chosen, key=lambda c: c.start)
