"""How long a post is as X counts it, so drafts are measured against the channel's limit."""

from __future__ import annotations

import re
import unicodedata

TCO_LENGTH = 23  # X shortens every link to this many characters

_URL = re.compile(r"https?://\S+", re.IGNORECASE)
# Code points X weighs 1; everything else (Hangul, CJK, emoji) weighs 2.
_LIGHT_RANGES = ((0x0000, 0x10FF), (0x2000, 0x200D), (0x2010, 0x201F), (0x2032, 0x2037))


def draft_length(text: str) -> int:
    """Length as X counts it: every link 23, CJK and emoji 2, Latin and punctuation 1.

    Emoji sequences count per code point, so the count errs on the long side.
    """
    text = unicodedata.normalize("NFC", text)
    total = TCO_LENGTH * len(_URL.findall(text))
    for char in _URL.sub("", text):
        code = ord(char)
        if 0xFE00 <= code <= 0xFE0F:  # variation selectors change how, not what, is shown
            continue
        light = any(start <= code <= end for start, end in _LIGHT_RANGES)
        total += 1 if light else 2
    return total
