"""Workspaces that left (learning.people.departures): whose planned nudges are skipped, who is purged once the
retention period is over, and who is kept because their Grid org still has Upnext installed."""

from __future__ import annotations

from datetime import timedelta

from learning.people.departures import LEFT, Departures
from learning.people.forget_me import ForgetMe
from learning.people.learners import profile_from_slack
from learning.timestamps import utcnow

SQL = "swcarpentry/sql-novice-survey/01-select"
GRID = (("W0EAST", "T0EAST"), ("W0WEST", "T0WEST"))  # two workspaces of the org E0ORG
NOW = utcnow()
LATER = NOW + timedelta(days=31)


def learner(service, user: str, team: str, org: str | None = None) -> str:
    grid = {"enterprise_user": {"enterprise_id": org}} if org else {}
    service.learners.save_profile(user, profile_from_slack({"id": user, "team_id": team, **grid}))
    due = NOW + timedelta(hours=1)
    service.nudges.plan([(user, "whats_new", "2099-W01", "planned", due, {}),
                         (user, "come_back", "30", "planned", due, {})], NOW)  # fmt: skip
    return user


def statuses(store, user: str) -> set[tuple[str, str | None]]:
    return set(store.sql.rows("SELECT status, error FROM nudges WHERE learner_id = :u", {"u": user}))


def leave(upnext, enterprise: str, team: str) -> int:
    with upnext.store.transaction():
        return upnext.service.departures.leave(enterprise, team, NOW)


def known(service, *users: str) -> set[str]:
    return {user for user in users if service.learners.get(user)}


def test_leaving_skips_the_planned_nudges_of_that_workspace_only_and_leaves_a_claimed_one_to_its_sender(
    upnext, empty_service, store
):
    ana, luis, eva = (learner(empty_service, *who) for who in (("U0ANA", "T0A"), ("U0LUIS", "T0B"), ("U0EVA", "T0B")))
    claimed = empty_service.nudges.claim(empty_service.nudges.due(NOW + timedelta(hours=2))[-1], "clock-1", NOW)
    assert claimed is not None and claimed.learner_id == eva
    assert leave(upnext, "", "T0B") == 3
    assert statuses(store, luis) == {("skipped", LEFT)}
    assert statuses(store, eva) == {("skipped", LEFT), ("sending", None)}
    assert statuses(store, ana) == {("planned", None)}


def test_an_org_wide_install_leaving_covers_every_workspace_of_the_org(upnext, empty_service, store):
    east, west = (
        learner(empty_service, "W0EAST", "T0EAST", "E0ORG"),
        learner(empty_service, "W0WEST", "T0WEST", "E0ORG"),
    )
    other = learner(empty_service, "W0ELSE", "T0ELSE", "E0OTHER")
    assert leave(upnext, "E0ORG", "") == 4
    assert statuses(store, east) == statuses(store, west) == {("skipped", LEFT)}
    assert statuses(store, other) == {("planned", None)}


def test_the_learners_of_a_workspace_that_left_are_purged_once_the_period_is_over_and_can_be_imported_again(
    upnext, service, tmp_path
):
    ana, luis = learner(service, "U0ANA", "T0A"), learner(service, "U0LUIS", "T0B")
    leave(upnext, "", "T0B")
    departures = service.departures
    assert departures.purge(NOW - timedelta(seconds=1), served_orgs=set()) == 0
    assert departures.purge(LATER, served_orgs=set()) == 1
    assert known(service, ana, luis) == {ana}
    export = tmp_path / "lms.csv"
    export.write_text(f"learner,course_id,status,date\n{luis},{SQL},completed,2026-01-05\n")
    assert service.history_importer.import_file(export).added == 1  # never "forgotten": their LMS history may return


def test_a_grid_learner_is_kept_while_the_org_is_installed_anywhere_and_purged_once_it_is_not(upnext, empty_service):
    east, west = (
        learner(empty_service, "W0EAST", "T0EAST", "E0ORG"),
        learner(empty_service, "W0WEST", "T0WEST", "E0ORG"),
    )
    leave(upnext, "E0ORG", "T0WEST")
    departures = empty_service.departures
    assert departures.purge(LATER, served_orgs={"E0ORG"}) == 0
    assert known(empty_service, east, west) == {east, west}
    assert departures.purge(LATER, served_orgs=set()) == 1  # the org left too: nothing serves West any more
    assert known(empty_service, east, west) == {east}


def test_a_workspace_that_came_back_is_not_purged(upnext, empty_service):
    luis = learner(empty_service, "U0LUIS", "T0B")
    leave(upnext, "", "T0B")
    assert empty_service.departures.come_back("", "T0B")
    assert empty_service.departures.purge(LATER, served_orgs=set()) == 0
    assert known(empty_service, luis) == {luis}


def test_a_workspace_that_comes_back_while_the_clock_purges_keeps_the_learners_not_yet_purged(upnext, empty_service):
    users = [learner(empty_service, user, "T0B") for user in ("U0ANA", "U0EVA", "U0LUIS")]
    leave(upnext, "", "T0B")
    service = empty_service

    class ReinstalledAfterTheFirst:
        """An owner of rows erasing its own: B is installed again right after the first learner's rows went."""

        def erase(self, learner_ids) -> int:
            service.departures.come_back("", "T0B")
            return 0

    forget_me = ForgetMe(upnext.store, service.learners, [*service.forget_me.erasers, ReinstalledAfterTheFirst()])
    departures = Departures(upnext.store, service.learners, service.nudges, forget_me)
    assert departures.purge(LATER, served_orgs=set()) == 1
    assert known(service, *users) == set(users[1:])
