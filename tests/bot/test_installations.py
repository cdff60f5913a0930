"""Which installation serves a workspace: its own, else its Grid org's org-wide one; gone at once when deleted."""

from __future__ import annotations

from slack_sdk.oauth.installation_store import Installation

from bot.installations import InstallationRepository
from upnext.build import departures_of


def installation(token: str, team: str | None, enterprise: str | None = None) -> Installation:
    return Installation(
        bot_token=token, team_id=team, enterprise_id=enterprise, is_enterprise_install=team is None, user_id=""
    )


def token_for(installs: InstallationRepository, enterprise: str | None, team: str | None, org_wide=False) -> str | None:
    found = installs.find_installation(enterprise_id=enterprise, team_id=team, is_enterprise_install=org_wide)
    return found.bot_token if found else None


def two_processes(store) -> tuple[InstallationRepository, InstallationRepository]:
    """The installation repositories of two processes on one store, each with its own cache."""
    return InstallationRepository(store, departures_of(store)), InstallationRepository(store, departures_of(store))


def test_a_grid_workspace_is_served_by_its_own_install_else_by_its_org_wide_one(upnext, store):
    installs = upnext.oauth_stores().installations
    installs.save(installation("xoxb-org", None, "E0ORG"))
    installs.save(installation("xoxb-own", "T0OWN", "E0ORG"))
    assert token_for(installs, "E0ORG", "T0OWN") == "xoxb-own"
    assert token_for(installs, "E0ORG", "T0OTHER") == "xoxb-org"  # even when the payload does not say org-wide
    assert token_for(installs, "E0ORG", None, org_wide=True) == "xoxb-org"
    assert token_for(installs, "E0ELSE", "T0OTHER") is None and token_for(installs, None, "T0OTHER") is None


def test_a_reinstall_replaces_the_token_and_a_deletion_is_seen_at_once_despite_the_cache(upnext, store):
    installs = upnext.oauth_stores().installations
    installs.save(installation("xoxb-first", "T0A"))
    assert token_for(installs, None, "T0A") == "xoxb-first"  # now cached
    installs.save(installation("xoxb-second", "T0A"))
    assert token_for(installs, None, "T0A") == "xoxb-second"
    installs.delete_installation(enterprise_id=None, team_id="T0A", user_id="U0SOMEONE")  # a user's: none kept
    assert token_for(installs, None, "T0A") == "xoxb-second"
    installs.delete_bot(enterprise_id=None, team_id="T0A")
    assert token_for(installs, None, "T0A") is None
    assert store.sql.value("SELECT count(*) FROM slack_installations") == 0


def test_a_fresh_lookup_never_finds_an_installation_another_process_deleted_though_its_cache_still_holds_it(store):
    clock, web = two_processes(store)
    clock.save(installation("xoxb-org", None, "E0ORG"))
    clock.save(installation("xoxb-own", "T0OWN", "E0ORG"))
    assert token_for(clock, "E0ORG", "T0OWN") == "xoxb-own"  # now in the clock's cache
    web.delete_bot(enterprise_id="E0ORG", team_id="T0OWN")  # the web process handles the uninstall
    assert token_for(clock, "E0ORG", "T0OWN") == "xoxb-own"  # the cache ages out within CACHE_SECONDS
    fresh = clock.find_installation(enterprise_id="E0ORG", team_id="T0OWN", fresh=True)
    assert fresh is not None and fresh.bot_token == "xoxb-org"  # the org-wide install serves the workspace now
    web.delete_bot(enterprise_id="E0ORG", team_id=None)
    assert clock.find_installation(enterprise_id="E0ORG", team_id="T0OWN", fresh=True) is None


def test_a_workspace_served_by_its_orgs_install_is_answered_from_the_cache_like_one_with_its_own(store):
    """The lookup on each request reads the store once per workspace, not on every request of every workspace the
    org-wide install serves (its own installation is not found there, and that absence was not remembered)."""
    web, other = two_processes(store)
    web.save(installation("xoxb-org", None, "E0ORG"))
    web.save(installation("xoxb-own", "T0OWN", "E0ORG"))
    assert token_for(web, "E0ORG", "T0OWN") == "xoxb-own" and token_for(web, "E0ORG", "T0GRID") == "xoxb-org"
    other.delete_bot(enterprise_id="E0ORG", team_id="T0OWN")  # another process: this one's cache holds both
    other.save(installation("xoxb-grid", "T0GRID", "E0ORG"))
    assert token_for(web, "E0ORG", "T0OWN") == "xoxb-own"
    assert token_for(web, "E0ORG", "T0GRID") == "xoxb-org"  # from the cache, as for a workspace's own install
    assert web.find_installation(enterprise_id="E0ORG", team_id="T0GRID", fresh=True).bot_token == "xoxb-grid"
