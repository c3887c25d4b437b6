"""Story grouping measured on the labelled set A (tests/stories/a): floors, SQLite only (slow).

Measured 2026-12-02 with the default rules: precision 0.930, recall 0.062, mean share of a
story's posts in its largest incident 0.383, worst 0.136, no two stories merged. Without the
story path the mean share was about 0.15. The goal is 0.95; these floors keep what works.
"""

from __future__ import annotations

from pathlib import Path

from playbook.core.settings import REPO_ROOT
from playbook.editor.clusters import measure

SET_A = REPO_ROOT / "tests" / "stories" / "a"


def test_story_set_a_floors() -> None:
    scores = measure(Path(SET_A))
    assert scores.posts == 551 and scores.stories == 16
    assert scores.merged == [], scores.lines()
    assert scores.precision >= 0.9, scores.lines()
    assert scores.mean_share >= 0.35, scores.lines()
    assert scores.incidents_per_story <= 22, scores.lines()
