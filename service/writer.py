"""Group commit: one writer thread gathers concurrent single events and commits them together.

A request waits until its event is committed (a 2xx still means stored); the writer waits
`PLAYBOOK_GROUP_COMMIT_MS` after the first event of a batch, or until it holds
`PLAYBOOK_GROUP_COMMIT_MAX`, whichever comes first. A failing event answers its own request.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from playbook.batch import BatchContext, Failed, commit_batch
from playbook.intake.events import EventIn
from playbook.pipeline import excerpt
from service.schemas import IngestOut

if TYPE_CHECKING:
    from service.runtime import Runtime

log = logging.getLogger("playbook.events")
IDLE_SECONDS = 5.0  # an idle writer thread ends; the next event starts another

Commit = Callable[[Sequence[EventIn]], list[IngestOut | Failed]]


@dataclass
class _Pending:
    event: EventIn
    done: threading.Event = field(default_factory=threading.Event)
    answer: IngestOut | None = None
    error: BaseException | None = None


_FLUSH = object()  # a marker in the queue: commit what is gathered now
_STOP = object()


class Writer:
    """Gathers events from request threads into short batches committed by one thread."""

    def __init__(
        self,
        commit: Commit,
        *,
        wait_ms: float,
        max_events: int,
        on_batch: Callable[[int], None] | None = None,
    ) -> None:
        self._commit = commit
        self._wait = wait_ms / 1000
        self._max = max(1, max_events)
        self.on_batch = on_batch  # a hook: called with each batch's size before it commits
        self._queue: queue.Queue[object] = queue.Queue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def submit(self, event: EventIn) -> IngestOut:
        """Store one event with whatever else is arriving; answer once it is committed."""
        pending = _Pending(event)
        self._put(pending)
        pending.done.wait()
        if pending.error is not None:
            raise pending.error
        assert pending.answer is not None
        return pending.answer

    def flush(self) -> None:
        """Commit the events gathered so far (or the next one) without waiting longer."""
        self._put(_FLUSH)

    def close(self) -> None:
        with self._lock:
            thread = self._thread
        if thread is not None:
            self._queue.put(_STOP)
            thread.join(timeout=10)

    def _put(self, item: object) -> None:
        with self._lock:
            self._queue.put(item)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="writer", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        flushed = False  # a flush that came before any event: the next batch does not wait
        while True:
            try:
                first = self._queue.get(timeout=IDLE_SECONDS)
            except queue.Empty:
                with self._lock:
                    if self._queue.empty():
                        self._thread = None
                        return
                continue
            if first is _STOP:
                with self._lock:
                    self._thread = None
                return
            if first is _FLUSH:
                flushed = True
            elif isinstance(first, _Pending):
                self._write(self._gather(first, wait=0.0 if flushed else self._wait))
                flushed = False

    def _gather(self, first: _Pending, *, wait: float) -> list[_Pending]:
        batch = [first]
        deadline = time.monotonic() + wait
        while len(batch) < self._max:
            try:
                item = self._queue.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                break
            if item is _FLUSH:
                break
            if item is _STOP:
                self._queue.put(_STOP)  # after this batch
                break
            if isinstance(item, _Pending):
                batch.append(item)
        return batch

    def _write(self, batch: list[_Pending]) -> None:
        if self.on_batch is not None:
            self.on_batch(len(batch))
        try:
            answers = self._commit([p.event for p in batch])
        except Exception as exc:  # noqa: BLE001 - the batch failed as a whole: tell each
            answers = [Failed(i, exc) for i in range(len(batch))]
        for pending, answer in zip(batch, answers, strict=True):
            if isinstance(answer, Failed):
                pending.error = answer.error
            else:
                pending.answer = answer
            pending.done.set()


def commit_events(runtime: Runtime, events: Sequence[EventIn]) -> list[IngestOut | Failed]:
    """Events in one transaction, one savepoint each; counted and logged once committed."""
    settings = runtime.settings
    context = BatchContext(
        playbook=runtime.rules.playbook,
        now=runtime.clock.now,
        default_channel=settings.slack_channel,
        store_personal_data=settings.store_personal_data,
    )
    started = time.perf_counter()
    answers = commit_batch(runtime.engine, events, context, IngestOut.of)
    elapsed = time.perf_counter() - started
    for event, answer in zip(events, answers, strict=True):
        runtime.metrics.ingest_seconds.observe(elapsed)
        if isinstance(answer, Failed):
            log.error("event %s/%s failed: %r", event.source, event.id, answer.error)
        else:
            _record(runtime, event, answer)
    return answers


def _record(runtime: Runtime, event: EventIn, answer: IngestOut) -> None:
    outcome = (
        "duplicate"
        if answer.duplicate
        else ("ignored" if answer.incident_id is None else "accepted")
    )
    runtime.metrics.events.labels(outcome).inc()
    if answer.incident_created:
        runtime.metrics.incidents.labels(answer.category, answer.severity).inc()
    log.info(
        "event %s/%s -> %s %s incident=%s%s",
        event.source,
        event.id,
        answer.category,
        answer.severity,
        answer.incident_id,
        " (duplicate)" if answer.duplicate else "",
    )
    log.debug("event %s text: %s", event.id, excerpt(event.text, 120))
