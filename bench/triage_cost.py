"""What text triage costs per event: morphological analysis, the classifier, and both.

Usage: .venv/bin/python bench/triage_cost.py [--repeat 5] [--model FILE] [--cv]
Posts: the training corpus folders (Korean and English, tweets to news articles). Prints the
Kiwi build time and RSS, µs per event (mean, p50, p95 over posts, each post's best of
--repeat calls) for analysis uncached and cached, the classifier on an analysed post, and
both from a cold cache, then every fact of an event with the default playbook (the model's
included) from a cold cache; with --cv, 5-fold accuracy and per-category precision and
recall. Without --model the classifier is trained first.
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playbook.editor.corpus import load_corpus  # noqa: E402
from playbook.editor.model import TRAINING_FOLDERS  # noqa: E402
from playbook.intake.events import EventIn  # noqa: E402
from playbook.rules.playbook import Playbook  # noqa: E402
from playbook.text import classifier, morph  # noqa: E402
from playbook.text.lang import detect  # noqa: E402

FOLDERS = list(TRAINING_FOLDERS)  # `playbook model train`'s folders: never blind3 or blind4
# 78 characters: the analysis cost the triage issue asks about.
POST_78 = (
    "@hanbit_care 어제 저녁부터 집 인터넷이 계속 끊겨요. 공유기 재부팅해도 안 되고 "
    "고객센터는 연결도 안 됩니다. 언제쯤 복구돼요??"
)


def corpus_items(folders: list[Path]) -> list[tuple[str, str]]:
    """(text, category) pairs of the labelled corpus folders."""
    classifier.check_training_folders(folders)
    corpus = [item for folder in folders for item in load_corpus(folder)]
    return [(item["event"]["text"], item["expect"]["category"]) for item in corpus]


def rss_mb() -> str:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return f"{int(line.split()[1]) / 1024:.0f} MB"
    except OSError:
        pass
    return "n/a"


def per_event(texts: Sequence[str], work: Callable[[str], object], repeat: int) -> list[float]:
    """µs per call of `work` for each text: the best of `repeat` calls, so that a busy machine
    (descheduling, other processes) does not count."""
    costs = []
    for text in texts:
        best = math.inf
        for _ in range(repeat):
            started = time.perf_counter()
            work(text)
            best = min(best, time.perf_counter() - started)
        costs.append(best * 1e6)
    return costs


def summary(costs: list[float]) -> str:
    ordered = sorted(costs)
    p50, p95 = ordered[len(ordered) // 2], ordered[int(0.95 * (len(ordered) - 1))]
    return f"mean {statistics.fmean(costs):7.0f}  p50 {p50:7.0f}  p95 {p95:7.0f}"


def uncached(text: str) -> morph.Analysis:
    morph.clear_cache()
    return morph.analyse(text)


def measure_post_78(repeat: int) -> None:
    assert len(POST_78) == 78, len(POST_78)
    cold = per_event([POST_78] * 100, uncached, repeat)
    warm = per_event([POST_78] * 100, morph.analyse, repeat)
    print(f"78-char Korean post, uncached µs: {summary(cold)}")
    print(f"78-char Korean post, cached µs:   {summary(warm)}")


def measure_corpus(texts: list[str], model: classifier.Classifier, repeat: int) -> None:
    groups = {
        "ko": [t for t in texts if detect(t) == "ko"],
        "en": [t for t in texts if detect(t) == "en"],
        "all": texts,
    }
    for name, group in groups.items():
        chars = statistics.fmean(len(t) for t in group)
        print(f"\n{name}: {len(group)} posts, {chars:.0f} characters on average (µs per event)")
        print(f"  analysis, uncached    {summary(per_event(group, uncached, repeat))}")
        both = per_event(group, lambda t: (uncached(t), model.predict(t)), repeat)
        for text in group:
            morph.analyse(text)  # from here on every post's analysis is cached
        print(f"  analysis, cached      {summary(per_event(group, morph.analyse, repeat))}")
        print(f"  classifier, analysed  {summary(per_event(group, model.predict, repeat))}")
        print(f"  both, uncached        {summary(both)}")


def measure_facts(folders: list[Path], model: classifier.Classifier, repeat: int) -> None:
    """Every fact of an event with the default playbook, the model's included, cold cache."""
    playbook = Playbook.from_file(str(ROOT / "rules.yaml"), backend="python", triage_model=model)
    now = datetime.now(UTC)
    events = [EventIn.model_validate(i["event"]) for f in folders for i in load_corpus(f)]
    by_text = {e.text: e for e in events}

    def facts(text: str) -> object:
        morph.clear_cache()
        return playbook.facts(by_text[text], now=now)

    costs = per_event(list(by_text), facts, repeat)
    print(f"\nfacts with the model, per event, uncached µs: {summary(costs)}")
    playbook.close()


def print_cv(items: list[tuple[str, str]]) -> None:
    report = classifier.cross_validate(items)
    print(f"\n{report.folds}-fold cross-validation: accuracy {report.accuracy:.1%}")
    print(f"{'category':10} {'precision':>9} {'recall':>7}")
    for category in sorted(report.precision):
        print(f"{category:10} {report.precision[category]:9.1%} {report.recall[category]:7.1%}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="calls per post; best counts")
    parser.add_argument("--model", type=Path, help="a classifier artefact to load")
    parser.add_argument("--cv", action="store_true", help="print 5-fold cross-validation")
    args = parser.parse_args()

    print(f"RSS before Kiwi: {rss_mb()}")
    started = time.perf_counter()
    morph.get_kiwi()
    print(f"Kiwi built in {time.perf_counter() - started:.2f} s, RSS {rss_mb()}")
    items = corpus_items(FOLDERS)
    texts = [text for text, _ in items]
    for text in texts:
        morph.analyse(text)
    print(f"RSS after analysing {len(texts)} posts: {rss_mb()}")
    if args.model:
        model = classifier.load(args.model)
        print(f"classifier {model.sha256[:12]} loaded, RSS {rss_mb()}")
    else:
        started = time.perf_counter()
        model = classifier.train(items).classifier()
        took = time.perf_counter() - started
        print(f"classifier {model.sha256[:12]} trained on {len(items)} posts in {took:.1f} s")
        print(f"RSS with sklearn imported for training: {rss_mb()}")
    measure_post_78(args.repeat)
    measure_corpus(texts, model, args.repeat)
    measure_facts(FOLDERS, model, args.repeat)
    print(f"\nRSS at the end: {rss_mb()}")
    if args.cv:
        print_cv(items)


if __name__ == "__main__":
    main()
