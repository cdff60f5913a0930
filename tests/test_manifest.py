"""config/manifest.yml creates an app that can do everything the code listens for."""

import json
import os
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
import yaml

from bot.installations import BOT_SCOPES, REDIRECT_PATH
from bot.request_kind import EVENTS
from config import load_settings
from learning.catalog.course_links import host_of

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
    from bot.block_kit.social.share import SHORTCUT_CALLBACK

    shortcuts = MANIFEST["features"]["shortcuts"]
    assert [(s["type"], s["callback_id"]) for s in shortcuts] == [("message", SHORTCUT_CALLBACK)]
    assert all(len(s["name"]) <= 24 and len(s["description"]) <= 80 for s in shortcuts)  # Slack's own limits
    assert {"channels:read", "groups:read"} <= set(MANIFEST["oauth_config"]["scopes"]["bot"])  # conversations.info


def test_catalog_links_unfold_with_the_links_scopes_and_the_bundled_catalogs_busiest_hosts():
    assert "link_shared" in MANIFEST["settings"]["event_subscriptions"]["bot_events"]
    assert {"links:read", "links:write"} <= set(MANIFEST["oauth_config"]["scopes"]["bot"])
    bundled = Path(__file__).parent.parent / "learning" / "catalog" / "data" / "catalog.jsonl"
    urls = [json.loads(line).get("url") for line in bundled.read_text(encoding="utf-8").splitlines()]
    hosts = Counter(host_of(url) for url in urls if url)
    busiest = [host for host, _ in sorted(hosts.items(), key=lambda item: (-item[1], item[0]))][:5]
    assert MANIFEST["features"]["unfurl_domains"] == busiest  # Slack takes at most 5; each covers its subdomains


def upnext_manifest(home: Path, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "UPNEXT_", "DATABASE_"))}
    command = [str(Path(sys.executable).with_name("upnext")), "manifest"]
    return subprocess.run(command, env={**clean, "UPNEXT_HOME": str(home), **env}, cwd=home, capture_output=True,
                          text=True, timeout=120)  # fmt: skip


@pytest.mark.slow
def test_upnext_manifest_prints_the_manifest_with_the_imported_catalogs_hosts(tmp_path, catalog_home):
    home = tmp_path / "home"
    shutil.copytree(catalog_home, home)
    done = upnext_manifest(home)
    assert done.returncode == 0, done.stderr
    printed = yaml.safe_load(done.stdout)
    assert printed["features"]["unfurl_domains"] == [
        "swcarpentry.github.io", "datacarpentry.github.io", "carpentries-incubator.github.io",
        "librarycarpentry.github.io",
    ]  # fmt: skip
    assert {k: v for k, v in printed.items() if k != "features"} == {
        k: v for k, v in MANIFEST.items() if k != "features"
    }
    assert done.stdout.startswith("# Slack app manifest")  # the file's comments stay
    with_work_objects = yaml.safe_load(upnext_manifest(home, UPNEXT_WORK_OBJECTS="on").stdout)
    events = with_work_objects["settings"]["event_subscriptions"]["bot_events"]
    assert "entity_details_requested" in events and "link_shared" in events


@pytest.mark.slow
def test_upnext_manifest_without_a_store_lists_the_bundled_hosts_and_makes_no_store(tmp_path):
    done = upnext_manifest(tmp_path)
    assert done.returncode == 0 and "no catalog" in done.stderr
    assert yaml.safe_load(done.stdout) == MANIFEST
    assert not (tmp_path / "upnext.db").exists()
