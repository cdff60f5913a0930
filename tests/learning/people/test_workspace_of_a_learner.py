"""A learner's workspace and Enterprise Grid org come from their Slack profile, so the clock and the learning
team's views can tell which installation a person belongs to."""

from __future__ import annotations

from learning.people.learners import profile_from_slack


def test_a_grid_user_keeps_their_workspace_and_their_org(service):
    user = {"id": "W0GRID", "team_id": "T0EAST", "enterprise_user": {"enterprise_id": "E0ORG", "teams": ["T0EAST"]}}
    learner = service.learners.save_profile("W0GRID", profile_from_slack(user))
    assert (learner.team_id, learner.enterprise_id) == ("T0EAST", "E0ORG")


def test_a_standalone_workspace_user_has_no_org():
    profile = profile_from_slack({"id": "U0ONE", "team_id": "T0ONE", "enterprise_user": "not an object"})
    assert (profile["team_id"], profile["enterprise_id"]) == ("T0ONE", None)
