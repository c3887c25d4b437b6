"""Pick the matcher: durable-rules where it is installed, the plain Python evaluator otherwise."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from functools import cache
from typing import Literal

from playbook.rules.compile.conditions import CompiledRule, Matcher
from playbook.rules.match.python import PythonMatcher

log = logging.getLogger("playbook.rules")
Backend = Literal["auto", "durable", "python"]


@cache
def durable_available() -> bool:
    """Whether durable-rules' C engine imports here (it builds on Python 3.11 and 3.12)."""
    try:
        import durable_rules_engine  # noqa: F401
    except ImportError:
        return False
    return True


def make_matcher(rules: Sequence[CompiledRule], version: str, backend: Backend = "auto") -> Matcher:
    """A matcher for one version of the rules; "auto" prefers durable-rules."""
    if backend == "python":
        return PythonMatcher(rules, version)
    if backend == "durable":
        if not durable_available():
            raise RuntimeError("durable-rules is not installed (it builds on Python 3.11-3.12)")
        return _durable(rules, version)
    if backend != "auto":
        raise ValueError(f"unknown matcher backend {backend!r}")
    if not durable_available():
        _warn_not_installed()
        return PythonMatcher(rules, version)
    try:
        return _durable(rules, version)
    except ValueError as error:  # constants or fact counts the engine cannot hold exactly
        log.warning("rules %s stay on the plain Python evaluator: %s", version, error)
        return PythonMatcher(rules, version)


def _durable(rules: Sequence[CompiledRule], version: str) -> Matcher:
    from playbook.rules.match.durable import DurableMatcher  # imports the C extension

    return DurableMatcher(rules, version)


@cache
def _warn_not_installed() -> None:
    log.warning("durable-rules is not installed: matching with the plain Python evaluator")
