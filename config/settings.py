"""Typed settings read from the environment and an optional `.env` file.

Real environment variables win over `.env`. A missing or malformed value raises `SettingsError` whose message is
one line naming the variable, so start-up can stop with exactly that line.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

from dotenv import dotenv_values

from config.errors import SettingsError
from config.nudges import NudgePolicy, nudge_policy, number
from config.reporting import EVERY_WORKSPACE, Reporting, reporting

DEFAULT_SLACK_API_URL = "https://slack.com/api/"


@dataclass(frozen=True)
class Settings:
    slack_bot_token: str | None = None
    slack_signing_secret: str | None = None
    slack_app_token: str | None = None
    slack_client_id: str | None = None  # with the secret: installs by OAuth, a token per workspace or org
    slack_client_secret: str | None = field(default=None, repr=False)
    slack_token_rotation: bool = False  # installed tokens expire and are refreshed (the app's token rotation is on)
    slack_api_url: str = DEFAULT_SLACK_API_URL
    home: Path = field(default_factory=lambda: Path("var"))
    database_url: str | None = field(default=None, repr=False)  # PostgreSQL, shared; None: SQLite under home
    busy_timeout: float = 30.0  # seconds a SQLite statement waits for another process's write lock, then "try again"
    port: int = 3000
    listener_threads: int = 16
    encoder: str = "auto"
    answers_retention_days: int = 180  # what each answer showed is kept this long (redraws, attribution)
    uninstall_retention_days: int = 30  # a workspace that left: its learners' data is kept this long, then purged
    models: Path | None = None  # the int8 model and the bundled catalog's vectors; default: UPNEXT_HOME/models
    metrics: bool = False  # /metrics on the web port
    metrics_port: int | None = None  # /metrics on this port instead (not on the public one)
    ranker: bool = False  # train the learned ranker in the background (experimental)
    log_format: str = "text"
    nudges: NudgePolicy = field(default_factory=NudgePolicy)
    reporting: Reporting = field(default_factory=Reporting)

    @property
    def oauth(self) -> bool:
        """Installs by OAuth (SLACK_CLIENT_ID and SLACK_CLIENT_SECRET): each workspace's token is in the store."""
        return self.slack_client_id is not None

    @property
    def has_slack(self) -> bool:
        """True when there is enough to talk to a real Slack workspace."""
        return self.slack_bot_token is not None or self.oauth

    @property
    def socket_mode(self) -> bool:
        return self.slack_app_token is not None

    @property
    def database_path(self) -> Path:
        return self.home / "upnext.db"

    @property
    def database(self) -> Path | str:
        """Where the store is: DATABASE_URL when set, else the SQLite file under UPNEXT_HOME."""
        return self.database_url or self.database_path

    @property
    def models_dir(self) -> Path:
        return self.models or self.home / "models"

    def require_http(self) -> None:
        """HTTP mode verifies every request, so it cannot run without the signing secret."""
        if not self.has_slack:
            raise SettingsError("SLACK_BOT_TOKEN is required to serve Slack (it starts with xoxb-)")
        if self.oauth and not self.reporting.public_url:
            raise SettingsError("UPNEXT_PUBLIC_URL is required to install by OAuth (Slack redirects installers there)")
        if not self.slack_signing_secret:
            raise SettingsError("SLACK_SIGNING_SECRET is required for HTTP mode (Basic Information > App Credentials)")


def _clean(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    return value or None


def _token(env: Mapping[str, str | None], name: str, prefix: str) -> str | None:
    value = _clean(env.get(name))
    if value is not None and not value.startswith(prefix):
        raise SettingsError(f"{name} must start with {prefix!r}")
    return value


def _int(env: Mapping[str, str | None], name: str, default: int, low: int, high: int) -> int:
    return int(number(env, name, default, low, high, whole=True))


def _api_url(env: Mapping[str, str | None]) -> str:
    raw = _clean(env.get("SLACK_API_URL")) or DEFAULT_SLACK_API_URL
    parsed = urlparse(raw)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise SettingsError(f"SLACK_API_URL must be an http(s) URL such as {DEFAULT_SLACK_API_URL}, got {raw!r}")
    return raw if raw.endswith("/") else raw + "/"


def load_settings(env: Mapping[str, str | None] | None = None, env_file: Path | None = Path(".env")) -> Settings:
    """Build settings from `env` (default: the process environment) layered over `env_file` if it exists."""
    merged: dict[str, str | None] = {}
    if env_file is not None and env_file.is_file():
        merged.update(dotenv_values(env_file))
    merged.update(os.environ if env is None else env)

    return Settings(
        slack_bot_token=_token(merged, "SLACK_BOT_TOKEN", "xoxb-"),
        slack_signing_secret=_clean(merged.get("SLACK_SIGNING_SECRET")),
        slack_app_token=_token(merged, "SLACK_APP_TOKEN", "xapp-"),
        slack_client_id=(client_id := _clean(merged.get("SLACK_CLIENT_ID"))),
        slack_client_secret=_client_secret(merged, client_id),
        slack_token_rotation=_token_rotation(merged, client_id),
        slack_api_url=_api_url(merged),
        home=Path(_clean(merged.get("UPNEXT_HOME")) or "var"),
        database_url=_database_url(merged),
        busy_timeout=number(merged, "UPNEXT_SQLITE_BUSY_TIMEOUT", 30.0, 0.1, 600.0),
        port=_int(merged, "PORT", 3000, 1, 65535),
        listener_threads=_int(merged, "UPNEXT_LISTENER_THREADS", 16, 1, 256),
        encoder=_choice(merged, "UPNEXT_ENCODER", ("auto", "onnx", "torch")),
        answers_retention_days=_int(merged, "UPNEXT_ANSWERS_RETENTION_DAYS", 180, 1, 3650),
        uninstall_retention_days=_int(merged, "UPNEXT_UNINSTALL_RETENTION_DAYS", 30, 1, 3650),
        models=Path(models) if (models := _clean(merged.get("UPNEXT_MODELS"))) else None,
        metrics=(metrics := _choice(merged, "UPNEXT_METRICS", ("off", "on")) == "on"),
        metrics_port=_metrics_port(merged, metrics),
        ranker=_choice(merged, "UPNEXT_RANKER", ("off", "on")) == "on",
        log_format=_choice(merged, "UPNEXT_LOG_FORMAT", ("text", "json")),
        nudges=nudge_policy(merged),
        reporting=_reporting(merged, client_id),
    )


def _reporting(env: Mapping[str, str | None], client_id: str | None) -> Reporting:
    found = reporting(env)
    if client_id is not None and any(team == EVERY_WORKSPACE for team, _ in found.celebrate_channels):
        raise SettingsError("UPNEXT_CELEBRATE_CHANNEL: installed by OAuth, a channel belongs to one workspace: name "
                            "each as TEAM_ID:CHANNEL_ID (T0123ABC:C0123ABC), separated by commas")  # fmt: skip
    return found


def _client_secret(env: Mapping[str, str | None], client_id: str | None) -> str | None:
    secret = _clean(env.get("SLACK_CLIENT_SECRET"))
    if (client_id is None) != (secret is None):
        raise SettingsError("SLACK_CLIENT_ID and SLACK_CLIENT_SECRET go together (Basic Information > App Credentials)")
    return secret


def _token_rotation(env: Mapping[str, str | None], client_id: str | None) -> bool:
    rotation = _choice(env, "SLACK_TOKEN_ROTATION", ("off", "on")) == "on"
    if rotation and client_id is None:
        raise SettingsError("SLACK_TOKEN_ROTATION=on needs installs by OAuth (SLACK_CLIENT_ID and "
                            "SLACK_CLIENT_SECRET): a pasted SLACK_BOT_TOKEN cannot be refreshed")  # fmt: skip
    return rotation


def _database_url(env: Mapping[str, str | None]) -> str | None:
    raw = _clean(env.get("DATABASE_URL"))
    if raw is None:
        return None
    parsed = urlparse(raw)
    if parsed.scheme not in ("postgresql", "postgres") or not (parsed.hostname or "host=" in parsed.query):
        shown = raw.replace(parsed.password, "***") if parsed.password else raw
        raise SettingsError(f"DATABASE_URL must be a PostgreSQL URL such as postgresql://user:***@host:5432/upnext, "
                            f"got {shown!r}")  # fmt: skip
    return raw


def _metrics_port(env: Mapping[str, str | None], metrics: bool) -> int | None:
    if _clean(env.get("UPNEXT_METRICS_PORT")) is None:
        return None
    if not metrics:
        raise SettingsError("UPNEXT_METRICS_PORT is set but UPNEXT_METRICS is off: set UPNEXT_METRICS=on to serve them")
    return _int(env, "UPNEXT_METRICS_PORT", 0, 1, 65535)


def _choice(env: Mapping[str, str | None], name: str, choices: tuple[str, ...]) -> str:
    value = (_clean(env.get(name)) or choices[0]).lower()
    if value not in choices:
        raise SettingsError(f"{name} must be one of {', '.join(choices)}, got {value!r}")
    return value
