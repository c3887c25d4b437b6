"""Morphological analysis: lemma terms across conjugation and spacing, surface terms, negation."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from playbook.text import english, morph
from playbook.text.morph import Match, TermKind, analyse, compile_term, find_terms


def matches(term: str, text: str) -> list[Match]:
    return find_terms(analyse(text), [compile_term(term)])


def found(term: str, text: str) -> list[str]:
    return [m.found for m in matches(term, text)]


@pytest.mark.parametrize(
    ("term", "text", "span"),
    [
        ("안 되다", "안 됩니다", "안 됩니다"),
        ("안 되다", "인터넷 안되네요", "안되네요"),
        ("안 되다", "결제가 안 돼요", "안 돼요"),
        ("안 되다", "와이파이 또 안됨??", "안됨"),
        ("끊기다", "통화가 자꾸 끊깁니다", "끊깁니다"),
        ("끊기다", "영상이 끊겨요", "끊겨요"),
        ("끊기다", "계속 끊김", "끊김"),
        ("말이 되다", "이게 말이 됩니까?", "말이 됩니까"),
        ("crash", "the app crashed again", "crashed"),
        ("crash", "keeps crashing", "crashing"),
        ("crash", "it crashes every hour", "crashes"),
        ("cut off", "my call cuts off", "cuts off"),
        ("cut off", "got cut off twice", "cut off"),
    ],
)
def test_a_lemma_term_matches_every_conjugation_and_spacing(
    term: str, text: str, span: str
) -> None:
    assert compile_term(term).kind is TermKind.LEMMA
    assert found(term, text) == [span]


@pytest.mark.parametrize(
    ("term", "text"),
    [
        ("돎", "머릿속에서 맴돎"),  # 돌다 is not inside 맴돌다
        ("말이 되다", "말도 안 됨"),  # the term's particle must be there
        ("안 되다", "안. 됩니다"),  # punctuation breaks a run
        ("crash", "crashpad is fine"),
        ("crash", "see https://example.com/crash"),
    ],
)
def test_a_lemma_term_matches_whole_morphemes_only(term: str, text: str) -> None:
    assert found(term, text) == []


def test_a_particle_in_the_text_may_sit_inside_a_phrase() -> None:
    assert found("서비스 불만", "서비스에 불만 많아요") == ["서비스에 불만"]


def test_the_analysis_gives_da_lemmas_nouns_and_offsets() -> None:
    analysis = analyse("RT @abc: 안 됩니다. 끊깁니다. 됩니까? 요금 불만")
    assert analysis.text == "안 됩니다. 끊깁니다. 됩니까? 요금 불만"
    assert [lemma for lemma in analysis.lemmas if lemma.endswith("다")] == [
        "되다",
        "끊기다",
        "되다",
    ]
    assert analysis.nouns == ("요금", "불만")
    for token in analysis.tokens:
        assert 0 <= token.start < token.end <= len(analysis.text)


def test_english_words_inside_korean_text_are_lemmatised() -> None:
    analysis = analyse("LTE 계속 crashing 중이에요 ㅠㅠ")
    assert {"lte", "crash"} <= set(analysis.lemmas)
    assert found("lte 먹통", "오늘 LTE 먹통이네") == ["lte 먹통"]


@pytest.mark.parametrize(
    ("word", "lemma"),
    [
        ("crashed", "crash"),
        ("crashes", "crash"),
        ("cuts", "cut"),
        ("cutting", "cut"),
        ("replied", "reply"),
        ("charged", "charge"),
        ("updated", "update"),
        ("stopped", "stop"),
        ("hoping", "hope"),
        ("issues", "issue"),
        ("paid", "pay"),
        ("went", "go"),
        ("status", "status"),
        ("news", "news"),
        ("need", "need"),
    ],
)
def test_english_lemmas(word: str, lemma: str) -> None:
    assert english.lemma(word) == lemma


def test_english_contractions_split_off_not() -> None:
    words = [(w.form, w.lemma) for w in english.words("don't can't it's we're")]
    assert words == [
        ("do", "do"),
        ("n't", "not"),
        ("ca", "can"),
        ("n't", "not"),
        ("it", "it"),
        ("we", "we"),
        ("'re", "be"),
    ]


@pytest.mark.parametrize(
    ("term", "text", "span"),
    [
        ("ㅅㅂ", "화상회의 세 번 튕김 ㅅㅂ..", "ㅅㅂ"),
        ("ㅅㅂ", "ㅅㅂㄹㅁ", "ㅅㅂ"),
        ("😡", "요금 두 배 😡😡", "😡"),
        ("❤️", "한빛 최고 ❤", "❤"),
        ("f*ck", "F*CK this update", "f*ck"),
    ],
)
def test_chosung_emoji_and_symbols_are_surface_terms(term: str, text: str, span: str) -> None:
    assert compile_term(term).kind is TermKind.SURFACE
    assert found(term, text)[0] == span


def test_a_latin_surface_term_is_not_found_inside_a_word() -> None:
    assert found("f*ck", "xf*ckx") == []


@pytest.mark.parametrize(
    ("term", "text"),
    [
        ("불만", "5년째 한빛 쓰는데 불만 없어요. 통화 품질 좋아요"),
        ("불만", "불만은 전혀 없습니다"),
        ("문제", "문제 없음"),
        ("문제", "문제없음"),
        ("사실", "사실이 아닙니다"),
        ("좋다", "좋지 않아요"),
        ("좋다", "안 좋아요"),
        ("받다", "환불 받지 못했어요"),
        ("사과", "사과도 안 함"),
        ("complaint", "no complaints"),
        ("bad", "not bad"),
        ("issue", "never had an issue"),
        ("crash", "it didn't crash once"),
        ("lag", "without any lag"),
    ],
)
def test_a_term_under_a_negator_is_negated(term: str, text: str) -> None:
    [match] = matches(term, text)
    assert match.negated


@pytest.mark.parametrize(
    ("term", "text"),
    [
        ("불만", "요금 불만 많아요"),
        ("좋다", "통화 품질 좋아요"),
        ("안 되다", "안 돼요"),  # the negator is part of the term
        ("not bad", "not bad at all"),
        ("crash", "not bad, but it crashes"),  # the clause ends the negator's reach
        ("issue", "no refund and another issue"),
        ("issue", "never got a reply about my issue"),  # too far away
    ],
)
def test_a_term_outside_any_negator_is_not_negated(term: str, text: str) -> None:
    [match] = matches(term, text)
    assert not match.negated


def test_an_empty_term_is_refused() -> None:
    with pytest.raises(ValueError, match="empty term"):
        compile_term(" \ufe0f ")


def test_negation_is_asked_by_text_span_too() -> None:
    analysis = analyse("불만 없어요")
    assert analysis.negated(0, 2)
    assert not analysis.negated(0, len(analysis.text))  # the negator itself is inside


def test_matches_come_in_text_order_with_kind_and_flag() -> None:
    terms = morph.compile_terms(["ㅅㅂ", "안 되다", "불만", "불만", " "])
    assert [t.text for t in terms] == ["ㅅㅂ", "안 되다", "불만"]
    got = find_terms(analyse("불만 없음. 근데 앱이 안 돼요 ㅅㅂ"), terms)
    assert [(m.term, m.kind, m.negated) for m in got] == [
        ("불만", TermKind.LEMMA, True),
        ("안 되다", TermKind.LEMMA, False),
        ("ㅅㅂ", TermKind.SURFACE, False),
    ]


def test_reposts_and_near_copies_share_one_analysis() -> None:
    morph.clear_cache()
    first = analyse("한빛 인터넷 또 안됨")
    assert analyse("RT @someone: 한빛  인터넷 또 안됨 ") is first
    assert analyse("한빛 인터넷 또 안됨\ufe0f") is first


def test_analysis_reads_a_bounded_prefix() -> None:
    assert len(analyse("가" * (morph.MAX_CHARS + 500)).text) == morph.MAX_CHARS


def test_one_kiwi_for_every_thread() -> None:
    with ThreadPoolExecutor(8) as pool:
        built = set(pool.map(lambda _: id(morph.get_kiwi()), range(32)))
    assert len(built) == 1


def test_threads_get_the_same_analyses() -> None:
    texts = [f"{n}번째 글: 인터넷이 안 돼요, not bad though" for n in range(50)]
    alone = [analyse(t) for t in texts]
    morph.clear_cache()
    with ThreadPoolExecutor(4) as pool:
        assert list(pool.map(analyse, texts)) == alone
