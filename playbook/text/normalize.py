"""Text normalisation shared by keyword matching and similarity."""

from __future__ import annotations

import re
import unicodedata

_RT_PREFIX = re.compile(r"^(?:\s*RT\s+@\w+\s*:?\s*)+", re.IGNORECASE)
_URL = re.compile(r"https?://\S+")
_MENTION = re.compile(r"@\w+")
_HASHTAG = re.compile(r"#\S+")
_NOT_WORD = re.compile(r"[^\w\s]|[\d_]", re.UNICODE)
_SPACE = re.compile(r"\s+")
_COMPACT = re.compile(r"[\W_]+", re.UNICODE)


def fold(text: str) -> str:
    """NFKC and casefold: full-width letters, ligatures and case no longer matter."""
    return unicodedata.normalize("NFKC", text).casefold()


def for_similarity(text: str) -> str:
    """The words of a post without RT prefixes, links, mentions, hashtags, emoji or digits."""
    text = _RT_PREFIX.sub("", text)
    text = _URL.sub(" ", text)
    text = _MENTION.sub(" ", text)
    text = _HASHTAG.sub(" ", text)
    text = _NOT_WORD.sub(" ", fold(text))
    return _SPACE.sub(" ", text).strip()


def compact(text: str) -> str:
    """Folded text without spaces or punctuation, to catch "시 발" or "s.h.i.t"."""
    return _COMPACT.sub("", fold(text))
