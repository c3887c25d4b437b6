"""All configuration in one place: environment variables prefixed PLAYBOOK_."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parents[2]
_KEY_NAME = re.compile(r"[A-Za-z0-9_.@-]{1,64}")


class Settings(BaseSettings):
    """The service's settings; see CONTRACT.md for the public ones."""

    model_config = SettingsConfigDict(env_prefix="PLAYBOOK_", extra="ignore")

    database_url: str = Field(default=f"sqlite:///{REPO_ROOT / 'var' / 'playbook.db'}")
    rules_file: Path = Path("rules.yaml")
    # The triage model's artefact; unset: the one committed in the package (playbook/rules).
    triage_model: Path | None = None
    # `name:KEY,name2:KEY2` (the name is the actor the audit records); a plain `KEY` is
    # named `key-N`, N its place in the list (1-based).
    api_keys: str = ""
    metrics_key: str | None = None  # when set, /metrics wants `Authorization: Bearer KEY`
    slack_bot_token: str | None = None
    slack_signing_secret: str | None = None
    slack_api_url: str = "https://slack.com/api/"
    slack_channel: str = "#crisis-response"
    host: str = "127.0.0.1"
    port: int = 8000
    rules_backend: Literal["auto", "durable", "python"] = "auto"
    watch_rules: bool = True
    store_personal_data: bool = False
    max_body_bytes: int = 1024 * 1024
    max_text_chars: int = 100_000
    outbox_interval_seconds: float = 1.0
    # Group commit of single events: wait this long after the first, or for this many.
    group_commit_ms: float = Field(default=2.0, ge=0)
    group_commit_max: int = Field(default=64, ge=1)
    log_level: str = "INFO"
    # The board: cookie signing key (generated and kept in the database when unset), the
    # address sign-in links are printed with, and how long a sign-in lasts.
    session_secret: str | None = None
    public_url: str | None = None
    session_hours: float = 12.0
    board_poll_seconds: float = 5.0

    @field_validator("rules_file")
    @classmethod
    def _resolve_rules_file(cls, value: Path) -> Path:
        if value.is_absolute() or value.exists():
            return value
        return REPO_ROOT / value

    @field_validator("api_keys")
    @classmethod
    def _check_api_keys(cls, value: str) -> str:
        names = [name for name, _ in parse_api_keys(value)]
        twice = sorted({name for name in names if names.count(name) > 1})
        if twice:
            raise ValueError(f"PLAYBOOK_API_KEYS names {', '.join(twice)} more than once")
        return value

    @property
    def base_url(self) -> str:
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    @property
    def api_key_list(self) -> list[str]:
        return [key for _, key in self.named_api_keys]

    @property
    def named_api_keys(self) -> list[tuple[str, str]]:
        """(name, key) for every API key; the name is who calls with it."""
        return parse_api_keys(self.api_keys)


def parse_api_keys(raw: str) -> list[tuple[str, str]]:
    """`monitor:KEY,PLAIN` -> [("monitor", "KEY"), ("key-2", "PLAIN")]."""
    entries = [entry.strip() for entry in raw.split(",") if entry.strip()]
    parsed = []
    for place, entry in enumerate(entries, 1):
        name, colon, key = entry.partition(":")
        if colon and _KEY_NAME.fullmatch(name.strip()) and key.strip():
            parsed.append((name.strip(), key.strip()))
        else:
            parsed.append((f"key-{place}", entry))
    return parsed


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
