"""Compile a typed rules file: text tests become derived facts, the rest engine conditions."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from playbook.core.errors import RulesInvalid
from playbook.intake.facts import fact_kind
from playbook.rules.compile import checks
from playbook.rules.compile import conditions as c
from playbook.rules.compile.context import Context, Derivation
from playbook.rules.compile.leaves import LEAF_BUILDERS
from playbook.rules.source.loader import Source
from playbook.rules.source.model import AllOf, AnyOf, Condition, Leaf, NotOf, Ref, RulesFile
from playbook.text.keywords import KeywordSet, TermList, WordSet


@dataclass
class Compiled:
    """The output of compilation: engine rules, derivations and a leaf index for explain."""

    rules: list[c.CompiledRule]
    derivations: list[Derivation]
    leaves: dict[int, c.Cond]
    engine_facts: set[str]
    lists: dict[str, TermList]
    conditions: dict[str, Condition]


def version_of(text: str) -> str:
    """The rules version: a short content hash recorded on every incident."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def compile_source(source: Source) -> Compiled:
    """Validate references and compile every rule; all problems are raised together."""
    ctx = Context(source)
    model = source.model
    _compile_lists(ctx, model)
    checks.check_references(ctx, model)
    rules = []
    for index, rule in enumerate(model.rules):
        cond = _compile(ctx, rule.when, ("rules", index, "when"), rule.id, ())
        rules.append(c.CompiledRule(rule.id, rule.priority, cond))
    for name, cond_model in model.conditions.items():
        _compile(ctx, cond_model, ("conditions", name), None, (name,))
    checks.check_reachable(ctx, model)
    if ctx.problems:
        raise RulesInvalid(checks.unique(ctx.problems))
    engine_facts = set().union(*(c.facts_used(r.cond) for r in rules)) if rules else set()
    derived = {d.name for d in ctx.derivations}
    return Compiled(
        rules,
        ctx.derivations,
        ctx.leaves,
        engine_facts - derived,
        ctx.lists,
        dict(model.conditions),
    )


def _compile_lists(ctx: Context, model: RulesFile) -> None:
    for name, spec in model.lists.items():
        if spec.match == "words":
            ctx.lists[name] = WordSet(spec.terms, skip_negated=spec.negation == "skip")
        else:
            ctx.lists[name] = KeywordSet(
                spec.terms, word_boundary=spec.word_boundary, compact=spec.compact
            )


def _compile(
    ctx: Context, cond: Condition, path: tuple[Any, ...], rule: str | None, stack: tuple[str, ...]
) -> c.Cond:
    if isinstance(cond, AllOf):
        return c.All(
            tuple(
                _compile(ctx, item, (*path, "all", i), rule, stack)
                for i, item in enumerate(cond.all)
            )
        )
    if isinstance(cond, AnyOf):
        return c.Any_(
            tuple(
                _compile(ctx, item, (*path, "any", i), rule, stack)
                for i, item in enumerate(cond.any)
            )
        )
    if isinstance(cond, NotOf):
        return c.Not(_compile(ctx, cond.not_, (*path, "not"), rule, stack))
    if isinstance(cond, Ref):
        return _compile_ref(ctx, cond, path, rule, stack)
    compiled = _compile_leaf(ctx, cond, path, rule)
    ctx.leaves[id(cond)] = compiled
    return compiled


def _compile_ref(
    ctx: Context, ref: Ref, path: tuple[Any, ...], rule: str | None, stack: tuple[str, ...]
) -> c.Cond:
    if not checks.check_ref(ctx, ref, path, rule, stack):
        return c.Const(False)
    named = ctx.source.model.conditions
    return _compile(
        ctx, named[ref.condition], ("conditions", ref.condition), rule, (*stack, ref.condition)
    )


def _compile_leaf(ctx: Context, leaf: Leaf, path: tuple[Any, ...], rule: str | None) -> c.Cond:
    if not checks.check_leaf(ctx, leaf, path, rule):
        return c.Const(False)
    operator = leaf.operator
    builder = LEAF_BUILDERS[operator]
    return builder(ctx, leaf, fact_kind(leaf.fact), (*path, operator), rule)
