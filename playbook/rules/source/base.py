"""What every part of the rules model shares: the strict base model, the words of the domain
(categories, severities, outcomes) and durations as editors write them."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict

Category = Literal["complaint", "rumour", "question", "abuse", "praise", "other"]
Severity = Literal["low", "medium", "high", "critical"]
Outcome = Literal["at_fault", "not_at_fault", "needs_investigation"]
_DURATION = re.compile(r"^\s*(\d+)\s*(s|m|h|d)\s*$")


def parse_duration(text: str) -> int:
    """'30m' -> 1800 seconds; units s, m, h, d."""
    found = _DURATION.match(text)
    if not found:
        raise ValueError(f"'{text}' is not a duration such as 15m, 2h or 1d")
    amount, unit = int(found.group(1)), found.group(2)
    return amount * {"s": 1, "m": 60, "h": 3600, "d": 86400}[unit]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
