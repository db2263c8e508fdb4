"""The integrations' secrets, read once at start from the environment variables `sevbot.yml` names (nothing reads
the environment deeper in). A variable that is named but unset is a problem `sevbot serve` and `sevbot check` say."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from pydantic import SecretStr

from bot.config import Integrations

__all__ = ["Credentials", "reveal"]


def reveal(secret: SecretStr | None) -> str | None:
    return secret.get_secret_value() if secret is not None else None


@dataclass(frozen=True)
class Credentials:
    pagerduty_routing_key: SecretStr | None = None
    pagerduty_webhook_secret: SecretStr | None = None
    opsgenie_api_key: SecretStr | None = None
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    jira_user: str | None = None
    jira_token: SecretStr | None = None

    @classmethod
    def from_env(cls, integrations: Integrations, environ: Mapping[str, str]) -> Credentials:
        def secret(name: str | None) -> SecretStr | None:
            value = environ.get(name) if name else None
            return SecretStr(value) if value else None

        pd, og, mail, jira = integrations.pagerduty, integrations.opsgenie, integrations.email, integrations.jira
        return cls(
            pagerduty_routing_key=secret(pd.routing_key_env) if pd else None,
            pagerduty_webhook_secret=secret(pd.webhook_secret_env) if pd else None,
            opsgenie_api_key=secret(og.api_key_env) if og else None,
            smtp_username=(environ.get(mail.username_env) or None) if mail and mail.username_env else None,
            smtp_password=secret(mail.password_env) if mail else None,
            jira_user=(environ.get(jira.user_env) or None) if jira else None,
            jira_token=secret(jira.token_env) if jira else None,
        )

    @staticmethod
    def problems(integrations: Integrations, environ: Mapping[str, str]) -> list[str]:
        """Each named variable that is unset, with what it is for."""
        wanted: list[tuple[str | None, str]] = []
        if integrations.pagerduty:
            wanted.append((integrations.pagerduty.routing_key_env, "PagerDuty's Events API v2 integration key"))
        if integrations.opsgenie:
            wanted.append((integrations.opsgenie.api_key_env, "Opsgenie's API integration key"))
        if integrations.email:
            wanted.append((integrations.email.username_env, "the SMTP user"))
            wanted.append((integrations.email.password_env, "the SMTP password"))
        if integrations.jira:
            wanted.append((integrations.jira.user_env, "the Jira account's email"))
            wanted.append((integrations.jira.token_env, "the Jira API token"))
        return [f"{name}: unset ({what})" for name, what in wanted if name and not environ.get(name)]
