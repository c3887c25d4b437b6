"""Signing in with a one-time link, signing out, choosing the language."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from playbook.accounts.users import redeem
from playbook.core.db import session_scope
from playbook.core.errors import PlaybookError
from service.auth import COOKIE, Sessions, Viewer, ViewerDep, check_csrf, optional_viewer
from service.deps import RuntimeDep
from service.pages.common import render
from service.pages.i18n import LANG_COOKIE, LANGUAGES

router = APIRouter(include_in_schema=False)


@router.get("/signin", response_class=HTMLResponse)
def signin_page(
    request: Request, viewer: Annotated[Viewer | None, Depends(optional_viewer)]
) -> HTMLResponse:
    return render(request, "signin.html", viewer, token=None)


@router.get("/signin/{token}", response_class=HTMLResponse)
def signin_link(token: str, request: Request) -> HTMLResponse:
    """A confirmation button: link previews fetch with GET and must not spend the token."""
    return render(request, "signin.html", None, token=token)


@router.post("/signin/{token}")
def signin(token: str, request: Request, runtime: RuntimeDep) -> Response:
    sessions: Sessions = request.app.state.sessions
    try:
        with session_scope(runtime.engine) as session:
            cookie = sessions.issue(redeem(session, token, now=runtime.clock.now()))
    except PlaybookError as exc:
        return render(
            request, "signin.html", None, status_code=exc.status, token=None, error=exc.message
        )
    response = RedirectResponse("/", status_code=303)
    response.set_cookie(
        COOKIE,
        cookie,
        max_age=sessions.max_age,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )
    return response


@router.post("/signout")
async def signout(request: Request, viewer: ViewerDep) -> Response:
    check_csrf(viewer, (await request.form()).get("csrf"))
    response = RedirectResponse("/signin", status_code=303)
    response.delete_cookie(COOKIE)
    return response


@router.get("/lang/{code}")
def choose_language(code: str, request: Request) -> Response:
    back = request.headers.get("referer") or "/"
    response = RedirectResponse(back if back.startswith(str(request.base_url)) else "/", 303)
    if code in LANGUAGES:
        response.set_cookie(LANG_COOKIE, code, max_age=365 * 86400, samesite="lax")
    return response
