"""`match: words` lists: lemmas and phrases on morpheme boundaries, negation, as-written terms."""

from __future__ import annotations

import pytest

from playbook.editor.check import check_text
from playbook.text.keywords import WordSet

FAILURES = WordSet(
    ["안 되다", "끊기다", "말이 되다", "돎", "불만", "complaint", "=정상인가"], skip_negated=True
)


@pytest.mark.parametrize(
    ("text", "term"),
    [
        ("결제가 안 됩니다", "안 되다"),
        ("앱이 안되네요", "안 되다"),
        ("왜 안 돼요", "안 되다"),
        ("로그인 안됨", "안 되다"),
        ("인터넷이 계속 끊깁니다", "끊기다"),
        ("이게 말이 됩니까", "말이 되다"),
        ("서비스에 불만이 많아요", "불만"),
        ("I filed a complaint", "complaint"),
        ("이거 정상인가요", "=정상인가"),
    ],
)
def test_every_conjugation_and_spacing_matches(text: str, term: str) -> None:
    assert FAILURES.find(text) == [term]


@pytest.mark.parametrize(
    "text", ["한참 맴돎", "5년째 쓰는데 불만 없어요", "no complaints at all", "정상 영업합니다"]
)
def test_inside_words_and_under_negation_nothing_counts(text: str) -> None:
    assert not FAILURES.hits(text)
    assert FAILURES.find(text) == []


def test_a_negated_hit_counts_when_negation_is_ignored() -> None:
    plain = WordSet(["불만"])
    assert plain.hits("불만 없어요")
    (match,) = plain.matches("불만 없어요")
    assert match.negated and match.found == "불만"


HEAD = "organisation: {name: Example}\nlists:\n"
RULE = "rules:\n  - id: a\n    when: {fact: text, contains_any: words}\n    then: {category: complaint}\n"


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ("match: lemma", "rules.yaml:4:12: `lemma` is not allowed for `match`"),
        ("negation: drop", "rules.yaml:4:15: `drop` is not allowed for `negation`"),
        ("negation: skip", "rules.yaml:4:5: `negation: skip` needs `match: words`"),
        ("matches: words", "rules.yaml:4:5: unknown key `matches`"),
    ],
)
def test_check_refuses_a_bad_list_option_where_it_is(options: str, expected: str) -> None:
    text = HEAD + f"  words:\n    {options}\n    terms: [안 되다]\n" + RULE
    problems = [str(p) for p in check_text(text, "rules.yaml")]
    assert any(p.startswith(expected) for p in problems), problems


def test_a_words_list_checks_clean() -> None:
    text = HEAD + "  words:\n    match: words\n    negation: skip\n    terms: [안 되다]\n" + RULE
    assert check_text(text, "rules.yaml") == []


def test_explain_shows_the_term_found_and_whether_negated() -> None:
    from datetime import UTC, datetime

    from playbook.editor.explain import explain
    from playbook.intake.events import EventIn
    from playbook.rules.playbook import Playbook

    text = (
        HEAD + "  words:\n    match: words\n    negation: skip\n    terms: [불만, 안 되다]\n" + RULE
    )
    playbook = Playbook.from_text(text, backend="python")
    event = EventIn(id="1", source="twitter", text="불만 없어요. 근데 앱은 안 돼요")
    result = explain(playbook, event, now=datetime(2026, 12, 1, tzinfo=UTC))
    leaf = result["rules"][0]["when"]
    assert leaf["found"] == ["안 되다"]
    shown = [(m["term"], m["text"], m["negated"]) for m in leaf["matches"]]
    assert shown == [("불만", "불만", True), ("안 되다", "안 돼요", False)]
