"""Soak: the Slack chaos run, long: 60 s of 429s, 500s and hangs over a stream of 12 incidents
and a storm, with and without a `kill -9` of the service mid-outage. A card in flight when the
service dies waits out its outbox lease (2 minutes) before another attempt finds it by its
metadata, hence the long settle time."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from tests.support.fake_slack import Fault
from tests.support.slack_chaos import copies_stream, run_chaos

pytestmark = pytest.mark.soak
STORIES = ["A02", "A01", "A03", "A04", "A05", "A06", "A07", "A08", "A09", "A10", "A11", "A14"]
FAULTS = [
    Fault(0, 60, "429", every=3, retry_after=2),
    Fault(0, 60, "500", every=4),
    Fault(0, 60, "hang", every=7, methods=("chat.postMessage",), hang_seconds=11),
    Fault(20, 30, "hang", every=2, methods=("chat.update",), hang_seconds=11),
]


@pytest.mark.parametrize("kill_after", [None, 20.0], ids=["no-kill", "kill-9"])
def test_cards_survive_a_long_outage(
    db_engine: Engine, tmp_path: Path, kill_after: float | None
) -> None:
    url = db_engine.url.render_as_string(hide_password=False)
    events = copies_stream(STORIES, 20, storm=150, run="soak")
    figures = run_chaos(
        url,
        tmp_path / "service.log",
        events=events,
        faults=FAULTS,
        kill_after=kill_after,
        settle_timeout=400,
        batch=5,
    )
    print(f"slack chaos soak ({db_engine.dialect.name}, kill {kill_after}): {figures.line()}")
    assert figures.events_acked == figures.events_sent
    assert figures.duplicate_posts == 0
    assert figures.kills == (1 if kill_after else 0)
