"""A process sending to a workspace outside any request, as the clock does.

`python -m tests.token_refresh_process TEAM_ID`, configured by the environment like `upnext`. It finds the
workspace's installation, says `ready` and waits for a line on stdin, says `refreshing`, gets the installation fresh
(its token refreshed if about to expire, with SLACK_TOKEN_ROTATION on), posts a message with the token it got, and
prints that token."""

from __future__ import annotations

import sys

from slack_sdk import WebClient

from bot.installations import InstallationRepository
from bot.token_rotation import token_refresher
from config import load_settings
from upnext.build import departures_of
from upnext.schema import open_store


def main(team_id: str) -> None:
    settings = load_settings(env_file=None)
    store = open_store(settings.database)
    installations = InstallationRepository(store, departures_of(store))
    installation = installations.find_installation(enterprise_id=None, team_id=team_id)
    assert installation is not None
    print("ready", flush=True)
    sys.stdin.readline()
    print("refreshing", flush=True)
    fresh = token_refresher(settings, installations).fresh(installation)
    assert fresh is not None and fresh.bot_token
    WebClient(base_url=settings.slack_api_url, token=fresh.bot_token).chat_postMessage(channel="C0LEARNING", text="hi")
    print(fresh.bot_token, flush=True)
    store.close()


if __name__ == "__main__":
    main(sys.argv[1])
