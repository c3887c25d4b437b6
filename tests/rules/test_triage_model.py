"""The triage model as facts: `model.category`, `model.confidence`, `model.score.<category>`."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from playbook.core.errors import RulesInvalid
from playbook.core.settings import REPO_ROOT
from playbook.intake.events import EventIn
from playbook.rules import triage
from playbook.rules.playbook import Playbook
from playbook.text import classifier

NOW = datetime(2026, 12, 2, tzinfo=UTC)

RULES = """
version: 1
organisation: {name: Hanbit, ceo_handles: [hanbit_ceo], brand_handles: [hanbit_care]}
conditions:
  model_says_complaint:
    all:
      - {fact: model.category, equals: complaint}
      - {fact: model.confidence, at_least: 0.6}
rules:
  - id: learned-complaint
    when:
      all:
        - {condition: model_says_complaint}
        - {fact: model.score.complaint, at_least: 0.6}
    then: {category: complaint, severity: medium, steps: [{kind: triage}]}
  - id: quiet
    priority: -1
    when: {fact: mentions, contains_any: [hanbit_care]}
    then: {category: other, card: false, steps: [{kind: triage}]}
"""


def event(text: str, **extra: object) -> EventIn:
    return EventIn.model_validate({"id": "m1", "source": "twitter", "text": text, **extra})


@pytest.fixture(scope="module")
def playbook() -> Playbook:
    return Playbook.from_text(RULES, backend="python")


def test_the_packaged_model_gives_every_event_its_facts(playbook: Playbook) -> None:
    facts = playbook.facts(
        event("@hanbit_ceo 어제부터 앱에서 결제가 안 됩니다. 해결 부탁드립니다"), now=NOW
    )
    assert facts["model.category"] == "complaint"
    scores = {c: facts[f"model.score.{c}"] for c in triage.configured().categories}
    assert set(scores) == {"complaint", "rumour", "question", "abuse", "praise", "other"}
    assert facts["model.confidence"] == max(scores.values())
    assert sum(scores.values()) == pytest.approx(1.0, abs=1e-3)
    engine = playbook.engine_facts(facts)
    assert engine["model__category"] == "complaint"
    assert isinstance(engine["model__score__complaint"], float)


def test_rules_decide_on_the_models_opinion(playbook: Playbook) -> None:
    text = "Hanbit moved my plan to a pricier one without asking. Please switch it back."
    complaint = event(text)
    decision = playbook.decide(playbook.facts(complaint, now=NOW), complaint)
    assert decision.matched_rules == ["learned-complaint"]
    assert decision.card is True
    chatter = event("오늘 점심은 김치찌개 😋", mentions=["hanbit_care"])
    decision = playbook.decide(playbook.facts(chatter, now=NOW), chatter)
    assert (decision.category, decision.matched_rules, decision.card) == ("other", ["quiet"], False)


def test_a_score_for_no_category_is_refused() -> None:
    bad = RULES.replace("model.score.complaint", "model.score.complain")
    with pytest.raises(RulesInvalid, match="unknown fact `model.score.complain`"):
        Playbook.from_text(bad, backend="python")


def test_the_model_version_is_the_artefacts_short_hash(playbook: Playbook) -> None:
    model = triage.load(triage.DEFAULT_MODEL)
    assert playbook.model_version == model.sha256[:12] == triage.version(model)


def test_another_artefact_can_be_given(tmp_path: Path) -> None:
    items = [
        ("요금이 두 번 나왔어요 화나요", "complaint"),
        ("감사합니다 최고예요", "praise"),
        ("오늘 점심은 김치찌개", "other"),
    ] * 3
    path = tmp_path / "tiny.json.gz"
    stamp = classifier.train(items).save(path)
    playbook = Playbook.from_text(RULES, backend="python", triage_model=triage.load(path))
    assert playbook.model_version == stamp[:12]
    assert playbook.facts(event("감사합니다"), now=NOW)["model.category"] == "praise"


def test_the_default_playbook_reads_the_model_where_the_lists_are_silent() -> None:
    playbook = Playbook.from_file(str(REPO_ROOT / "rules.yaml"), backend="python")
    for text in (
        "@hanbit_ceo 어제부터 앱에서 결제가 안 됩니다. 해결 부탁드립니다",
        "Hanbit moved my plan to a pricier one without asking. Please switch it back.",
    ):
        post = event(text)
        assert playbook.decide(playbook.facts(post, now=NOW), post).category == "complaint", text
