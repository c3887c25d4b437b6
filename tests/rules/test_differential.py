"""Differential test: durable-rules and the plain Python evaluator agree on random rules."""

from __future__ import annotations

import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from playbook.rules import conditions as c
from playbook.rules.python_backend import PythonMatcher

if sys.version_info >= (3, 13):  # durable-rules does not build there; the fallback is tested
    durable_backend = pytest.importorskip("playbook.rules.durable_backend")
else:
    from playbook.rules import durable_backend

NAMES = ["a", "b", "n", "s", "flag"]
scalars = st.one_of(
    st.booleans(),
    st.integers(min_value=-5, max_value=5),
    st.sampled_from([-1.5, 0.0, 2.5, 1e6]),
    st.sampled_from(["", "x", "한빛", "ㅋㅋ", "yes", "Y"]),
)
leaves = st.one_of(
    st.builds(
        c.Cmp,
        st.sampled_from(NAMES),
        st.sampled_from(["eq", "neq", "gt", "gte", "lt", "lte"]),
        scalars,
    ),
    st.builds(c.Cmp, st.sampled_from(NAMES), st.just("exists")),
    st.builds(c.Const, st.booleans()),
)
trees = st.recursive(
    leaves,
    lambda inner: st.one_of(
        st.builds(lambda xs: c.All(tuple(xs)), st.lists(inner, max_size=3)),
        st.builds(lambda xs: c.Any_(tuple(xs)), st.lists(inner, max_size=3)),
        st.builds(c.Not, inner),
    ),
    max_leaves=10,
)
fact_sets = st.dictionaries(st.sampled_from(NAMES), scalars, max_size=len(NAMES))


@settings(
    max_examples=150,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    rules=st.lists(trees, min_size=1, max_size=20),
    facts=st.lists(fact_sets, min_size=1, max_size=8),
)
def test_backends_agree(rules: list[c.Cond], facts: list[c.Facts]) -> None:
    compiled = [c.CompiledRule(f"rule{i}", 0, cond) for i, cond in enumerate(rules)]
    durable = durable_backend.DurableMatcher(compiled, "diff")
    oracle = PythonMatcher(compiled)
    try:
        for one in facts:
            assert durable.match(one) == oracle.match(one), (rules, one)
    finally:
        durable.close()
