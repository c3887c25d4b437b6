"""The board at `/`: incidents by severity and age, filtered, refreshed by a polling script."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup

from playbook.core.clock import as_utc
from playbook.core.models import Incident, Step
from playbook.incidents.listing import (
    IncidentFilter,
    by_urgency,
    find_incidents,
    next_due,
    recent_volume,
    steps_by_incident,
)
from playbook.rules.source.model import SEVERITIES
from service.auth import ViewerDep
from service.deps import RuntimeDep, SessionDep
from service.pages.charts import sparkline
from service.pages.common import age, render

router = APIRouter(include_in_schema=False)
BOARD_LIMIT = 200
STATUSES = ("open", "resolved", "closed", "merged")
CATEGORIES = ("complaint", "rumour", "question", "abuse", "praise", "other")


@dataclass(frozen=True)
class Row:
    incident: Incident
    age: str
    spark: Markup
    next_step: Step | None
    owner: str | None
    due_in: str
    overdue: bool


def _rows(session: Any, where: IncidentFilter, now: datetime) -> list[Row]:
    found, _ = find_incidents(session, where, limit=BOARD_LIMIT)
    incidents = by_urgency(found)
    ids = [i.id or 0 for i in incidents]
    volumes = recent_volume(session, ids, now=now)
    steps = steps_by_incident(session, ids)
    rows = []
    for incident in incidents:
        step = next_due(steps[incident.id or 0])
        due = as_utc(step.due_at) if step and step.due_at else None
        rows.append(
            Row(
                incident,
                age(incident.created_at, now),
                sparkline(volumes.get(incident.id or 0, [])),
                step,
                (step.assignee or step.owner) if step else None,
                age(now, due) if due else "",
                bool(due and due < now),
            )
        )
    return rows


Text = Annotated[str | None, Query(max_length=200)]


def _filter(
    status: Text = "open",
    severity: Text = None,
    category: Text = None,
    channel: Text = None,
    q: Text = None,
) -> IncidentFilter:
    """The board's filters from the query string; an unknown value filters nothing out rather
    than failing a page someone bookmarked."""
    return IncidentFilter(
        status=status if status in STATUSES else None,
        severity=severity if severity in SEVERITIES else None,
        category=category if category in CATEGORIES else None,
        channel=channel or None,
        q=q or None,
    )


FilterDep = Annotated[IncidentFilter, Depends(_filter)]


@router.get("/", response_class=HTMLResponse)
def board(
    request: Request,
    viewer: ViewerDep,
    session: SessionDep,
    runtime: RuntimeDep,
    where: FilterDep,
) -> HTMLResponse:
    return render(
        request,
        "board.html",
        viewer,
        rows=_rows(session, where, runtime.clock.now()),
        where=where,
        statuses=STATUSES,
        severities=SEVERITIES,
        categories=CATEGORIES,
        poll_ms=int(runtime.settings.board_poll_seconds * 1000),
    )


@router.get("/board/rows", response_class=HTMLResponse)
def board_rows(
    request: Request,
    viewer: ViewerDep,
    session: SessionDep,
    runtime: RuntimeDep,
    where: FilterDep,
) -> HTMLResponse:
    """The table body alone, for the polling script."""
    rows = _rows(session, where, runtime.clock.now())
    return render(request, "board_rows.html", viewer, rows=rows)
