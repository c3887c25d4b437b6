"""English words and their lemmas by rule: plurals, -s, -ed, -ing and common irregulars.

No dictionary and no download: a few suffix rules and a table of irregular forms. The same
function lemmatises an editor's term and the post, so "crash" meets crashed, crashing and
crashes, and "cut off" meets "cuts off". A rare word may get an odd lemma ("focused" gives
"focuse"); that costs recall on that word's inflections only, never a false match.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

# Latin letters (after casefold), digits glued to them ("5g"), and one apostrophe suffix.
WORD = re.compile(
    r"[a-z0-9\u00df-\u00f6\u00f8-\u024f]*[a-z\u00df-\u00f6\u00f8-\u024f][a-z0-9\u00df-\u00f6\u00f8-\u024f]*"
    r"(?:['\u2019][a-z]+)?"
)
NEGATORS = frozenset({"no", "not", "never", "without", "nothing", "none", "nobody", "nor"})
NEGATION_WINDOW = 3  # "never had an issue": a negator reaches three words ahead
CLAUSE_WORDS = frozenset({"but", "and", "or", "so", "though", "although", "however", "yet"})

_IRREGULAR_GROUPS = {
    "be": "am is are was were been being 're 'm",
    "have": "has had having 've",
    "do": "does did done doing",
    "go": "goes went gone going",
    "get": "got gotten",
    "make": "made",
    "take": "took taken",
    "give": "gave given",
    "say": "said says",
    "pay": "paid",
    "lose": "lost",
    "leave": "left",
    "break": "broke broken",
    "buy": "bought",
    "bring": "brought",
    "think": "thought",
    "send": "sent",
    "spend": "spent",
    "come": "came",
    "become": "became",
    "know": "knew known",
    "see": "saw seen",
    "tell": "told",
    "find": "found",
    "hold": "held",
    "keep": "kept",
    "feel": "felt",
    "fall": "fell fallen",
    "run": "ran",
    "hear": "heard",
    "write": "wrote written",
    "steal": "stole stolen",
    "freeze": "froze frozen",
    "hang": "hung",
    "catch": "caught",
    "fight": "fought",
    "sell": "sold",
    "lead": "led",
    "feed": "fed",
    "meet": "met",
    "stand": "stood",
    "begin": "began begun",
    "blow": "blew blown",
    "throw": "threw thrown",
    "grow": "grew grown",
    "speak": "spoke spoken",
    "choose": "chose chosen",
    "forget": "forgot forgotten",
    "drive": "drove driven",
    "eat": "ate eaten",
    "mean": "meant",
    "die": "died dies dying",
    "lie": "lied lies lying",
    "tie": "tied ties tying",
    "change": "changed changes changing",
    "charge": "charged charges charging",
    "arrange": "arranged arranges arranging",
    "install": "installed installs installing",
    "focus": "focused focuses focusing",
    "agree": "agreed agrees agreeing",
    "free": "freed",
    "guarantee": "guaranteed",
    "will": "'ll",
    "would": "'d",
    "person": "people",
    "man": "men",
    "woman": "women",
    "child": "children",
}
IRREGULAR: dict[str, str] = {
    form: lemma for lemma, forms in _IRREGULAR_GROUPS.items() for form in forms.split()
}
# Words that only look inflected.
_AS_IS = frozenset(
    [
        "news",
        "series",
        "always",
        "perhaps",
        "its",
        "this",
        "his",
        "us",
        "yes",
        "was",
        "bus",
        "gas",
        "thus",
        "plus",
        "less",
        "loss",
        "kiss",
        "nothing",
        "something",
        "anything",
        "everything",
        "morning",
        "evening",
        "during",
        "ceiling",
        "string",
        "spring",
        "hundred",
        "red",
        "bed",
        "need",
        "feed",
        "seed",
        "speed",
        "bleed",
        "breed",
        "wicked",
        "naked",
        "sacred",
    ]
)
# Before "n't": "can't" is can + not, "won't" will + not.
_NOT_STEMS = {"ca": "can", "wo": "will", "ai": "be", "sha": "shall"}
_CLITICS = {"'re": "be", "'m": "be", "'ve": "have", "'ll": "will", "'d": "would"}

_VOWELS = "aeiouy"
_E_ENDINGS = ("bl", "iz", "us", "as", "ys", "v", "c", "rg", "dg", "lg", "um", "ud", "let")
_CONSONANT_E = re.compile(r"[^aeiouy](?:at|id|od|ad|in)$|[^z]z$")


@dataclass(frozen=True, slots=True)
class Word:
    """One English word of a text: its form as written, its lemma and where it is."""

    form: str
    lemma: str
    start: int
    end: int


def words(text: str, start: int = 0, end: int | None = None) -> Iterator[Word]:
    """The words of a (folded) text with their lemmas; "don't" gives do + not."""
    for match in WORD.finditer(text, start, len(text) if end is None else end):
        yield from split(match.group(), match.start())


def split(word: str, at: int = 0) -> Iterator[Word]:
    """One WORD match as words: "don't" is do + not, "we're" we + be; `at` is its offset."""
    word = word.replace("\u2019", "'")
    if word.endswith("n't") and len(word) > 3:
        base = word[:-3]
        yield Word(base, _NOT_STEMS.get(base) or lemma(base), at, at + len(base))
        yield Word("n't", "not", at + len(base), at + len(word))
        return
    base, apostrophe, clitic = word.partition("'")
    yield Word(base, lemma(base), at, at + len(base))
    if apostrophe and f"'{clitic}" in _CLITICS:  # "'s" is left out: possessive or "is"
        yield Word(f"'{clitic}", _CLITICS[f"'{clitic}"], at + len(base), at + len(word))


@lru_cache(maxsize=65_536)
def lemma(word: str) -> str:
    """The lemma of one lower-case word: crashes → crash, replied → reply, paid → pay."""
    if word in IRREGULAR:
        return IRREGULAR[word]
    if len(word) <= 3 or word in _AS_IS or not word.isalpha():
        return word
    if word.endswith("ing"):
        return _verb_stem(word[:-3], word)
    if word.endswith("ied"):
        return word[:-3] + "y"
    if word.endswith("eed"):
        return word  # need, speed, proceed (agreed and freed are irregulars)
    if word.endswith("ed"):
        return _verb_stem(word[:-2], word)
    return _singular(word)


def _singular(word: str) -> str:
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith(("sses", "xes", "zzes", "ches", "shes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def _verb_stem(stem: str, word: str) -> str:
    """The stem left by -ed or -ing, undoubled or given back its silent e."""
    if not any(ch in _VOWELS for ch in stem):
        return word  # "bring", "red": not a suffix
    if len(stem) > 2 and stem[-1] == stem[-2] and stem[-1] not in "lsz" + _VOWELS:
        return stem[:-1]  # stopped → stop, running → run
    if stem.endswith("ll") and _syllables(stem) > 1:
        return stem[:-1]  # cancelled → cancel; called and filled keep theirs
    if stem.endswith(_E_ENDINGS) or _CONSONANT_E.search(stem) or _short_cvc(stem):
        return stem + "e"  # updated → update, hoping → hope, used → use
    if stem.endswith("s") and not stem.endswith("ss") and _syllables(stem) == 1:
        return stem + "e"  # closed → close
    return stem


def _syllables(stem: str) -> int:
    """Vowel groups: a rough syllable count."""
    return len(re.findall(r"[aeiouy]+", stem))


def _short_cvc(stem: str) -> bool:
    """One syllable ending consonant-vowel-consonant (not w, x or y): hop, mak, stor."""
    if len(stem) < 3 or _syllables(stem) != 1:
        return False
    a, b, c = stem[-3], stem[-2], stem[-1]
    return a not in _VOWELS and b in _VOWELS and c not in _VOWELS + "wx"
