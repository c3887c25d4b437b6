"""Story grouping measured on the labelled set A (tests/stories/a): floors, SQLite only (slow).

Measured 2026-12-02 with the shipped rules (story_similarity 0.47; likeness the best of
coverage, centroid cosine and the two nearest latest posts): pairwise precision 0.884,
recall 0.076, mean share of a story's posts in its largest incident 0.357 (worst 0.165),
17.9 incidents per story, no two stories merged. Before (coverage only, 0.5): precision
0.864, mean share 0.317 (worst 0.111), 19.9 incidents per story. The goal is 0.95 and no
merge; these floors keep what works today.
"""

from __future__ import annotations

from pathlib import Path

from playbook.core.settings import REPO_ROOT
from playbook.editor.clusters import measure

SET_A = REPO_ROOT / "tests" / "stories" / "a"


# Measured on main after the triage model joined (2026-12-02): precision 0.865, mean share of a
# story in its largest incident 0.410, worst 0.107 (A02, the 10-minute spike), 14.8 incidents
# per story, no stories merged. Floors may only rise.
def test_story_set_a_floors() -> None:
    scores = measure(Path(SET_A))
    assert scores.posts == 551 and scores.stories == 16
    assert scores.merged == [], scores.lines()
    assert scores.precision >= 0.86, scores.lines()
    assert scores.mean_share >= 0.40, scores.lines()
    assert scores.worst_share >= 0.10, scores.lines()
    assert scores.incidents_per_story <= 15.5, scores.lines()
