"""Language detection by script share: enough to pick Korean or English drafts."""

from __future__ import annotations

from typing import Literal

from playbook.text.normalize import strip_links

Language = Literal["ko", "en", "other", "unknown"]

SAMPLE_CHARS = 10_000  # the script share settles long before this
KOREAN_SHARE = 0.3  # one Hangul syllable carries what takes two or three Latin letters
_HANGUL_RANGES = (
    (0xAC00, 0xD7A3),  # syllables
    (0x1100, 0x11FF),  # conjoining jamo
    (0x3130, 0x318F),  # compatibility jamo: ㅋㅋ, ㅅㅂ, ㅠㅠ
    (0xA960, 0xA97F),  # jamo extended A
    (0xD7B0, 0xD7FF),  # jamo extended B
    (0xFFA0, 0xFFDC),  # half-width jamo
)


def _is_hangul(ch: str) -> bool:
    code = ord(ch)
    return any(low <= code <= high for low, high in _HANGUL_RANGES)


def _is_latin(ch: str) -> bool:
    code = ord(ch)
    # ASCII, Latin-1 and Latin Extended-A/B letters (é, ß, ł), full-width Ａ-ｚ
    return code < 0x250 or 0xFF21 <= code <= 0xFF5A


def _script_counts(text: str) -> tuple[int, int, int]:
    hangul = latin = other = 0
    for ch in text:
        if _is_hangul(ch):
            hangul += 1
        elif not ch.isalpha():
            continue
        elif _is_latin(ch):
            latin += 1
        else:
            other += 1
    return hangul, latin, other


def detect(text: str) -> Language:
    """'ko' when Hangul makes up 30% of the letters, 'en' when Latin makes up half, else 'other'.

    Links and @handles are left out (a Korean post quoting a URL stays Korean); a post
    with no letters at all (emoji, numbers) is 'unknown'.
    """
    hangul, latin, other = _script_counts(strip_links(text[:SAMPLE_CHARS]))
    letters = hangul + latin + other
    if letters == 0:
        return "unknown"
    if hangul >= KOREAN_SHARE * letters:
        return "ko"
    if latin * 2 >= letters:
        return "en"
    return "other"
