"""The layout keeps its promises: imports point one way, modules and functions stay small."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCES = sorted([*ROOT.glob("playbook/**/*.py"), *ROOT.glob("service/**/*.py")])
SOURCES = [p for p in SOURCES if "migrations" not in p.parts]
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60

# Stage of the pipeline -> the stages it may import (itself included). Reading order:
# core -> text -> intake -> rules -> actions (delivery) -> incidents -> workflow -> pipeline
# -> editor -> service (accounts, the board's people, rest on core alone). Nothing imports a
# later stage.
ALLOWED = {
    "core": {"core"},
    "accounts": {"core", "accounts"},
    "text": {"core", "text"},
    "intake": {"core", "text", "intake"},
    "rules": {"core", "text", "intake", "rules"},
    "actions": {"core", "text", "actions"},
    "incidents": {"core", "text", "intake", "rules", "actions", "incidents"},
    "workflow": {"core", "text", "intake", "rules", "actions", "incidents", "workflow"},
    "pipeline": {"core", "text", "intake", "rules", "actions", "incidents", "workflow", "pipeline"},
    "editor": {"core", "text", "intake", "rules", "incidents", "workflow", "pipeline", "editor"},
}


def stage(module: str) -> str | None:
    """`playbook.rules.match.python` -> `rules`; `service.app` -> `service`."""
    parts = module.split(".")
    if parts[0] == "service":
        return "service"
    if parts[0] != "playbook" or len(parts) < 2:
        return None
    return "pipeline" if parts[1] in ("pipeline", "batch") else parts[1]  # batch: many ingests


def module_of(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")


def imports(path: Path) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found += [(node.lineno, node.module)]
            found += [(node.lineno, f"{node.module}.{alias.name}") for alias in node.names]
    return found


def test_imports_point_one_way() -> None:
    wrong = []
    for path in SOURCES:
        here = stage(module_of(path))
        if here is None or here == "service":
            continue
        for line, name in imports(path):
            there = stage(name)
            if there is None or name.split(".")[-1] == "__version__":
                continue
            if there not in ALLOWED.get(here, {here}):
                wrong.append(f"{path.relative_to(ROOT)}:{line} ({here}) imports {name} ({there})")
    assert not wrong, "\n".join(sorted(set(wrong)))


def test_the_outbox_queue_does_not_know_slack() -> None:
    path = ROOT / "playbook" / "actions" / "outbox.py"
    slack = [n for _, n in imports(path) if n.startswith(("slack_sdk", "playbook.actions.slack"))]
    assert not slack


def test_the_checker_sees_a_wrong_way_import(tmp_path: Path) -> None:
    """The walk above would catch a rules module importing the workflow."""
    bad = tmp_path / "bad.py"
    bad.write_text("from playbook.workflow.planner import plan\n")
    assert stage(imports(bad)[0][1]) == "workflow"
    assert "workflow" not in ALLOWED["rules"]


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_modules_and_functions_are_small(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count("\n") <= MAX_MODULE_LINES, f"{text.count(chr(10))} lines"
    long = [
        f"{node.name} ({node.end_lineno - node.lineno + 1} lines)"
        for node in ast.walk(ast.parse(text))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.end_lineno is not None
        and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES
    ]
    assert not long
