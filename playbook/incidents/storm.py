"""Storms: when an incident's numbers cross the playbook's thresholds, escalate once."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session

from playbook.actions import outbox
from playbook.core.models import Incident, Step
from playbook.rules.playbook import DEFAULT_DUE, DEFAULT_TITLES, Playbook
from playbook.rules.source.model import STEP_KINDS, parse_duration
from playbook.workflow.steps import audit, refresh, steps_of


def check_storm(
    session: Session, incident: Incident, playbook: Playbook, *, now: datetime, rate: float
) -> bool:
    """Escalate on crossing a threshold (edge-triggered); re-arm when the rate calms down.

    `rate` is the incident's events per minute over ten minutes, this event included.
    """
    storm = playbook.model.settings.storm
    crossing = rate >= storm.velocity_10m or incident.event_count >= storm.event_count
    if incident.storm_level > 0:
        if rate < storm.velocity_10m / 2 and incident.event_count < storm.event_count:
            incident.storm_level = 0  # calm again: a new surge escalates anew
        return False
    if not crossing:
        return False
    _escalate(session, incident, playbook, now=now, rate=rate)
    return True


def _escalate(
    session: Session, incident: Incident, playbook: Playbook, *, now: datetime, rate: float
) -> None:
    storm = playbook.model.settings.storm
    incident.storm_level = 1
    numbers = {
        "velocity_10m": rate,
        "event_count": incident.event_count,
        "authors": incident.author_count,
        "reach": incident.reach,
        "thresholds": {"velocity_10m": storm.velocity_10m, "event_count": storm.event_count},
    }
    audit(
        session,
        incident,
        actor="playbook",
        action="storm",
        at=now,
        from_state=incident.severity,
        to_state="critical",
        note=f"{incident.event_count} events, {rate:g}/min over 10 minutes",
        data=numbers,
    )
    incident.severity = "critical"
    wanted = ["convene_committee"] + (["engage_advocates"] if incident.category == "rumour" else [])
    _add_steps(session, incident, playbook, wanted, now)
    if storm.channel and storm.channel != incident.channel:
        notice = {
            "text": f"🚨 Storm: incident #{incident.id} ({incident.category}) has "
            f"{incident.event_count} events, {rate:g}/min. "
            + (
                f"<!subteam^{storm.notify.removeprefix('subteam:')}> "
                if storm.notify and storm.notify.startswith("subteam:")
                else ""
            )
            + "The departments concerned convene now."
        }
        outbox.enqueue_notice(session, incident, storm.channel, notice, now=now)


def _add_steps(
    session: Session, incident: Incident, playbook: Playbook, kinds: list[str], now: datetime
) -> None:
    steps = steps_of(session, incident.id or 0)
    present = {s.kind for s in steps}
    triage = next((s.id for s in steps if s.kind == "triage"), None)
    departments = sorted(
        {e.owner for t, e in playbook.model.experts.items() if t in incident.topics}
    )
    for kind in kinds:
        if kind in present:
            continue
        owner = (
            playbook.model.advocates.owner
            if kind == "engage_advocates" and playbook.model.advocates
            else playbook.model.settings.storm.notify
        )
        step = Step(
            incident_id=incident.id or 0,
            position=STEP_KINDS.index(kind),
            kind=kind,
            title=DEFAULT_TITLES[kind],
            status="pending",
            owner=owner,
            depends_on=[triage] if triage else [],
            detail={"added_by": "storm", "departments": departments},
            due_at=now + timedelta(seconds=parse_duration(DEFAULT_DUE[kind])),
            created_at=now,
            updated_at=now,
        )
        session.add(step)
        steps.append(step)
    session.flush()
    refresh(steps)
