"""The outbox queue knows rows, not Slack: it imports nothing of Slack's."""

from __future__ import annotations

import ast
import inspect

from playbook.actions import outbox


def test_the_outbox_queue_does_not_know_slack() -> None:
    tree = ast.parse(inspect.getsource(outbox))
    imported = [
        f"{node.module}.{alias.name}" if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    ]
    assert imported and not [name for name in imported if "slack" in name.lower()]
