"""Storms: when an incident's numbers cross the playbook's thresholds, escalate once."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from playbook.actions import outbox
from playbook.actions.slack.messages import build_busy_notice, build_storm_notice
from playbook.core.models import Incident
from playbook.incidents.audit import audit
from playbook.rules.playbook import Playbook


def check_storm(
    session: Session, incident: Incident, playbook: Playbook, *, now: datetime, rate: float
) -> bool:
    """Escalate on crossing a threshold (edge-triggered); re-arm when the rate calms down.
    Returns True when this event started a storm: the workflow then adds the storm's steps.

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
    if incident.category not in storm.categories:
        _report(session, incident, playbook, now=now, rate=rate)
        return False
    _escalate(session, incident, playbook, now=now, rate=rate)
    return True


def _report(
    session: Session, incident: Incident, playbook: Playbook, *, now: datetime, rate: float
) -> None:
    """A storm of a kind that does not escalate (praise, questions): a notice, no page."""
    storm = playbook.model.settings.storm
    incident.storm_level = 1
    audit(
        session,
        incident,
        actor="playbook",
        action="storm_notice",
        at=now,
        note=f"{incident.event_count} events, {rate:g}/min over 10 minutes; "
        f"{incident.category} storms do not escalate",
        data={"velocity_10m": rate, "event_count": incident.event_count},
    )
    if storm.channel and storm.channel != incident.channel:
        language = playbook.model.organisation.language
        notice = build_busy_notice(
            incident.id or 0, incident.category, incident.event_count, rate, language
        )
        outbox.enqueue_notice(session, incident, storm.channel, notice, now=now)


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
    if storm.channel and storm.channel != incident.channel:
        notice = build_storm_notice(
            incident.id or 0,
            incident.category,
            incident.event_count,
            rate,
            storm.notify,
            playbook.model.organisation.language,
        )
        outbox.enqueue_notice(session, incident, storm.channel, notice, now=now)
