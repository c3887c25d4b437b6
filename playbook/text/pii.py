"""Personal data in posts: find it, name its kind, and redact it wherever text is shown."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class PiiMatch:
    kind: str
    start: int
    end: int


# Not glued to surrounding digits, Latin letters or separators; Korean particles may follow
# directly ("010-1234-5678로").
_D = r"(?<![0-9A-Za-z./=_-])"
_E = r"(?![0-9A-Za-z-])"
_RRN = re.compile(_D + r"(\d{2})(\d{2})(\d{2})\s?-?\s?([1-8])\d{6}" + _E)
_PHONE = re.compile(
    _D + r"(?:\+82[\s.-]?|0)(?:1[016789]|2|[3-6][1-5]|70)[\s.-]?\d{3,4}[\s.-]?\d{4}" + _E
)
_CARD = re.compile(_D + r"\d(?:[ -]?\d){12,18}" + _E)
_EMAIL = re.compile(r"[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
_ACCOUNT_CONTEXT = (
    r"(?:계좌번호|계좌|통장|account|acct|국민|신한|우리|하나|농협|기업|카카오뱅크|토스|"
    r"케이뱅크|새마을|우체국)"
)
_BANK = re.compile(
    _ACCOUNT_CONTEXT + r"[^\d\n]{0,12}(\d{2,6}-\d{2,6}-\d{2,8}(?:-\d{1,3})?|\d{10,14})",
    re.IGNORECASE,
)
_ORDER = re.compile(
    r"(?:주문\s?번호|order\s?(?:no\.?|number|#|id))\s*[:#]?\s*([A-Za-z0-9][A-Za-z0-9-]{4,30})",
    re.IGNORECASE,
)


def _luhn(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch)
        if i % 2:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


def _plausible_rrn(m: re.Match[str]) -> bool:
    yy, mm, dd, gender = int(m.group(1)), int(m.group(2)), int(m.group(3)), m.group(4)
    century = 1900 if gender in "1256" else 2000 if gender in "3478" else 1800
    try:
        date(century + yy, mm, dd)
    except ValueError:
        return False
    return True


def find(text: str) -> list[PiiMatch]:
    """Every piece of personal data, most specific kind first where they overlap."""
    scan = text  # the whole text: personal data anywhere in it must be redacted
    found: list[PiiMatch] = []
    for m in _RRN.finditer(scan):
        if _plausible_rrn(m):
            found.append(PiiMatch("rrn", m.start(), m.end()))
    for m in _EMAIL.finditer(scan):
        found.append(PiiMatch("email", m.start(), m.end()))
    for m in _PHONE.finditer(scan):
        found.append(PiiMatch("phone", m.start(), m.end()))
    for m in _CARD.finditer(scan):
        digits = re.sub(r"\D", "", m.group())
        if 13 <= len(digits) <= 19 and _luhn(digits):
            found.append(PiiMatch("card", m.start(), m.end()))
    for m in _BANK.finditer(scan):
        found.append(PiiMatch("bank_account", m.start(1), m.end(1)))
    for m in _ORDER.finditer(scan):
        found.append(PiiMatch("order_number", m.start(1), m.end(1)))
    return _without_overlaps(found)


def _without_overlaps(found: list[PiiMatch]) -> list[PiiMatch]:
    kept: list[PiiMatch] = []
    for match in found:  # earlier kinds in `find` are the more specific ones
        if all(match.end <= k.start or match.start >= k.end for k in kept):
            kept.append(match)
    return sorted(kept, key=lambda m: m.start)


def kinds(text: str) -> set[str]:
    return {m.kind for m in find(text)}


def redact(text: str) -> str:
    """Each piece of personal data replaced by `[redacted:KIND]`."""
    matches = find(text)
    if not matches:
        return text
    out, last = [], 0
    for m in matches:
        out.append(text[last : m.start])
        out.append(f"[redacted:{m.kind}]")
        last = m.end
    out.append(text[last:])
    return "".join(out)
