"""The default playbook against the labelled sets: floors that may only rise."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from playbook.core.settings import REPO_ROOT
from playbook.editor.corpus import evaluate, load_corpus, render
from playbook.rules.playbook import Playbook

CORPUS = REPO_ROOT / "tests" / "corpus"

# (folder, category, severity in band, steps as expected), measured on 2026-12-01.
# `corpus` is where the lexicons were first tuned; `holdout` and `blind2` were written blind
# and used for tuning after one blind measurement each (65.0% both, see their READMEs);
# `blind3` was measured once, blind, and its misses were not read.
FLOORS = [
    ("", 0.98, 0.97, 0.98),  # measured 98.8%, 98.4%, 99.6%
    ("holdout", 0.88, 0.85, 0.88),  # measured 90.0%, 87.5%, 91.2%
    ("blind2", 0.88, 0.85, 0.85),  # measured 90.0%, 88.8%, 88.8%
    # Never tuned on: a guard against regressions, not a target (see its README).
    ("blind3", 0.72, 0.78, 0.74),  # measured 75.0%, 82.0%, 77.0%
]


def test_corpus_is_large_and_mostly_korean() -> None:
    from playbook.text.lang import detect

    items = load_corpus(CORPUS)
    assert len(items) >= 200
    korean = sum(detect(item["event"]["text"]) == "ko" for item in items)
    assert korean * 2 >= len(items)


@pytest.mark.parametrize(("folder", "category", "severity", "steps"), FLOORS)
def test_default_playbook_on_a_labelled_set(
    folder: str, category: float, severity: float, steps: float
) -> None:
    playbook = Playbook.from_file(str(REPO_ROOT / "rules.yaml"))
    try:
        items = load_corpus(CORPUS / folder if folder else CORPUS)
        report = evaluate(playbook, items, datetime(2026, 12, 1, tzinfo=UTC))
    finally:
        playbook.close()
    assert report.total >= 80
    assert report.abuse_with_public_answer == [], render(report)
    assert report.accuracy >= category, render(report)
    assert report.severity_in_band >= severity * report.total, render(report)
    assert report.steps_ok >= steps * report.total, render(report)
