"""The guard index: which facts a rule cannot hold without, and the candidates it gives."""

from __future__ import annotations

import pytest

from playbook.rules.compile import conditions as c
from playbook.rules.match.python import PythonMatcher

FLAG = c.Cmp("x_1", "eq", True)
OTHER = c.Cmp("x_2", "eq", True)


@pytest.mark.parametrize(
    ("cond", "keys"),
    [
        pytest.param(FLAG, {("x_1", "bool", True)}, id="a-flag"),
        pytest.param(c.Cmp("n", "gt", 3), {("n", "present", None)}, id="a-number-needs-the-fact"),
        pytest.param(c.Cmp("n", "exists"), {("n", "present", None)}, id="exists"),
        pytest.param(c.Cmp("n", "eq", 2.0), {("n", "number", 2)}, id="eq-number"),
        pytest.param(c.Cmp("x_1", "neq", True), {("x_1", "present", None)}, id="neq-needs-it"),
        pytest.param(
            c.All((c.Cmp("n", "gt", 3), FLAG)), {("x_1", "bool", True)}, id="all-takes-the-rarest"
        ),
        pytest.param(
            c.Any_((FLAG, c.Cmp("lang", "eq", "ko"))),
            {("x_1", "bool", True), ("lang", "str", "ko")},
            id="any-needs-one-of-each",
        ),
        pytest.param(c.Not(c.Not(FLAG)), {("x_1", "bool", True)}, id="double-negation"),
        pytest.param(c.Not(c.Any_((c.Not(FLAG), OTHER))), {("x_1", "bool", True)}, id="de-morgan"),
        pytest.param(c.Const(False), set(), id="never"),
        pytest.param(c.All((FLAG, c.Cmp("n", "gt", True))), set(), id="ordering-a-boolean-never"),
    ],
)
def test_guards(cond: c.Cond, keys: set[c.Key]) -> None:
    assert c.guard(cond) == keys


@pytest.mark.parametrize(
    "cond",
    [
        c.Not(FLAG),  # true when x_1 is missing or false
        c.Not(c.Cmp("n", "gt", 3)),
        c.Any_((FLAG, c.Not(OTHER))),
        c.Const(True),
        c.All(()),
    ],
    ids=["not", "not-number", "any-with-a-negation", "true", "empty-all"],
)
def test_conditions_without_a_guard(cond: c.Cond) -> None:
    assert c.guard(cond) is None


def test_a_key_tested_by_many_rules_is_passed_over() -> None:
    # Every rule tests `lang`; only this one tests x_1: x_1 tells them apart.
    conds = [c.All((c.Cmp("lang", "eq", "ko"), c.Cmp(f"x_{i}", "eq", True))) for i in range(50)]
    index = c.RuleIndex(conds)
    assert index.guards[1] == {("x_1", "bool", True)}
    assert index.candidates({"lang": "ko", "x_1": True, "x_2": False}) == [1]


def test_candidates_do_not_grow_with_the_ruleset() -> None:
    # What makes matching sub-linear: a fact set concerning one flag meets that flag's rules.
    for size in (10, 100, 1000, 10_000):
        conds = [
            c.All((c.Cmp("n", "gte", i % 3), c.Cmp(f"x_{i % 50}", "eq", True))) for i in range(size)
        ]
        index = c.RuleIndex(conds)
        facts: c.Facts = {f"x_{j}": j == 7 for j in range(50)}
        facts["n"] = 1
        assert len(index.candidates(facts)) == max(1, size // 50)


def test_equal_values_of_one_kind_meet_and_booleans_are_not_numbers() -> None:
    conds = [c.Cmp("n", "eq", 1), c.Cmp("n", "eq", True), c.Cmp("n", "eq", -0.0)]
    index = c.RuleIndex(conds)
    assert index.candidates({"n": 1.0}) == [0]
    assert index.candidates({"n": True}) == [1]
    assert index.candidates({"n": 0}) == [2]
    assert index.candidates({"n": "1"}) == []


def test_unguarded_rules_are_always_candidates() -> None:
    conds = [c.Not(FLAG), FLAG, c.Const(False)]
    index = c.RuleIndex(conds)
    assert index.candidates({}) == [0]
    assert index.candidates({"x_1": True}) == [0, 1]


def test_the_python_matcher_with_and_without_the_index() -> None:
    rules = [c.CompiledRule(f"r{i}", 0, c.Cmp(f"x_{i % 5}", "eq", True)) for i in range(20)]
    facts: c.Facts = {"x_2": True, "x_3": False}
    expected = ["r2", "r7", "r12", "r17"]
    assert PythonMatcher(rules).match(facts) == expected
    assert PythonMatcher(rules, indexed=False).match(facts) == expected


def test_sub_conditions_equal_as_dataclasses_but_of_other_kinds_stay_apart() -> None:
    # Cmp("a", "eq", 0) == Cmp("a", "eq", False) in Python; the matcher must not share them.
    zero, false = c.Cmp("a", "eq", 0), c.Cmp("a", "eq", False)
    rules = [
        c.CompiledRule("number", 0, c.Any_((zero, c.Not(zero)))),
        c.CompiledRule("flag", 0, c.All((c.Any_((false,)), c.Cmp("x_1", "eq", True)))),
        c.CompiledRule("flag-again", 0, c.All((c.Any_((false,)), c.Cmp("x_1", "eq", True)))),
        c.CompiledRule("zero", 0, c.All((c.Any_((zero,)), c.Cmp("x_1", "eq", True)))),
    ]
    matcher = PythonMatcher(rules)
    assert matcher.match({"a": 0, "x_1": True}) == ["number", "zero"]
    assert matcher.match({"a": False, "x_1": True}) == ["number", "flag", "flag-again"]
