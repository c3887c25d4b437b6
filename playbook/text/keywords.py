"""Keyword lists: substrings of the folded text (`KeywordSet`), or words and phrases on
morpheme boundaries with negation scope (`WordSet`)."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

from playbook.text import morph
from playbook.text.normalize import compact as compact_text
from playbook.text.normalize import fold

MAX_CHARS = 200_000  # keyword matching looks at the first 200k characters of a text

_LATIN = re.compile(r"[0-9a-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f]")
_HANGUL = re.compile(r"[\u1100-\u11ff\u3130-\u318f\ua960-\ua97f\uac00-\ud7a3\ud7b0-\ud7ff]")
_WORD_RUN = re.compile(r"[^\W_]+")  # what `compact` keeps

_Trie = dict[str, "_Trie"]  # one character per edge; "" marks the end of a key


class TermList(Protocol):
    """What a compiled list offers the rules: its terms, a yes/no and the terms found."""

    terms: tuple[str, ...]

    def hits(self, text: str) -> bool: ...

    def find(self, text: str) -> list[str]: ...


class KeywordSet:
    """A list of terms searched in one pass over the text (a prefix tree compiled to a regex).

    Matching ignores case and Unicode width (`fold`). By default a term matches anywhere, so
    `사과` hits `사과드립니다`. With `word_boundary`, a term that starts or ends with a Latin
    letter or digit must not be glued there to other Latin letters or digits ("ass" does not
    hit "class"); Korean stays substring. With `compact`, spaces, punctuation and emoji inside
    a term are ignored too ("시 발", "s.h.i.t"), as long as the spaced-out match starts a word
    and, for Latin endings, ends one: "this hit" is not "shit", "회사 과장" is not "사과".
    Only the first MAX_CHARS characters of a text are searched: bounded work per list.
    """

    def __init__(
        self, terms: Sequence[str], *, word_boundary: bool = False, compact: bool = False
    ) -> None:
        self.terms = tuple(dict.fromkeys(t for t in terms if t.strip()))
        self.word_boundary = word_boundary
        self.compact = compact
        plain = ((_key(t), t) for t in self.terms)
        squeezed = ((compact_text(t), t) for t in self.terms) if compact else ()
        self._plain = _Index((k, t) for k, t in plain if k)
        self._squeezed = _Index((k, t) for k, t in squeezed if k)

    def find(self, text: str) -> list[str]:
        """The distinct terms found in the text, in the list's order."""
        found: set[str] = set()
        for term in self._matches(text):
            found.add(term)
            if len(found) == len(self.terms):
                break
        return [t for t in self.terms if t in found]

    def hits(self, text: str) -> bool:
        """Whether any term is in the text."""
        return next(self._matches(text), None) is not None

    def _matches(self, text: str) -> Iterator[str]:
        """Terms as they are met (repeats included): plain matches first, then spaced-out."""
        folded = _folded(text[:MAX_CHARS])
        for start, key in self._plain.occurrences(folded):
            if not self.word_boundary or _stands_alone(folded, start, start + len(key)):
                yield from self._plain.terms[key]
        if self._squeezed.terms:
            squeezed = _squeezed(folded)
            for start, key in self._squeezed.occurrences(squeezed.text):
                if squeezed.spaced_match_ok(start, start + len(key)):
                    yield from self._squeezed.terms[key]


class _Index:
    """Folded keys and the terms they stand for, with a search for every occurrence."""

    def __init__(self, pairs: Iterable[tuple[str, str]]) -> None:
        self.terms: dict[str, list[str]] = {}
        for key, term in pairs:
            self.terms.setdefault(key, []).append(term)
        # Every key that is a prefix of another is found through the longer one's match.
        self._prefixes = {
            key: [key[:n] for n in range(len(key), 0, -1) if key[:n] in self.terms]
            for key in self.terms
        }
        self._regex = re.compile(_trie_pattern(self.terms)) if self.terms else None

    def occurrences(self, text: str) -> Iterator[tuple[int, str]]:
        """(start, key) for each key at each position: overlapping and nested ones included."""
        if self._regex is None:
            return
        position = 0
        while match := self._regex.search(text, position):
            start = match.start()
            for key in self._prefixes[match.group()]:  # the longest key at `start`, then shorter
                yield start, key
            position = start + 1


def _trie_pattern(keys: Iterable[str]) -> str:
    """One regex for all keys, shared prefixes factored out, so each position costs O(depth)."""
    root: _Trie = {}
    for key in keys:
        node = root
        for ch in key:
            node = node.setdefault(ch, {})
        node[""] = {}  # a key ends here
    return _node_pattern(root)


def _node_pattern(node: _Trie) -> str:
    ends_here = "" in node
    branches = [re.escape(ch) + _node_pattern(child) for ch, child in sorted(node.items()) if ch]
    if not branches:
        return ""
    if len(branches) == 1 and not ends_here:
        return branches[0]
    body = "|".join(branches)
    # Greedy: the longer key is tried first, the key ending here is the fallback.
    return f"(?:{body})?" if ends_here else f"(?:{body})"


def _key(term: str) -> str:
    # Emoji variation selectors vary between keyboards: "❤️" and "❤" are the same heart.
    return fold(term).replace("\ufe0f", "")


@lru_cache(maxsize=16)  # the same post is checked against every list of a playbook
def _folded(text: str) -> str:
    return _key(text)


def _is_latin(ch: str) -> bool:
    return _LATIN.match(ch) is not None


def _script(ch: str) -> str:
    if _HANGUL.match(ch):
        return "hangul"
    return "latin" if _is_latin(ch) else "other"


def _starts_word(before: str, first: str) -> bool:
    """`first` begins a word: after a separator, or after a letter of another script.

    Digits belong to the word they touch ("3시"), whatever its script.
    """
    if not before.isalnum():
        return True
    return not before.isdigit() and _script(before) != _script(first)


def _stands_alone(text: str, start: int, end: int) -> bool:
    """A Latin edge of a match is not glued to another Latin letter or digit."""
    glued_left = start > 0 and _is_latin(text[start]) and _is_latin(text[start - 1])
    glued_right = end < len(text) and _is_latin(text[end - 1]) and _is_latin(text[end])
    return not (glued_left or glued_right)


@dataclass(frozen=True)
class _Squeezed:
    """Folded text without separators, and where each of its word runs came from."""

    folded: str
    text: str
    run_starts: list[int]  # start of each run in `text`
    folded_starts: list[int]  # the same run's start in `folded`

    def to_folded(self, index: int) -> int:
        run = bisect_right(self.run_starts, index) - 1
        return self.folded_starts[run] + index - self.run_starts[run]

    def spaced_match_ok(self, start: int, end: int) -> bool:
        """The match starts a word (and ends one, for a Latin ending) in the folded text."""
        first, last = self.to_folded(start), self.to_folded(end - 1)
        before = self.folded[first - 1] if first > 0 else " "
        after = self.folded[last + 1] if last + 1 < len(self.folded) else " "
        if not _starts_word(before, self.folded[first]):
            return False
        return not (_is_latin(self.folded[last]) and _is_latin(after))


@lru_cache(maxsize=16)
def _squeezed(folded: str) -> _Squeezed:
    runs = list(_WORD_RUN.finditer(folded))
    starts, position = [], 0
    for run in runs:
        starts.append(position)
        position += run.end() - run.start()
    text = "".join(run.group() for run in runs)
    return _Squeezed(folded, text, starts, [run.start() for run in runs])


class WordSet:
    """A list of lemmas, phrases and surface terms matched through `morph` (Kiwi, English).

    "안 되다" hits "안 됩니다" and "안되네요"; "돎" does not hit "맴돎"; a term Kiwi cannot
    read ("ㅋㅋ", an emoji), or one written after `=` ("=정상인가"), is matched as written.
    With `skip_negated`, a hit that a negator outside the term has in scope does not count
    ("불만 없어요", "no complaints"); a term holding its own negator ("안 되다") is not negated.
    """

    def __init__(self, terms: Sequence[str], *, skip_negated: bool = False) -> None:
        self.terms = tuple(dict.fromkeys(t for t in terms if t.strip()))
        self.skip_negated = skip_negated
        self.compiled = tuple(_word_term(t) for t in self.terms)

    def matches(self, text: str) -> list[morph.Match]:
        """Every match in text order, negated ones included (explain shows them)."""
        return morph.find_terms(_analysed(text), self.compiled)

    def counted(self, text: str) -> list[morph.Match]:
        """The matches that count: all of them, or the ones not negated with `skip_negated`."""
        return [m for m in self.matches(text) if not (self.skip_negated and m.negated)]

    def find(self, text: str) -> list[str]:
        """The distinct terms that count, in the list's order."""
        found = {m.term for m in self.counted(text)}
        return [t for t in self.terms if t in found]

    def hits(self, text: str) -> bool:
        analysis = _analysed(text)
        for term in self.compiled:
            for match in term.find(analysis):
                if not (self.skip_negated and match.negated):
                    return True
        return False


AS_WRITTEN = "="  # a term after this mark is searched as written, not read as words


def _word_term(term: str) -> morph.Term:
    if term.startswith(AS_WRITTEN) and term[1:].strip():
        return morph.Term(term, morph.TermKind.SURFACE, (), morph.normalise(term[1:]))
    return morph.compile_term(term)


@lru_cache(maxsize=16)  # one analysis per post, shared by every list of every playbook
def _analysed(text: str) -> morph.Analysis:
    return morph.analyse(text)
