"""Installed by OAuth, the weekly learning-wins post goes to each workspace's channel named in
UPNEXT_CELEBRATE_CHANNEL, listing only that workspace's people, posted with that workspace's installation."""

from __future__ import annotations

import json
from dataclasses import replace

from learning.people.history import COMPLETED
from tests.admin.test_who_sees_what import settings  # noqa: F401  (a fixture: installed by OAuth)
from tests.bot.test_oauth_installs import ORG, A, B
from tests.oauth_flow import install
from tests.scheduler.test_celebration import NOW, SQL, last_week


def test_installed_by_oauth_each_workspace_gets_its_own_peoples_wins_with_its_own_token(
    settings,  # noqa: F811
    server,
    service,
    upnext,
    fake_slack,
):
    install(server, A, "code-a")
    install(server, B, "code-b")
    install(server, ORG, "code-org")  # an org-wide install serving the org's workspaces, T0ONE among them
    for user, team, org, name in (("U0ALMA", A.team_id, None, "Alma"), ("U0BRUNO", B.team_id, None, "Bruno"),
                                  ("W0OLGA", "T0ONE", ORG.enterprise_id, "Olga")):  # fmt: skip
        service.learners.save_profile(user, {"team_id": team, "enterprise_id": org, "real_name": name})
        service.achievements.repository.celebrate(user, True, NOW)
        service.history.record(user, SQL, COMPLETED, at=last_week())
    channels = ((A.team_id, "C0AWINS"), (B.team_id, "C0BWINS"), ("T0ONE", "C0ONEWINS"))
    configured = replace(upnext, settings=replace(settings, reporting=replace(
        settings.reporting, celebrate_channels=channels)))  # fmt: skip

    assert configured.celebrations(clock=lambda: NOW).post() is True
    posts = {c.body["channel"]: (c.token, c.body["text"], json.dumps(c.body)) for c in
             fake_slack.calls_to("chat.postMessage") if c.body["channel"].endswith("WINS")}  # fmt: skip
    assert (posts["C0AWINS"][0], posts["C0BWINS"][0], posts["C0ONEWINS"][0]) == (A.token, B.token, ORG.token)
    assert "Olga" in posts["C0ONEWINS"][2] and "Alma" not in posts["C0ONEWINS"][2]
    assert "Alma" in posts["C0AWINS"][2] and "Bruno" not in posts["C0AWINS"][2]
    assert "Bruno" in posts["C0BWINS"][2] and "Alma" not in posts["C0BWINS"][2]
    assert configured.celebrations(clock=lambda: NOW).post() is False
