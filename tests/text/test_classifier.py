"""The learned category: exported weights give sklearn's probabilities; the artefact is safe."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from playbook.editor.corpus import load_corpus
from playbook.text import classifier, morph
from playbook.text.classifier import ArtefactError, Classifier, TrainedModel

ROOT = Path(__file__).resolve().parents[2]
FOLDERS = [ROOT / "tests/corpus", ROOT / "tests/corpus/holdout", ROOT / "tests/corpus/blind2"]
UNSEEN = [
    "",
    "😡😡😡",
    "한빛 5G 요금제 바꾸려면 어디서 해요?",
    "5년째 한빛 쓰는데 불만 없어요. 통화 품질 좋아요",
    "heard hanbit is getting bought out, is it true??",
    "Hanbit support never called back. Third time this week.",
]


def corpus_items() -> list[tuple[str, str]]:
    classifier.check_training_folders(FOLDERS)
    corpus = [item for folder in FOLDERS for item in load_corpus(folder)]
    return [(item["event"]["text"], item["expect"]["category"]) for item in corpus]


@pytest.fixture(scope="module")
def items() -> list[tuple[str, str]]:
    return corpus_items()


@pytest.fixture(scope="module")
def trained(items: list[tuple[str, str]]) -> TrainedModel:
    return classifier.train(items)


@pytest.fixture(scope="module")
def artefact(trained: TrainedModel) -> bytes:
    return trained.artefact()


@pytest.fixture(scope="module")
def loaded(artefact: bytes) -> Classifier:
    return classifier.from_bytes(artefact)


def test_char_grams_are_sklearns_char_wb(items: list[tuple[str, str]]) -> None:
    sklearn_grams = TfidfVectorizer(
        analyzer="char_wb", ngram_range=(2, 4), lowercase=False
    ).build_analyzer()
    for text, _ in items:
        normalised = morph.normalise(text)
        assert classifier.char_grams(normalised) == sklearn_grams(normalised)


def test_exported_weights_give_sklearns_probabilities(
    trained: TrainedModel, loaded: Classifier, items: list[tuple[str, str]]
) -> None:
    texts = [text for text, _ in items] + UNSEEN
    ours = np.array([loaded.probabilities(t) for t in texts])
    assert loaded.categories == tuple(trained.model.classes_)
    np.testing.assert_allclose(ours, trained.predict_proba(texts), rtol=0, atol=1e-12)


def test_save_and_load_round_trip(trained: TrainedModel, tmp_path: Path) -> None:
    path = tmp_path / "classifier.json.gz"
    stamp = trained.save(path)
    loaded = classifier.load(path)
    assert loaded.sha256 == stamp
    np.testing.assert_allclose(
        loaded.probabilities(UNSEEN[3]), trained.predict_proba([UNSEEN[3]])[0], rtol=0, atol=1e-12
    )


def test_training_twice_gives_the_same_artefact(
    artefact: bytes, loaded: Classifier, items: list[tuple[str, str]]
) -> None:
    again = classifier.train(items).artefact()
    assert again == artefact
    assert classifier.from_bytes(again).sha256 == loaded.sha256


def test_the_artefact_is_small_gzipped_json_of_numbers_and_names(artefact: bytes) -> None:
    assert len(artefact) < 3_000_000
    assert artefact[:2] == b"\x1f\x8b"
    document = json.loads(gzip.decompress(artefact))
    assert set(document) == {
        "format",
        "categories",
        "chars",
        "words",
        "coef",
        "intercept",
        "trained_on",
        "sha256",
    }
    assert len(document["coef"]) == len(document["categories"]) == 6
    columns = len(document["chars"]["names"]) + len(document["words"]["names"])
    assert all(len(row) == columns for row in document["coef"])


def test_a_tampered_artefact_is_refused(artefact: bytes) -> None:
    document = json.loads(gzip.decompress(artefact))
    document["intercept"][0] += 1.0
    tampered = gzip.compress(json.dumps(document).encode())
    with pytest.raises(ArtefactError, match="sha256"):
        classifier.from_bytes(tampered)
    with pytest.raises(ArtefactError, match="gzipped JSON"):
        classifier.from_bytes(b"\x80\x04not a pickle either")
    with pytest.raises(ArtefactError, match="not a playbook-classifier"):
        classifier.from_bytes(gzip.compress(b'{"format": "other"}'))


def test_a_prediction_explains_itself(loaded: Classifier) -> None:
    prediction = loaded.predict("@hanbit_care 인터넷 또 안 돼요. 언제 복구돼요?")
    assert prediction.category in prediction.scores
    assert prediction.confidence == max(prediction.scores.values())
    assert sum(prediction.scores.values()) == pytest.approx(1.0)
    top = prediction.top_features(5)
    assert 0 < len(top) <= 5
    assert [w for _, w in top] == sorted((w for _, w in top), reverse=True)
    assert all(w > 0 for _, w in top)
    assert all(name.startswith(("text ", "lemma ", "negated ")) for name, _ in top)


def test_negated_lemmas_are_features_of_their_own() -> None:
    words = classifier.word_features(morph.analyse("불만 없어요"))
    assert words == ["w:불만", "n:불만", "w:없다"]


def test_the_model_learns_its_training_set(
    loaded: Classifier, items: list[tuple[str, str]]
) -> None:
    right = sum(loaded.predict(text).category == category for text, category in items)
    assert right / len(items) > 0.95


def test_held_out_folders_are_never_trained_on() -> None:
    with pytest.raises(ValueError, match="held-out"):
        classifier.check_training_folders([ROOT / "tests/corpus", ROOT / "tests/corpus/blind3"])
