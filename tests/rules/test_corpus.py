"""The default playbook against the labelled sets: floors that may only rise."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from playbook.core.settings import REPO_ROOT
from playbook.editor.corpus import evaluate, load_corpus, render
from playbook.rules.playbook import Playbook

CORPUS = REPO_ROOT / "tests" / "corpus"

# (folder, category, severity in band, steps as expected), measured on 2026-12-02 with the
# lemma lists and the triage model. The model was trained on `corpus`, `holdout`, `blind2` and
# the four batches of 2026-12-02 (telecom_games, retail_food, finance_air, hard_cases), so
# their figures are optimistic (the README gives the cross-validated ones). `blind3` and
# `blind4` were written blind and never tuned or trained on: blind3 was 75.0% when first
# measured, blind4 54.5% before the triage work and 91.0% after (plain complaints: 40.8% ->
# 93.9% recall). Their misses are not read.
FLOORS = [
    ("", 0.98, 0.97, 0.98),  # measured 100.0%, 98.4%, 99.6%
    ("holdout", 0.98, 0.92, 0.95),  # measured 100.0%, 93.8%, 96.2%
    ("blind2", 0.98, 0.93, 0.93),  # measured 100.0%, 95.0%, 95.0%
    ("telecom_games", 0.97, 0.90, 0.84),  # measured 98.4%, 91.5%, 85.3%
    ("retail_food", 0.98, 0.82, 0.82),  # measured 99.7%, 83.0%, 83.3%
    ("finance_air", 0.97, 0.79, 0.81),  # measured 98.3%, 80.2%, 82.6%
    ("hard_cases", 0.98, 0.88, 0.79),  # measured 99.0%, 89.5%, 80.8%
    # Never tuned or trained on: guards against regressions, not targets (see their READMEs).
    ("blind3", 0.88, 0.90, 0.86),  # measured 90.0%, 92.0%, 88.0%
    ("blind4", 0.89, 0.82, 0.80),  # measured 91.0%, 84.3%, 82.0%
]


def test_corpus_is_large_and_mostly_korean() -> None:
    from playbook.text.lang import detect

    training = [folder for folder, *_ in FLOORS if not folder.startswith("blind")] + ["blind2"]
    items = [item for folder in set(training) for item in load_corpus(CORPUS / folder)]
    assert len(items) >= 2000  # the labelled posts the triage model learns from
    korean = sum(detect(item["event"]["text"]) == "ko" for item in items)
    assert korean >= 0.55 * len(items)


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
