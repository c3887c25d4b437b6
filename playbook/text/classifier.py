"""A learned category for a post (complaint, rumour, ...), offered to the rules as a fact.

Features: character 2-4-grams of the normalised text (sklearn's `char_wb`) and the post's
lemmas from `morph` (Korean by Kiwi, English by rule), with a second feature for each lemma
under negation; each block TF-IDF weighted (sublinear tf) and L2-normalised on its own. Model:
multinomial logistic regression, classes balanced. Its plain probabilities beat sigmoid and
isotonic calibration in cross-validation, so none is applied.

The artefact is gzipped JSON: vocabularies, idf, weights and intercepts, stamped with the
sha256 of its content. Nothing is pickled; inference is a sparse dot product in numpy.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from playbook.core.errors import PlaybookError
from playbook.text import morph

if TYPE_CHECKING:  # sklearn is needed to train, not to load and predict
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

FORMAT = "playbook-classifier/1"
C = 300.0  # chosen by 5-fold cross-validation over 3..3000 (accuracy and log loss)
SEED = 0
HELD_OUT = frozenset({"blind3", "blind4"})  # evaluation folders: never trained or tuned on
_NOT_WORDS = ("SF", "SP", "SS", "SE", "SO", "SN", "W_URL", "W_EMAIL")  # punctuation, numbers

Items = Sequence[tuple[str, str]]  # (text, category)


class ArtefactError(PlaybookError):
    """A classifier file that is not ours, not whole, or not what its hash says."""

    status = 500  # the deployment's fault, not the caller's
    code = "classifier_artefact"

    def __init__(self, path: Path | str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


def char_grams(text: str) -> list[str]:
    """sklearn's `char_wb` 2-4-grams: each word padded with a space, short words once."""
    grams: list[str] = []
    for word in text.split():
        padded = f" {word} "
        for n in range(2, 5):
            grams.extend(padded[i : i + n] for i in range(max(len(padded) - n, 0) + 1))
            if len(padded) <= n:
                break
    return grams


def word_features(analysis: morph.Analysis) -> list[str]:
    """Lemmas ("w:되다") and lemmas under negation ("n:불만"), without punctuation or numbers."""
    features: list[str] = []
    for i in analysis.units:
        token = analysis.tokens[i]
        if token.tag.startswith(_NOT_WORDS):
            continue
        features.append(f"w:{token.lemma}")
        if analysis.negated_tokens(i, i):
            features.append(f"n:{token.lemma}")
    return features


def features(text: str) -> tuple[list[str], list[str]]:
    """The two feature blocks of a post: character grams and words."""
    analysis = morph.analyse(text)
    return char_grams(analysis.text), word_features(analysis)


@dataclass(frozen=True, eq=False)
class Block:
    """One feature block: its vocabulary (column order), idf, and first column in the model."""

    names: tuple[str, ...]
    idf: np.ndarray
    offset: int
    index: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "index", {name: i for i, name in enumerate(self.names)})

    def vector(self, grams: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """Columns and values as `TfidfVectorizer(sublinear_tf=True)` would give them."""
        found = [(c, n) for g, n in Counter(grams).items() if (c := self.index.get(g)) is not None]
        if not found:
            return np.empty(0, dtype=np.intp), np.empty(0)
        columns = np.fromiter((c for c, _ in found), dtype=np.intp, count=len(found))
        counts = np.fromiter((n for _, n in found), dtype=np.float64, count=len(found))
        values = (1.0 + np.log(counts)) * self.idf[columns]
        return columns + self.offset, values / np.sqrt(values @ values)


@dataclass(frozen=True, eq=False)
class Prediction:
    category: str
    confidence: float  # the chosen category's probability
    scores: dict[str, float]  # probability per category
    _columns: np.ndarray = field(repr=False)  # the model's columns present in the post
    _weights: np.ndarray = field(repr=False)  # their contribution to the chosen category
    _name: Callable[[int], str] = field(repr=False)  # a column's feature, labelled

    def top_features(self, n: int = 5) -> list[tuple[str, float]]:
        """The n features that pushed hardest towards the chosen category, for explain output."""
        order = np.argsort(-self._weights, kind="stable")[:n]
        return [
            (self._name(int(self._columns[i])), float(self._weights[i]))
            for i in order
            if self._weights[i] > 0
        ]


@dataclass(frozen=True, eq=False)
class Classifier:
    """A classifier loaded from its artefact: inference from the exported weights only."""

    categories: tuple[str, ...]
    chars: Block
    words: Block
    coef: np.ndarray  # (categories, columns)
    intercept: np.ndarray
    sha256: str

    def probabilities(self, text: str) -> np.ndarray:
        return self._score(text)[0]

    def predict(self, text: str) -> Prediction:
        proba, columns, values = self._score(text)
        best = int(np.argmax(proba))
        weights = self.coef[best, columns] * values
        scores = {c: float(p) for c, p in zip(self.categories, proba, strict=True)}
        category, confidence = self.categories[best], float(proba[best])
        return Prediction(category, confidence, scores, columns, weights, self.feature)

    def _score(self, text: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        grams, words = features(text)
        char_columns, char_values = self.chars.vector(grams)
        word_columns, word_values = self.words.vector(words)
        columns = np.concatenate((char_columns, word_columns))
        values = np.concatenate((char_values, word_values))
        decision = self.coef[:, columns] @ values + self.intercept
        exp = np.exp(decision - decision.max())
        return exp / exp.sum(), columns, values

    def feature(self, column: int) -> str:
        """A column as explain output shows it: "lemma 되다", "negated 불만", "text ' 안되'"."""
        if column < self.words.offset:
            return f"text {self.chars.names[column]!r}"
        name = self.words.names[column - self.words.offset]
        return f"{'negated' if name.startswith('n:') else 'lemma'} {name[2:]}"


def load(path: Path) -> Classifier:
    return from_bytes(path.read_bytes(), source=path)


def from_bytes(data: bytes, *, source: Path | str = "<bytes>") -> Classifier:
    """A classifier from its artefact, checked against its own sha256 stamp."""
    try:
        document = json.loads(gzip.decompress(data))
    except (OSError, EOFError, ValueError) as exc:
        raise ArtefactError(source, f"not a gzipped JSON file ({exc})") from exc
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ArtefactError(source, f"not a {FORMAT} artefact")
    body = {k: v for k, v in document.items() if k != "sha256"}
    if document.get("sha256") != _digest(body):
        raise ArtefactError(source, "content does not match its sha256 stamp")
    return _classifier(body, document["sha256"])


def _classifier(body: dict[str, Any], sha256: str) -> Classifier:
    chars, words = body["chars"], body["words"]
    offset = len(chars["names"])
    return Classifier(
        categories=tuple(body["categories"]),
        chars=Block(tuple(chars["names"]), np.array(chars["idf"], dtype=np.float64), 0),
        words=Block(tuple(words["names"]), np.array(words["idf"], dtype=np.float64), offset),
        coef=np.array(body["coef"], dtype=np.float64),
        intercept=np.array(body["intercept"], dtype=np.float64),
        sha256=sha256,
    )


def _digest(body: dict[str, Any]) -> str:
    return hashlib.sha256(_canonical(body)).hexdigest()


def _canonical(document: dict[str, Any]) -> bytes:
    return json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


@dataclass(frozen=True, eq=False)
class TrainedModel:
    """sklearn's fitted parts, and the artefact exported from them."""

    chars: TfidfVectorizer
    words: TfidfVectorizer
    model: LogisticRegression
    items: int

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """sklearn's own probabilities, the reference the exported inference must equal."""
        return np.asarray(self.model.predict_proba(self._matrix(texts)))

    def _matrix(self, texts: Sequence[str]) -> Any:
        from scipy.sparse import hstack

        pairs = [features(t) for t in texts]
        grams = self.chars.transform([p[0] for p in pairs])
        return hstack([grams, self.words.transform([p[1] for p in pairs])]).tocsr()

    def body(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "categories": [str(c) for c in self.model.classes_],
            "chars": _block_body(self.chars),
            "words": _block_body(self.words),
            "coef": self.model.coef_.tolist(),
            "intercept": self.model.intercept_.tolist(),
            "trained_on": {"items": self.items, "C": C, "seed": SEED},
        }

    def artefact(self) -> bytes:
        """The gzipped JSON file; the same items give the same bytes and the same sha256."""
        body = self.body()
        return gzip.compress(_canonical({**body, "sha256": _digest(body)}), mtime=0)

    def save(self, path: Path) -> str:
        """Write the artefact; returns its sha256 stamp."""
        data = self.artefact()
        path.write_bytes(data)
        return str(json.loads(gzip.decompress(data))["sha256"])

    def classifier(self) -> Classifier:
        return from_bytes(self.artefact())


def _block_body(vectorizer: TfidfVectorizer) -> dict[str, Any]:
    return {
        "names": [str(n) for n in vectorizer.get_feature_names_out()],
        "idf": vectorizer.idf_.tolist(),
    }


def train(items: Items) -> TrainedModel:
    """Fit the vectorisers and the model on (text, category) pairs; deterministic."""
    from scipy.sparse import hstack
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    pairs = [features(text) for text, _ in items]
    chars = TfidfVectorizer(analyzer=_identity, sublinear_tf=True)
    words = TfidfVectorizer(analyzer=_identity, sublinear_tf=True)
    matrix = hstack(
        [chars.fit_transform([p[0] for p in pairs]), words.fit_transform([p[1] for p in pairs])]
    ).tocsr()
    model = LogisticRegression(C=C, class_weight="balanced", max_iter=10_000, random_state=SEED)
    model.fit(matrix, [category for _, category in items])
    return TrainedModel(chars, words, model, len(items))


def _identity(features: list[str]) -> list[str]:
    return features


@dataclass(frozen=True)
class CrossValidation:
    folds: int
    accuracy: float
    precision: dict[str, float]
    recall: dict[str, float]
    confusion: dict[tuple[str, str], int]  # (expected, predicted) → count


def cross_validate(items: Items, folds: int = 5) -> CrossValidation:
    """Stratified k-fold: each item predicted by a model that did not see it."""
    from sklearn.model_selection import StratifiedKFold

    labels = [category for _, category in items]
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=SEED)
    confusion: Counter[tuple[str, str]] = Counter()
    for fit, held in splitter.split(np.zeros(len(items)), labels):
        classifier = train([items[i] for i in fit]).classifier()
        for i in held:
            confusion[(labels[i], classifier.predict(items[i][0]).category)] += 1
    return _report(folds, confusion, sorted(set(labels)))


def _report(folds: int, confusion: Counter[tuple[str, str]], labels: list[str]) -> CrossValidation:
    def share(hits: int, total: int) -> float:
        return hits / total if total else 0.0

    right = {c: confusion[(c, c)] for c in labels}
    predicted = {c: sum(n for (_, got), n in confusion.items() if got == c) for c in labels}
    actual = {c: sum(n for (want, _), n in confusion.items() if want == c) for c in labels}
    return CrossValidation(
        folds=folds,
        accuracy=share(sum(right.values()), sum(confusion.values())),
        precision={c: share(right[c], predicted[c]) for c in labels},
        recall={c: share(right[c], actual[c]) for c in labels},
        confusion=dict(confusion),
    )


def check_training_folders(folders: Sequence[Path]) -> None:
    """Refuse the held-out evaluation folders: a model trained on them measures nothing."""
    refused = [str(f) for f in folders if f.name in HELD_OUT]
    if refused:
        raise ValueError(f"held-out evaluation folders must not be trained on: {refused}")
