"""The story path reads an incident two ways: its centroid, and its nearest latest posts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session

from playbook.core.db import session_scope
from playbook.core.settings import REPO_ROOT
from playbook.incidents import stories
from playbook.intake.events import EventIn
from playbook.pipeline import ingest
from playbook.rules.playbook import Playbook

WINDOW = 6 * 3600
START = datetime(2027, 3, 10, 1, 0, tzinfo=UTC)
THREAD = [
    "한빛 부산 모바일 데이터 먹통입니다. 해운대 전체가 안 돼요",
    "카드 단말기 유심 결제 승인 안 남. 가게 장사 망함",
    "택시 호출 앱 안 잡힘. 네비도 안 됨",
    "배달 콜 하나도 안 들어옴. 기사님들 다 그럼",
]


def _post(n: int, text: str, reply_to: str | None = None) -> EventIn:
    return EventIn.model_validate(
        {
            "id": f"lk-{n}",
            "source": "twitter",
            "text": text,
            "created_at": (START + timedelta(minutes=n)).isoformat(),
            "author": {"id": str(1000 + n), "handle": f"user{n}"},
            "in_reply_to": reply_to,
        }
    )


def test_a_post_telling_one_part_of_the_story_is_near_the_post_that_told_it(
    db_engine: Engine,
) -> None:
    rules = REPO_ROOT / "rules.yaml"
    playbook = Playbook.from_text(rules.read_text(encoding="utf-8"), str(rules))
    try:
        incident_id = None
        for n, text in enumerate(THREAD):
            with session_scope(db_engine) as session:
                event = _post(n, text, None if n == 0 else "lk-0")
                result = ingest(
                    session,
                    event,
                    playbook=playbook,
                    now=event.created_at or START,
                    default_channel="#x",
                )
                incident_id = incident_id or result.incident_id
        assert incident_id is not None
        now = START + timedelta(minutes=30)
        with session_scope(db_engine) as session:
            near = _likeness(
                session, "택시 기사인데 호출 앱이 안 잡혀요 네비까지", incident_id, now
            )
            far = _likeness(
                session, "스포츠원 채널이 오늘부터 빠졌네요 축구 중계", incident_id, now
            )
        assert near >= 0.47 > far
    finally:
        playbook.close()


def _likeness(session: Session, text: str, incident_id: int, now: datetime) -> float:
    weight = stories.weights(session, stories.salient(text, ("한빛",)), now, WINDOW)
    found = stories._likeness(session, weight, [incident_id], frozenset(), now=now, window=WINDOW)
    return found[incident_id]
