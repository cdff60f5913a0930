"""A report of one org or one workspace (insights.queries.Scope) counts only that scope's learners, holds every
figure to the minimum group like the whole store's (a scope of fewer people shows nothing, never one person), keeps
its snapshots apart from every other scope's, and names no one; `upnext report --workspace/--org` prints it."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from insights.formats import as_csv, as_json, as_text
from insights.gaps import GapFinder
from insights.queries import EVERYONE, ReportQueries, Scope
from insights.report import Report, ReportBuilder, Window
from insights.snapshots import ReportSnapshots, encode
from learning.people.history import STARTED
from learning.timestamps import utcnow
from tests.insights.test_differencing import LATER, Seeder, _at
from tests.insights.test_rollups import TUESDAY, WEEK, seeded
from tests.insights.test_snapshots import _upnext

ORG = "E0ORG"
A, B, SMALL = "T0TEAMA", "T0TEAMB", "T0SMALL"
PEOPLE = {A: [f"U0A{i}" for i in range(7)], B: [f"U0B{i}" for i in range(5)], SMALL: ["U0S0", "U0S1"]}


def seed_workspace(seeder: Seeder, team: str, org: str | None, people: list[str], tuesday: date) -> None:
    """`people` of workspace `team` (of `org`), each shown a pick in a DM on `tuesday` and starting it."""
    for k, who in enumerate(people):
        seeder.learner(who, "Analyst", "Europe/Madrid", "en-US", date(2026, 10, 1))
        seeder.sql.execute("UPDATE learners SET team_id = :team, enterprise_id = :org WHERE slack_id = :who",
                           {"team": team, "org": org, "who": who})  # fmt: skip
        picks = seeder.answer(who, "next", "dm", _at(tuesday, 10, k), [seeder.a], "up_next")
        seeder.event(who, seeder.a, STARTED, _at(tuesday, 11, k), answer_id=picks)


def workspaces(seeder: Seeder, tuesday: date = TUESDAY) -> None:
    """Seven learners in A, five in B (both of the org), two in a workspace of their own."""
    for team, people in PEOPLE.items():
        seed_workspace(seeder, team, ORG if team != SMALL else None, people, tuesday)


def report(upnext, encoder, scope: Scope, snapshots: bool = False) -> Report:
    kept = ReportSnapshots(upnext.store, scope) if snapshots else None
    return ReportBuilder(ReportQueries(upnext.store, scope), GapFinder(encoder), 5, LATER, kept).build(WEEK)


def test_a_workspace_report_counts_only_that_workspaces_learners(upnext, service, encoder):
    workspaces(seeded(upnext))
    counted = {
        scope: (r.adoption.known, r.adoption.active, r.funnel.total.shown, r.funnel.total.started)
        for scope in (Scope.workspace(A), Scope.workspace(B), Scope.org(ORG), EVERYONE)
        for r in [report(upnext, encoder, scope)]
    }
    # SMALL's two count nowhere, not in everyone's figures either (insights.test_scope_sums)
    assert counted == {Scope.workspace(A): (7, 7, 7, 7), Scope.workspace(B): (5, 5, 5, 5),
                       Scope.org(ORG): (12, 12, 12, 12), EVERYONE: (12, 12, 12, 12)}  # fmt: skip


def test_a_scope_of_fewer_people_than_the_minimum_group_shows_nothing_of_them(upnext, service, encoder):
    workspaces(seeded(upnext))
    small = report(upnext, encoder, Scope.workspace(SMALL))
    a, f = small.adoption, small.funnel.total
    assert (a.known, a.active, a.weeks, a.by_role, f.shown, f.started, f.learners) == (0, 0, [], [], 0, 0, 0)
    assert small.search.questions == 0 and small.feedback.up + small.feedback.down == 0
    assert small.catalog.never_shown == small.catalog.courses  # no course was shown to five of them


def test_an_org_holding_every_learner_reports_the_whole_stores_figures(upnext, service, encoder):
    seeder = seeded(upnext)
    workspaces(seeder)
    seeder.sql.execute("UPDATE learners SET enterprise_id = :org", {"org": ORG})
    org, everyone = report(upnext, encoder, Scope.org(ORG)), report(upnext, encoder, EVERYONE)
    assert encode(org) == encode(everyone)


def test_each_scope_keeps_its_own_snapshot_and_forget_me_drops_every_one(upnext, service, encoder):
    workspaces(seeded(upnext))
    assert report(upnext, encoder, Scope.workspace(A), snapshots=True).adoption.known == 7
    assert report(upnext, encoder, Scope.workspace(B), snapshots=True).adoption.known == 5  # not A's snapshot
    assert report(upnext, encoder, EVERYONE, snapshots=True).adoption.known == 12
    kept = upnext.store.sql.rows("SELECT scope FROM scope_snapshots ORDER BY scope")
    assert [row[0] for row in kept] == [f"workspace:{A}", f"workspace:{B}"]
    assert report(upnext, encoder, Scope.workspace(B), snapshots=True).adoption.known == 5  # served

    service.forget_me(PEOPLE[B][0])
    assert upnext.store.sql.value("SELECT count(*) FROM scope_snapshots") == 0
    assert upnext.store.sql.value("SELECT count(*) FROM report_snapshots") == 0
    assert report(upnext, encoder, Scope.workspace(B), snapshots=True).adoption.known == 0  # four left: folded


def test_no_scoped_export_names_a_learner(upnext, service, encoder):
    workspaces(seeded(upnext))
    for scope in (Scope.workspace(A), Scope.workspace(SMALL), Scope.org(ORG)):
        r = report(upnext, encoder, scope)
        for output in (as_text(r), as_json(r), as_csv(r)):
            assert not any(who in output for people in PEOPLE.values() for who in people)


def test_upnext_report_prints_one_workspaces_or_one_orgs_figures(upnext, service, settings, models_dir):
    last_week = Window.last_weeks(1, utcnow().date())
    workspaces(seeded(upnext), last_week.since + timedelta(days=1))
    window = ("--since", last_week.since.isoformat(), "--until", last_week.until.isoformat())
    known = {
        whose: _upnext(settings, models_dir, *window, *whose)["adoption"]["known"]
        for whose in ((), ("--workspace", B), ("--org", ORG), ("--workspace", SMALL))
    }
    assert known == {(): 12, ("--workspace", B): 5, ("--org", ORG): 12, ("--workspace", SMALL): 0}


def test_a_scope_names_an_org_or_a_workspace_and_nothing_else():
    assert Scope.parse("workspace:T0TEAMB") == Scope.workspace("T0TEAMB") and Scope.parse("") == EVERYONE
    assert Scope.parse(Scope.org(ORG).key) == Scope.org(ORG)
    for bad in ("team:T0TEAMB", "workspace:", "org:e0org", "workspace:T0' OR 1=1", "everyone"):
        with pytest.raises(ValueError):
            Scope.parse(bad)


def test_the_figures_by_language_count_the_language_a_learner_chose_over_their_slack_locale(upnext, service, encoder):
    seeder = seeded(upnext)
    workspaces(seeder)
    seeder.sql.execute("UPDATE learners SET language = 'pt-BR' WHERE slack_id LIKE 'U0A%'")  # seven chose it
    languages = {group.label: group.people for group in report(upnext, encoder, EVERYONE).adoption.by_language}
    assert languages.get("pt") == 7 and languages.get("en") == 5
