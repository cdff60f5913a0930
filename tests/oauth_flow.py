"""The OAuth install flow as a browser and Slack drive it, events from one installation (a workspace, or a Grid
org's workspaces), and learners of a given workspace, for tests against a running server or `upnext` process."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

from learning.people.learners import profile_from_slack
from tests.fakes.signing import JSON, json_body, post_signed
from tests.fakes.slack import Grant, default_user
from tests.helpers import HttpResult, http

PUBLIC_HOST = {"Host": "upnext.test"}  # the host of UPNEXT_PUBLIC_URL in tests: where the install page is served


def install_page(server: Any) -> tuple[HttpResult, str]:
    """The install page, and the state its cookie carries."""
    page = http(server.url + "/slack/install", headers=PUBLIC_HOST)
    cookie = page.headers.get("Set-Cookie", "").split(";")[0]
    return page, cookie.split("=", 1)[1] if "=" in cookie else ""


def redirect(server: Any, code: str, state: str, cookie_state: str | None = None) -> HttpResult:
    """The installer's browser coming back from Slack's page with `code` and `state` (and the page's cookie)."""
    cookie = {"Cookie": f"slack-app-oauth-state={cookie_state or state}"}
    return http(f"{server.url}/slack/oauth_redirect?code={code}&state={state}", headers={**PUBLIC_HOST, **cookie})


def install(server: Any, grant: Grant, code: str) -> HttpResult:
    """The whole flow: the install page, consent on Slack (which makes `code`), and the redirect back."""
    page, state = install_page(server)
    assert page.status == 200 and f"state={state}" in page.body.decode()
    server.slack.grant(code, grant)
    return redirect(server, code, state)


def event_from(server: Any, grant: Grant, payload: dict, team: str | None = None) -> HttpResult:
    """An event from a workspace (`team`, by default the grant's own), as Slack sends it to that installation."""
    org_wide = grant.team_id is None
    body = {
        "token": "x", "team_id": team or grant.team_id, "enterprise_id": grant.enterprise_id, "api_app_id": "AUPNEXT",
        "type": "event_callback", "event_id": f"Ev{time.monotonic_ns()}", "event_time": int(time.time()),
        "event": payload, "authorizations": [{"enterprise_id": grant.enterprise_id, "team_id": grant.team_id,
                                              "user_id": grant.bot_user_id, "is_bot": True,
                                              "is_enterprise_install": org_wide}],
        "is_ext_shared_channel": False,
    }  # fmt: skip
    return post_signed(server, json_body(body), JSON)


def dm_from(server: Any, grant: Grant, user: str, text: str, team: str | None = None) -> HttpResult:
    ts = f"{time.time():.6f}"
    message = {"type": "message", "channel": "D" + user, "channel_type": "im", "user": user, "text": text, "ts": ts,
               "event_ts": ts}  # fmt: skip
    return event_from(server, grant, message, team)


def home_from(server: Any, grant: Grant, user: str) -> HttpResult:
    return event_from(server, grant, {"type": "app_home_opened", "user": user, "tab": "home", "channel": "D" + user})


def user_of(slack_id: str, team: str, enterprise: str | None = None) -> dict[str, Any]:
    """users.info's user in workspace `team` (of Grid org `enterprise`)."""
    grid = {"enterprise_user": {"id": slack_id, "enterprise_id": enterprise, "teams": [team]}} if enterprise else {}
    return {**default_user(slack_id), "team_id": team, **grid}


def idle_learner(service: Any, slack: Any, slack_id: str, team: str, enterprise: str | None, since: datetime) -> None:
    """Someone of workspace `team` who used Upnext in Slack and has been idle `since` then (Slack knows them too)."""
    slack.users[slack_id] = user_of(slack_id, team, enterprise)
    service.learners.save_profile(slack_id, profile_from_slack(slack.users[slack_id]))
    service.history.record(slack_id, service.courses.many_by_num([1])[1].id, "started", at=since)
    service.learners.touch(slack_id, since)


def ask_and_open_home(server: Any, grant: Grant, user: str) -> None:
    """The learner asks what to learn next, then opens the Home tab; returns once both were answered and no more
    work runs (the server is settled)."""
    assert dm_from(server, grant, user, "What should I learn next?").status == 200
    server.answer("chat.postMessage", "Up next for you")
    assert home_from(server, grant, user).status == 200
    server.slack.wait_for_call("views.publish")
    server.settle()
