"""Measure a playbook against a labelled corpus: per-category precision and recall, confusion."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from playbook.intake.events import EventIn
from playbook.rules.playbook import Playbook
from playbook.rules.source.model import PUBLIC_ANSWERS, SEVERITIES
from playbook.workflow.planner import plan

CATEGORIES = ("complaint", "rumour", "question", "abuse", "praise", "other")


@dataclass
class CorpusReport:
    total: int = 0
    correct: int = 0
    severity_in_band: int = 0
    steps_ok: int = 0
    confusion: Counter[tuple[str, str]] = field(default_factory=Counter)
    misses: list[str] = field(default_factory=list)
    abuse_with_public_answer: list[str] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0

    def precision(self, category: str) -> float:
        predicted = sum(n for (_, got), n in self.confusion.items() if got == category)
        return self.confusion[(category, category)] / predicted if predicted else 0.0

    def recall(self, category: str) -> float:
        actual = sum(n for (want, _), n in self.confusion.items() if want == category)
        return self.confusion[(category, category)] / actual if actual else 0.0


def load_corpus(folder: Path) -> list[dict[str, Any]]:
    items = []
    for path in sorted(folder.glob("*.jsonl")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if line.strip():
                item = json.loads(line)
                item["_where"] = f"{path.name}:{number}"
                items.append(item)
    return items


def evaluate(playbook: Playbook, items: list[dict[str, Any]], now: datetime) -> CorpusReport:
    report = CorpusReport()
    for item in items:
        event = EventIn.model_validate(item["event"])
        expect = item["expect"]
        decision = playbook.decide(playbook.facts(event, now=now), event)
        kinds = {s.kind for s in plan(playbook.model, decision, event)}
        want = expect["category"]
        report.total += 1
        report.confusion[(want, decision.category)] += 1
        band = expect.get("severity") or list(SEVERITIES)
        band = [band] if isinstance(band, str) else band
        steps_ok = set(expect.get("steps", [])) <= kinds and not (
            set(expect.get("no_steps", [])) & kinds
        )
        report.correct += decision.category == want
        report.severity_in_band += decision.severity in band
        report.steps_ok += steps_ok
        if decision.category == "abuse" and kinds & PUBLIC_ANSWERS:
            report.abuse_with_public_answer.append(event.id)
        if decision.category != want or decision.severity not in band or not steps_ok:
            report.misses.append(
                f"{item['_where']} {event.id}: category {decision.category} (want {want}), "
                f"severity {decision.severity} (want {'/'.join(band)}), steps {sorted(kinds)}"
                f" (want {expect.get('steps', [])}, not {expect.get('no_steps', [])})"
            )
    return report


def render(report: CorpusReport) -> str:
    lines = [
        f"{report.total} events: category accuracy {report.accuracy:.1%}, severity in band "
        f"{report.severity_in_band / max(report.total, 1):.1%}, steps as expected "
        f"{report.steps_ok / max(report.total, 1):.1%}",
        "",
        f"{'category':10} {'precision':>9} {'recall':>7}",
    ]
    for category in CATEGORIES:
        lines.append(
            f"{category:10} {report.precision(category):9.1%} {report.recall(category):7.1%}"
        )
    lines += [
        "",
        "confusion (rows: expected, columns: got)",
        " " * 10 + "".join(f"{c[:8]:>9}" for c in CATEGORIES),
    ]
    for want in CATEGORIES:
        lines.append(
            f"{want:10}" + "".join(f"{report.confusion[(want, got)]:9}" for got in CATEGORIES)
        )
    lines.append("")
    lines.append(
        "abuse with a public answer planned: "
        + (", ".join(report.abuse_with_public_answer) or "none")
    )
    return "\n".join(lines)
