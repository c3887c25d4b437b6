"""The rules in force: loaded at start, swapped atomically on reload, never left broken."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from playbook.core.errors import RulesInvalid
from playbook.rules.playbook import Playbook
from playbook.text.classifier import Classifier

log = logging.getLogger("playbook.rules")


@dataclass(frozen=True)
class Removed:
    """What a reload took away compared with the rules it replaced."""

    rules: tuple[str, ...] = ()
    examples: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.rules or self.examples)

    @classmethod
    def between(cls, old: Playbook, new: Playbook) -> Removed:
        kept_rules = set(new.rule_ids)
        kept_examples = {e.name for e in new.model.examples}
        return cls(
            tuple(r for r in old.rule_ids if r not in kept_rules),
            tuple(e.name for e in old.model.examples if e.name not in kept_examples),
        )


@dataclass(frozen=True)
class Loaded:
    playbook: Playbook
    loaded_at: datetime
    file: str
    removed: Removed = Removed()  # by the reload that brought these rules in


class RulesRegistry:
    """Holds the current playbook; a bad file on disk never replaces a good one in force."""

    def __init__(
        self,
        path: Path,
        *,
        backend: str,
        now: Callable[[], datetime],
        check: Callable[[str, str], None] | None = None,
        triage_model: Classifier | None = None,
    ) -> None:
        self.path = path
        self.backend = backend
        self.triage_model = triage_model  # None: the one the settings name
        self._now = now
        self._check = check  # an out-of-process trial of a new file before the swap
        self._lock = threading.Lock()
        self._retired: list[Playbook] = []
        playbook = Playbook.from_file(str(path), backend=backend, triage_model=triage_model)
        self.current = Loaded(playbook, now(), str(path))
        self.last_error: RulesInvalid | None = None

    @property
    def playbook(self) -> Playbook:
        return self.current.playbook

    def reload(self, text: str | None = None) -> Loaded:
        """Validate, trial and compile the file (or `text`), then swap; raises RulesInvalid."""
        with self._lock:
            try:
                if text is None:
                    text = self._read()
                if self._check is not None:
                    self._check(text, str(self.path))
                candidate = Playbook.from_text(
                    text, str(self.path), backend=self.backend, triage_model=self.triage_model
                )
            except RulesInvalid as exc:
                self.last_error = exc
                log.error(
                    "rules reload refused; version %s stays in force: %s",
                    self.playbook.version,
                    exc,
                )
                raise
            if candidate.version == self.playbook.version:
                candidate.close()
                return self.current
            removed = Removed.between(self.playbook, candidate)
            self._retire(self.current.playbook)
            self.current = Loaded(candidate, self._now(), str(self.path), removed)
            self.last_error = None
            log.info(
                "rules version %s in force (%d rules)", candidate.version, len(candidate.rule_ids)
            )
            if removed:
                log.warning(
                    "rules reload removed %d rules (%s) and %d examples (%s)",
                    len(removed.rules),
                    ", ".join(removed.rules) or "none",
                    len(removed.examples),
                    ", ".join(removed.examples) or "none",
                )
            return self.current

    def file_stamp(self) -> tuple[float, int] | None:
        """The file's modification time and size: what the watcher compares."""
        try:
            stat = self.path.stat()
        except OSError:
            return None
        return stat.st_mtime, stat.st_size

    def _read(self) -> str:
        try:
            return self.path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            from playbook.core.errors import RuleProblem

            raise RulesInvalid([RuleProblem(str(self.path), 0, 0, f"cannot read: {exc}")]) from exc

    def _retire(self, old: Playbook) -> None:
        # In-flight matches may still hold the old playbook: free it only two swaps later.
        self._retired.append(old)
        while len(self._retired) > 2:
            self._retired.pop(0).close()

    def close(self) -> None:
        for playbook in [*self._retired, self.playbook]:
            playbook.close()
        self._retired = []
