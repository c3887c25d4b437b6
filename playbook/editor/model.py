"""Train the triage model from the labelled corpus, and measure it on a folder of posts.

The training folders are fixed here so that `playbook model train` is reproducible: the same
corpus, the classifier's fixed seed and the lock file's pinned versions give the same bytes.
The blind evaluation folders (blind3, blind4) are never among them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from playbook.core.settings import REPO_ROOT
from playbook.editor.corpus import CATEGORIES, load_corpus
from playbook.text import classifier
from playbook.text.classifier import Classifier, CrossValidation

CORPUS = REPO_ROOT / "tests" / "corpus"
TRAINING_FOLDERS = tuple(
    CORPUS / name if name else CORPUS
    for name in (
        "",
        "holdout",
        "blind2",
        "telecom_games",
        "retail_food",
        "finance_air",
        "hard_cases",
    )
)

Items = list[tuple[str, str]]


def items_of(folders: Sequence[Path], *, refuse_held_out: bool = True) -> Items:
    """(text, category) pairs of labelled folders (each folder's own *.jsonl, not below); the
    held-out folders are refused unless the caller only measures on them."""
    if refuse_held_out:
        classifier.check_training_folders(folders)
    return [
        (item["event"]["text"], item["expect"]["category"])
        for folder in folders
        for item in load_corpus(folder)
    ]


def train(path: Path, folders: Sequence[Path] = TRAINING_FOLDERS) -> tuple[str, int]:
    """Rebuild the artefact at `path`; returns its sha256 and how many posts it learned."""
    items = items_of(folders)
    return classifier.train(items).save(path), len(items)


def evaluate(model: Classifier, items: Items) -> CrossValidation:
    """Accuracy, precision and recall per category and the confusion of one model on `items`."""
    confusion: Counter[tuple[str, str]] = Counter(
        (category, model.predict(text).category) for text, category in items
    )
    return classifier._report(0, confusion, list(CATEGORIES))


def out_of_fold(items: Items, folds: int = 5) -> list[dict[str, float]]:
    """Each post's scores from a model that did not see it (stratified folds, fixed seed):
    what thresholds in rules.yaml are tuned against, since the shipped model saw every post."""
    from sklearn.model_selection import StratifiedKFold

    labels = [category for _, category in items]
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=classifier.SEED)
    scores: list[dict[str, float]] = [{} for _ in items]
    for fit, held in splitter.split(np.zeros(len(items)), labels):
        model = classifier.train([items[i] for i in fit]).classifier()
        for i in held:
            scores[i] = model.predict(items[i][0]).scores
    return scores


def render(report: CrossValidation, title: str) -> str:
    total = sum(report.confusion.values())
    lines = [
        f"{title}: {total} posts, accuracy {report.accuracy:.1%}",
        "",
        f"{'category':10} {'precision':>9} {'recall':>7}",
    ]
    lines += [
        f"{c:10} {report.precision.get(c, 0.0):9.1%} {report.recall.get(c, 0.0):7.1%}"
        for c in CATEGORIES
    ]
    lines += [
        "",
        "confusion (rows: expected, columns: the model's)",
        " " * 10 + "".join(f"{c[:8]:>9}" for c in CATEGORIES),
    ]
    lines += [
        f"{want:10}" + "".join(f"{report.confusion.get((want, got), 0):9}" for got in CATEGORIES)
        for want in CATEGORIES
    ]
    return "\n".join(lines)
