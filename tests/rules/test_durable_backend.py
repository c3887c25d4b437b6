"""The durable-rules matcher: each operator, missing facts, kinds, limits, sessions, threads."""

from __future__ import annotations

import json
import logging
import math
import sys
import threading
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from playbook.rules.compile import conditions as c
from playbook.rules.match import backends
from playbook.rules.match.backends import make_matcher
from playbook.rules.match.python import PythonMatcher

try:
    from playbook.rules.match import durable as durable_backend
except ImportError:
    if sys.version_info < (3, 13):  # on 3.11 and 3.12 a broken install must fail, not skip
        raise
    durable_backend = None  # durable-rules does not build there; the fallback is still tested

needs_durable = pytest.mark.skipif(
    durable_backend is None, reason="durable-rules does not build on Python 3.13+"
)


def require_durable() -> None:
    if durable_backend is None:
        pytest.skip("durable-rules does not build on Python 3.13+")


def matches(cond: c.Cond, facts: c.Facts) -> bool:
    """Whether one rule holds, by durable-rules; checked against the reference too."""
    require_durable()
    rules = [c.CompiledRule("r", 0, cond)]
    matcher = durable_backend.DurableMatcher(rules, "one")
    try:
        got = matcher.match(facts) == ["r"]
    finally:
        matcher.close()
    assert got == c.evaluate(cond, facts), (cond, facts)
    return got


@pytest.fixture
def closing() -> Iterator[list[Any]]:
    require_durable()
    made: list[Any] = []
    yield made
    for matcher in made:
        matcher.close()


def build(closing: list[Any], rules: list[c.CompiledRule]) -> Any:
    matcher = durable_backend.DurableMatcher(rules, "test")
    closing.append(matcher)
    return matcher


# --- operators, kinds, missing facts ----------------------------------------------------

NUMBERS = [
    ("eq", 5, [(5, True), (5.0, True), (4, False), (6.5, False)]),
    ("neq", 5.0, [(5, False), (4, True), (-1e300, True)]),
    ("gt", 5, [(6, True), (5.0001, True), (5, False), (-math.inf, False)]),
    ("gte", 5, [(5, True), (5.5, True), (4.999, False)]),
    ("lt", 5, [(4, True), (-5, True), (5, False), (math.inf, False)]),
    ("lte", -2.5, [(-2.5, True), (-3, True), (-2, False), (0, False)]),
    ("eq", 0, [(-0.0, True), (5e-324, False)]),
    ("lt", 2**53, [(2**53 - 1, True), (float(2**53), False), (2**53, False)]),
]


@pytest.mark.parametrize(("op", "constant", "cases"), NUMBERS)
def test_number_operators(op: c.CmpOp, constant: float, cases: list[tuple[float, bool]]) -> None:
    for seen, expected in cases:
        assert matches(c.Cmp("x", op, constant), {"x": seen}) is expected, (op, seen)


STRINGS = [
    ("eq", "ko", [("ko", True), ("KO", False), ("k", False), ("ko ", False)]),
    ("neq", "ko", [("ko", False), ("en", True), ("", True)]),
    ("gt", "ab", [("abc", True), ("ab ", True), ("ab!", True), ("b", True), ("ab", False)]),
    ("gte", "ab", [("ab", True), ("ab\x00", True), ("aa", False)]),
    ("lt", "ab ", [("ab", True), ("a", True), ("ab!", False), ("ab ", False)]),
    ("lte", "", [("", True), ("a", False)]),
    ("eq", 'a"b\\c\n', [('a"b\\c\n', True), ("a", False)]),
]


@pytest.mark.parametrize(("op", "constant", "cases"), STRINGS)
def test_string_operators(op: c.CmpOp, constant: str, cases: list[tuple[str, bool]]) -> None:
    for seen, expected in cases:
        assert matches(c.Cmp("x", op, constant), {"x": seen}) is expected, (op, seen)


def raw_fired(definition: dict[str, Any], fact: dict[str, Any]) -> list[str]:
    """Rules durable-rules itself fires for one fact, without this module's encoding."""
    engine = durable_backend.engine
    guard = {"$nex": {"$s": 1}}
    definition = {**definition, "none": {"all": [{"m": guard}], "pri": 1000}}
    handle = engine.create_ruleset(f"raw_{uuid.uuid4().hex}", json.dumps(definition))
    fired: list[str] = []
    try:
        code, state = engine.assert_fact(handle, json.dumps({"sid": "1", "id": "f", **fact}))
        started = engine.start_action_for_state(handle, state)
        action = started[1] if started else None
        while action:
            fired.extend(json.loads(action))
            action = engine.complete_and_start_action(handle, state)
        engine.delete_state(handle, "1")
    finally:
        engine.delete_ruleset(handle)
    return [name for name in fired if name != "none"]


@needs_durable
def test_the_engines_own_string_order_is_wrong_for_prefixes() -> None:
    # Why values are hex-encoded: compared as raw JSON, "ab" sorts after "ab " (measured).
    below = {"r": {"all": [{"m": {"$lt": {"x": "ab "}}}]}}
    assert raw_fired(below, {"x": "ab"}) == []  # although "ab" < "ab " in Python
    assert raw_fired(below, {"x": "aa"}) == ["r"]


@needs_durable
def test_the_engine_fires_once_per_path() -> None:
    # Why MAX_PATHS exists: a fact reaching one rule along two $or branches fires it twice.
    either = {"r": {"all": [{"m": {"$or": [{"$eq": {"a": 1}}, {"$eq": {"b": 1}}]}}]}}
    assert raw_fired(either, {"a": 1, "b": 1}) == ["r", "r"]


def test_korean_strings() -> None:
    assert matches(c.Cmp("lang", "eq", "한국어"), {"lang": "한국어"})
    assert not matches(c.Cmp("lang", "eq", "한국어"), {"lang": "한국"})
    assert matches(c.Cmp("laugh", "lt", "ㅋㅋㅋ"), {"laugh": "ㅋㅋ"})
    assert matches(c.Cmp("laugh", "gt", "ㅋㅋㅋ"), {"laugh": "ㅋㅋㅋㅋ"})
    assert matches(c.Cmp("word", "lt", "나"), {"word": "가나다"})
    assert matches(c.Cmp("word", "gt", "z"), {"word": "가"})  # code-point order
    assert matches(c.Cmp("emoji", "eq", "😀"), {"emoji": "😀"})


def test_booleans_are_their_own_kind() -> None:
    assert matches(c.Cmp("flag", "eq", True), {"flag": True})
    assert not matches(c.Cmp("flag", "eq", True), {"flag": 1})
    assert not matches(c.Cmp("n", "eq", 1), {"n": True})
    assert matches(c.Cmp("flag", "neq", True), {"flag": False})
    assert not matches(c.Cmp("flag", "neq", True), {"flag": 0})
    assert not matches(c.Cmp("flag", "gt", False), {"flag": True})  # booleans have no order
    assert matches(c.Not(c.Cmp("flag", "gt", False)), {"flag": True})


@pytest.mark.parametrize("op", ["eq", "neq", "gt", "gte", "lt", "lte"])
@pytest.mark.parametrize("facts", [{}, {"x": "5"}, {"x": True}, {"y": 5}])
def test_missing_or_other_kind_is_false_and_its_negation_true(op: c.CmpOp, facts: c.Facts) -> None:
    assert not matches(c.Cmp("x", op, 5), facts)
    assert matches(c.Not(c.Cmp("x", op, 5)), facts)


def test_exists() -> None:
    assert matches(c.Cmp("x", "exists"), {"x": False})
    assert matches(c.Cmp("x", "exists"), {"x": ""})
    assert not matches(c.Cmp("x", "exists"), {"y": 1})
    assert matches(c.Not(c.Cmp("x", "exists")), {})


def test_negation_pushed_through_trees() -> None:
    cond = c.Not(c.Any_((c.Cmp("a", "gt", 10), c.All((c.Cmp("b", "eq", "x"), c.Const(True))))))
    assert matches(cond, {})
    assert matches(cond, {"a": 10, "b": "y"})
    assert not matches(cond, {"a": 11})
    assert not matches(cond, {"b": "x"})
    assert matches(c.Not(c.Not(c.Cmp("a", "eq", 1))), {"a": 1})


def test_constants_and_empty_groups() -> None:
    assert matches(c.All(()), {})
    assert not matches(c.Any_(()), {"x": 1})
    assert matches(c.Not(c.Any_(())), {})
    assert not matches(c.Not(c.Const(True)), {})
    assert matches(c.Any_((c.Const(False), c.Cmp("x", "exists"))), {"x": 1})
    assert not matches(c.Cmp("x", "eq", None), {"x": 1})
    assert matches(c.Not(c.Cmp("x", "eq", None)), {"x": 1})


def test_fact_names_the_engine_uses_itself_are_ordinary(closing) -> None:
    # sid and id name the engine's session and message; h0 once named a hoisted fact.
    rules = [c.CompiledRule(name, 0, c.Cmp(name, "eq", 1)) for name in ("sid", "id", "h0", "s")]
    matcher = build(closing, rules)
    assert matcher.match({"sid": 1, "id": 1, "h0": 1, "s": 1}) == ["sid", "id", "h0", "s"]
    assert matcher.match({"id": 1}) == ["id"]
    assert matcher.match({"id": "1", "sid": 2}) == []


# --- many rules, catch-all, ordering ----------------------------------------------------


def test_many_rules_in_ruleset_order(closing) -> None:
    rules = [c.CompiledRule(f"r{i}", 0, c.Cmp("n", "gte", 200 - i)) for i in range(200)]
    matcher = build(closing, rules)
    assert matcher.match({"n": 195}) == [f"r{i}" for i in range(5, 200)]
    assert matcher.match({"n": 0}) == []


def test_facts_matching_nothing_give_nothing(closing) -> None:
    matcher = build(closing, [c.CompiledRule("a", 0, c.Cmp("x", "eq", 1))])
    assert matcher.match({}) == []
    assert matcher.match({"x": 2, "unused": "text"}) == []
    assert build(closing, []).match({"x": 1}) == []


def test_a_rule_that_never_holds_loads_and_never_matches(closing) -> None:
    rules = [c.CompiledRule("never", 0, c.Any_(())), c.CompiledRule("always", 0, c.All(()))]
    assert build(closing, rules).match({}) == ["always"]


# --- the engine's limits ----------------------------------------------------------------


def one_of_two(i: int) -> c.Cond:
    # Two values of one fact: one $or object, and never both true.
    return c.Any_((c.Cmp(f"a{i}", "eq", 1), c.Cmp(f"a{i}", "eq", 2)))


def test_rules_up_to_the_node_limit_stay_in_the_engine(closing) -> None:
    # The top $and plus 14 $or objects: the most one rule may hold (measured: 16 fail).
    fits = c.All(tuple(one_of_two(i) for i in range(durable_backend.MAX_NODES - 1)))
    matcher = build(closing, [c.CompiledRule("fits", 0, fits)])
    assert matcher.hoisted == 0
    assert matcher.match({f"a{i}": 2 for i in range(14)}) == ["fits"]
    assert matcher.match({f"a{i}": 2 for i in range(13)}) == []


@needs_durable
def test_the_engine_refuses_one_node_more() -> None:
    parts = [{"$or": [{"$eq": {f"a{i}": 1}}, {"$eq": {f"b{i}": 1}}]} for i in range(15)]
    with pytest.raises(durable_backend.engine.error, match="113"):
        raw_fired({"r": {"all": [{"m": {"$and": parts}}]}}, {})
    parts.pop()
    assert raw_fired({"r": {"all": [{"m": {"$and": parts}}]}}, {"a0": 1}) == []


def test_bigger_rules_are_hoisted_and_still_exact(closing) -> None:
    big = c.All(tuple(one_of_two(i) for i in range(20)))
    small = one_of_two(0)
    matcher = build(closing, [c.CompiledRule("big", 0, big), c.CompiledRule("small", 0, small)])
    assert matcher.hoisted > 0
    everything: c.Facts = {f"a{i}": 1 for i in range(20)}
    assert matcher.match(everything) == ["big", "small"]
    assert matcher.match({**everything, "a19": 3}) == ["small"]
    assert matcher.match({**everything, "a19": 2}) == ["big", "small"]


def test_or_paths_are_bounded(closing) -> None:
    # And of 6 three-way Ors could fire 729 times for one fact: too slow, so part is hoisted.
    ors = tuple(c.Any_(tuple(c.Cmp(f"{k}{i}", "eq", 1) for k in "abc")) for i in range(6))
    matcher = build(closing, [c.CompiledRule("wide", 0, c.All(ors))])
    assert matcher.hoisted > 0
    assert matcher.match({f"{k}{i}": 1 for k in "abc" for i in range(6)}) == ["wide"]


@needs_durable
def test_the_engines_walk_holds_64_pending_nodes() -> None:
    # Why rules go in buckets: 65 rules holding at once under one node overflow (303).
    guard = {"$nex": {"$s": 1}}
    rules = {f"r{i}": {"all": [{"m": {"$and": [guard, {"$gte": {"n": i}}]}}]} for i in range(65)}
    assert len(raw_fired(rules, {"n": 63})) == 64
    with pytest.raises(durable_backend.engine.error, match="303"):
        raw_fired(rules, {"n": 64})


def test_many_rules_holding_at_once(closing) -> None:
    rules = [c.CompiledRule(f"r{i}", 0, c.Cmp("n", "gte", i)) for i in range(800)]
    assert build(closing, rules).match({"n": 10**6}) == [f"r{i}" for i in range(800)]


def test_wide_rules_holding_at_once_at_capacity(closing) -> None:
    # 32 buckets of one rule whose 27 alternatives all hold: the most the stack takes.
    alternatives = durable_backend.BUCKET_WEIGHT - 1
    rules = [
        c.CompiledRule(
            f"r{j}", 0, c.Any_(tuple(c.Cmp(f"f{i}", "gte", -j) for i in range(alternatives)))
        )
        for j in range(durable_backend.MAX_BUCKETS)
    ]
    matcher = build(closing, rules)
    assert matcher.hoisted == 0
    assert len(matcher.match({f"f{i}": 1 for i in range(alternatives)})) == len(rules)


def test_one_rule_with_a_hundred_alternatives(closing) -> None:
    wide = c.Any_(tuple(c.Cmp(f"f{i}", "eq", True) for i in range(100)))
    matcher = build(closing, [c.CompiledRule("wide", 0, wide)])
    assert matcher.match({f"f{i}": True for i in range(100)}) == ["wide"]
    assert matcher.match({"f99": True}) == ["wide"]


def test_more_rules_than_one_ruleset_holds_are_spread_over_shards(closing) -> None:
    # One ruleset holds at most 32 buckets of rules (~896 light ones); these all hold at once.
    rules = [c.CompiledRule(f"r{i}", 0, c.Cmp("n", "gte", i)) for i in range(2000)]
    matcher = build(closing, rules)
    assert matcher.shards > 1
    assert matcher.match({"n": 10**6}) == [f"r{i}" for i in range(2000)]
    assert matcher.match({"n": 40}) == [f"r{i}" for i in range(41)]
    assert matcher.match({}) == []


def test_only_the_shards_a_fact_set_concerns_are_asserted(closing, monkeypatch) -> None:
    # 1,000 rules over 200 flags: a fact set with one flag true needs one shard, not all.
    rules = [
        c.CompiledRule(
            f"r{i}", 0, c.All((c.Cmp("n", "gte", i % 5), c.Cmp(f"f{i % 200}", "eq", True)))
        )
        for i in range(1000)
    ]
    matcher = build(closing, rules)
    asserted: list[object] = []
    run = durable_backend._Shard.run
    monkeypatch.setattr(
        durable_backend._Shard,
        "run",
        lambda shard, message: asserted.append(shard) or run(shard, message),
    )
    flags: c.Facts = {f"f{j}": j == 7 for j in range(200)}
    assert matcher.match({**flags, "n": 2}) == ["r7", "r207", "r407", "r607", "r807"]
    assert matcher.match({**flags, "n": 1}) == []
    assert matcher.shards > 10
    assert 2 <= len(asserted) <= 4  # f7's rules sit together: one shard (two if they straddle)
    asserted.clear()
    assert matcher.match({**flags, "f7": False, "n": 4}) == []
    assert asserted == []  # nothing may hold: the engine is not asked


def test_a_rule_too_big_for_one_ruleset_is_refused(closing) -> None:
    # 300 facts in one $and: more properties than one message may carry.
    huge = c.All(tuple(c.Cmp(f"f{i}", "eq", 1) for i in range(300)))
    with pytest.raises(ValueError, match="too big"):
        build(closing, [c.CompiledRule("huge", 0, huge)])


def test_in_lists_on_one_fact_are_not_counted_as_paths(closing) -> None:
    one_of = c.Any_(tuple(c.Cmp("topic", "eq", f"t{i}") for i in range(100)))
    matcher = build(closing, [c.CompiledRule("in", 0, c.All((one_of, one_of)))])
    assert matcher.hoisted == 0
    assert matcher.match({"topic": "t42"}) == ["in"]


@needs_durable
def test_the_hash_is_the_engines() -> None:
    assert durable_backend.fnv1a("$and") == 3746487396  # HASH_AND in durable-rules' rete.c
    assert durable_backend.fnv1a("$or") == 340911698


# --- inputs -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "facts",
    [
        {"Bad": 1},
        {"1x": 1},
        {"x-y": 1},
        {"": 1},
        {"s": "x" * 257},
        {"l": [1, 2]},
        {"n": None},
        {"d": {"a": 1}},
        {"f": math.nan},
        {"i": 2**53 + 1},
    ],
)
def test_bad_facts_are_refused(closing, facts) -> None:
    matcher = build(closing, [c.CompiledRule("a", 0, c.Cmp("x", "exists"))])
    with pytest.raises(ValueError):
        matcher.match(facts)


def test_edge_values_are_accepted(closing) -> None:
    matcher = build(closing, [c.CompiledRule("a", 0, c.Cmp("s", "eq", "가" * 256))])
    assert matcher.match({"s": "가" * 256, "i": -(2**53), "f": -math.inf}) == ["a"]


@pytest.mark.parametrize(
    "cond",
    [c.Cmp("x", "eq", math.nan), c.Cmp("x", "gt", 2**60), c.Cmp("Bad", "exists")],
)
@needs_durable
def test_bad_rules_are_refused(cond: c.Cond) -> None:
    with pytest.raises(ValueError, match="rule 'r'"):
        durable_backend.DurableMatcher([c.CompiledRule("r", 0, cond)], "bad")


# --- sessions, versions, threads --------------------------------------------------------


def test_sessions_are_always_deleted(closing) -> None:
    matcher = build(closing, [c.CompiledRule("a", 0, c.Cmp("n", "gte", 0))])
    for i in range(2500):  # more than the engine's 1,024 live sessions per ruleset
        assert matcher.match({"n": i % 7 - 3}) == (["a"] if i % 7 >= 3 else [])


@needs_durable
def test_close_then_the_same_rules_load_again() -> None:
    rules = [c.CompiledRule("a", 0, c.Cmp("n", "eq", 1))]
    first = durable_backend.DurableMatcher(rules, "same")
    first.close()
    first.close()  # twice is harmless
    with pytest.raises(RuntimeError, match="closed"):
        first.match({"n": 1})
    second = durable_backend.DurableMatcher(rules, "same")
    try:
        assert second.ruleset != first.ruleset
        assert second.match({"n": 1}) == ["a"]
    finally:
        second.close()


THREAD_RULES = [
    c.CompiledRule("big", 0, c.Cmp("followers", "gte", 10000)),
    c.CompiledRule("not-big", 0, c.Not(c.Cmp("followers", "gte", 10000))),
    c.CompiledRule("korean", 0, c.Cmp("lang", "eq", "ko")),
    c.CompiledRule("flag", 0, c.All((c.Cmp("flag", "eq", True), c.Cmp("lang", "neq", "en")))),
]


def test_threads_agree_with_one_thread(closing) -> None:
    matcher = build(closing, THREAD_RULES)
    inputs: list[c.Facts] = [
        {"followers": i * 997 % 20000, "lang": ("ko", "en", "ja")[i % 3], "flag": i % 2 == 0}
        for i in range(300)
    ]
    expected = [PythonMatcher(THREAD_RULES).match(facts) for facts in inputs]
    assert [matcher.match(facts) for facts in inputs] == expected
    barrier = threading.Barrier(8)
    results: list[list[list[str]] | BaseException] = [[] for _ in range(8)]

    def work(slot: int) -> None:
        try:
            barrier.wait()
            results[slot] = [matcher.match(facts) for facts in inputs]
        except BaseException as error:  # reported below, not lost in the thread
            results[slot] = error

    threads = [threading.Thread(target=work, args=(slot,)) for slot in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [expected] * 8


@needs_durable
def test_close_waits_for_matches_in_flight() -> None:
    matcher = durable_backend.DurableMatcher(THREAD_RULES, "closing")
    barrier = threading.Barrier(5)
    outcomes: list[str] = []

    def work() -> None:
        barrier.wait()
        for _ in range(200):
            try:
                matcher.match({"followers": 1, "lang": "ko"})
            except RuntimeError:
                outcomes.append("closed")
                return
        outcomes.append("done")

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    barrier.wait()
    matcher.close()
    for thread in threads:
        thread.join()
    assert len(outcomes) == 4  # each thread either finished or saw "closed"; none crashed


# --- choosing the backend ---------------------------------------------------------------


@needs_durable
def test_make_matcher_choices(closing) -> None:
    assert make_matcher(THREAD_RULES, "v", "python").name == "python"
    auto = make_matcher(THREAD_RULES, "v", "auto")
    durable = make_matcher(THREAD_RULES, "v", "durable")
    closing.extend([auto, durable])
    assert (auto.name, durable.name) == ("durable", "durable")
    with pytest.raises(ValueError):
        make_matcher(THREAD_RULES, "v", "other")  # type: ignore[arg-type]


def test_auto_stays_on_durable_rules_with_a_thousand_rules(closing) -> None:
    rules = [
        c.CompiledRule(f"r{i}", 0, c.All((c.Cmp(f"f{i % 300}", "eq", True), c.Cmp("n", "gt", i))))
        for i in range(1000)
    ]
    matcher = make_matcher(rules, "v", "auto")
    closing.append(matcher)
    assert matcher.name == "durable"
    assert matcher.match({"f3": True, "n": 500}) == ["r3", "r303"]


@needs_durable
def test_auto_keeps_rules_the_engine_cannot_hold_on_python(caplog) -> None:
    rules = [c.CompiledRule("nan", 0, c.Cmp("x", "neq", math.nan))]
    with caplog.at_level(logging.WARNING, logger="playbook.rules"):
        matcher = make_matcher(rules, "v", "auto")
    assert matcher.name == "python"
    assert matcher.match({"x": 1.0}) == ["nan"]
    assert "plain Python" in caplog.text
    with pytest.raises(ValueError):
        make_matcher(rules, "v", "durable")


def test_without_durable_rules_auto_falls_back_and_warns_once(monkeypatch, caplog) -> None:
    monkeypatch.setattr(backends, "durable_available", lambda: False)
    backends._warn_not_installed.cache_clear()
    with caplog.at_level(logging.WARNING, logger="playbook.rules"):
        first = make_matcher(THREAD_RULES, "v", "auto")
        second = make_matcher(THREAD_RULES, "w", "auto")
    assert (first.name, second.name) == ("python", "python")
    assert caplog.text.count("not installed") == 1
    with pytest.raises(RuntimeError, match="not installed"):
        make_matcher(THREAD_RULES, "v", "durable")
    backends._warn_not_installed.cache_clear()


def test_durable_is_available_where_it_builds() -> None:
    assert backends.durable_available() is (sys.version_info < (3, 13))
