"""/metrics: first response, step completion, SLA breaches, escalations, open incidents, outbox
age, read from the database at scrape time; and the optional metrics key."""

from __future__ import annotations

from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from playbook.core.clock import FakeClock
from service.app import create_app
from service.runtime import Runtime

EVENT = {"id": "m1", "source": "twitter", "text": "@hanbit_ceo 인터넷이 사흘째 먹통입니다. 최악"}


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def test_workflow_figures_from_the_database(
    client: TestClient, runtime: Runtime, clock: FakeClock
) -> None:
    before = samples(client.get("/metrics").text)
    assert before[("playbook_outbox_oldest_pending_seconds", ())] == 0
    assert before[("playbook_incidents_open", (("severity", "high"),))] == 0
    assert before[("playbook_escalations_total", (("reason", "step"),))] == 0

    created = client.post("/v1/events", json=EVENT).json()
    incident_id = created["incident_id"]
    incident = client.get(f"/v1/incidents/{incident_id}").json()
    by_kind = {s["kind"]: s for s in incident["steps"]}
    clock.advance(minutes=20)  # triage is due after 15 minutes: late
    url = f"/v1/incidents/{incident_id}/steps/"
    assert client.post(url + str(by_kind["triage"]["id"]), json={"action": "complete"}).is_success
    verify = by_kind["verify_facts"]["id"]
    assert client.post(url + str(verify), json={"action": "escalate"}).is_success
    clock.advance(minutes=5)

    found = samples(client.get("/metrics").text)
    labels = (("category", incident["category"]), ("severity", incident["severity"]))
    assert found[("playbook_first_response_seconds_count", labels)] == 1
    assert found[("playbook_first_response_seconds_sum", labels)] == 1200
    assert (
        found[("playbook_first_response_seconds_bucket", tuple(sorted((*labels, ("le", "900.0")))))]
        == 0
    )
    assert (
        found[
            ("playbook_first_response_seconds_bucket", tuple(sorted((*labels, ("le", "1800.0")))))
        ]
        == 1
    )
    assert found[("playbook_step_completion_seconds_count", labels)] == 1
    assert found[("playbook_sla_breaches_total", (("kind", "triage"),))] == 1
    assert found[("playbook_escalations_total", (("reason", "step"),))] == 1
    severity = client.get(f"/v1/incidents/{incident_id}").json()["severity"]
    assert found[("playbook_incidents_open", (("severity", severity),))] == 1
    # The first card has waited since the event: nothing delivers it in this test.
    assert found[("playbook_outbox_oldest_pending_seconds", ())] == 25 * 60

    runtime.deliverer.drain(wait=clock.set)
    drained = samples(client.get("/metrics").text)
    assert drained[("playbook_outbox_oldest_pending_seconds", ())] == 0


def test_a_metrics_key_is_required_when_set(runtime: Runtime) -> None:
    runtime.settings.metrics_key = "scrape-me"
    with TestClient(create_app(runtime, workers=False), client=("127.0.0.1", 1)) as local:
        assert local.get("/metrics").status_code == 401
        wrong = local.get("/metrics", headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401 and wrong.json()["field"] == "Authorization"
        ok = local.get("/metrics", headers={"Authorization": "Bearer scrape-me"})
        assert ok.status_code == 200 and "playbook_incidents_open" in ok.text
        assert local.get("/healthz").status_code == 200
