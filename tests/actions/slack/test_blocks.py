"""Text made inert and cut cleanly: escape, truncate, mentions."""

from __future__ import annotations

import re

from playbook.actions.slack.blocks import escape, truncate
from playbook.actions.slack.messages import (
    build_thread_reply,
)
from tests.support.card_views import (
    NOW,
    step,
)


def test_escape_and_mentions() -> None:
    assert escape("a < b && c > d") == "a &lt; b &amp;&amp; c &gt; d"
    assert escape("@channel @Here @everyone") == "@\u2060channel @\u2060Here @\u2060everyone"
    assert escape("mail me@channels.example") == "mail me@channels.example"
    reply = build_thread_reply("U0777", "complete", step(1), NOW, None)["text"]
    assert reply.startswith("<@U0777> completed *Step 1*")
    assert build_thread_reply("USA", "complete", step(1), NOW, None)["text"].startswith("USA ")
    assert build_thread_reply("user:W0A1B2", "assign", step(1), NOW, None)["text"].startswith(
        "<@W0A1B2>"
    )


def test_truncate_never_cuts_inside_an_escape_or_markup() -> None:
    text = "a&amp;b <@U123> c&lt;d <!date^1^{time}|09:00> e&gt; 한글" * 3
    for limit in range(0, len(text) + 2):
        cut = truncate(text, limit)
        assert len(cut) <= max(limit, 0)
        if len(text) > limit >= 1:
            assert cut.endswith("…")
        body = cut.removesuffix("…")
        assert text.startswith(body)
        assert not re.search(r"&(?!amp;|lt;|gt;)", body), (limit, body)
        assert body.count("<") == body.count(">"), (limit, body)


def test_truncate_keeps_letters_with_their_marks() -> None:
    assert truncate("e\u0301e\u0301e\u0301", 4) == "e\u0301…"
    assert truncate("\u1112\u1161\u11ab\u1100\u1173\u11af", 5) == "\u1112\u1161\u11ab…"
    assert truncate("short", 10) == "short"
