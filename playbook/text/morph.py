"""Morphemes of a post: lemmas, term matching on morpheme boundaries, and negation scope.

Korean goes through Kiwi (one per process, built on first use), English through the rules of
`english`. An editor's term is compiled once: a lemma term ("안 되다", "끊기다", "crash",
"cut off") matches every conjugation and spacing variant as a run of whole morphemes, so
"돎" does not match inside "맴돎"; a surface term ("ㅅㅂ", an emoji, "f*ck") matches the text.
Each match says whether a negator outside it has it in scope ("불만 없어요", "no complaints").
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache, cached_property, lru_cache
from typing import TYPE_CHECKING, NamedTuple

from playbook.text import english
from playbook.text.normalize import fold, strip_rt_prefix

if TYPE_CHECKING:
    from kiwipiepy import Kiwi

MAX_CHARS = 10_000  # analysis looks at the first 10k characters: bounded work per post
CACHE_SIZE = 4_096  # analyses kept, keyed by the normalised text: reposts are analysed once

_HANGUL = re.compile(r"[\u1100-\u11ff\u3130-\u318f\ua960-\ua97f\uac00-\ud7a3\ud7b0-\ud7ff]")
_SPACES = re.compile(r"\s+")
# NFKC turns a lone ㅅ or ㅋ into a conjoining jamo; Kiwi reads "ㅅㅂ" and "ㅋㅋ" as written.
_COMPATIBLE_JAMO = {
    ord(unicodedata.normalize("NFKC", chr(c))): chr(c)
    for c in range(0x3131, 0x318F)
    if len(unicodedata.normalize("NFKC", chr(c))) == 1
}
# Without Kiwi (no Hangul in the text): links, addresses and handles are opaque, words are
# English, the rest is punctuation or numbers. Tags follow Kiwi's.
_LATIN_TOKEN = re.compile(
    r"(?P<W_URL>(?:https?://|www\.)\S+)|(?P<W_EMAIL>[\w.+-]+@[\w-]+(?:\.[\w-]+)+)"
    r"|(?P<W_MENTION>(?<![\w.])@\w+)|(?P<SL>" + english.WORD.pattern + r")"
    r"|(?P<SF>[.!?\u2026]+)|(?P<SP>[,;:/]+)|(?P<SN>\d+(?:[.,]\d+)*)"
)
_OPAQUE = frozenset({"W_URL", "W_EMAIL", "W_MENTION", "W_SERIAL"})
_LEMMA_TAG_STARTS = tuple("NVMIJEX")  # Kiwi's tags for Korean morphemes
_KO_NEGATORS = frozenset({"없다", "아니다", "없이"})  # scope the noun before them
_VERBAL = frozenset({"VV", "VA", "VX", "VCP", "XSV", "XSA"})
_NOMINAL = frozenset({"NNG", "NNP", "NNB", "NR", "NP", "XSN", "XPN", "XR", "SL", "SN"})


class TermKind(StrEnum):
    LEMMA = "lemma"  # a run of whole morphemes, compared by lemma
    SURFACE = "surface"  # a string searched in the normalised text


class Token(NamedTuple):  # a tuple: a post has dozens, built in a hot path
    """One morpheme (Korean, from Kiwi) or word (English); offsets into `Analysis.text`."""

    form: str
    tag: str  # Kiwi's tag without its irregular-conjugation suffix ("VV", not "VV-R")
    lemma: str  # verbs and adjectives as 다-lemmas (됩니다 → 되다), English by `english`
    start: int
    end: int


@dataclass(frozen=True)
class Analysis:
    """A post's tokens, its lemma sequence (every token but endings) and negation scopes."""

    text: str  # the normalised text: folded, without RT prefixes, single spaces
    tokens: tuple[Token, ...]
    units: tuple[int, ...] = field(repr=False)  # indices of the tokens that make `lemmas`
    lemmas: tuple[str, ...]
    scopes: tuple[tuple[int, ...], ...] = field(repr=False)  # per token: negators over it

    @property
    def nouns(self) -> tuple[str, ...]:
        return tuple(t.lemma for t in self.tokens if t.tag in ("NNG", "NNP"))

    @cached_property
    def positions(self) -> dict[str, list[int]]:
        """Where each lemma is in `lemmas`."""
        index: dict[str, list[int]] = {}
        for position, lemma in enumerate(self.lemmas):
            index.setdefault(lemma, []).append(position)
        return index

    def negated(self, start: int, end: int) -> bool:
        """A negator outside the span [start, end) of the text has a token of it in scope."""
        inside = [i for i, t in enumerate(self.tokens) if t.start < end and t.end > start]
        return bool(inside) and self.negated_tokens(inside[0], inside[-1])

    def negated_tokens(self, first: int, last: int) -> bool:
        """A negator outside tokens[first..last] has one of them in scope.

        A negator inside does not count: "안 되다" found in "안 돼요" is not negated.
        """
        inside = range(first, last + 1)
        return any(not first <= n <= last for i in inside for n in self.scopes[i])


@dataclass(frozen=True, slots=True)
class Match:
    term: str  # as the editor wrote it
    kind: TermKind
    start: int  # offsets into `Analysis.text`
    end: int
    found: str  # the matched text, for explain output
    negated: bool


@dataclass(frozen=True)
class Term:
    """An editor's term, compiled once: its kind and the lemma run or folded string sought."""

    text: str
    kind: TermKind
    lemmas: tuple[str, ...]  # LEMMA terms
    key: str  # SURFACE terms: the folded string

    def find(self, analysis: Analysis) -> list[Match]:
        if self.kind is TermKind.LEMMA:
            return [self._lemma_match(analysis, *run) for run in self._runs(analysis)]
        return [self._surface_match(analysis, start) for start in self._surface_starts(analysis)]

    def _runs(self, analysis: Analysis) -> Iterator[tuple[int, int]]:
        for first in analysis.positions.get(self.lemmas[0], ()):
            last = _run_end(analysis, first, self.lemmas)
            if last is not None:
                yield first, last

    def _lemma_match(self, analysis: Analysis, first: int, last: int) -> Match:
        lo, hi = analysis.units[first], analysis.units[last]
        while hi + 1 < len(analysis.tokens) and analysis.tokens[hi + 1].tag[0] == "E":
            hi += 1  # the endings belong to the word: "안 됩니다", not "안 됩"
        start, end = analysis.tokens[lo].start, max(t.end for t in analysis.tokens[lo : hi + 1])
        negated = analysis.negated_tokens(lo, hi)
        return Match(self.text, self.kind, start, end, analysis.text[start:end], negated)

    def _surface_starts(self, analysis: Analysis) -> Iterator[int]:
        text, key = analysis.text, self.key
        start = text.find(key)
        while start >= 0:
            if _stands_alone(text, start, start + len(key)):
                yield start
            start = text.find(key, start + 1)

    def _surface_match(self, analysis: Analysis, start: int) -> Match:
        end = start + len(self.key)
        negated = analysis.negated(start, end)
        return Match(self.text, self.kind, start, end, analysis.text[start:end], negated)


def normalise(text: str) -> str:
    """What analysis sees: NFKC, casefold, no RT prefixes, emoji variation selectors or runs
    of spaces; lone jamo (ㅋㅋ) stay compatibility jamo."""
    text = strip_rt_prefix(fold(text[:MAX_CHARS])).replace("\ufe0f", "")
    text = text.translate(_COMPATIBLE_JAMO)
    return _SPACES.sub(" ", text).strip()


def analyse(text: str) -> Analysis:
    """The analysis of a post; the same normalised text is analysed once (LRU cache)."""
    return _analyse_normalised(normalise(text))


def clear_cache() -> None:
    _analyse_normalised.cache_clear()


def compile_term(term: str) -> Term:
    """A lemma term when Kiwi or `english` reads every character as morphemes, else surface."""
    key = normalise(term)
    if not key:
        raise ValueError(f"an empty term: {term!r}")
    analysis = _build(key)
    readable = all(t.tag.startswith(_LEMMA_TAG_STARTS) or t.tag == "SL" for t in analysis.tokens)
    if analysis.lemmas and readable and _covers(key, analysis.tokens):
        return Term(term, TermKind.LEMMA, analysis.lemmas, key)
    return Term(term, TermKind.SURFACE, (), key)


def compile_terms(terms: Iterable[str]) -> tuple[Term, ...]:
    return tuple(compile_term(t) for t in dict.fromkeys(terms) if t.strip())


def find_terms(analysis: Analysis, terms: Iterable[Term]) -> list[Match]:
    """Every match of every term in the analysed post, in text order."""
    found = [match for term in terms for match in term.find(analysis)]
    return sorted(found, key=lambda m: (m.start, m.end))


_KIWI_LOCK = threading.Lock()
_KIWI: list[Kiwi] = []  # the process's one Kiwi, once built


def get_kiwi() -> Kiwi:
    """The shared Kiwi, built on first use under a lock (about 1 s and 300 MB of memory);
    call it at start-up to pay that before the first post."""
    if not _KIWI:
        with _KIWI_LOCK:
            if not _KIWI:
                from kiwipiepy import Kiwi

                # The multi-word proper-noun dictionary costs 200 MB and names nothing a
                # post about a company needs.
                kiwi = Kiwi(load_multi_dict=False)
                kiwi.tokenize("")  # finishes Kiwi's own lazy set-up inside the lock
                _KIWI.append(kiwi)
    return _KIWI[0]


@cache
def _kiwi_options() -> int:
    from kiwipiepy import Match

    return int((Match.ALL | Match.NORMALIZING_CODA) & ~Match.HASHTAG)  # "#먹통" is read


@lru_cache(maxsize=CACHE_SIZE)
def _analyse_normalised(text: str) -> Analysis:
    return _build(text)


def _build(text: str) -> Analysis:
    tokens = tuple(_kiwi_tokens(text) if _HANGUL.search(text) else _latin_tokens(text))
    units = tuple(i for i, t in enumerate(tokens) if t.tag[0] not in "EZ")
    lemmas = tuple(tokens[i].lemma for i in units)
    return Analysis(text, tokens, units, lemmas, _scopes(tokens))


def _latin_tokens(text: str) -> Iterator[Token]:
    for match in _LATIN_TOKEN.finditer(text):
        tag = match.lastgroup or "SW"
        if tag == "SL":
            yield from _english(match.group(), match.start())
        else:
            yield Token(match.group(), tag, match.group(), match.start(), match.end())


def _english(word: str, at: int) -> Iterator[Token]:
    for w in english.split(word, at):
        yield Token(w.form, "SL", w.lemma, w.start, w.end)


def _kiwi_tokens(text: str) -> list[Token]:
    """Kiwi's morphemes, with Latin words re-read by `english` (Kiwi cuts "morning" in two)."""
    morphemes = get_kiwi().tokenize(text, match_options=_kiwi_options())
    opaque = bytearray(len(text))
    for m in morphemes:
        if m.tag in _OPAQUE:
            opaque[m.start : m.end] = b"\x01" * m.len
    words = [
        token
        for match in english.WORD.finditer(text)
        if opaque.find(1, match.start(), match.end()) < 0
        for token in _english(match.group(), match.start())
    ]
    covered = bytearray(len(text))
    for w in words:
        covered[w.start : w.end] = b"\x01" * (w.end - w.start)
    korean = [
        token
        for m in morphemes
        if covered.find(1, m.start, m.end) < 0
        for token in _from_kiwi(m.form, m.tag.split("-")[0], m.lemma, m.start, m.end)
    ]
    return sorted(korean + words, key=lambda t: t.start)


def _from_kiwi(form: str, tag: str, lemma: str, start: int, end: int) -> Iterator[Token]:
    """One Kiwi token, spacing-proof: "문제없" is 문제 + 없다, the 하 of "해지할" is 하다 as in
    "해지 할게요" (Kiwi leaves verb-making suffixes without 다)."""
    if tag == "VA" and len(form) > 1 and form[-1] in "없있" and lemma == f"{form}다":
        yield Token(form[:-1], "NNG", form[:-1], start, end - 1)
        yield Token(form[-1], "VA", f"{form[-1]}다", end - 1, end)
    elif tag in ("XSV", "XSA") and not lemma.endswith("다"):
        yield Token(form, tag, f"{lemma}다", start, end)
    else:
        yield Token(form, tag, lemma, start, end)


def _run_end(analysis: Analysis, first: int, lemmas: tuple[str, ...]) -> int | None:
    """The last unit of the run of `lemmas` starting at unit `first`, or None.

    A particle of the text between two lemmas of the term is skipped ("서비스에 불만" is
    "서비스 불만"); a particle the term spells must be there ("말이 되다" is not "말도 되다").
    """
    position, count = first + 1, len(analysis.lemmas)
    for wanted in lemmas[1:]:
        while (
            position < count
            and analysis.lemmas[position] != wanted
            and analysis.tokens[analysis.units[position]].tag[0] == "J"
        ):
            position += 1
        if position >= count or analysis.lemmas[position] != wanted:
            return None
        position += 1
    return position - 1


def _stands_alone(text: str, start: int, end: int) -> bool:
    """A Latin or digit edge of a surface match is not glued to another Latin letter or digit."""
    glued_left = start > 0 and _latin(text[start]) and _latin(text[start - 1])
    glued_right = end < len(text) and _latin(text[end - 1]) and _latin(text[end])
    return not (glued_left or glued_right)


def _latin(ch: str) -> bool:
    return ch.isdigit() or (ch.isalpha() and unicodedata.name(ch, "").startswith("LATIN"))


def _covers(text: str, tokens: Iterable[Token]) -> bool:
    """Every character but spaces is inside a token: nothing was left unread."""
    covered = bytearray(len(text))
    for token in tokens:
        covered[token.start : token.end] = b"\x01" * (token.end - token.start)
    return all(covered[i] or ch == " " for i, ch in enumerate(text))


def _scopes(tokens: tuple[Token, ...]) -> tuple[tuple[int, ...], ...]:
    """For each token, the negators that have it in scope."""
    scopes: list[list[int]] = [[] for _ in tokens]
    for i in range(len(tokens)):
        for j in _scope_of(tokens, i):
            scopes[j].append(i)
    return tuple(tuple(s) for s in scopes)


def _scope_of(tokens: tuple[Token, ...], i: int) -> list[int]:
    """What token i negates, if it is a negator.

    없다, 아니다, 없이 negate the noun before them ("불만 없어요", "사실이 아닙니다");
    안 and 못 the predicate after them ("안 좋아요"), or before them after -지 ("받지 못했어요"),
    as 않다 does ("좋지 않아요"); no, not, never, n't, without the next few English words.
    """
    token = tokens[i]
    if token.tag == "SL":
        return _english_scope(tokens, i) if token.lemma in english.NEGATORS else []
    if token.lemma in _KO_NEGATORS and token.tag in ("VA", "VCN", "MAG"):
        return _noun_before(tokens, i)
    after_ji = i > 1 and tokens[i - 1].tag == "EC" and tokens[i - 1].form == "지"
    if token.tag == "MAG" and token.lemma in ("안", "못"):
        return _predicate_ending(tokens, i - 2) if after_ji else _predicate_after(tokens, i)
    if token.tag == "VX" and token.lemma in ("않다", "못하다", "말다") and after_ji:
        return _predicate_ending(tokens, i - 2)
    return []


def _noun_before(tokens: tuple[Token, ...], i: int) -> list[int]:
    """The nouns before token i, over particles and adverbs ("불만은 전혀 없어요")."""
    scope: list[int] = []
    for j in range(i - 1, -1, -1):
        tag = tokens[j].tag
        if tag in _NOMINAL:
            scope.append(j)
        elif scope or not (tag[0] == "J" or tag == "MAG"):
            break
    return scope


def _predicate_after(tokens: tuple[Token, ...], i: int) -> list[int]:
    """The predicate after 안 or 못, with the noun of a light verb ("사과도 안 함": 사과)."""
    scope: list[int] = []
    for k in range(i + 1, min(i + 5, len(tokens))):
        tag = tokens[k].tag
        if tag in _VERBAL:
            light = tokens[k].lemma in ("하다", "되다")
            return scope + [k] + (_noun_before(tokens, i) if light else [])
        if tag != "MAG" and tag not in _NOMINAL:
            break
        scope.append(k)
    return []


def _predicate_ending(tokens: tuple[Token, ...], j: int) -> list[int]:
    """The predicate ending at token j, with the noun of 사과하다 or 문제이다."""
    while j >= 0 and tokens[j].tag == "EP":
        j -= 1
    if j < 0 or tokens[j].tag not in _VERBAL:
        return []
    made_of_noun = tokens[j].tag in ("XSV", "XSA", "VCP") and j > 0
    return [j, j - 1] if made_of_noun and tokens[j - 1].tag in _NOMINAL else [j]


def _english_scope(tokens: tuple[Token, ...], i: int) -> list[int]:
    """The English words after a negator, up to a clause word or punctuation."""
    scope: list[int] = []
    for k in range(i + 1, min(i + 1 + english.NEGATION_WINDOW, len(tokens))):
        if tokens[k].tag != "SL" or tokens[k].lemma in english.CLAUSE_WORDS:
            break
        scope.append(k)
    return scope
