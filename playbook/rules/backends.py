"""Pick the matcher: durable-rules where it is installed, the plain Python evaluator otherwise."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from functools import cache
from typing import Literal

from playbook.rules.conditions import CompiledRule, Matcher
from playbook.rules.python_backend import PythonMatcher

log = logging.getLogger("playbook.rules")
Backend = Literal["auto", "durable", "python"]


@cache
def durable_available() -> bool:
    try:
        import durable_rules_engine  # noqa: F401
    except ImportError:
        return False
    return True


def make_matcher(rules: Sequence[CompiledRule], version: str, backend: Backend = "auto") -> Matcher:
    if backend == "python":
        return PythonMatcher(rules, version)
    if not durable_available():
        if backend == "durable":
            raise RuntimeError("durable-rules is not installed (it builds on Python 3.11-3.12)")
        _warn_once()
        return PythonMatcher(rules, version)
    from playbook.rules.durable_backend import DurableMatcher

    return DurableMatcher(rules, version)


@cache
def _warn_once() -> None:
    log.warning("durable-rules is not installed: matching with the plain Python evaluator")
