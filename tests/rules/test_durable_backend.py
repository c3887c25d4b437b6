"""The durable-rules adapter: semantics, session hygiene, threads, and the fallback choice."""

from __future__ import annotations

import sys
import threading

import pytest

from playbook.rules import conditions as c
from playbook.rules.backends import make_matcher
from playbook.rules.python_backend import PythonMatcher

if sys.version_info >= (3, 13):
    durable_backend = pytest.importorskip("playbook.rules.durable_backend")
else:
    from playbook.rules import durable_backend

RULES = [
    c.CompiledRule("big", 0, c.Cmp("followers", "gte", 10000)),
    c.CompiledRule("not-big", 0, c.Not(c.Cmp("followers", "gte", 10000))),
    c.CompiledRule("korean", 0, c.Cmp("lang", "eq", "ko")),
    c.CompiledRule("flag", 0, c.Cmp("x_0", "eq", True)),
    c.CompiledRule(
        "deep",
        0,
        c.All(
            (
                c.Any_(
                    (
                        c.All(
                            (
                                c.Any_((c.Cmp("a", "eq", 1), c.Cmp("b", "eq", 2))),
                                c.Not(c.Cmp("lang", "eq", "en")),
                            )
                        ),
                        c.Cmp("x_0", "eq", True),
                    )
                ),
                c.Cmp("followers", "exists"),
            )
        ),
    ),
]


@pytest.fixture
def matcher():
    built = durable_backend.DurableMatcher(RULES, "test")
    yield built
    built.close()


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        ({"followers": 20000}, ["big"]),
        ({"followers": 5}, ["not-big"]),
        ({}, ["not-big"]),
        ({"followers": "20000"}, ["not-big"]),
        ({"lang": "ko", "followers": 1}, ["not-big", "korean"]),
        ({"x_0": True}, ["not-big", "flag"]),
        ({"x_0": 1}, ["not-big"]),
        ({"a": 1, "followers": 3, "x_0": False}, ["not-big", "deep"]),
        ({"a": 1, "followers": 3, "lang": "en"}, ["not-big"]),
    ],
)
def test_semantics_match_the_reference(matcher, facts, expected) -> None:
    assert matcher.match(facts) == expected
    assert PythonMatcher(RULES).match(facts) == expected


def test_sessions_are_always_deleted(matcher) -> None:
    # More than the engine's 1,024 live sessions per ruleset.
    for i in range(2500):
        assert matcher.match({"followers": i})


def test_threads_agree_with_one_thread(matcher) -> None:
    inputs = [
        {"followers": i * 997 % 20000, "lang": "ko" if i % 2 else "en", "x_0": i % 3 == 0}
        for i in range(200)
    ]
    expected = [matcher.match(f) for f in inputs]
    barrier = threading.Barrier(8)
    results: list[list[list[str]]] = [[] for _ in range(8)]

    def work(slot: int) -> None:
        barrier.wait()
        results[slot] = [matcher.match(f) for f in inputs]

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(r == expected for r in results)


def test_bad_facts_are_refused(matcher) -> None:
    with pytest.raises(ValueError):
        matcher.match({"Bad Name": 1})
    with pytest.raises(ValueError):
        matcher.match({"s": "x" * 300})
    with pytest.raises(ValueError):
        matcher.match({"l": [1, 2]})  # type: ignore[dict-item]


def test_closed_matcher_refuses_and_same_rules_load_again() -> None:
    first = durable_backend.DurableMatcher(RULES, "same")
    first.close()
    with pytest.raises(RuntimeError):
        first.match({})
    second = durable_backend.DurableMatcher(RULES, "same")
    assert second.match({"followers": 1}) == ["not-big"]
    second.close()


def test_make_matcher_choices() -> None:
    assert make_matcher(RULES, "v", "python").name == "python"
    assert make_matcher(RULES, "v", "auto").name == "durable"
