"""The default playbook against the labelled corpus: a floor that may only rise."""

from __future__ import annotations

from datetime import UTC, datetime

from playbook.rules.corpus import evaluate, load_corpus, render
from playbook.rules.playbook import Playbook
from playbook.settings import REPO_ROOT

CORPUS = REPO_ROOT / "tests" / "corpus"
# Floors that may only rise. Measured on 2026-12-01: category 99.2%, severity in band 98.4%,
# steps as expected 99.6%.
CATEGORY_FLOOR = 0.98
SEVERITY_FLOOR = 0.95
STEPS_FLOOR = 0.97


def test_corpus_is_large_and_mostly_korean() -> None:
    from playbook.text.lang import detect

    items = load_corpus(CORPUS)
    assert len(items) >= 200
    korean = sum(detect(item["event"]["text"]) == "ko" for item in items)
    assert korean * 2 >= len(items)


def test_default_playbook_on_the_corpus() -> None:
    playbook = Playbook.from_file(str(REPO_ROOT / "rules.yaml"))
    report = evaluate(playbook, load_corpus(CORPUS), datetime(2026, 11, 23, tzinfo=UTC))
    playbook.close()
    assert report.abuse_with_public_answer == [], render(report)
    assert report.accuracy >= CATEGORY_FLOOR, render(report)
    assert report.severity_in_band >= SEVERITY_FLOOR * report.total, render(report)
    assert report.steps_ok >= STEPS_FLOOR * report.total, render(report)
