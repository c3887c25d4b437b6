"""`playbook rules check`: every problem in a rules file at once, located for an editor."""

from __future__ import annotations

from pathlib import Path

from playbook.core.errors import RuleProblem, RulesInvalid
from playbook.rules.compile.compiler import compile_source
from playbook.rules.source.loader import load_file, load_text


def check_text(text: str, file: str) -> list[RuleProblem]:
    try:
        source = load_text(text, file)
        compile_source(source)
    except RulesInvalid as exc:
        return exc.problems
    return []


def check_file(path: str | Path) -> list[RuleProblem]:
    try:
        source = load_file(path)
        compile_source(source)
    except RulesInvalid as exc:
        return exc.problems
    return []
