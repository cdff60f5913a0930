"""`upnext serve --http` installed by OAuth, as a real process: no SLACK_BOT_TOKEN, workspaces installed through the
flow, and a log that never holds the client secret or a workspace's token."""

from __future__ import annotations

from tests.fakes.slack import Grant
from tests.oauth_flow import dm_from, install
from tests.slack_requests import onboard

CLIENT_SECRET = "oauth-client-secret-5a4b3c2d"
A = Grant(token="xoxb-team-a-000011", team_id="T0TEAMA")
OAUTH = {
    "SLACK_BOT_TOKEN": "",
    "SLACK_CLIENT_ID": "1234.5678",
    "SLACK_CLIENT_SECRET": CLIENT_SECRET,
    "UPNEXT_PUBLIC_URL": "http://upnext.test",
}


def test_serve_installed_by_oauth_answers_an_installed_workspace_and_logs_no_secret(start_upnext, service):
    upnext = start_upnext(env={**OAUTH, "UPNEXT_LOG_FORMAT": "json"})
    assert install(upnext, A, "code-a").status == 200
    onboard(service, "U0ANA")
    dm_from(upnext, A, "U0ANA", "What should I learn next?")
    answered = upnext.slack.wait_for_call("chat.postMessage")
    assert [call.token for call in answered] == [A.token]
    assert upnext.terminate() == 0
    assert "ready in" in upnext.log
    assert CLIENT_SECRET not in upnext.log and A.token not in upnext.log
