"""Text normalisation shared by keyword matching, personal-data checks and similarity."""

from __future__ import annotations

import re
import unicodedata

# One "RT @user:" at the start of a post; reposts of reposts stack several of them.
_RT_PREFIX = re.compile(r"\s*rt\s*@[0-9a-z_]+\s*:?\s*", re.IGNORECASE)
_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
# Handles are ASCII; "kim@example.com" is an address, not a mention.
_MENTION = re.compile(r"(?<![0-9a-z_.])@[0-9a-z_]+", re.IGNORECASE)
_HASHTAG = re.compile(r"#\w+")
# Everything that is not a letter or a space: punctuation, emoji, symbols, digits, "_".
_NOT_LETTER = re.compile(r"[^\w\s]|[\d_]")
_SPACES = re.compile(r"\s+")
_NOT_WORD = re.compile(r"[\W_]+")


def fold(text: str) -> str:
    """NFKC and casefold: full-width letters, ligatures and case no longer matter."""
    return unicodedata.normalize("NFKC", text).casefold()


def strip_rt_prefix(text: str) -> str:
    """The post without its leading "RT @user:" prefixes."""
    position = 0
    while match := _RT_PREFIX.match(text, position):
        position = match.end()
    return text[position:]


def strip_links(text: str) -> str:
    """The post with links and @handles blanked out: they are not the author's words."""
    return _MENTION.sub(" ", _URL.sub(" ", text))


def for_similarity(text: str) -> str:
    """The words of a post: no RT prefixes, links, mentions, hashtags, emoji, digits or case."""
    text = strip_links(strip_rt_prefix(fold(text)))
    text = _NOT_LETTER.sub(" ", _HASHTAG.sub(" ", text))
    return _SPACES.sub(" ", text).strip()


def compact(text: str) -> str:
    """Folded text without spaces, punctuation or emoji, to catch "시 발" or "s.h.i.t"."""
    return _NOT_WORD.sub("", fold(text))
