"""Process settings from the environment (the spec's table), loaded once at start."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings"]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="", case_sensitive=False, extra="ignore")

    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_api_url: str = "https://slack.com/api/"
    database_url: str = "sqlite:///./sevbot.db"
    sevbot_config: Path = Path("./sevbot.yml")
    sevbot_alert_token: SecretStr | None = None
    host: str = "0.0.0.0"
    port: int = Field(default=3000, ge=0, le=65535)
    sevbot_tick_s: float = Field(default=10.0, gt=0, le=300)  # how often due reminders and escalations are sought
    sevbot_outbox_concurrency: int = Field(default=16, ge=1, le=64)  # Slack work of different incidents at once

    @property
    def socket_mode(self) -> bool:
        return self.slack_app_token is not None

    @property
    def async_database_url(self) -> str:
        """The SQLAlchemy URL with the async driver for its dialect."""
        return to_async_url(self.database_url)

    def problems(self, *, serving: bool) -> list[str]:
        """What stops `sevbot serve` from starting, each naming the variable."""
        found: list[str] = []
        if serving and self.slack_bot_token is None:
            found.append("SLACK_BOT_TOKEN: required by `sevbot serve` (the bot token, xoxb-…)")
        elif self.slack_bot_token is not None and not self.slack_bot_token.get_secret_value().startswith("xox"):
            found.append("SLACK_BOT_TOKEN: does not look like a Slack token (expected xoxb-…)")
        if serving and not self.socket_mode and self.slack_signing_secret is None:
            found.append("SLACK_SIGNING_SECRET: required in HTTP mode to verify requests from Slack")
        if self.slack_app_token is not None and not self.slack_app_token.get_secret_value().startswith("xapp-"):
            found.append("SLACK_APP_TOKEN: an app-level token starts with xapp-")
        if not self.slack_api_url.startswith(("http://", "https://")):
            found.append(f"SLACK_API_URL: {self.slack_api_url!r} is not an http(s) URL")
        if not self.database_url.startswith(("sqlite", "postgresql", "postgres")):
            found.append(f"DATABASE_URL: {self.database_url!r}: only sqlite:// and postgresql:// are supported")
        return found


def to_async_url(url: str) -> str:
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    dialect = scheme.split("+", 1)[0]
    if dialect == "sqlite":
        return f"sqlite+aiosqlite://{rest}"
    if dialect in ("postgresql", "postgres"):
        return f"postgresql+asyncpg://{rest}"
    return url
