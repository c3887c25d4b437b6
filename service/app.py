"""The FastAPI application: built around one Runtime, thin routes over the engine."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from playbook import __version__
from playbook.core.settings import Settings, get_settings
from service import errors
from service.auth import SignInRequired, build_sessions, first_admin_link
from service.limits import BodyLimit
from service.pages import board, incident, report, rules_page, signin
from service.routes import events, health, incidents, rules, slack
from service.runtime import Runtime

log = logging.getLogger("playbook.service")
STATIC = Path(__file__).resolve().parent / "static"


def create_app(
    runtime: Runtime | None = None, *, settings: Settings | None = None, workers: bool = True
) -> FastAPI:
    """An app over `runtime` (tests) or over one built from settings at start-up."""
    settings = runtime.settings if runtime else (settings or get_settings())

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        own = app.state.runtime is None
        if own:
            app.state.runtime = Runtime.build(settings)
        if not settings.api_key_list:
            log.warning("PLAYBOOK_API_KEYS is not set: /v1 answers loopback clients only")
        app.state.sessions = build_sessions(app.state.runtime)
        first_admin_link(app.state.runtime)
        if workers:
            app.state.runtime.start_workers()
        try:
            yield
        finally:
            if own:
                app.state.runtime.close()

    app = FastAPI(
        title="playbook",
        version=__version__,
        lifespan=lifespan,
        description="Crisis-response playbook engine: events in, workflows out.",
    )
    app.state.runtime = runtime
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    errors.install(app)
    install_signin_redirect(app)
    for module in (events, incidents, rules, health, slack):
        app.include_router(module.router)
    for page in (signin, board, incident, report, rules_page):
        app.include_router(page.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app


def install_signin_redirect(app: FastAPI) -> None:
    """Pages without a session send the browser to the sign-in page."""

    @app.exception_handler(SignInRequired)
    async def _signin(_: Request, exc: SignInRequired) -> Response:
        return RedirectResponse("/signin", status_code=303)
