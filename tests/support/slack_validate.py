"""Checks Block Kit payloads with slack_sdk.models, plus the limits slack_sdk does not check."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

MESSAGE_BLOCKS = 50
MODAL_BLOCKS = 100
MESSAGE_TEXT_CHARS = 40_000
OPTION_TEXT_CHARS = 75
OPTION_VALUE_CHARS = 150
RADIO_OPTIONS = 10
INPUT_CHARS = 3000


class SlackPayloadError(ValueError):
    """A payload Slack would refuse or mangle; `problems` lists every violation found."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def _walk(node: Any, path: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every object nested in a block, with a readable path to it."""
    if isinstance(node, dict):
        yield path, node
        for key, child in node.items():
            yield from _walk(child, f"{path}.{key}")
    elif isinstance(node, list):
        for index, child in enumerate(node):
            yield from _walk(child, f"{path}[{index}]")


def _dropped(original: Any, parsed: Any, path: str) -> Iterator[str]:
    """Fields slack_sdk silently ignored: usually a typo Slack would reject or ignore too."""
    if isinstance(original, dict) and isinstance(parsed, dict):
        for key, child in original.items():
            if key not in parsed:
                yield f"{path}.{key}"
            else:
                yield from _dropped(child, parsed[key], f"{path}.{key}")
    elif isinstance(original, list) and isinstance(parsed, list) and len(original) == len(parsed):
        for index, (child, twin) in enumerate(zip(original, parsed, strict=True)):
            yield from _dropped(child, twin, f"{path}[{index}]")


def _object_problems(path: str, node: dict[str, Any]) -> Iterator[str]:
    """What slack_sdk lets through but Slack refuses."""
    kind = node.get("type")
    if kind in ("plain_text", "mrkdwn") and not str(node.get("text", "")):
        yield f"{path}: empty text (Slack needs at least one character)"
    for option in node.get("options", []) if isinstance(node.get("options"), list) else []:
        text = option.get("text", {}).get("text", "") if isinstance(option, dict) else ""
        value = option.get("value", "") if isinstance(option, dict) else ""
        if len(text) > OPTION_TEXT_CHARS or len(str(value)) > OPTION_VALUE_CHARS:
            yield f"{path}: an option's text exceeds 75 or its value 150 characters"
    if kind == "radio_buttons" and len(node.get("options", [])) > RADIO_OPTIONS:
        yield f"{path}: radio buttons allow at most {RADIO_OPTIONS} options"
    if kind == "plain_text_input":
        limit = node.get("max_length", INPUT_CHARS)
        if len(str(node.get("initial_value", ""))) > min(limit, INPUT_CHARS):
            yield f"{path}: initial_value is longer than max_length"


def _block_problems(index: int, block: Any) -> list[str]:
    where = f"block {index}"
    if not isinstance(block, dict):
        return [f"{where}: not an object"]
    try:
        parsed = Block.parse(block)
        if parsed is None:
            return [f"{where}: unknown block type {block.get('type')!r}"]
        as_sent = parsed.to_dict()  # runs slack_sdk's own validation
    except Exception as exc:  # slack_sdk raises several types; each is one problem to report
        return [f"{where} ({block.get('type')}): {exc}"]
    problems = [f"{where}: unknown field {p}" for p in _dropped(block, as_sent, "")]
    for path, node in _walk(block, ""):
        problems += [f"{where}{p}" for p in _object_problems(path, node)]
    return problems


def _ids(blocks: list[Any], key: str) -> list[str]:
    """Every `action_id` (or `block_id`) in the payload, nested ones included."""
    found = []
    for block in blocks:
        for _, node in _walk(block, ""):
            if key in node and (key == "block_id" or "type" in node):
                found.append(str(node[key]))
    return found


def _check_blocks(blocks: Any, limit: int) -> list[str]:
    if not isinstance(blocks, list):
        return ["`blocks` must be a list"]
    problems = []
    if len(blocks) > limit:
        problems.append(f"{len(blocks)} blocks; Slack allows {limit}")
    for index, block in enumerate(blocks):
        problems += _block_problems(index, block)
    for name in ("action_id", "block_id"):
        dupes = [i for i, n in Counter(_ids(blocks, name)).items() if n > 1]
        if dupes:
            problems.append(f"duplicate {name}s: {dupes[:5]}")
    return problems


def validate_message(payload: dict[str, Any]) -> None:
    """A chat.postMessage / chat.update / chat.postEphemeral body: fallback text and blocks."""
    problems = []
    text = payload.get("text")
    if not isinstance(text, str) or not text.strip():
        problems.append("a message needs fallback `text` (notifications and screen readers)")
    elif len(text) > MESSAGE_TEXT_CHARS:
        problems.append(f"`text` has {len(text)} characters; Slack cuts at {MESSAGE_TEXT_CHARS}")
    if "blocks" in payload:
        problems += _check_blocks(payload["blocks"], MESSAGE_BLOCKS)
    if problems:
        raise SlackPayloadError(problems)


def _modal_problems(view: dict[str, Any]) -> list[str]:
    problems = []
    if view.get("type") != "modal":
        problems.append("a modal's `type` must be 'modal'")
    if not isinstance(view.get("title"), dict):
        problems.append("a modal needs a `title`")
    blocks = view.get("blocks")
    has_input = isinstance(blocks, list) and any(
        isinstance(b, dict) and b.get("type") == "input" for b in blocks
    )
    if has_input and "submit" not in view:
        problems.append("a modal with input blocks needs a `submit` button")
    try:
        View(**view).to_dict()  # title/submit/close lengths, metadata size, 1-100 blocks
    except Exception as exc:  # slack_sdk raises several types; each is one problem to report
        problems.append(f"view: {exc}")
    return problems


def validate_modal(view: dict[str, Any]) -> None:
    """A view for views.open / views.update / views.push."""
    if not isinstance(view, dict):
        raise SlackPayloadError(["a view must be an object"])
    problems = _modal_problems(view) + _check_blocks(view.get("blocks"), MODAL_BLOCKS)
    if problems:
        raise SlackPayloadError(problems)
