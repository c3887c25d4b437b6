"""Near-duplicate posts: Korean without a tokenizer, reposts, small edits, unrelated stories."""

from __future__ import annotations

import itertools
import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from playbook.text.similarity import MAX_CHARS, band_keys, shingles, signature, similarity

RUMOUR = (
    "한빛텔레콤이 다음 달부터 기본요금을 30% 올린다는 내부 문건이 돌고 있다고 합니다. 사실인가요?"
)
RUMOUR_EN = (
    "Hanbit Telecom is said to be raising every basic plan by 30% next month, says a leaked memo."
)

VARIANTS = [
    RUMOUR + " #한빛텔레콤 #요금인상 😡😡",
    RUMOUR + " 2026.11.23 https://t.co/AbCdEf",
    "RT @rumour_mill: " + RUMOUR,
    "RT @kim: RT @lee: " + RUMOUR + " @hanbit_care",
    RUMOUR.replace("30%", "40%").replace("합니다", "하네요"),
    RUMOUR.replace("내부 문건", "내부문건").replace("사실인가요?", "사실인가요??"),
    "이거 진짜임? " + RUMOUR,
    "헐 " + RUMOUR + " ㄷㄷ",
]

STORIES = [
    "어제부터 집 인터넷이 계속 끊겨요. 공유기를 껐다 켜도 그대로입니다.",
    "매장 직원분이 정말 친절하게 설명해주셔서 기분 좋게 개통했어요.",
    "이번 달 청구서에 가입한 적 없는 부가서비스 요금이 들어가 있네요.",
    "새로 산 휴대폰 배터리가 하루도 못 가고 뜨거워집니다. 교환 되나요?",
    "고객센터에 전화하면 대기만 사십 분째라 너무 답답합니다.",
    "한빛 회장이 해외로 도피했다는 찌라시가 단톡방에 돌던데 누가 좀 알려주세요.",
    "앱 업데이트 이후로 로그인이 안 되고 계속 오류 코드만 뜹니다.",
    "택배가 일주일째 같은 물류센터에 머물러 있어요. 언제 오나요?",
    "채용 면접에서 면접관이 개인적인 질문만 하더라고요. 불쾌했습니다.",
    "지하철 역 안에서는 왜 이렇게 신호가 약한 건지 모르겠어요.",
    "My bill doubled this month and nobody can tell me why.",
    "The store clerk was rude and refused to take back my broken charger.",
    "Is it true that the company is being sold to a foreign investor?",
    "Five hours without any mobile signal downtown, what is going on?",
    "Thanks to the support agent who fixed my roaming problem in minutes!",
    "The new app keeps crashing whenever I open the payments screen.",
    "Heard the CEO is stepping down after the accounting scandal.",
    "My parcel was marked delivered but it never arrived at my door.",
    "Why does cancelling a contract require a visit in person?",
    "The phone overheated and the screen cracked while it was charging.",
]


@pytest.mark.parametrize("variant", VARIANTS)
def test_copies_and_variants_of_a_rumour_are_similar(variant: str) -> None:
    assert similarity(signature(RUMOUR), signature(variant)) >= 0.6


def test_english_copies_are_similar() -> None:
    quote = "Wow, is this real? " + RUMOUR_EN
    edited = RUMOUR_EN.replace("every", "all the").replace("memo", "memo!!")
    for variant in (quote, edited, "RT @x: " + RUMOUR_EN + " #hanbit"):
        assert similarity(signature(RUMOUR_EN), signature(variant)) >= 0.6


def test_twenty_unrelated_stories_are_pairwise_dissimilar() -> None:
    assert len(STORIES) == 20
    sigs = [signature(story) for story in [*STORIES, RUMOUR, RUMOUR_EN]]
    worst = max(similarity(a, b) for a, b in itertools.combinations(sigs, 2))
    assert worst < 0.3


def test_identical_posts_score_one_and_the_measure_is_symmetric() -> None:
    a, b = signature(RUMOUR), signature(VARIANTS[4])
    assert similarity(a, a) == 1.0
    assert similarity(a, b) == similarity(b, a)


def test_signature_is_a_plain_tuple_of_integers() -> None:
    sig = signature(RUMOUR)
    assert len(sig) == 64 and all(isinstance(v, int) for v in sig)
    assert tuple(json.loads(json.dumps(sig))) == sig
    assert len(signature(RUMOUR, num_perm=128)) == 128


def test_signature_is_the_same_in_another_process() -> None:
    code = (
        "import json, sys; from playbook.text.similarity import signature, band_keys; "
        "sig = signature(sys.argv[1]); print(json.dumps([sig, band_keys(sig)]))"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-c", code, RUMOUR],
        capture_output=True,
        text=True,
        env=env,
        cwd=root,
        check=True,
    )
    sig, keys = json.loads(done.stdout)
    assert tuple(sig) == signature(RUMOUR)
    assert keys == band_keys(signature(RUMOUR))


def test_band_keys_are_short_distinct_strings() -> None:
    keys = band_keys(signature(RUMOUR))
    assert len(keys) == 16 and len(set(keys)) == 16
    assert all(isinstance(k, str) and len(k) <= 24 for k in keys)
    assert len(band_keys(signature(RUMOUR), bands=32)) == 32


def test_near_duplicates_share_a_band_key_and_unrelated_posts_do_not() -> None:
    rumour_keys = set(band_keys(signature(RUMOUR)))
    for variant in VARIANTS:
        assert rumour_keys & set(band_keys(signature(variant)))
    for story in STORIES:
        assert not rumour_keys & set(band_keys(signature(story)))


def test_band_keys_need_equal_bands() -> None:
    with pytest.raises(ValueError, match="equal bands"):
        band_keys(signature(RUMOUR), bands=10)


def test_signatures_of_different_sizes_do_not_compare() -> None:
    with pytest.raises(ValueError, match="differ in length"):
        similarity(signature(RUMOUR), signature(RUMOUR, num_perm=128))


@pytest.mark.parametrize("text", ["", "😂😂😂", "https://t.co/x @hanbit 2026", "#해시태그"])
def test_posts_without_words_are_similar_to_nothing(text: str) -> None:
    sig = signature(text)
    assert similarity(sig, sig) == 0.0
    assert similarity(sig, signature(RUMOUR)) == 0.0
    assert band_keys(sig) == []


def test_short_posts() -> None:
    assert shingles("환불") == {"환불"}
    assert shingles("환불해줘") == {"환불해", "불해줘"}
    assert similarity(signature("환불해줘!!"), signature("환불해줘 😡")) == 1.0
    assert similarity(signature("ㅋㅋㅋ"), signature("ㅋㅋㅋ")) == 1.0
    assert similarity(signature("환불해줘"), signature("요금 폭탄")) < 0.3
    assert similarity(signature("최악"), signature("최고")) < 0.3


def test_repeating_a_post_adds_almost_nothing() -> None:
    assert similarity(signature(RUMOUR + " " + RUMOUR + " " + RUMOUR), signature(RUMOUR)) >= 0.9


def test_two_million_characters() -> None:
    syllables = [chr(0xAC00 + (i * 7919) % 11172) for i in range(2_000_000)]
    text = RUMOUR + " " + "".join(syllables)
    assert len(text) > 2_000_000
    assert len(shingles(text)) <= MAX_CHARS
    sig = signature(text)
    # Only the start of a long post is compared: the rest changes nothing.
    assert sig == signature(text[:1_000_000])
    assert 0.0 < similarity(sig, signature(RUMOUR)) < 0.3


def _edited_pairs(edits: int, count: int = 200) -> list[tuple[str, str]]:
    """Pairs of 80-syllable posts that differ in `edits` places (Jaccard about 0.7 for 5)."""
    rng = random.Random(edits)
    pairs = []
    for _ in range(count):
        base = [chr(0xAC00 + rng.randrange(11172)) for _ in range(80)]
        edited = list(base)
        for place in rng.sample(range(80), edits):
            edited[place] = chr(0xAC00 + rng.randrange(11172))
        pairs.append(("".join(base), "".join(edited)))
    return pairs


def _share_a_key(a: str, b: str) -> bool:
    return bool(set(band_keys(signature(a))) & set(band_keys(signature(b))))


def test_band_keys_find_most_near_duplicates() -> None:
    pairs = _edited_pairs(edits=5)
    assert min(_jaccard(a, b) for a, b in pairs) > 0.65
    assert sum(_share_a_key(a, b) for a, b in pairs) >= 0.9 * len(pairs)


def test_band_keys_rarely_pair_unrelated_posts() -> None:
    pairs = _edited_pairs(edits=80)
    assert sum(_share_a_key(a, b) for a, b in pairs) <= 0.02 * len(pairs)


def _jaccard(a: str, b: str) -> float:
    left, right = shingles(a), shingles(b)
    return len(left & right) / len(left | right)
