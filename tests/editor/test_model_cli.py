"""`playbook model train` gives the committed artefact; `playbook model evaluate` measures."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from playbook.core.settings import REPO_ROOT
from playbook.editor import model
from playbook.rules import triage


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "service.cli", "model", *args],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        timeout=600,
        check=False,
    )


def test_training_rebuilds_the_committed_artefact(tmp_path: Path) -> None:
    out = tmp_path / "model.json.gz"
    result = cli("train", "--output", str(out))
    assert result.returncode == 0, result.stderr
    assert out.read_bytes() == triage.DEFAULT_MODEL.read_bytes(), (
        "the committed artefact is not what `playbook model train` gives: retrain and commit it"
    )
    assert triage.load(out).sha256 in result.stdout
    assert f"trained on {len(model.items_of(model.TRAINING_FOLDERS))} posts" in result.stdout


def test_the_training_folders_hold_no_blind_set() -> None:
    names = {folder.name for folder in model.TRAINING_FOLDERS}
    assert not names & {"blind3", "blind4"}
    assert len(model.items_of(model.TRAINING_FOLDERS)) >= 2000


def test_evaluate_prints_accuracy_precision_recall_and_confusion(tmp_path: Path) -> None:
    posts = [
        ("한빛 인터넷이 오늘 아침부터 계속 끊깁니다", "complaint"),
        ("한빛 매장 직원분 너무 친절하셔서 감사했어요 👍", "praise"),
        ("오늘 점심은 김치찌개 😋", "other"),
    ]
    lines = [
        json.dumps(
            {"event": {"id": f"e{i}", "source": "twitter", "text": t}, "expect": {"category": c}},
            ensure_ascii=False,
        )
        for i, (t, c) in enumerate(posts)
    ]
    (tmp_path / "set.jsonl").write_text("\n".join(lines), encoding="utf-8")
    result = cli("evaluate", str(tmp_path))
    assert result.returncode == 0, result.stderr
    version = triage.version(triage.configured())
    assert f"model {version} on {tmp_path}: 3 posts, accuracy" in result.stdout
    assert "precision" in result.stdout and "recall" in result.stdout
    assert "confusion (rows: expected" in result.stdout
    empty = tmp_path / "empty"
    empty.mkdir()
    assert cli("evaluate", str(empty)).returncode == 1
