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
    ],
)
def test_malformed_settings_name_the_variable(env, message):
    with pytest.raises(SettingsError, match=re.escape(message)) as error:
        load_settings(env, env_file=None)
    assert "\n" not in str(error.value)


def test_http_mode_requires_the_signing_secret():
    settings = load_settings({"SLACK_BOT_TOKEN": "xoxb-1"}, env_file=None)
    with pytest.raises(SettingsError, match="SLACK_SIGNING_SECRET is required"):
        settings.require_http()
