"""Drafts longer than the channel allows are routed (tip 5), measured as X measures posts."""

from __future__ import annotations

import textwrap
from datetime import UTC, datetime

import pytest

from playbook.core.models import Incident
from playbook.intake.events import EventIn
from playbook.rules.playbook import Playbook
from playbook.text.length import TCO_LENGTH, draft_length
from playbook.workflow import action_plan
from playbook.workflow.planner import plan

NOW = datetime(2026, 12, 1, tzinfo=UTC)


def rules_with_draft(ko: str, en: str) -> str:
    return textwrap.dedent(
        f"""\
        version: 1
        organisation: {{name: Hanbit Telecom, brand_terms: [한빛, Hanbit]}}
        settings: {{channel_limit: 280}}
        rules:
          - id: complaint
            when: {{fact: text, contains_any: [요금, bill]}}
            then:
              category: complaint
              severity: medium
              steps:
                - kind: apologise
                  draft: {{ko: "{ko}", en: "{en}"}}
        """
    )


def decide(text: str, rules: str, lang: str) -> dict[str, dict]:
    playbook = Playbook.from_text(rules, backend="python")
    try:
        event = EventIn(id="e1", source="twitter", text=text, lang=lang)
        decision = playbook.decide(playbook.facts(event, now=NOW), event)
        steps = plan(playbook.model, decision, event)
    finally:
        playbook.close()
    return {s.kind: s.detail for s in steps}


def test_x_counts_korean_and_emoji_double_and_links_as_23() -> None:
    assert draft_length("abc") == 3
    assert draft_length("사과드립니다") == 12
    assert draft_length("👍") == 2
    assert draft_length("see https://example.com/a/very/long/path/that/goes/on") == 4 + TCO_LENGTH


def test_a_korean_draft_under_280_letters_but_over_280_as_x_counts_is_routed() -> None:
    ko = "가" * 150  # 150 letters, 300 as X counts them
    steps = decide("한빛 요금 이상해요", rules_with_draft(ko, "short"), "ko")
    assert len(ko) < 280
    assert steps["apologise"]["routed_to"] == "cs_handoff"
    assert "300" in steps["apologise"]["routed_because"]
    assert steps["cs_handoff"]["routed_from"] == "apologise"


@pytest.mark.parametrize("letters", [139, 140])
def test_a_korean_draft_that_fits_stays_put(letters: int) -> None:
    steps = decide("한빛 요금 이상해요", rules_with_draft("가" * letters, "short"), "ko")
    assert "routed_to" not in steps["apologise"]
    assert "cs_handoff" not in steps


def test_an_english_draft_of_281_letters_is_routed_and_280_is_not() -> None:
    long = decide("my Hanbit bill is wrong", rules_with_draft("짧음", "x" * 281), "en")
    fits = decide("my Hanbit bill is wrong", rules_with_draft("짧음", "x" * 280), "en")
    assert long["apologise"]["routed_to"] == "cs_handoff"
    assert "routed_to" not in fits["apologise"]


def test_a_long_action_plan_is_the_companys_position_and_goes_to_the_blog() -> None:
    # A medium complaint's answer to one customer goes to customer service; its action plan,
    # published for everyone, is the official position (issue 13.13a).
    incident = Incident(
        title="t", category="complaint", severity="medium", rules_version="v", language="en"
    )
    assert action_plan.route("x" * 281, incident, 280)[0] == "blog_post"
    assert action_plan.route("x" * 280, incident, 280) == (None, None)


ANONYMOUS_RULES = textwrap.dedent(
    """\
    version: 1
    organisation: {name: Hanbit Telecom, brand_terms: [한빛, Hanbit]}
    rules:
      - id: complaint
        when: {fact: text, contains_any: [요금, bill]}
        then:
          category: complaint
          severity: medium
          steps:
            - kind: acknowledge
              draft:
                ko: "{author}님, {org}입니다. 확인하고 있습니다."
                en: "{author}, thank you for telling {org}. We are on it."
    """
)


@pytest.mark.parametrize(
    ("text", "lang", "author", "expected"),
    [
        ("한빛 요금 이상해요", "ko", None, "Hanbit Telecom입니다. 확인하고 있습니다."),
        ("my Hanbit bill", "en", None, "Thank you for telling Hanbit Telecom. We are on it."),
        ("한빛 요금 이상해요", "ko", "kim", "@kim님, Hanbit Telecom입니다. 확인하고 있습니다."),
        (
            "my Hanbit bill",
            "en",
            "kim",
            "@kim, thank you for telling Hanbit Telecom. We are on it.",
        ),
    ],
)
def test_a_draft_for_a_post_without_author_has_no_dangling_greeting(
    text: str, lang: str, author: str | None, expected: str
) -> None:
    playbook = Playbook.from_text(ANONYMOUS_RULES, backend="python")
    try:
        raw: dict = {"id": "e1", "source": "twitter", "text": text, "lang": lang}
        if author:
            raw["author"] = {"id": "1", "handle": author}
        event = EventIn.model_validate(raw)
        decision = playbook.decide(playbook.facts(event, now=NOW), event)
        (step,) = [s for s in plan(playbook.model, decision, event) if s.kind == "acknowledge"]
    finally:
        playbook.close()
    assert step.draft == expected
