"""The incident page: timeline, volume, steps with drafts; forms that act like the card."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlmodel import Session

from playbook.core.errors import PlaybookError
from playbook.core.models import Role
from playbook.incidents.report import build_report
from playbook.rules.source.model import OUTCOMES
from playbook.workflow.steps import steps_of
from service.auth import Viewer, ViewerDep, check_csrf
from service.deps import RuntimeDep, SessionDep
from service.errors import describe
from service.pages.charts import volume_chart
from service.pages.common import render
from service.routes.incidents import get_incident
from service.runtime import Runtime
from service.schemas import StepActionIn
from service.step_actions import perform

router = APIRouter(include_in_schema=False)
PathId = Annotated[int, Path(ge=1, le=2**31 - 1)]
FORM_FIELDS = ("action", "note", "assignee", "outcome", "draft", "route", "version")


def _page(
    request: Request,
    session: Session,
    runtime: Runtime,
    viewer: Viewer,
    incident_id: int,
    *,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    incident = get_incident(session, incident_id)
    report = build_report(session, incident, runtime.clock.now())
    return render(
        request,
        "incident.html",
        viewer,
        status_code=status_code,
        incident=incident,
        steps=steps_of(session, incident_id),
        timeline=list(reversed(report.timeline)),
        chart=volume_chart(report.volume_per_minute, report.volume_start),
        outcomes=OUTCOMES,
        may_act=viewer.may(Role.RESPONDER),
        error=error,
    )


@router.get("/incidents/{incident_id}", response_class=HTMLResponse)
def incident_page(
    request: Request,
    viewer: ViewerDep,
    session: SessionDep,
    runtime: RuntimeDep,
    incident_id: PathId,
) -> HTMLResponse:
    return _page(request, session, runtime, viewer, incident_id)


@router.post("/incidents/{incident_id}/steps/{step_id}", response_model=None)
async def act(
    request: Request,
    viewer: ViewerDep,
    session: SessionDep,
    runtime: RuntimeDep,
    incident_id: PathId,
    step_id: PathId,
) -> Response:
    """The card's actions, by the signed-in person; a refusal is shown on the page."""
    form = await request.form()
    check_csrf(viewer, form.get("csrf"))
    if not viewer.may(Role.RESPONDER):
        refusal = "acting on steps needs the responder role"
        return _page(request, session, runtime, viewer, incident_id, error=refusal, status_code=403)
    fields: dict[str, Any] = {k: form.get(k) or None for k in FORM_FIELDS}
    try:
        body = StepActionIn.model_validate({**fields, "by": viewer.actor})
        perform(session, runtime, incident_id, step_id, body)
    except ValidationError as exc:
        session.rollback()
        message = "; ".join(d["message"] for d in describe([dict(e) for e in exc.errors()]))
        return _page(request, session, runtime, viewer, incident_id, error=message, status_code=422)
    except PlaybookError as exc:
        session.rollback()  # nothing of a refused action is kept
        status = exc.status
        return _page(
            request, session, runtime, viewer, incident_id, error=exc.message, status_code=status
        )
    return RedirectResponse(f"/incidents/{incident_id}", status_code=303)
