"""Named keyword lists matched case-insensitively, as substrings (Korean) or whole words."""

from __future__ import annotations

import re
from collections.abc import Sequence

from playbook.text.normalize import compact as compact_text
from playbook.text.normalize import fold

MAX_CHARS = 200_000  # keyword matching looks at the first 200k characters of a post


def _is_latin_word(term: str) -> bool:
    return any(ch.isascii() and ch.isalnum() for ch in term)


class KeywordSet:
    """One compiled alternation of terms, longest first; linear in the text."""

    def __init__(
        self, terms: Sequence[str], *, word_boundary: bool = False, compact: bool = False
    ) -> None:
        self.terms = [t for t in dict.fromkeys(terms) if t.strip()]
        self._folded = {fold(t): t for t in self.terms}
        self.compact = compact
        self._pattern = self._compile(self._folded, word_boundary)
        # Squeezed matching only for non-Latin terms: "this hit" squeezed holds "shit".
        compacted = {
            compact_text(t): t for t in self.terms if compact_text(t) and not _is_latin_word(t)
        }
        self._compact_pattern = self._compile(compacted, False) if compact else None
        self._compacted = compacted

    @staticmethod
    def _compile(folded: dict[str, str], word_boundary: bool) -> re.Pattern[str] | None:
        if not folded:
            return None
        parts = []
        for term in sorted(folded, key=len, reverse=True):
            piece = re.escape(term)
            if word_boundary and _is_latin_word(term):
                # Latin words must not be glued to other Latin letters or digits: "ass" ≠ "class".
                piece = rf"(?<![a-z0-9]){piece}(?![a-z0-9])"
            parts.append(piece)
        return re.compile("|".join(parts))

    def find(self, text: str) -> list[str]:
        """Distinct terms found, in the list's order."""
        hits: set[str] = set()
        if self._pattern is not None:
            hits |= {
                self._folded[m.group()] for m in self._pattern.finditer(fold(text[:MAX_CHARS]))
            }
        if self._compact_pattern is not None:
            squeezed = compact_text(text[:MAX_CHARS])
            hits |= {self._compacted[m.group()] for m in self._compact_pattern.finditer(squeezed)}
        return [t for t in self.terms if t in hits]

    def hits(self, text: str) -> bool:
        if self._pattern is not None and self._pattern.search(fold(text[:MAX_CHARS])):
            return True
        return bool(
            self._compact_pattern is not None
            and self._compact_pattern.search(compact_text(text[:MAX_CHARS]))
        )
