"""Check Block Kit payloads with slack_sdk.models, plus the limits it does not check."""

from __future__ import annotations

from collections import Counter
from typing import Any

from slack_sdk.models.blocks import Block


class SlackPayloadError(ValueError):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def _action_ids(blocks: list[dict[str, Any]]) -> list[str]:
    ids = []
    for block in blocks:
        elements = list(block.get("elements", []))
        if "accessory" in block:
            elements.append(block["accessory"])
        if "element" in block:
            elements.append(block["element"])
        ids += [e["action_id"] for e in elements if isinstance(e, dict) and "action_id" in e]
    return ids


def _check_blocks(blocks: list[dict[str, Any]], limit: int) -> list[str]:
    problems = []
    if len(blocks) > limit:
        problems.append(f"{len(blocks)} blocks; Slack allows {limit}")
    for index, block in enumerate(blocks):
        try:
            parsed = Block.parse(block)
            if parsed is None:
                problems.append(f"block {index}: unknown block type {block.get('type')!r}")
            else:
                parsed.to_dict()  # runs slack_sdk's own validation
        except Exception as exc:  # noqa: BLE001 - every violation is reported, not raised one by one
            problems.append(f"block {index}: {exc}")
    for name, ids in (
        ("action_id", _action_ids(blocks)),
        ("block_id", [b["block_id"] for b in blocks if "block_id" in b]),
    ):
        dupes = [i for i, n in Counter(ids).items() if n > 1]
        if dupes:
            problems.append(f"duplicate {name}s: {dupes[:5]}")
    return problems


def validate_message(payload: dict[str, Any]) -> None:
    problems = []
    if not str(payload.get("text", "")).strip():
        problems.append("a message needs fallback `text`")
    problems += _check_blocks(list(payload.get("blocks", [])), 50)
    if problems:
        raise SlackPayloadError(problems)


def validate_modal(view: dict[str, Any]) -> None:
    from slack_sdk.models.views import View

    problems = _check_blocks(list(view.get("blocks", [])), 100)
    try:
        View(**view).to_dict()
    except Exception as exc:  # noqa: BLE001
        problems.append(f"view: {exc}")
    if problems:
        raise SlackPayloadError(problems)
