"""The after-action report as a page (and as Markdown or HTML for `playbook report`)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from playbook.incidents.report import MILESTONES, Report, build_report
from service.auth import ViewerDep
from service.deps import RuntimeDep, SessionDep
from service.pages.charts import volume_chart
from service.pages.common import TEMPLATES, render, when
from service.pages.i18n import translator
from service.pages.incident import PathId
from service.routes.incidents import get_incident

router = APIRouter(include_in_schema=False)


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes:02d}m" if hours else f"{minutes}m {secs:02d}s"


TEMPLATES.env.filters["duration"] = duration


@router.get("/incidents/{incident_id}/report", response_class=HTMLResponse)
def report_page(
    request: Request,
    viewer: ViewerDep,
    session: SessionDep,
    runtime: RuntimeDep,
    incident_id: PathId,
) -> HTMLResponse:
    report = build_report(session, get_incident(session, incident_id), runtime.clock.now())
    return render(request, "report.html", viewer, **_context(report))


def _context(report: Report) -> dict[str, Any]:
    return {
        "report": report,
        "milestones": list(MILESTONES),
        "chart": volume_chart(report.volume_per_minute, report.volume_start),
    }


def report_html(report: Report, lang: str = "en") -> str:
    """A standalone HTML document (the CLI's `--format html`)."""
    template = TEMPLATES.get_template("report_doc.html")
    return template.render(t=translator(lang), lang=lang, **_context(report))


def report_markdown(report: Report) -> str:
    attainment = report.sla_attainment
    lines = [
        f"# After-action report: incident {report.incident_id}",
        "",
        f"**{report.title}**: {report.category}, {report.severity}, {report.status}; "
        f"{report.event_count} events, reach {report.reach}.",
        f"Opened {when(report.created_at)}"
        + (f", resolved {when(report.resolved_at)}." if report.resolved_at else "."),
        "",
        "## Time to",
        "",
        *[f"- {n.replace('_', ' ')}: {duration(report.seconds_to[n])}" for n in MILESTONES],
        "",
        "## Deadlines",
        "",
        f"Met: {'-' if attainment is None else f'{attainment:.0%}'}",
        "",
        "| step | status | due | closed | by | met |",
        "|---|---|---|---|---|---|",
        *[
            f"| {s.title} | {s.status} | {when(s.due_at)} | {when(s.closed_at)} | "
            f"{s.closed_by or ''} | {'' if s.met is None else ('yes' if s.met else 'no')} |"
            for s in report.sla
        ],
        "",
        "## Escalations",
        "",
        *([f"- {when(e.at)} {e.actor}: {e.note or ''}" for e in report.escalations] or ["none"]),
        "",
        "## Who did what",
        "",
        *[
            f"- {actor}: " + ", ".join(f"{n} {a}" for a, n in sorted(actions.items()))
            for actor, actions in sorted(report.actors.items())
        ],
        "",
        "## Timeline",
        "",
        *[
            f"- {when(e.at)} {e.actor} {e.action}"
            + (f" step {e.step_id}" if e.step_id else "")
            + (f" {e.from_state} -> {e.to_state}" if e.to_state else "")
            + (f": {e.note}" if e.note else "")
            for e in report.timeline
        ],
        "",
        "## Published texts",
        "",
        *([f"### {p['title']}\n\n{p['text']}\n" for p in report.published] or ["none"]),
    ]
    return "\n".join(lines) + "\n"
