"""The two apps the API benchmark compares: the real service and a parse-only baseline."""

from __future__ import annotations

from fastapi import FastAPI

from playbook.core.settings import get_settings
from playbook.intake.events import EventIn
from service.app import create_app


def service() -> FastAPI:
    return create_app(settings=get_settings())


def baseline() -> FastAPI:
    app = FastAPI()

    @app.post("/v1/events")
    def parse_only(event: EventIn) -> dict[str, object]:
        return {"event_id": event.id, "duplicate": False}

    return app
