"""Compile time and matching cost as the playbook grows: 10, 100 and 1,000 rules.

Usage: .venv/bin/python bench/rules_scale.py [--events 2000] [--repeat 3]

The rule files are generated like an editor's that grows: one topic keyword list for every
five rules (products, places, campaigns), each topic's rules combining it with the default
playbook's tone lists, named conditions, numbers, negations and `in` tests, in varying
order; and a few broad rules on numbers alone that any post may meet. Each post is about one
or two of the file's topics, with tone words and filler, so a bigger file has more topics,
not posts that concern more of them. Rules sit on top of the default playbook's
organisation, lists and named conditions (rules.yaml).

Columns: compile (load the YAML, validate, compile, build the matcher); of which matcher
(building the matcher alone: the guard index, and for durable-rules its rulesets);
match/event (the matcher alone, on the engine facts); facts/event (deriving those facts:
keyword lists, regexes; the playbook does this before matching); hits (matching rules per
event, the same on both backends). Times are this process's CPU time (the engine runs in
it), per-event ones the best of --repeat passes, so other work on the machine disturbs them
less.
"""

from __future__ import annotations

import argparse
import gc
import random
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playbook.intake.events import EventIn  # noqa: E402
from playbook.rules.match.backends import make_matcher  # noqa: E402
from playbook.rules.playbook import Playbook  # noqa: E402

TONES = ["grievance", "complaint_tone", "rumour_markers", "question_markers", "praise_markers"]
CONDITIONS = ["brand_or_ceo", "high_reach", "complaint_signals", "rumour_signals"]
RULES_PER_TOPIC = 5
BROAD_RULES = 10  # rules on numbers alone: a playbook has a handful, however big it grows
HANGUL = 0xAC00, 11172


def word(rng: random.Random) -> str:
    """A made-up word: two or three Hangul syllables, or a Latin one."""
    if rng.random() < 0.7:
        return "".join(chr(HANGUL[0] + rng.randrange(HANGUL[1])) for _ in range(rng.randint(2, 3)))
    return "".join(rng.choice("bcdfghklmnprstvz") + rng.choice("aeiou") for _ in range(3))


def playbook_file(count: int, seed: int = 7) -> tuple[dict[str, Any], list[list[str]]]:
    """The default playbook's head with `count` generated rules; and each topic's terms."""
    rng = random.Random(seed)
    data = yaml.safe_load((ROOT / "rules.yaml").read_text(encoding="utf-8"))
    broad = min(count, max(1, min(BROAD_RULES, count // 10)))
    topics = [[word(rng) for _ in range(6)] for _ in range(max(1, (count - broad) // 5))]
    for k, terms in enumerate(topics):
        data["lists"][f"topic_gen_{k}"] = {"terms": terms, "word_boundary": True}
    rules = [broad_rule(i, rng) for i in range(broad)]
    rules += [topic_rule(i, i % len(topics), rng) for i in range(count - broad)]
    data["rules"] = rules
    return data, topics


def broad_rule(i: int, rng: random.Random) -> dict[str, Any]:
    when = {
        "all": [
            {"fact": "author.followers", "at_least": rng.choice([5000, 20000, 100000])},
            {"fact": "amplification", "greater_than": rng.randrange(50)},
        ]
    }
    return {"id": f"broad-{i}", "priority": 80, "when": when, "then": {"severity": "high"}}


def topic_rule(i: int, topic: int, rng: random.Random) -> dict[str, Any]:
    own = {"fact": "text", "contains_any": f"topic_gen_{topic}"}
    tone = {"fact": "text", "contains_any": rng.choice(TONES)}
    other = {"fact": "text", "contains_any": rng.choice(TONES)}
    shape = (i // 7) % RULES_PER_TOPIC
    parts: list[dict[str, Any]]
    if shape == 0:
        parts = [tone, own, {"any": [{"condition": rng.choice(CONDITIONS)}, reach(rng)]}]
    elif shape == 1:
        parts = [own, tone, {"not": other}]
    elif shape == 2:
        parts = [reach(rng), own, {"not": {"condition": "praise_signals"}}]
    elif shape == 3:
        hint = {"fact": "hints.topic", "in": [f"gen-{topic}", "billing"]}
        parts = [{"any": [own, hint]}, {"fact": "language", "in": ["ko", "en"]}]
    else:
        parts = [own, {"fact": "author.verified", "equals": rng.random() < 0.5}, tone]
    rng.shuffle(parts)
    severity = rng.choice(["low", "medium", "high"])
    return {
        "id": f"rule-{i}",
        "priority": i % 50,
        "when": {"all": parts},
        "then": {"severity": severity},
    }


def reach(rng: random.Random) -> dict[str, Any]:
    return {"fact": "author.followers", "at_least": rng.randrange(20000)}


def events(count: int, topics: list[list[str]], seed: int = 11) -> list[EventIn]:
    """Posts about one or two of the topics, with a tone word now and then and filler."""
    rng = random.Random(seed)
    data = yaml.safe_load((ROOT / "rules.yaml").read_text(encoding="utf-8"))
    tones = [str(t) for name in TONES for t in data["lists"][name]["terms"]]
    filler = [word(rng) for _ in range(300)]
    out = []
    for i in range(count):
        words = [rng.choice(filler) for _ in range(rng.randint(4, 12))]
        words += [rng.choice(rng.choice(topics)) for _ in range(rng.randint(1, 2))]
        if rng.random() < 0.6:
            words.append(rng.choice(tones))
        rng.shuffle(words)
        hint = f"gen-{rng.randrange(len(topics))}" if rng.random() < 0.2 else None
        post = {
            "id": f"bench-{i}",
            "source": "twitter",
            "text": " ".join(words),
            "author": {
                "id": str(i % 500),
                "handle": f"user{i % 500}",
                "followers": int(rng.paretovariate(1.2) * 100),
                "verified": rng.random() < 0.05,
            },
            "mentions": ["hanbit_telecom"] if rng.random() < 0.3 else [],
            "metrics": {"reposts": rng.randrange(30), "quotes": rng.randrange(5)},
            "hints": {"topic": hint} if hint else None,
        }
        out.append(EventIn.model_validate(post))
    return out


def best_of(repeat: int, work: Any, items: list[Any]) -> float:
    """The fastest pass of `work` over the items, in µs per item (without GC, like timeit)."""
    times = []
    gc.collect()
    gc.disable()
    try:
        for _ in range(repeat):
            start = time.process_time()
            for item in items:
                work(item)
            times.append((time.process_time() - start) / len(items) * 1e6)
    finally:
        gc.enable()
    return min(times)


def measure(text: str, backend: str, posts: list[EventIn], repeat: int) -> dict[str, Any]:
    start = time.process_time()
    playbook = Playbook.from_text(text, "bench.yaml", backend=backend)
    compile_ms = (time.process_time() - start) * 1000
    start = time.process_time()
    make_matcher(playbook.compiled.rules, "again", backend).close()  # type: ignore[arg-type]
    matcher_ms = (time.process_time() - start) * 1000
    now = datetime.now(UTC)
    facts_us = best_of(repeat, lambda e: playbook.engine_facts(playbook.facts(e, now=now)), posts)
    facts = [playbook.engine_facts(playbook.facts(e, now=now)) for e in posts]
    matcher = playbook.matcher
    match_us = best_of(repeat, matcher.match, facts)
    hits = sum(len(matcher.match(f)) for f in facts)
    playbook.close()
    return {
        "backend": matcher.name,
        "compile_ms": compile_ms,
        "matcher_ms": matcher_ms,
        "match_us": match_us,
        "facts_us": facts_us,
        "hits": hits / len(posts),
    }


def main() -> None:
    args = argparse.ArgumentParser(description=__doc__)
    args.add_argument("--events", type=int, default=2000)
    args.add_argument("--repeat", type=int, default=3)
    opts = args.parse_args()
    print(
        f"{'rules':>6} {'backend':>8} {'compile':>10} {'matcher':>10} {'match/event':>12}"
        f" {'facts/event':>12} {'hits':>5}"
    )
    for count in (10, 100, 1000):
        data, topics = playbook_file(count)
        text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
        posts = events(opts.events, topics)
        for backend in ("durable", "python"):
            m = measure(text, backend, posts, opts.repeat)
            print(
                f"{count:6} {m['backend']:>8} {m['compile_ms']:7.0f} ms {m['matcher_ms']:7.0f} ms"
                f" {m['match_us']:9.1f} µs {m['facts_us']:9.1f} µs {m['hits']:5.2f}"
            )


if __name__ == "__main__":
    main()
