"""Compile time and matching cost as the playbook grows: 10, 100 and 1,000 rules.

Usage: .venv/bin/python bench/rules_scale.py [--events 2000]
Rules are generated from the default playbook's lists (keyword, number and named-condition
tests, like an editor's); events are a fixed mix of Korean and English posts.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.api import event  # noqa: E402
from playbook.events import EventIn  # noqa: E402
from playbook.rules.playbook import Playbook  # noqa: E402

LISTS = [
    "grievance",
    "complaint_tone",
    "rumour_markers",
    "question_markers",
    "praise_markers",
    "topic_billing",
    "topic_network",
    "topic_devices",
    "topic_safety",
    "topic_privacy",
]


def ruleset(count: int) -> str:
    base = (ROOT / "rules.yaml").read_text(encoding="utf-8")
    head = base[: base.index("\nrules:\n")]
    rules = []
    for i in range(count):
        words = LISTS[i % len(LISTS)]
        other = LISTS[(i * 7 + 3) % len(LISTS)]
        rules.append(
            f"  - id: rule-{i}\n    priority: {i % 50}\n    when:\n      all:\n"
            f"        - {{fact: text, contains_any: {words}}}\n"
            f"        - {{fact: author.followers, at_least: {(i * 137) % 20000}}}\n"
            f"        - not: {{fact: text, contains_any: {other}}}\n"
            f"        - any:\n            - {{condition: brand_or_ceo}}\n"
            f"            - {{fact: amplification, greater_than: {i % 30}}}\n"
            f"    then: {{severity: {['low', 'medium', 'high'][i % 3]}}}\n"
        )
    return head + "\nrules:\n" + "".join(rules)


def measure(count: int, backend: str, events: list[EventIn]) -> tuple[float, float, str]:
    text = ruleset(count)
    start = time.perf_counter()
    playbook = Playbook.from_text(text, "bench.yaml", backend=backend)
    compile_ms = (time.perf_counter() - start) * 1000
    now = datetime.now(UTC)
    facts = [playbook.engine_facts(playbook.facts(e, now=now)) for e in events]
    start = time.perf_counter()
    for f in facts:
        playbook.matcher.match(f)
    per_event_us = (time.perf_counter() - start) / len(facts) * 1e6
    name = playbook.matcher.name
    playbook.close()
    return compile_ms, per_event_us, name


def main() -> None:
    args = argparse.ArgumentParser(description=__doc__)
    args.add_argument("--events", type=int, default=2000)
    opts = args.parse_args()
    events = [EventIn.model_validate(event(i)) for i in range(opts.events)]
    print(f"{'rules':>6} {'backend':>8} {'compile':>10} {'match/event':>12} {'per rule':>9}")
    for count in (10, 100, 1000):
        for backend in ("auto", "python"):
            compile_ms, us, name = measure(count, backend, events)
            print(f"{count:6} {name:>8} {compile_ms:8.0f} ms {us:9.1f} µs {us / count:7.2f} µs")


if __name__ == "__main__":
    main()
