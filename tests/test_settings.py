"""Settings: typed, from the environment over .env, and one clear line naming anything wrong."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from config import SettingsError, load_settings


def test_defaults_without_anything_set():
    settings = load_settings({}, env_file=None)
    assert settings.has_slack is False
    assert settings.slack_api_url == "https://slack.com/api/"
    assert settings.home == Path("var") and settings.port == 3000


def test_environment_wins_over_dotenv(tmp_path: Path):
    env_file = tmp_path / ".env"
    env_file.write_text("PORT=4000\nUPNEXT_HOME=/data/upnext\nSLACK_API_URL=http://127.0.0.1:9/api\n")
    settings = load_settings({"PORT": "5000"}, env_file=env_file)
    assert settings.port == 5000
    assert settings.home == Path("/data/upnext")
    assert settings.slack_api_url == "http://127.0.0.1:9/api/"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"PORT": "eighty"}, "PORT must be a whole number"),
        ({"PORT": "70000"}, "PORT must be between 1 and 65535"),
        ({"SLACK_BOT_TOKEN": "xoxp-user"}, "SLACK_BOT_TOKEN must start with 'xoxb-'"),
        ({"SLACK_APP_TOKEN": "xoxb-nope"}, "SLACK_APP_TOKEN must start with 'xapp-'"),
        ({"SLACK_API_URL": "slack.com/api"}, "SLACK_API_URL must be an http(s) URL"),
        ({"UPNEXT_MIN_GROUP": "2"}, "UPNEXT_MIN_GROUP must be between 3 and 10000"),
        ({"UPNEXT_ADMINS": "U0ABC, ana@example.com"}, "UPNEXT_ADMINS must be Slack user ids"),
        ({"UPNEXT_PUBLIC_URL": "upnext.example.com"}, "UPNEXT_PUBLIC_URL must be an http(s) URL"),
        ({"UPNEXT_REPORT_CHANNEL": "#learning"}, "UPNEXT_REPORT_CHANNEL must be a channel id"),
        ({"UPNEXT_METRICS_PORT": "9100"}, "UPNEXT_METRICS_PORT is set but UPNEXT_METRICS is off"),
        ({"UPNEXT_METRICS": "on", "UPNEXT_METRICS_PORT": "0"}, "UPNEXT_METRICS_PORT must be between 1 and 65535"),
        ({"UPNEXT_SQLITE_BUSY_TIMEOUT": "0"}, "UPNEXT_SQLITE_BUSY_TIMEOUT must be between 0.1 and 600"),
        ({"SLACK_CLIENT_ID": "1.2"}, "SLACK_CLIENT_ID and SLACK_CLIENT_SECRET go together"),
        ({"SLACK_CLIENT_SECRET": "s3cret-client"}, "SLACK_CLIENT_ID and SLACK_CLIENT_SECRET go together"),
        ({"SLACK_TOKEN_ROTATION": "yes"}, "SLACK_TOKEN_ROTATION must be one of off, on"),
        ({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_TOKEN_ROTATION": "on"}, "SLACK_TOKEN_ROTATION=on needs installs by"),
        ({"UPNEXT_UNINSTALL_RETENTION_DAYS": "0"}, "UPNEXT_UNINSTALL_RETENTION_DAYS must be between 1 and 3650"),
        ({"UPNEXT_UNINSTALL_RETENTION_DAYS": "a month"}, "UPNEXT_UNINSTALL_RETENTION_DAYS must be a whole number"),
        ({"UPNEXT_CELEBRATE_CHANNEL": "#wins"}, "UPNEXT_CELEBRATE_CHANNEL must be a channel id"),
        ({"UPNEXT_CELEBRATE_CHANNEL": "T0A:C0A,T0A:C0B"}, "UPNEXT_CELEBRATE_CHANNEL names one channel per workspace"),
        (
            {"SLACK_CLIENT_ID": "1.2", "SLACK_CLIENT_SECRET": "s", "UPNEXT_CELEBRATE_CHANNEL": "C0WINS"},
            "UPNEXT_CELEBRATE_CHANNEL: installed by OAuth, a channel belongs to one workspace",
        ),
    ],
)
def test_malformed_settings_name_the_variable(env, message):
    with pytest.raises(SettingsError, match=re.escape(message)) as error:
        load_settings(env, env_file=None)
    assert "\n" not in str(error.value)


def test_a_workspace_that_left_keeps_its_learners_data_thirty_days_unless_told_otherwise():
    assert load_settings({}, env_file=None).uninstall_retention_days == 30
    assert load_settings({"UPNEXT_UNINSTALL_RETENTION_DAYS": "90"}, env_file=None).uninstall_retention_days == 90


def test_http_mode_requires_the_signing_secret():
    settings = load_settings({"SLACK_BOT_TOKEN": "xoxb-1"}, env_file=None)
    with pytest.raises(SettingsError, match="SLACK_SIGNING_SECRET is required"):
        settings.require_http()


def test_installing_by_oauth_serves_slack_without_a_bot_token_and_needs_the_public_url():
    oauth = {"SLACK_CLIENT_ID": "1.2", "SLACK_CLIENT_SECRET": "s3cret-client", "SLACK_SIGNING_SECRET": "sign"}
    settings = load_settings(oauth, env_file=None)
    assert settings.oauth and settings.has_slack and "s3cret-client" not in repr(settings)
    with pytest.raises(SettingsError, match="UPNEXT_PUBLIC_URL is required to install by OAuth"):
        settings.require_http()
    load_settings({**oauth, "UPNEXT_PUBLIC_URL": "https://upnext.example.com"}, env_file=None).require_http()


def test_token_rotation_is_off_unless_asked_for_with_installs_by_oauth():
    oauth = {"SLACK_CLIENT_ID": "1.2", "SLACK_CLIENT_SECRET": "s3cret-client"}
    assert load_settings(oauth, env_file=None).slack_token_rotation is False
    assert load_settings({**oauth, "SLACK_TOKEN_ROTATION": "on"}, env_file=None).slack_token_rotation is True
    assert load_settings({"SLACK_TOKEN_ROTATION": "off"}, env_file=None).slack_token_rotation is False


def test_reporting_settings():
    defaults = load_settings({}, env_file=None).reporting
    assert defaults.min_group == 5 and not defaults.admins and defaults.report_channel is None
    reporting = load_settings(
        {"UPNEXT_ADMINS": "U0ABC, W0DEF", "UPNEXT_MIN_GROUP": "3", "UPNEXT_PUBLIC_URL": "https://up.example.com/",
         "UPNEXT_REPORT_CHANNEL": "C0LEARN"},
        env_file=None,
    ).reporting  # fmt: skip
    assert reporting.admins == {"U0ABC", "W0DEF"} and reporting.min_group == 3
    assert reporting.public_url == "https://up.example.com" and reporting.report_channel == "C0LEARN"


def test_the_celebrate_channel_is_one_channel_with_one_token_or_one_per_workspace_installed_by_oauth():
    assert load_settings({}, env_file=None).reporting.celebrate_channels == ()
    one = load_settings({"UPNEXT_CELEBRATE_CHANNEL": "C0WINS"}, env_file=None).reporting
    assert one.celebrate_channels == (("", "C0WINS"),)
    oauth = {"SLACK_CLIENT_ID": "1.2", "SLACK_CLIENT_SECRET": "s", "UPNEXT_CELEBRATE_CHANNEL": "T0A:C0A, T0B:G0B"}
    assert load_settings(oauth, env_file=None).reporting.celebrate_channels == (("T0A", "C0A"), ("T0B", "G0B"))


def test_the_learned_ranker_is_off_unless_asked_for():
    assert load_settings({}, env_file=None).ranker is False
    assert load_settings({"UPNEXT_RANKER": "on"}, env_file=None).ranker is True
