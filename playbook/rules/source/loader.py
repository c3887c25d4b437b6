"""Load rules.yaml in stages: safe YAML with positions, typed model, located errors."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, get_args

import yaml
from pydantic import BaseModel, ValidationError

from playbook.core.errors import RuleProblem, RulesInvalid
from playbook.rules.source.model import RulesFile

Path_ = tuple[Any, ...]


@dataclass(frozen=True)
class Position:
    line: int
    column: int


class Located:
    """Where each value (and each mapping key) of a YAML document sits in its file."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.values: dict[Path_, Position] = {}
        self.keys: dict[Path_, Position] = {}

    def position(self, path: Iterable[str | int], *, prefer_key: bool = False) -> Position:
        """The closest known position of a path; unknown tail elements are skipped."""
        walked: Path_ = ()
        best = self.values.get((), Position(1, 1))
        for element in path:
            candidate = (*walked, element)
            if candidate in self.values:
                walked = candidate
                best = self.keys.get(walked, self.values[walked]) if prefer_key else best
                if not prefer_key:
                    best = self.values[walked]
        if prefer_key and walked in self.keys:
            return self.keys[walked]
        return self.values.get(walked, best)

    def problem(
        self,
        path: Iterable[str | int],
        message: str,
        *,
        rule: str | None = None,
        suggestion: str | None = None,
        prefer_key: bool = False,
    ) -> RuleProblem:
        where = self.position(path, prefer_key=prefer_key)
        return RuleProblem(self.file, where.line, where.column, message, rule, suggestion)


def _mark(node: yaml.Node) -> Position:
    return Position(node.start_mark.line + 1, node.start_mark.column + 1)


_PLAIN_TAGS = frozenset(
    {"tag:yaml.org,2002:map", "tag:yaml.org,2002:seq", "tag:yaml.org,2002:omap"}
)


class _Builder:
    """Turns a composed YAML node tree into plain data, recording positions and duplicates."""

    def __init__(self, loader: yaml.SafeLoader, located: Located) -> None:
        self.loader = loader
        self.located = located
        self.problems: list[RuleProblem] = []

    def build(self, node: yaml.Node, path: Path_) -> Any:
        self.located.values[path] = _mark(node)
        if not isinstance(node, yaml.ScalarNode) and node.tag not in _PLAIN_TAGS:
            where = _mark(node)
            message = f"the YAML tag `{node.tag}` is not allowed in a rules file"
            self.problems.append(RuleProblem(self.located.file, where.line, where.column, message))
            return None
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(child, (*path, i)) for i, child in enumerate(node.value)]
        return self.loader.construct_object(node, deep=True)

    def _mapping(self, node: yaml.MappingNode, path: Path_) -> dict[Any, Any]:
        self.loader.flatten_mapping(node)
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = self.loader.construct_object(key_node, deep=True)
            if not isinstance(key, str | int | float | bool):
                where = _mark(key_node)
                message = "a key must be a plain word"
                self.problems.append(
                    RuleProblem(self.located.file, where.line, where.column, message)
                )
                continue
            if key in result:
                first = self.located.keys[(*path, key)]
                where = _mark(key_node)
                message = f"duplicate key `{key}` (first given at line {first.line})"
                self.problems.append(
                    RuleProblem(self.located.file, where.line, where.column, message)
                )
                continue
            self.located.keys[(*path, key)] = _mark(key_node)
            result[key] = self.build(value_node, (*path, key))
        return result


def parse_yaml(text: str, file: str) -> tuple[Any, Located]:
    """Safe-load one YAML document; syntax errors and duplicate keys raise RulesInvalid."""
    located = Located(file)
    try:
        loader = yaml.SafeLoader(text)
    except yaml.reader.ReaderError as exc:  # control characters, refused before any node
        at = exc.position
        line, column = text.count("\n", 0, at) + 1, at - text.rfind("\n", 0, at)
        char = exc.character if isinstance(exc.character, int) else ord(exc.character[:1] or " ")
        problem = f"YAML: the control character U+{char:04X} is not allowed in a rules file"
        raise RulesInvalid([RuleProblem(file, line, column, problem)]) from exc
    try:
        node = loader.get_single_node()
        if node is None:
            raise RulesInvalid([RuleProblem(file, 1, 1, "the rules file is empty")])
        builder = _Builder(loader, located)
        data = builder.build(node, ())
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        reason = exc.problem or exc.context or "invalid YAML"
        raise RulesInvalid([RuleProblem(file, line, column, f"YAML syntax: {reason}")]) from exc
    except yaml.YAMLError as exc:
        raise RulesInvalid([RuleProblem(file, 1, 1, f"YAML: {exc}")]) from exc
    finally:
        loader.dispose()
    if builder.problems:
        raise RulesInvalid(builder.problems)
    if not isinstance(data, dict):
        raise RulesInvalid(
            [RuleProblem(file, 1, 1, "the rules file must be a mapping of sections")]
        )
    return data, located


def _rule_id(data: dict[str, Any], path: Path_) -> str | None:
    if len(path) >= 2 and path[0] == "rules" and isinstance(path[1], int):
        rules = data.get("rules")
        if isinstance(rules, list) and path[1] < len(rules) and isinstance(rules[path[1]], dict):
            rule_id = rules[path[1]].get("id")
            return str(rule_id) if rule_id is not None else None
    return None


def _plain(error: dict[str, Any]) -> str:
    kind = error["type"]
    loc = [str(p) for p in error["loc"] if not isinstance(p, int)]
    name = loc[-1] if loc else "value"
    if kind == "extra_forbidden":
        known = _keys_at(tuple(error["loc"][:-1]))
        close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
        return f"unknown key `{name}`" + (f"; did you mean `{close[0]}`?" if close else "")
    if kind == "missing":
        return f"`{name}` is required"
    if kind == "literal_error":
        expected = error.get("ctx", {}).get("expected", "")
        return f"`{error['input']}` is not allowed for `{name}`; use one of {expected}"
    message = str(error["msg"])
    if message.startswith("Value error, "):
        return message.removeprefix("Value error, ")  # our own validators name their subject
    return f"`{name}`: {message}"


def _keys_at(loc: tuple[Any, ...]) -> list[str]:
    """The keys the model allows where an unknown key was found (empty when unsure)."""
    model: Any = RulesFile
    for part in loc:
        if isinstance(part, int):
            continue
        field = getattr(model, "model_fields", {}).get(part)
        if field is None:
            return []
        model = _model_in(field.annotation)
        if model is None:
            return []
    return list(getattr(model, "model_fields", {}))


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The one pydantic model inside `X | None`, `list[X]` or `dict[str, X]`, if any."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    models = {m for arg in get_args(annotation) if (m := _model_in(arg)) is not None}
    return models.pop() if len(models) == 1 else None


def validation_problems(
    exc: ValidationError, data: dict[str, Any], located: Located
) -> list[RuleProblem]:
    """Map pydantic errors to located, plain-language problems."""
    problems = []
    for error in (dict(e) for e in exc.errors()):
        path: Path_ = tuple(error["loc"])  # type: ignore[arg-type]
        rule = _rule_id(data, path)
        prefer_key = error["type"] == "extra_forbidden"
        problems.append(located.problem(path, _plain(error), rule=rule, prefer_key=prefer_key))
    return sorted(problems, key=lambda p: (p.line, p.column))  # in the order an editor reads


@dataclass(frozen=True)
class Source:
    """A parsed rules file: its typed model, raw data, positions and text."""

    model: RulesFile
    data: dict[str, Any]
    located: Located
    text: str
    file: str


def load_text(text: str, file: str = "rules.yaml") -> Source:
    data, located = parse_yaml(text, file)
    try:
        model = RulesFile.model_validate(data)
    except ValidationError as exc:
        raise RulesInvalid(validation_problems(exc, data, located)) from exc
    return Source(model, data, located, text, file)


def load_file(path: Path | str) -> Source:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise RulesInvalid([RuleProblem(str(path), 0, 0, "the rules file does not exist")]) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise RulesInvalid([RuleProblem(str(path), 0, 0, f"cannot read the file: {exc}")]) from exc
    return load_text(text, str(path))
