"""Examples in rules.yaml can state the author's history and the incident a post joins."""

from __future__ import annotations

import textwrap
from datetime import UTC, datetime

from playbook.editor.check import check_text
from playbook.editor.examples import run_examples
from playbook.rules.playbook import Playbook

RULES = """\
organisation: {name: Example}
lists:
  bills: {terms: [bill]}
experts:
  billing: {owner: "subteam:S1", keywords: bills}
rules:
  - id: fast
    when: {fact: incident.velocity_10m, at_least: 5}
    then: {category: complaint, severity: high, steps: [{kind: triage}]}
  - id: repeat
    when: {fact: author.open_complaints, at_least: 2}
    then: {severity: medium, steps: [{kind: cs_handoff}]}
  - id: busy-topic
    when: {fact: topic.velocity_10m, at_least: 10}
    then: {severity: critical, steps: [{kind: convene_committee}]}
examples:
"""


def examples(text: str) -> str:
    return RULES + textwrap.indent(textwrap.dedent(text), "  ")


def test_incident_and_history_reach_the_rules() -> None:
    text = examples(
        """\
        - name: a fast story
          event: {id: e1, source: twitter, text: "x"}
          incident: {event_count: 40, velocity_10m: 6, authors: 30}
          expect: {category: complaint, severity: high, rules: [fast]}
        - name: a slow story from a repeat complainer
          event: {id: e2, source: twitter, text: "x"}
          incident: {velocity_10m: 1}
          history: {open_complaints: 2}
          expect: {severity: medium, rules: [repeat]}
        - name: a busy topic
          event: {id: e3, source: twitter, text: "my bill"}
          topic: {velocity_10m: 12, event_count_1h: 300}
          expect: {severity: critical, rules: [busy-topic]}
        - name: a busy topic the post is not about
          event: {id: e4, source: twitter, text: "hello"}
          topic: {velocity_10m: 12}
          expect: {rules: []}
        """
    )
    playbook = Playbook.from_text(text, backend="python")
    try:
        results = run_examples(playbook, datetime(2026, 12, 1, tzinfo=UTC))
    finally:
        playbook.close()
    assert [(r.name, r.failures) for r in results] == [
        ("a fast story", []),
        ("a slow story from a repeat complainer", []),
        ("a busy topic", []),
        ("a busy topic the post is not about", []),
    ]


def test_a_misspelt_history_or_incident_key_is_located() -> None:
    text = examples(
        """\
        - name: typo
          event: {id: e1, source: twitter, text: "x"}
          history: {open_complaint: 3}
          incident: {velocity: 6}
          expect: {category: complaint}
        """
    )
    assert [str(p) for p in check_text(text, "rules.yaml")] == [
        "rules.yaml:19:15: unknown key `open_complaint`; did you mean `open_complaints`?",
        "rules.yaml:20:16: unknown key `velocity`; did you mean `velocity_10m`?",
    ]


def test_misspelt_keys_anywhere_get_a_suggestion_in_reading_order() -> None:
    text = textwrap.dedent(
        """\
        organisation: {name: X, brand_term: [a]}
        settings: {chanel_limit: 3, storm: {velocity: 3}}
        rules:
          - id: a
            priorty: 3
            when: {fact: text, contains_any: [x]}
            then: {category: complaint, steps: [{kind: triage, owners: x}]}
        """
    )
    assert [str(p) for p in check_text(text, "rules.yaml")] == [
        "rules.yaml:1:25: unknown key `brand_term`; did you mean `brand_terms`?",
        "rules.yaml:2:12: unknown key `chanel_limit`; did you mean `channel_limit`?",
        "rules.yaml:2:37: unknown key `velocity`; did you mean `velocity_10m`?",
        "rules.yaml:5:5: [rule a] unknown key `priorty`; did you mean `priority`?",
        "rules.yaml:7:56: [rule a] unknown key `owners`; did you mean `owner`?",
    ]
