"""Language detection by script: enough to pick Korean or English drafts."""

from __future__ import annotations

from typing import Literal

Language = Literal["ko", "en", "other", "unknown"]
SAMPLE = 5000  # characters looked at: the script share settles long before that


def _is_hangul(ch: str) -> bool:
    code = ord(ch)
    return (
        0xAC00 <= code <= 0xD7A3
        or 0x1100 <= code <= 0x11FF
        or 0x3130 <= code <= 0x318F
        or 0xA960 <= code <= 0xA97F
        or 0xD7B0 <= code <= 0xD7FF
    )


def detect(text: str) -> Language:
    """'ko' when Hangul (syllables or jamo like ㅋㅋ) is at least a third of the letters."""
    hangul = latin = other = 0
    for ch in text[:SAMPLE]:
        if _is_hangul(ch):
            hangul += 1
        elif ch.isascii() and ch.isalpha():
            latin += 1
        elif ch.isalpha():
            other += 1
    letters = hangul + latin + other
    if letters == 0:
        return "unknown"
    if hangul * 3 >= letters:
        return "ko"
    if latin >= other:
        return "en"
    return "other"
