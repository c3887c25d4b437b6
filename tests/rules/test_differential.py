"""Differential test: durable-rules, the indexed Python matcher and the plain evaluator of
every rule (the oracle) agree on random rules, from one rule to 1,000-rule sets."""

from __future__ import annotations

import math
import random
import sys
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from playbook.rules.compile import conditions as c
from playbook.rules.match.python import PythonMatcher

if sys.version_info >= (3, 13):  # durable-rules does not build there; the fallback is tested
    durable_backend = pytest.importorskip("playbook.rules.match.durable")
else:  # on 3.11 and 3.12 a broken install must fail, not skip
    from playbook.rules.match import durable as durable_backend

# A few shared names, some of which the adapter or the engine use for themselves.
NAMES = ("a", "b", "id", "sid", "h0", "q")
OPS = ("eq", "neq", "gt", "gte", "lt", "lte")
TEXTS = (
    "",
    "ko",
    "KO",
    "ab",
    "ab ",
    "ab!",
    "한빛",
    "한국어",
    "ㅋㅋ",
    "ㅋㅋㅋ",
    'a"b',
    "a\\b",
    "😀",
)
NUMBERS = (0, 1, -1, 3, -2.5, -0.0, 0.5, 1.0, 2**53, -(2**53), math.inf, -math.inf, 5e-324)

strings = st.one_of(st.sampled_from(TEXTS), st.text(max_size=3))
numbers = st.one_of(st.sampled_from(NUMBERS), st.integers(-5, 5), st.floats(allow_nan=False))
scalars = st.one_of(st.booleans(), numbers, strings)
comparisons = st.one_of(
    st.builds(c.Cmp, st.sampled_from(NAMES), st.sampled_from(OPS), scalars),
    st.builds(c.Cmp, st.sampled_from(NAMES), st.just("exists")),
)
leaves = st.one_of(comparisons, st.builds(c.Const, st.booleans()))
fact_sets = st.dictionaries(st.sampled_from(NAMES), scalars)


def trees(depth: int) -> st.SearchStrategy[c.Cond]:
    """Condition trees of every node kind, at most `depth` deep."""
    if depth == 0:
        return leaves
    inner = trees(depth - 1)
    items = st.lists(inner, max_size=3).map(tuple)
    return st.one_of(leaves, items.map(c.All), items.map(c.Any_), inner.map(c.Not))


def big_trees(depth: int, conjunction: bool = True) -> st.SearchStrategy[c.Cond]:
    """Alternating All and Any_ of 3 items: past the engine's node and path limits."""
    if depth == 0:
        return st.one_of(comparisons, comparisons.map(c.Not))
    items = st.lists(big_trees(depth - 1, not conjunction), min_size=3, max_size=3)
    return items.map(tuple).map(c.All if conjunction else c.Any_)


def agree(conds: list[c.Cond], facts: list[c.Facts]) -> Any:
    """All three give the same ids for every fact set; returns the durable matcher (closed)."""
    rules = [c.CompiledRule(f"r{i}", 0, cond) for i, cond in enumerate(conds)]
    durable = durable_backend.DurableMatcher(rules, "diff")
    indexed = PythonMatcher(rules)
    oracle = PythonMatcher(rules, indexed=False)
    try:
        for one in facts:
            expected = oracle.match(one)
            assert indexed.match(one) == expected, ("index", one)
            assert durable.match(one) == expected, ("durable", one)
        return durable
    finally:
        durable.close()


COMMON = {"derandomize": True, "database": None, "deadline": None}


@settings(max_examples=600, **COMMON)
@given(cond=trees(4), facts=st.lists(fact_sets, min_size=1, max_size=6))
def test_one_rule(cond: c.Cond, facts: list[c.Facts]) -> None:
    agree([cond], facts)


@settings(max_examples=100, suppress_health_check=[HealthCheck.too_slow], **COMMON)
@given(
    conds=st.lists(trees(4), min_size=15, max_size=25),
    facts=st.lists(fact_sets, min_size=20, max_size=40),
)
def test_twenty_rules_many_fact_sets(conds: list[c.Cond], facts: list[c.Facts]) -> None:
    agree(conds, facts)


@settings(
    max_examples=20,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    **COMMON,
)
@given(
    conds=st.lists(big_trees(4), min_size=2, max_size=4),
    facts=st.lists(fact_sets, min_size=10, max_size=20),
)
def test_big_rules_past_the_engines_limits(conds: list[c.Cond], facts: list[c.Facts]) -> None:
    assert agree(conds, facts).hoisted > 0  # parts were hoisted: the limits were reached


@settings(max_examples=500, **COMMON)
@given(st.one_of(st.tuples(numbers, numbers), st.tuples(strings, strings)))
def test_encoding_keeps_order_within_a_kind(pair: tuple[c.Scalar, c.Scalar]) -> None:
    left, right = pair
    encoded = durable_backend.encode(left), durable_backend.encode(right)
    assert (encoded[0] < encoded[1]) is (left < right)  # type: ignore[operator]
    assert (encoded[0] == encoded[1]) is (left == right)


# --- many rules: the guard index and the durable shards -----------------------------------

# Facts like a playbook's: derived text booleans (mostly false), a few numbers and strings.
FLAGS = tuple(f"x_{i}" for i in range(40))
FIELDS = ("a", "b", "id", "q", "lang", "n")


def guarded_rules(rng: random.Random, count: int) -> list[c.Cond]:
    """Rules as editors write them: most need a flag; some only numbers, negations, `in`;
    many share sub-conditions (named conditions), which the Python matcher works out once."""
    named = [random_cond(rng, 2, []) for _ in range(8)]
    return [random_cond(rng, 3, named, top=True) for _ in range(count)]


def random_cond(rng: random.Random, depth: int, named: list[c.Cond], top: bool = False) -> c.Cond:
    roll = rng.random()
    if named and roll < 0.15:
        return rng.choice(named)
    if depth == 0 or roll < 0.3:
        return random_leaf(rng)
    items = tuple(random_cond(rng, depth - 1, named) for _ in range(rng.randint(0, 3)))
    if top and roll < 0.8:  # a flag that must hold, in any position
        items = (*items, c.Cmp(rng.choice(FLAGS), "eq", True))
        return c.All(tuple(rng.sample(items, len(items))))
    if roll < 0.65:
        return c.All(items)
    if roll < 0.9:
        return c.Any_(items)
    return c.Not(random_cond(rng, depth - 1, named))


def random_leaf(rng: random.Random) -> c.Cond:
    roll = rng.random()
    if roll < 0.4:
        return c.Cmp(rng.choice(FLAGS), rng.choice(("eq", "eq", "eq", "neq")), rng.random() < 0.8)
    if roll < 0.5:
        return c.Cmp(rng.choice(FIELDS), "exists")
    if roll < 0.55:
        return c.Const(rng.random() < 0.5)
    value: c.Scalar = rng.choice((*TEXTS, *NUMBERS, True, False, 0, 1, 2))
    return c.Cmp(rng.choice(FIELDS), rng.choice(OPS), value)


def random_facts(rng: random.Random) -> c.Facts:
    facts: c.Facts = {flag: rng.random() < 0.08 for flag in FLAGS if rng.random() < 0.95}
    for name in FIELDS:
        if rng.random() < 0.7:
            facts[name] = rng.choice((*TEXTS, *NUMBERS, True, False, 0, 1, 2))
    return facts


@pytest.mark.parametrize("seed", range(3))
def test_a_thousand_rules(seed: int) -> None:
    rng = random.Random(seed)
    conds = guarded_rules(rng, 1000)
    facts = [random_facts(rng) for _ in range(150)]
    facts += [{}, {flag: True for flag in FLAGS}, {name: 1 for name in FIELDS}]
    assert agree(conds, facts).shards > 1


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow], **COMMON)
@given(
    seed=st.integers(0, 2**32),
    count=st.integers(30, 300),
    facts=st.lists(
        st.dictionaries(st.sampled_from(FLAGS + FIELDS), scalars, max_size=12),
        min_size=5,
        max_size=25,
    ),
)
def test_many_rules_on_any_facts(seed: int, count: int, facts: list[c.Facts]) -> None:
    rng = random.Random(seed)
    agree(guarded_rules(rng, count), facts + [random_facts(rng) for _ in range(20)])
