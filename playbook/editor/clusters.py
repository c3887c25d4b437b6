"""Score story grouping on a labelled set: posts in time order through the real pipeline.

Run as `python -m playbook.editor.clusters tests/stories/a [tests/stories/b ...]`. Each line of
a set's `*.jsonl` is `{"story": ..., "event": {...}}`. Every post is ingested into a fresh
SQLite database with the clock at the post's own time; the incidents are then compared with
the stories: pairwise precision and recall, incidents per story, the share of each story's
posts in its largest incident, and the stories whose largest incidents are one.
"""

from __future__ import annotations

import json
import sys
import tempfile
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from playbook.core.db import make_engine, migrate, session_scope
from playbook.core.settings import REPO_ROOT
from playbook.intake.events import EventIn
from playbook.pipeline import ingest
from playbook.rules.playbook import Playbook


@dataclass
class Scores:
    posts: int
    stories: int
    incidents: int
    precision: float
    recall: float
    incidents_per_story: float
    largest_share: dict[str, float]
    merged: list[tuple[str, str]] = field(default_factory=list)

    @property
    def worst_share(self) -> float:
        return min(self.largest_share.values())

    @property
    def mean_share(self) -> float:
        return sum(self.largest_share.values()) / len(self.largest_share)

    def lines(self) -> list[str]:
        low = sorted(self.largest_share.items(), key=lambda kv: kv[1])[:5]
        return [
            f"posts {self.posts}, stories {self.stories}, incidents {self.incidents}",
            f"pairwise precision {self.precision:.3f}, recall {self.recall:.3f}",
            f"incidents per story {self.incidents_per_story:.2f}",
            f"share in largest incident: mean {self.mean_share:.3f}, worst {self.worst_share:.3f}",
            "lowest: " + ", ".join(f"{s} {v:.2f}" for s, v in low),
            f"stories merged: {len(self.merged)} {self.merged}",
        ]


def load(directory: Path) -> list[tuple[str, EventIn]]:
    rows = []
    for path in sorted(directory.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                rows.append((str(row["story"]), EventIn.model_validate(row["event"])))
    return sorted(rows, key=lambda r: (r[1].created_at or datetime.min, r[1].id))


def run(rows: list[tuple[str, EventIn]], playbook: Playbook) -> dict[str, int | None]:
    """Each post's incident, the posts ingested one by one at their own time."""
    placed: dict[str, int | None] = {}
    with tempfile.TemporaryDirectory(dir=_scratch()) as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'clusters.db'}")
        migrate(engine)
        for _story, event in rows:
            assert event.created_at is not None
            with session_scope(engine) as session:
                result = ingest(
                    session, event, playbook=playbook, now=event.created_at, default_channel="#x"
                )
                placed[event.id] = result.incident_id
        engine.dispose()
    return placed


def _scratch() -> str | None:
    shm = Path("/dev/shm")  # noqa: S108 - a scratch database in memory when the system has one
    return str(shm) if shm.is_dir() else None


def score(rows: list[tuple[str, EventIn]], placed: dict[str, int | None]) -> Scores:
    by_story: dict[str, Counter[Any]] = defaultdict(Counter)
    for story, event in rows:
        # An ignored post is an incident of its own: it is not with its story.
        by_story[story][placed[event.id] or f"none:{event.id}"] += 1
    by_incident: dict[Any, Counter[str]] = defaultdict(Counter)
    for story, counts in by_story.items():
        for incident, n in counts.items():
            by_incident[incident][story] += n
    together = sum(n * (n - 1) // 2 for c in by_incident.values() for n in c.values())
    grouped = sum(sum(c.values()) * (sum(c.values()) - 1) // 2 for c in by_incident.values())
    told = sum(sum(c.values()) * (sum(c.values()) - 1) // 2 for c in by_story.values())
    largest = {s: c.most_common(1)[0] for s, c in by_story.items()}
    owners: dict[Any, list[str]] = defaultdict(list)
    for story, (incident, _n) in largest.items():
        owners[incident].append(story)
    merged = [(a, b) for names in owners.values() for a in names for b in names if a < b]
    return Scores(
        posts=len(rows),
        stories=len(by_story),
        incidents=len([i for i in by_incident if not str(i).startswith("none:")]),
        precision=together / grouped if grouped else 1.0,
        recall=together / told if told else 1.0,
        incidents_per_story=sum(len(c) for c in by_story.values()) / len(by_story),
        largest_share={s: n / sum(by_story[s].values()) for s, (_i, n) in largest.items()},
        merged=sorted(merged),
    )


def measure(directory: Path, rules: Path = REPO_ROOT / "rules.yaml") -> Scores:
    rows = load(directory)
    playbook = Playbook.from_text(rules.read_text(encoding="utf-8"), str(rules))
    try:
        return score(rows, run(rows, playbook))
    finally:
        playbook.close()


def main(argv: list[str]) -> int:
    for name in argv or ["tests/stories/a", "tests/stories/b"]:
        print(f"== {name}")
        for line in measure(Path(name)).lines():
            print("  " + line)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
