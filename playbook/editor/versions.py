"""Saved versions of rules.yaml: save through the validated reload, compare, roll back."""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlmodel import Session, col, select

from playbook.core.errors import NotFound
from playbook.core.models import RulesVersion
from playbook.rules.compile.compiler import version_of
from playbook.rules.registry import RulesRegistry

FILE_AUTHOR = "rules file"  # how a version that was never saved here is recorded


@dataclass(frozen=True)
class DiffLine:
    """One line of a line diff: ' ' kept, '-' removed, '+' added, '@' a hunk header."""

    mark: str
    text: str


def save_rules(
    session: Session, registry: RulesRegistry, *, text: str, saved_by: str, now: datetime
) -> RulesVersion:
    """Validate and trial `text` as a reload does, then write the file and record who saved it.

    Raises RulesInvalid, and then nothing changes: not the rules in force, not the file.
    """
    in_force = registry.current.playbook.source.text
    if _latest_hash(session) != version_of(in_force):
        # The text in force came from the file, not from here: keep it to roll back to.
        _record(session, in_force, FILE_AUTHOR, now)
    registry.reload(text)
    _write(registry.path, text)
    return _record(session, text, saved_by, now)


def list_versions(session: Session, limit: int = 50) -> list[RulesVersion]:
    newest_first = col(RulesVersion.id).desc()
    return list(session.exec(select(RulesVersion).order_by(newest_first).limit(limit)))


def get_version(session: Session, version_id: int) -> RulesVersion:
    found = session.get(RulesVersion, version_id)
    if found is None:
        raise NotFound(f"no saved rules version {version_id}", field="version")
    return found


def line_diff(old: str, new: str, context: int = 3) -> list[DiffLine]:
    """A unified line diff of two texts, as marked lines for a page."""
    lines = difflib.unified_diff(old.splitlines(), new.splitlines(), lineterm="", n=context)
    shown = []
    for line in lines:
        if line.startswith(("---", "+++")):
            continue
        shown.append(DiffLine(line[:1] if line[:1] in "+-@" else " ", line[1:]))
    return shown


def _latest_hash(session: Session) -> str | None:
    latest = session.exec(select(RulesVersion).order_by(col(RulesVersion.id).desc())).first()
    return latest.hash if latest else None


def _record(session: Session, text: str, saved_by: str, now: datetime) -> RulesVersion:
    version = RulesVersion(text=text, hash=version_of(text), saved_by=saved_by, saved_at=now)
    session.add(version)
    session.flush()
    return version


def _write(path: Path, text: str) -> None:
    """Replace the file in one step: a reader sees the old text or the new, never half."""
    partial = path.with_name(f".{path.name}.saving")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)
