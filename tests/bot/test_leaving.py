"""A workspace that leaves, end to end over signed HTTP: its token goes at once, its learners' planned nudges are
skipped, their data is kept for UPNEXT_UNINSTALL_RETENTION_DAYS (a reinstall within it keeps everything and serves
them again), then the clock purges every row about them, table by table, and nothing of anyone else's."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from config import Settings
from insights.report import Window
from learning.people.departures import LEFT
from learning.teams.reporting import Line
from learning.timestamps import utcnow
from tests.bot.test_oauth_installs import CLIENT_ID, CLIENT_SECRET, ORG, A, B, installed, tokens_after, until
from tests.conftest import ANA_PROFILE, LUIS_PROFILE
from tests.fakes.slack import Grant
from tests.oauth_flow import dm_from, event_from, install
from tests.slack_requests import onboard

ANA, LUIS = "U0ANA", "U0LUIS"  # of workspaces A and B
EAST, WEST = "W0EAST", "W0WEST"  # of two workspaces of the Grid org ORG
SQL = "swcarpentry/sql-novice-survey/01-select"
RETENTION = 30
# Every table that holds a person's id, and its column: the purge must empty each of them of that person
PERSON_TABLES = {
    "learners": "slack_id", "events": "learner_id", "answers": "learner_id", "nudges": "learner_id",
    "usage_days": "learner_id", "pick_days": "learner_id", "first_takes": "learner_id", "admin_tokens": "user_id",
    "achievements": "learner_id", "celebrations": "learner_id",
    "shares": "sharer_id", "share_recipients": "recipient_id", "shares_off": "learner_id",
    "reporting_lines": "learner_id", "reporting_lines_next": "learner_id", "team_picks": "learner_id",
    # and reporting_lines.manager_id: test_forget_me
}  # fmt: skip
PERSON_COLUMNS = ("learner_id", "slack_id", "user_id", "sharer_id", "recipient_id", "manager_id")


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Installed by OAuth, keeping a workspace's learners RETENTION days after it leaves."""
    return replace(settings, slack_bot_token=None, slack_client_id=CLIENT_ID, slack_client_secret=CLIENT_SECRET,
                   uninstall_retention_days=RETENTION)  # fmt: skip


def grid_user(user: str, team: str) -> dict:
    return {**ANA_PROFILE, "id": user, "team_id": team, "enterprise_user": {"enterprise_id": ORG.enterprise_id},
            "profile": {**ANA_PROFILE["profile"], "email": f"{user.lower()}@example.com"}}  # fmt: skip


@pytest.fixture
def people(fake_slack) -> None:
    """Ana works in workspace A, Luis in B; East and West in two workspaces of the Grid org."""
    fake_slack.users.update({
        ANA: {**ANA_PROFILE, "team_id": A.team_id}, LUIS: {**LUIS_PROFILE, "team_id": B.team_id},
        EAST: grid_user(EAST, "T0EAST"), WEST: grid_user(WEST, "T0WEST"),
    })  # fmt: skip


def uses_upnext(server, service, upnext, grant: Grant, user: str, team: str | None = None) -> None:
    """Someone who uses Upnext: asks in a DM (their profile, an answer and its cards), saves and finishes a course
    (their first: a win, which they want celebrated), has a nudge sent and one planned, signs in to the dashboard,
    shares courses, is in the people file and recommends a course to their team."""
    onboard(service, user)
    asked = len(server.slack.calls_to("chat.postMessage"))
    dm_from(server, grant, user, "What should I learn next?", team=team)
    server.slack.wait_for(lambda calls: sum(c.method == "chat.postMessage" for c in calls) > asked)
    until(lambda: rows_of(upnext.store, user)["impressions"])  # the answer is recorded once posted
    service.history.record(user, SQL, "saved")
    service.history.record(user, SQL, "completed")
    now = utcnow()
    assert service.achievements.update(service.learners.get(user), now)
    service.achievements.repository.celebrate(user, True, now)
    service.nudges.plan([(user, "come_back", "30", "sent", now - timedelta(days=3), {}),
                         (user, "whats_new", "2099-W01", "planned", now + timedelta(days=1), {})], now)  # fmt: skip
    upnext.admin_tokens.add(f"hash-{user}", "session", user, now, now + timedelta(hours=8))
    service.shares.record(user, SQL, [f"{user}X"], now, note="worth it")  # shared a course with a colleague,
    service.shares.record(f"{user}X", SQL, [user], now)  # was shared one, and turned shares off
    service.shares.set_accepting(user, False, now)
    in_the_people_file(upnext, user, now)
    service.reporting.recommend(user, SQL, now)  # to their team


def in_the_people_file(upnext, user: str, now) -> None:
    """The people file, imported again with `user` in it (reporting to U0BOSS) beside everyone it had; and the next
    import under way, its line for `user` staged."""
    sql = upnext.store.sql
    had, staged = (sql.rows(f"SELECT learner_id FROM {table}") for table in ("reporting_lines", "reporting_lines_next"))
    upnext.service.reporting.replace([*(Line(who, "U0BOSS") for (who,) in had), Line(user, "U0BOSS")], now)
    sql.execute_many(
        "INSERT INTO reporting_lines_next (learner_id, manager_id, imported_at) VALUES (:who, 'U0BOSS', :now)",
        [{"who": who, "now": now.isoformat()} for who in [*(w for (w,) in staged), user]],
    )


def two_workspaces_in_use(server, service, upnext) -> None:
    """A and B installed through the OAuth flow; Ana uses Upnext in A, Luis in B."""
    install(server, A, "code-a")
    install(server, B, "code-b")
    uses_upnext(server, service, upnext, A, ANA)
    uses_upnext(server, service, upnext, B, LUIS)


def rows_of(store, user: str) -> dict[str, int]:
    """How many rows each table holds about `user` (impressions: of their answers)."""
    counts = {table: store.sql.value(f"SELECT count(*) FROM {table} WHERE {column} = :user", {"user": user})
              for table, column in PERSON_TABLES.items()}  # fmt: skip
    counts["impressions"] = store.sql.value(
        "SELECT count(*) FROM impressions i JOIN answers a ON a.id = i.answer_id WHERE a.learner_id = :user",
        {"user": user},
    )
    return counts


def tables(store, engine: str) -> list[str]:
    if engine == "postgres":
        return [t for (t,) in store.sql.rows("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")]
    return [t for (t,) in store.sql.rows("SELECT name FROM sqlite_master WHERE type = 'table'")]


def snapshots(store) -> int:
    return store.sql.value("SELECT count(*) FROM report_snapshots")


def nudges_of(store, user: str) -> dict[str, tuple[str, str | None]]:
    return {kind: (status, error) for kind, status, error in
            store.sql.rows("SELECT kind, status, error FROM nudges WHERE learner_id = :u", {"u": user})}  # fmt: skip


def days_later(days: int):
    return lambda: utcnow() + timedelta(days=days)


def the_clock_purges(upnext, days: int) -> int:
    """The clock's nightly housekeeping, `days` from now; how many learners it purged."""
    return upnext.housekeeping(days_later(days)).purge_departed()


def with_a_snapshot(upnext) -> None:
    """The report, computed once and kept as a snapshot (it may count anyone)."""
    upnext.housekeeping().roll_up()
    upnext.report_builder().build(Window.last_weeks(today=utcnow().date()))


def uninstall(server, store, grant: Grant, team: str | None = None) -> None:
    server.slack.revoke(grant.token)  # Slack revokes the token, then tells the app
    assert event_from(server, grant, {"type": "app_uninstalled"}, team=team).status == 200
    until(lambda: (grant.enterprise_id or "", grant.team_id or "") in departures(store))


def departures(store) -> set[tuple[str, str]]:
    return {tuple(row) for row in store.sql.rows("SELECT enterprise_id, team_id FROM departures")}


def test_every_table_about_a_person_is_checked_by_these_tests(upnext, store, engine):
    named = {t for t in tables(store, engine) for c in store.columns(t) if c in PERSON_COLUMNS}
    assert named == set(PERSON_TABLES)  # and impressions (by answer) and report_snapshots (anyone): below


def test_after_b_uninstalls_its_learners_planned_nudges_are_skipped_and_a_s_are_not(
    server, service, upnext, store, people
):
    """(That no call carries B's token afterwards: test_oauth_installs.)"""
    two_workspaces_in_use(server, service, upnext)
    uninstall(server, store, B)
    assert installed(store) == {("", A.team_id, A.token)}
    assert nudges_of(store, LUIS) == {"come_back": ("sent", None), "whats_new": ("skipped", LEFT)}
    assert nudges_of(store, ANA) == {"come_back": ("sent", None), "whats_new": ("planned", None)}


def test_after_the_retention_period_the_clock_purges_every_row_of_b_learners_and_none_of_a(
    server, service, upnext, store, people
):
    two_workspaces_in_use(server, service, upnext)
    with_a_snapshot(upnext)
    ana, luis = rows_of(store, ANA), rows_of(store, LUIS)
    assert all(ana.values()) and all(luis.values()) and snapshots(store)  # something to purge in every table
    uninstall(server, store, B)
    assert the_clock_purges(upnext, RETENTION - 1) == 0
    assert rows_of(store, LUIS) == luis and snapshots(store)
    assert the_clock_purges(upnext, RETENTION + 1) == 1
    assert rows_of(store, LUIS) == dict.fromkeys(luis, 0)
    assert rows_of(store, ANA) == ana
    assert snapshots(store) == 0  # any of them may have counted Luis
    assert service.learners.forgotten_at(LUIS) is None  # not his request: an import or a new install may bring him back
    assert the_clock_purges(upnext, RETENTION + 2) == 0  # done with B


def test_reinstalling_within_the_retention_period_keeps_b_history_and_serves_b_again(
    server, service, upnext, store, people
):
    install(server, B, "code-b")
    uses_upnext(server, service, upnext, B, LUIS)
    uninstall(server, store, B)
    again = Grant(token="xoxb-team-b-000009", team_id=B.team_id)
    install(server, again, "code-b-again")
    luis = rows_of(store, LUIS)
    assert the_clock_purges(upnext, RETENTION + 1) == 0
    assert rows_of(store, LUIS) == luis and service.history.for_learner(LUIS)
    first = len(server.slack.calls)
    dm_from(server, again, LUIS, "What should I learn next?")
    server.slack.wait_for(lambda calls: any(c.method == "chat.postMessage" for c in calls[first:]))
    server.settle()
    assert tokens_after(server, first) == {again.token}


def test_a_workspace_an_org_wide_install_loses_has_left_but_its_people_stay_while_the_org_is_installed(
    server, service, upnext, store, people
):
    install(server, ORG, "code-org")
    uses_upnext(server, service, upnext, ORG, EAST, team="T0EAST")
    uses_upnext(server, service, upnext, ORG, WEST, team="T0WEST")
    assert event_from(server, ORG, {"type": "team_access_revoked", "team_ids": ["T0WEST"]}).status == 200
    until(lambda: departures(store) == {(ORG.enterprise_id, "T0WEST")})
    assert installed(store) == {(ORG.enterprise_id, "", ORG.token)}  # the org's token serves its other workspaces
    assert nudges_of(store, WEST)["whats_new"] == ("skipped", LEFT)
    assert nudges_of(store, EAST)["whats_new"] == ("planned", None)
    west = rows_of(store, WEST)
    assert the_clock_purges(upnext, RETENTION + 1) == 0  # a Grid id is org-wide: the org still serves West
    assert rows_of(store, WEST) == west
    uninstall(server, store, ORG, team="T0EAST")
    assert the_clock_purges(upnext, RETENTION + 1) == 2
    assert rows_of(store, WEST) == rows_of(store, EAST) == dict.fromkeys(west, 0)


def test_a_workspace_an_org_wide_install_reaches_again_has_come_back(server, service, store, people):
    install(server, ORG, "code-org")
    event_from(server, ORG, {"type": "team_access_revoked", "team_ids": ["T0WEST", "T0NORTH"]})
    until(lambda: departures(store) == {(ORG.enterprise_id, "T0WEST"), (ORG.enterprise_id, "T0NORTH")})
    event_from(server, ORG, {"type": "team_access_granted", "team_ids": ["T0WEST"]})
    until(lambda: departures(store) == {(ORG.enterprise_id, "T0NORTH")})


def test_an_uninstall_and_the_revoked_tokens_that_come_with_it_are_one_departure(
    server, service, upnext, store, people
):
    install(server, B, "code-b")
    uses_upnext(server, service, upnext, B, LUIS)
    uninstall(server, store, B)
    event_from(server, B, {"type": "tokens_revoked", "tokens": {"bot": [B.bot_user_id]}})  # Slack sends both
    server.settle()
    assert departures(store) == {("", B.team_id)}
    assert the_clock_purges(upnext, RETENTION + 1) == 1
