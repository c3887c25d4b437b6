"""Story grouping measured on the labelled set A (tests/stories/a): floors, SQLite only (slow).

Measured 2026-12-02 with the default rules (story_similarity 0.5): pairwise precision 0.932,
recall 0.052, mean share of a story's posts in its largest incident 0.338 (worst 0.089),
19.9 incidents per story, no two stories merged. Without a story path the mean share was
about 0.15. The goal is 0.95 and no merge; these floors keep what works today.
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
    assert scores.mean_share >= 0.3, scores.lines()
    assert scores.incidents_per_story <= 22, scores.lines()
