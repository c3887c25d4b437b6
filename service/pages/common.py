"""Rendering pages: one Jinja environment, the viewer, their language and CSRF token."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from playbook.core.clock import as_utc
from service.auth import Viewer
from service.pages.i18n import language, translator

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).resolve().parents[1] / "templates"))


def age(moment: datetime | None, now: datetime) -> str:
    """'3m', '2h 5m', '1d 4h': how long ago, compactly."""
    if moment is None:
        return ""
    seconds = int((now - as_utc(moment)).total_seconds())
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return f"{sign}{days}d {hours}h"
    if hours:
        return f"{sign}{hours}h {minutes}m"
    return f"{sign}{minutes}m"


def when(moment: datetime | None) -> str:
    return f"{as_utc(moment):%Y-%m-%d %H:%M} UTC" if moment else ""


TEMPLATES.env.filters["when"] = when


def render(
    request: Request,
    name: str,
    viewer: Viewer | None,
    *,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    lang = language(request)
    context.update(request=request, viewer=viewer, lang=lang, t=translator(lang))
    return TEMPLATES.TemplateResponse(request, name, context, status_code=status_code)
