"""What clicks and modal submissions carry: action ids and values, encoded and read back."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

VALUE_CHARS = 2000
OUTCOMES = {
    "at_fault": "At fault",
    "not_at_fault": "Not at fault",
    "needs_investigation": "Needs investigation",
}
ACTIONS = frozenset(
    {"complete", "skip", "assign", "escalate", "edit_draft", "menu", "override_verification"}
    | {f"outcome_{key}" for key in OUTCOMES}
)

_ACTION_ID = re.compile(r"step:(0|[1-9]\d{0,17}):([a-z_]{1,40})")


def action_id(step_id: int, action: str) -> str:
    """A button's or menu's action id: the step it acts on and how."""
    return f"step:{step_id}:{action}"


def encode_value(incident_id: int, step_id: int, version: int, action: str | None = None) -> str:
    """What a click carries back: incident, step and the step version the clicker saw."""
    data: dict[str, Any] = {"i": incident_id, "s": step_id, "v": version}
    if action:
        data["a"] = action
    return json.dumps(data, separators=(",", ":"))


def decode_value(value: Any) -> dict[str, Any]:
    if not isinstance(value, str) or len(value) > VALUE_CHARS:
        raise ValueError("a playbook value is a JSON string of at most 2000 characters")
    try:
        data = json.loads(value)
    except (json.JSONDecodeError, RecursionError) as exc:
        raise ValueError(f"the value is not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ValueError("the value is not a JSON object")
    for key in ("i", "s", "v"):
        number = data.get(key)
        if type(number) is not int or number < 0:
            raise ValueError(f"the value's {key!r} is not a non-negative integer")
    return data


# --- clicks -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ParsedAction:
    incident_id: int
    step_id: int
    version: int  # the step version the clicker saw: older than the stored one means stale
    action: str

    @property
    def outcome(self) -> str | None:
        """`at_fault` / `not_at_fault` / `needs_investigation` for a verify_facts outcome."""
        return self.action.removeprefix("outcome_") if self.action.startswith("outcome_") else None


def parse_action(action_id: str, value: str) -> ParsedAction:
    """Reads a click back (a button's `value`, or a menu's selected option value).

    Raises ValueError on anything this card did not produce.
    """
    match = _ACTION_ID.fullmatch(action_id) if isinstance(action_id, str) else None
    if match is None or match[2] not in ACTIONS:
        raise ValueError(f"not a playbook action: {action_id!r}")
    data = decode_value(value)
    action = match[2]
    if action == "menu":
        action = data.get("a")
        if action not in ACTIONS or action == "menu":
            raise ValueError("the menu option names no known action")
    elif "a" in data and data["a"] != action:
        raise ValueError("the value names another action than the button")
    if data["s"] != int(match[1]):
        raise ValueError("the value is for another step than the button")
    return ParsedAction(data["i"], data["s"], data["v"], str(action))


# --- modal submissions --------------------------------------------------------------------------


def _state_value(state: Any) -> Any:
    if not isinstance(state, dict):
        raise ValueError("a modal state entry is not an object")
    if "value" in state:
        return state["value"]
    if "selected_option" in state:
        option = state["selected_option"]
        return option.get("value") if isinstance(option, dict) else None
    return None


def parse_modal_submission(payload: dict[str, Any]) -> dict[str, Any]:
    """A `view_submission` payload as `{callback_id, incident_id, step_id, version, user_id,
    values: {block_id: value}}` (`block_id.action_id` when a block holds several inputs)."""
    view = payload.get("view") if isinstance(payload, dict) else None
    if not isinstance(view, dict):
        raise ValueError("not a view submission: no view")
    ids = decode_value(view.get("private_metadata"))
    state = view.get("state", {}).get("values", {}) if isinstance(view.get("state"), dict) else {}
    if not isinstance(state, dict):
        raise ValueError("the view state is not an object")
    values: dict[str, Any] = {}
    for block_id, actions in state.items():
        if not isinstance(actions, dict):
            raise ValueError(f"state of block {block_id!r} is not an object")
        for action_id, entry in actions.items():
            key = block_id if len(actions) == 1 else f"{block_id}.{action_id}"
            values[key] = _state_value(entry)
    user = payload.get("user")
    return {
        "callback_id": view.get("callback_id"),
        "incident_id": ids["i"],
        "step_id": ids["s"],
        "version": ids["v"],
        "user_id": user.get("id") if isinstance(user, dict) else None,
        "values": values,
    }
