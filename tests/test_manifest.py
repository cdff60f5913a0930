"""config/manifest.yml creates an app that can do everything the code listens for."""

from pathlib import Path

import yaml

from bot.installations import BOT_SCOPES, REDIRECT_PATH
from bot.request_kind import EVENTS
from config import load_settings

MANIFEST = yaml.safe_load((Path(__file__).parent.parent / "config" / "manifest.yml").read_text())


def test_manifest_declares_learn_command_home_interactivity_and_socket_mode():
    assert [c["command"] for c in MANIFEST["features"]["slash_commands"]] == ["/learn"]
    assert MANIFEST["features"]["app_home"]["home_tab_enabled"] is True
    assert MANIFEST["settings"]["interactivity"]["is_enabled"] is True
    assert MANIFEST["settings"]["socket_mode_enabled"] is True


def test_manifest_has_the_scopes_the_bot_uses():
    scopes = set(MANIFEST["oauth_config"]["scopes"]["bot"])
    assert {"commands", "chat:write", "users:read", "im:write"} <= scopes


def test_every_event_the_manifest_subscribes_to_is_a_known_request_kind():
    subscribed = {name.split(".")[0] for name in MANIFEST["settings"]["event_subscriptions"]["bot_events"]}
    assert subscribed <= EVENTS


def test_manifest_lets_the_app_be_installed_by_oauth_org_wide_and_told_when_it_leaves():
    assert [url.endswith(REDIRECT_PATH) for url in MANIFEST["oauth_config"]["redirect_urls"]] == [True]
    assert MANIFEST["settings"]["org_deploy_enabled"] is True
    leaving = {"app_uninstalled", "tokens_revoked", "team_access_revoked", "team_access_granted"}
    assert leaving <= set(MANIFEST["settings"]["event_subscriptions"]["bot_events"])


def test_the_install_page_asks_for_the_scopes_the_manifest_declares():
    assert sorted(BOT_SCOPES) == sorted(MANIFEST["oauth_config"]["scopes"]["bot"])


def test_token_rotation_is_off_as_slack_token_rotation_is_by_default():
    assert MANIFEST["settings"]["token_rotation_enabled"] is load_settings({}, env_file=None).slack_token_rotation


def test_the_manifest_declares_the_share_message_shortcut_the_app_listens_for():
    from bot.block_kit.share import SHORTCUT_CALLBACK

    shortcuts = MANIFEST["features"]["shortcuts"]
    assert [(s["type"], s["callback_id"]) for s in shortcuts] == [("message", SHORTCUT_CALLBACK)]
    assert all(len(s["name"]) <= 24 and len(s["description"]) <= 80 for s in shortcuts)  # Slack's own limits
    assert {"channels:read", "groups:read"} <= set(MANIFEST["oauth_config"]["scopes"]["bot"])  # conversations.info
