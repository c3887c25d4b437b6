"""Try a rules file in a child process first: a crash in the engine's C code stays there.

Run as `python -m playbook.editor.trial FILE` with the text on stdin; prints JSON problems.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime

from playbook.core.errors import RuleProblem, RulesInvalid

TRIAL_SECONDS = 60


def trial_in_child(text: str, file: str, backend: str = "auto") -> None:
    """Validate, compile and run the examples in a child; raises RulesInvalid on any failure."""
    try:
        done = subprocess.run(  # noqa: S603 - our own interpreter and module, no shell
            [sys.executable, "-m", "playbook.editor.trial", file, backend],
            input=text.encode("utf-8"),
            capture_output=True,
            timeout=TRIAL_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise RulesInvalid(
            [
                RuleProblem(
                    file,
                    0,
                    0,
                    f"compiling the rules took longer than {TRIAL_SECONDS} s; nothing was changed",
                )
            ]
        ) from exc
    if done.returncode == 0:
        return
    try:
        problems = [RuleProblem(**p) for p in json.loads(done.stdout)["problems"]]
    except (ValueError, KeyError, TypeError):
        reason = (
            f"exit code {done.returncode}"
            if done.returncode > 0
            else (f"signal {-done.returncode}")
        )
        problems = [
            RuleProblem(
                file, 0, 0, f"the rules engine crashed on this file ({reason}); nothing was changed"
            )
        ]
    raise RulesInvalid(problems)


def _trial(file: str, backend: str) -> int:
    from playbook.editor.examples import run_examples
    from playbook.rules.playbook import Playbook

    text = sys.stdin.buffer.read().decode("utf-8")
    try:
        playbook = Playbook.from_text(text, file, backend=backend)
    except RulesInvalid as exc:
        print(json.dumps({"problems": [p.as_dict() for p in exc.problems]}))
        return 1
    failures = [
        RuleProblem(
            file, *_where(playbook, r.index), f"example `{r.name}` fails: " + "; ".join(r.failures)
        )
        for r in run_examples(playbook, datetime.now(UTC))
        if not r.passed
    ]
    playbook.close()
    if failures:
        print(json.dumps({"problems": [p.as_dict() for p in failures]}))
        return 1
    return 0


def _where(playbook: object, index: int) -> tuple[int, int]:
    located = playbook.source.located  # type: ignore[attr-defined]
    position = located.position(("examples", index))
    return position.line, position.column


if __name__ == "__main__":
    sys.exit(_trial(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "auto"))
