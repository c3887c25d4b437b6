"""Shared fixtures: every database test runs on SQLite and on a real PostgreSQL server."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

from playbook.actions.console import ConsoleSink
from playbook.actions.slack.sink import SlackSink
from playbook.core.clock import FakeClock
from playbook.core.db import make_engine, migrate
from playbook.core.settings import REPO_ROOT, Settings
from service.app import create_app
from service.runtime import Runtime
from tests.support.fake_slack import SIGNING_SECRET, TOKEN, FakeSlack

RULES = REPO_ROOT / "rules.yaml"


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """PLAYBOOK_TEST_POSTGRES_URL, or a private cluster started for this test run."""
    given = os.environ.get("PLAYBOOK_TEST_POSTGRES_URL")
    if given:
        yield given
        return
    from tests.support import pg_cluster

    cluster = pg_cluster.start()
    try:
        yield cluster.url
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
def postgres_engine(postgres_url: str) -> Iterator[Engine]:
    engine = make_engine(postgres_url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public;"))
    migrate(engine)
    yield engine
    engine.dispose()


def _truncate(engine: Engine) -> None:
    tables = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=["sqlite", "postgres"])
def db_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A migrated, empty database on each backend."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'playbook.db'}")
        migrate(engine)
        yield engine
        engine.dispose()
        return
    engine = request.getfixturevalue("postgres_engine")
    _truncate(engine)
    yield engine
    _truncate(engine)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def settings(db_engine: Engine) -> Settings:
    return Settings(
        database_url=str(db_engine.url.render_as_string(hide_password=False)),
        rules_file=RULES,
        api_keys="",
        slack_bot_token=None,
        slack_signing_secret=None,
        rules_backend="auto",
        watch_rules=False,
    )


@pytest.fixture
def sink() -> ConsoleSink:
    return ConsoleSink()


@pytest.fixture
def runtime(
    settings: Settings, clock: FakeClock, sink: ConsoleSink, db_engine: Engine
) -> Iterator[Runtime]:
    built = Runtime.build(settings, clock=clock, sink=sink, engine=db_engine)
    yield built
    built.rules.close()


@pytest.fixture
def client(runtime: Runtime) -> Iterator[TestClient]:
    app = create_app(runtime, workers=False)
    with TestClient(app, client=("127.0.0.1", 50000), raise_server_exceptions=False) as test:
        yield test


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    """A local fake of Slack's Web API; every payload it received must have been valid."""
    with FakeSlack() as fake:
        yield fake
    assert fake.invalid == []


@pytest.fixture
def slack_runtime(
    settings: Settings, clock: FakeClock, db_engine: Engine, slack: FakeSlack
) -> Iterator[Runtime]:
    """A runtime whose cards go to the fake Slack and whose /slack endpoints are signed."""
    settings.slack_bot_token = TOKEN
    settings.slack_api_url = slack.url
    settings.slack_signing_secret = SIGNING_SECRET
    built = Runtime.build(settings, clock=clock, engine=db_engine)
    assert isinstance(built.sink, SlackSink)
    yield built
    built.rules.close()
