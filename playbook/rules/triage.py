"""The triage model's opinion of a post, as facts the rules may test (`model.*`).

The model is a committed artefact (playbook/rules/triage_model.json.gz, or the file
`PLAYBOOK_TRIAGE_MODEL` names), loaded once per path; nothing is trained or fetched here.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from playbook.core.settings import get_settings
from playbook.text import classifier
from playbook.text.classifier import Classifier

DEFAULT_MODEL = Path(__file__).resolve().parent / "triage_model.json.gz"
SHORT = 12  # characters of the sha256 shown as the model's version


@lru_cache(maxsize=4)
def load(path: Path) -> Classifier:
    """The classifier at `path`, read and checked against its stamp once per process."""
    return classifier.load(path)


def configured() -> Classifier:
    """The model the settings name (PLAYBOOK_TRIAGE_MODEL), else the one in the package."""
    return load(get_settings().triage_model or DEFAULT_MODEL)  # the service passes its own


def version(model: Classifier) -> str:
    return model.sha256[:SHORT]


def model_facts(model: Classifier, text: str) -> dict[str, Any]:
    """`model.category`, `model.confidence` and `model.score.<category>` for one post."""
    prediction = model.predict(text)
    facts: dict[str, Any] = {
        "model.category": prediction.category,
        "model.confidence": round(prediction.confidence, 4),
    }
    for category, score in prediction.scores.items():
        facts[f"model.score.{category}"] = round(score, 4)
    return facts


def explain(model: Classifier, text: str, features: int = 5) -> dict[str, Any]:
    """The model's category, confidence and the features that weighed most, for editors."""
    prediction = model.predict(text)
    return {
        "version": version(model),
        "category": prediction.category,
        "confidence": round(prediction.confidence, 4),
        "scores": {c: round(s, 4) for c, s in prediction.scores.items()},
        "top_features": [
            {"feature": name, "weight": round(weight, 4)}
            for name, weight in prediction.top_features(features)
        ],
    }
