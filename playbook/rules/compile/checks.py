"""Reference and consistency checks: names that must exist, steps that must make sense, rules
that can take effect. Each reports problems on the context; compilation goes on regardless."""

from __future__ import annotations

from typing import Any

from playbook.core.errors import RuleProblem
from playbook.intake.facts import FACTS, fact_kind, is_known_fact
from playbook.rules.compile.context import Context, suggest
from playbook.rules.source.model import (
    OUTCOME_STEPS,
    PLACEHOLDER,
    PLACEHOLDERS,
    STEP_KINDS,
    AllOf,
    AnyOf,
    Condition,
    Leaf,
    Ref,
    RulesFile,
)

OPERATORS_FOR: dict[str, set[str]] = {
    "text": {"contains_any", "matches", "equals", "exists"},
    "string": {"equals", "in", "contains_any", "matches", "exists"},
    "number": {
        "equals",
        "in",
        "greater_than",
        "less_than",
        "at_least",
        "at_most",
        "between",
        "exists",
    },
    "bool": {"equals", "exists"},
    "list": {"contains_any", "equals", "in", "exists"},
    "time": {"in_schedule", "exists"},
}


def unique(problems: list[RuleProblem]) -> list[RuleProblem]:
    """The problems in order, each told once."""
    seen: set[str] = set()
    out = []
    for problem in problems:
        if str(problem) not in seen:
            seen.add(str(problem))
            out.append(problem)
    return out


# --- references outside conditions: rule ids, steps, experts ---------------------------------


def check_references(ctx: Context, model: RulesFile) -> None:
    """Rule ids are unique; steps, owners, drafts and experts name what exists."""
    seen: dict[str, int] = {}
    for index, rule in enumerate(model.rules):
        if rule.id in seen:
            ctx.problem(
                ("rules", index, "id"),
                f"rule id `{rule.id}` is used twice (also rule number {seen[rule.id] + 1})",
                rule=rule.id,
            )
        seen.setdefault(rule.id, index)
        for s_index, step in enumerate(rule.then.steps):
            _check_step(ctx, model, step, ("rules", index, "then", "steps", s_index), rule.id)
    for s_index, step in enumerate(model.default.steps):
        _check_step(ctx, model, step, ("default", "steps", s_index), None)
    for topic, expert in model.experts.items():
        if expert.keywords and expert.keywords not in model.lists:
            ctx.problem(
                ("experts", topic, "keywords"),
                f"unknown list `{expert.keywords}`",
                suggestion=suggest(expert.keywords, list(model.lists)),
            )


def _check_step(
    ctx: Context, model: RulesFile, step: Any, path: tuple[Any, ...], rule: str | None
) -> None:
    _check_kinds(ctx, step, path, rule)
    _check_owner(ctx, model, step.owner or "", path, rule)
    _check_drafts(ctx, step, path, rule)
    if step.applies_if and step.kind not in OUTCOME_STEPS:
        ctx.problem(
            (*path, "applies_if"),
            f"`applies_if` is only for steps that follow verification ({', '.join(OUTCOME_STEPS)})",
            rule=rule,
        )


def _check_kinds(ctx: Context, step: Any, path: tuple[Any, ...], rule: str | None) -> None:
    if step.kind not in STEP_KINDS:
        ctx.problem(
            (*path, "kind"),
            f"unknown step kind `{step.kind}`",
            rule=rule,
            suggestion=suggest(step.kind, list(STEP_KINDS)),
        )
    for r_index, required in enumerate(step.requires or []):
        if required not in STEP_KINDS:
            ctx.problem(
                (*path, "requires", r_index),
                f"unknown step kind `{required}`",
                rule=rule,
                suggestion=suggest(required, list(STEP_KINDS)),
            )


def _check_owner(
    ctx: Context, model: RulesFile, owner: str, path: tuple[Any, ...], rule: str | None
) -> None:
    if owner.startswith("expert:"):
        topic = owner.removeprefix("expert:")
        if topic not in model.experts:
            ctx.problem(
                (*path, "owner"),
                f"unknown expert topic `{topic}`",
                rule=rule,
                suggestion=suggest(topic, list(model.experts)),
            )
    if owner == "advocates" and model.advocates is None:
        ctx.problem((*path, "owner"), "owner `advocates` needs an `advocates:` section", rule=rule)


def _check_drafts(ctx: Context, step: Any, path: tuple[Any, ...], rule: str | None) -> None:
    for language in ("ko", "en"):
        text = getattr(step.draft, language, None) if step.draft else None
        for name in PLACEHOLDER.findall(text or ""):
            if name not in PLACEHOLDERS:
                ctx.problem(
                    (*path, "draft", language),
                    f"unknown placeholder `{{{name}}}` in the draft; "
                    f"use {', '.join('{' + p + '}' for p in PLACEHOLDERS)}",
                    rule=rule,
                    suggestion=suggest(name, list(PLACEHOLDERS)),
                )


# --- references inside conditions: named conditions, facts, operators, lists ----------------


def check_ref(
    ctx: Context, ref: Ref, path: tuple[Any, ...], rule: str | None, stack: tuple[str, ...]
) -> bool:
    """The named condition exists and does not refer back to itself."""
    named = ctx.source.model.conditions
    if ref.condition not in named:
        ctx.problem(
            (*path, "condition"),
            f"unknown condition `{ref.condition}`",
            rule=rule,
            suggestion=suggest(ref.condition, list(named)),
        )
        return False
    if ref.condition in stack:
        chain = " -> ".join((*stack, ref.condition))
        ctx.problem(
            (*path, "condition"), f"conditions refer to each other in a loop: {chain}", rule=rule
        )
        return False
    return True


def check_leaf(ctx: Context, leaf: Leaf, path: tuple[Any, ...], rule: str | None) -> bool:
    """The fact exists and its kind allows the operator."""
    if not is_known_fact(leaf.fact):
        ctx.problem(
            (*path, "fact"),
            f"unknown fact `{leaf.fact}`",
            rule=rule,
            suggestion=suggest(leaf.fact, list(FACTS)),
        )
        return False
    kind = fact_kind(leaf.fact)
    operator = leaf.operator
    if operator not in OPERATORS_FOR[kind]:
        allowed = ", ".join(sorted(OPERATORS_FOR[kind]))
        ctx.problem(
            (*path, operator),
            f"`{operator}` cannot test `{leaf.fact}` (a {kind}); use one of: {allowed}",
            rule=rule,
            key=True,
        )
        return False
    return True


def check_list(ctx: Context, name: Any, path: tuple[Any, ...], rule: str | None) -> bool:
    """The keyword list exists."""
    if name in ctx.lists:
        return True
    ctx.problem(
        path,
        f"unknown list `{name}`",
        rule=rule,
        suggestion=suggest(str(name), list(ctx.lists)),
    )
    return False


# --- shadowed rules ----------------------------------------------------------------------------


def check_reachable(ctx: Context, model: RulesFile) -> None:
    """A rule below a `stop` rule that holds whenever it holds can never take effect."""
    order = sorted(range(len(model.rules)), key=lambda i: (-model.rules[i].priority, i))
    for position, index in enumerate(order):
        rule = model.rules[index]
        for earlier in order[:position]:
            stopper = model.rules[earlier]
            if (
                stopper.stop
                and stopper.priority >= rule.priority
                and _implies(rule.when, stopper.when, model.conditions)
            ):
                ctx.problem(
                    ("rules", index, "id"),
                    f"rule `{rule.id}` can never take effect: "
                    f"whenever it matches, `{stopper.id}` (priority {stopper.priority}, "
                    "stop) matches first",
                    rule=rule.id,
                    suggestion=f"give it a priority above {stopper.priority} or "
                    "narrow the stop rule",
                )
                break


def _implies(narrow: Condition, broad: Condition, named: dict[str, Condition]) -> bool:
    """True when `narrow` can only hold where `broad` holds (a sound, structural check)."""
    narrow, broad = _resolve(narrow, named), _resolve(broad, named)
    if narrow == broad or (isinstance(broad, AllOf) and not broad.all):
        return True
    if isinstance(broad, AllOf):
        return all(_implies(narrow, item, named) for item in broad.all)
    if isinstance(broad, AnyOf):
        return any(_implies(narrow, item, named) for item in broad.any)
    if isinstance(narrow, AllOf):
        return any(_implies(item, broad, named) for item in narrow.all)
    if isinstance(narrow, AnyOf):
        return bool(narrow.any) and all(_implies(item, broad, named) for item in narrow.any)
    return False


def _resolve(cond: Condition, named: dict[str, Condition], depth: int = 0) -> Condition:
    while isinstance(cond, Ref) and cond.condition in named and depth < 20:
        cond, depth = named[cond.condition], depth + 1
    return cond
