"""Editor regexes: invalid ones and ones that can hang on a long post are refused, in plain words."""

from __future__ import annotations

import pytest

from playbook.text.regex_safety import MAX_PATTERN, check


@pytest.mark.parametrize(
    ("pattern", "position"),
    [
        ("(a+)+", 0),
        ("(a*)*", 0),
        (r"(\w+\s?)+", 0),
        ("(.*)*", 0),
        (r"^(\w+\s?)*$", 1),
        ("(?:a+)+", 0),
        ("(.*,)*", 0),
        ("(.*?,)+", 0),
        (r"(\d+,?)+", 0),
        (r"(-?\d+)+", 0),
        (r"(\w+|-)+", 0),
        ("(a{1,3})+", 0),
        ("(a+){3}", 0),
        ("(ㅋ+ㅎ*)+", 0),
        ("((a+)b?)*", 0),
        ("(?i)(A+a)+", 4),
        ("(?=(a+)+b)", 3),
        ("환불.*(요+)+", 4),
    ],
)
def test_nested_repeats_are_refused(pattern: str, position: int) -> None:
    [problem] = check(pattern)
    assert problem.position == position
    assert "repeats something that itself repeats" in problem.message


@pytest.mark.parametrize(
    "pattern", ["(a|a)*", "(a|ab)*", r"(\d|\d\d)+", "(ab|a.)+", "(사과|사과문)+", "(x(?:|y))+"]
)
def test_repeated_alternatives_that_match_the_same_text_are_refused(pattern: str) -> None:
    [problem] = check(pattern)
    assert problem.position == 0
    assert "two alternatives can match the same text" in problem.message


@pytest.mark.parametrize(
    "pattern",
    [
        r"^\d{3}-\d{4}$",
        "환불(해|좀)",
        "(?i)is it true",
        r"[가-힣](설|썰)(이|은|\s|$)",
        r"(\w+\s)+",
        r"(\d+,)*\d+",
        r"(\d{1,3}\.){3}\d{1,3}",
        r"(\d{2,4}[-.]?){3}",
        "([^,]*,)+",
        "(foo|bar)+",
        "(a|b)+",
        "(ㅋㅋ|ㅎㅎ)+",
        "ㅋ{2,}",
        "(환불|교환)+",
        "(요금+)+",
        r"(진짜|정말)\s*(최악|별로)",
        r"https?://\S+",
        r"(\s?\w)+",
        "(ab?)+",
        r"\(a+\)+",
        "[(]a+[)]+",
        "(a++)+",
        "(?>a+)+",
        "(a+)++",
        r"\b(refund|money back)\b",
        "(?x) 환불 \\s* (해줘|좀)  # 환불 요구",
    ],
)
def test_ordinary_patterns_pass(pattern: str) -> None:
    assert check(pattern) == []


def test_every_problem_is_reported_at_its_own_place() -> None:
    problems = check("x(a+)+y(b*)*z(c|cd)*")
    assert [p.position for p in problems] == [1, 7, 13]
    assert problems[0].message.startswith("the repeated part `(a+)+` repeats")
    assert problems[1].message.startswith("the repeated part `(b*)*` repeats")
    assert problems[2].message.startswith("in the repeated part `(c|cd)*`, two alternatives")


def test_a_group_inside_a_reported_group_is_not_reported_again() -> None:
    [problem] = check("((a+)+)+")
    assert problem.position == 0


def test_verbose_patterns_are_located_too() -> None:
    [problem] = check("(?x) ( a + ) +  # (comment")
    assert problem.position == 5


@pytest.mark.parametrize(
    ("pattern", "words", "position"),
    [
        ("(a", "is opened but never closed", 0),
        ("a)", "has no opening bracket", 1),
        ("*a", "nothing before it to repeat", 0),
        ("a**", "two repeat signs", 2),
        ("[a", "never closed with ]", 0),
        (r"\q", "bad escape", 0),
        ("(?P<x>a)(?P<x>b)", "redefinition", 12),
    ],
)
def test_invalid_patterns_say_what_is_wrong_and_where(
    pattern: str, words: str, position: int
) -> None:
    [problem] = check(pattern)
    assert problem.message.startswith("this is not a valid pattern: ")
    assert words in problem.message
    assert problem.position == position
    assert f"(at character {position + 1})." in problem.message


def test_errors_found_when_compiling_are_reported() -> None:
    [problem] = check("(?<=a+)b")
    assert "fixed number of characters" in problem.message


def test_overlong_patterns_are_refused() -> None:
    [problem] = check("a" * (MAX_PATTERN + 1))
    assert "characters long" in problem.message
    assert check("a" * MAX_PATTERN) == []
