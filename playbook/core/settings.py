"""All configuration in one place: environment variables prefixed PLAYBOOK_."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parents[2]


class Settings(BaseSettings):
    """The service's settings; see CONTRACT.md for the public ones."""

    model_config = SettingsConfigDict(env_prefix="PLAYBOOK_", extra="ignore")

    database_url: str = Field(default=f"sqlite:///{REPO_ROOT / 'var' / 'playbook.db'}")
    rules_file: Path = Path("rules.yaml")
    # The triage model's artefact; unset: the one committed in the package (playbook/rules).
    triage_model: Path | None = None
    api_keys: str = ""
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

    @property
    def base_url(self) -> str:
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    @property
    def api_key_list(self) -> list[str]:
        return [key.strip() for key in self.api_keys.split(",") if key.strip()]


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
