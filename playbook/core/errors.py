"""The project's exception tree; the service maps each to one HTTP answer."""

from __future__ import annotations

from dataclasses import dataclass, field


class PlaybookError(Exception):
    """Base of every error the engine raises on purpose."""

    status = 400
    code = "error"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(PlaybookError):
    status = 404
    code = "not_found"


class Conflict(PlaybookError):
    """A state change that the workflow does not allow now (prerequisites, stale click)."""

    status = 409
    code = "conflict"


class InvalidInput(PlaybookError):
    status = 422
    code = "invalid"


class NotAllowed(PlaybookError):
    """The actor lacks the role the action needs (publishing without verification: a lead)."""

    status = 403
    code = "forbidden"


@dataclass(frozen=True)
class RuleProblem:
    """One problem in a rules file, located for an editor."""

    file: str
    line: int
    column: int
    message: str
    rule: str | None = None
    suggestion: str | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.column}"
        rule = f" [rule {self.rule}]" if self.rule else ""
        hint = f" ({self.suggestion})" if self.suggestion else ""
        return f"{where}:{rule} {self.message}{hint}"

    def as_dict(self) -> dict[str, object]:
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "rule": self.rule,
            "message": self.message,
            "suggestion": self.suggestion,
        }


@dataclass
class RulesInvalid(PlaybookError):
    """The rules file cannot be used; the rules in force stay in force."""

    problems: list[RuleProblem] = field(default_factory=list)
    status = 422
    code = "rules_invalid"

    def __post_init__(self) -> None:
        first = str(self.problems[0]) if self.problems else "invalid rules file"
        more = f" (+{len(self.problems) - 1} more)" if len(self.problems) > 1 else ""
        PlaybookError.__init__(self, first + more)
