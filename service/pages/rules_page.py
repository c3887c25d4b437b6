"""The rules playground at `/rules`: edit, check as you type, preview, dry run, save, roll back."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session, col, select

from playbook.core.errors import RulesInvalid
from playbook.core.models import Event
from playbook.editor.versions import get_version, line_diff, list_versions, save_rules
from service.auth import EditorDep, Viewer, check_csrf
from service.deps import RuntimeDep, SessionDep
from service.pages.common import render
from service.runtime import Runtime

router = APIRouter(include_in_schema=False)
PathId = Annotated[int, Path(ge=1, le=2**31 - 1)]
RECENT_POSTS = 50
POST_LABEL_CHARS = 80


def _recent_posts(session: Session) -> list[dict[str, str]]:
    """The last stored posts, to pick one for a preview (as stored: redacted if it was)."""
    newest = select(Event).order_by(col(Event.received_at).desc(), col(Event.id).desc())
    return [
        {
            "label": f"#{e.id} {e.category or ''} · {e.text[:POST_LABEL_CHARS]}",
            "json": json.dumps(e.raw, ensure_ascii=False, indent=1),
        }
        for e in session.exec(newest.limit(RECENT_POSTS))
    ]


def _page(
    request: Request,
    session: Session,
    runtime: Runtime,
    viewer: Viewer,
    *,
    text: str | None = None,
    problems: list[dict[str, object]] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    loaded = runtime.rules.current
    return render(
        request,
        "rules.html",
        viewer,
        status_code=status_code,
        text=loaded.playbook.source.text if text is None else text,
        version=loaded.playbook.version,
        loaded_at=loaded.loaded_at,
        problems=problems or [],
        saved=request.query_params.get("saved"),
        versions=list_versions(session),
        posts=_recent_posts(session),
    )


@router.get("/rules", response_class=HTMLResponse)
def playground(
    request: Request, viewer: EditorDep, session: SessionDep, runtime: RuntimeDep
) -> HTMLResponse:
    return _page(request, session, runtime, viewer)


def _save(
    request: Request, session: Session, runtime: Runtime, viewer: Viewer, text: str
) -> Response:
    """The validated reload with this text; a refused draft is shown again with its errors."""
    try:
        saved = save_rules(
            session, runtime.rules, text=text, saved_by=viewer.actor, now=runtime.clock.now()
        )
    except RulesInvalid as exc:
        session.rollback()
        runtime.metrics.rules_reloads.labels("refused").inc()
        problems = [p.as_dict() for p in exc.problems]
        return _page(
            request, session, runtime, viewer, text=text, problems=problems, status_code=422
        )
    runtime.metrics.rules_reloads.labels("ok").inc()
    return RedirectResponse(f"/rules?saved={saved.hash}", status_code=303)


@router.post("/rules/save", response_model=None)
async def save(
    request: Request, viewer: EditorDep, session: SessionDep, runtime: RuntimeDep
) -> Response:
    form = await request.form()
    check_csrf(viewer, form.get("csrf"))
    text = form.get("text")
    return _save(request, session, runtime, viewer, text if isinstance(text, str) else "")


@router.get("/rules/versions/{version_id}", response_class=HTMLResponse)
def version_page(
    request: Request,
    viewer: EditorDep,
    session: SessionDep,
    runtime: RuntimeDep,
    version_id: PathId,
) -> HTMLResponse:
    """One saved version against the rules in force, line by line."""
    version = get_version(session, version_id)
    in_force = runtime.rules.current.playbook
    return render(
        request,
        "rules_version.html",
        viewer,
        version=version,
        in_force=in_force.version,
        diff=line_diff(version.text, in_force.source.text),
    )


@router.post("/rules/versions/{version_id}/rollback", response_model=None)
async def rollback(
    request: Request,
    viewer: EditorDep,
    session: SessionDep,
    runtime: RuntimeDep,
    version_id: PathId,
) -> Response:
    """Save an earlier version again: the same validation, recorded as a new version."""
    form = await request.form()
    check_csrf(viewer, form.get("csrf"))
    return _save(request, session, runtime, viewer, get_version(session, version_id).text)
