"""The learning team's figures, from a store seeded through the real listeners (signed Slack requests into the
running app), against counts worked out by hand; small groups fold into "other"; forgotten people leave."""

from __future__ import annotations

import csv
import io
import json

import pytest

from admin.dashboard import dashboard_page
from bot.block_kit.digest_message import digest_message
from insights.formats import as_csv, as_json, as_text
from insights.gaps import GapFinder
from insights.intervals import difference, wilson
from insights.report import OTHER, Group, ReportBuilder, Window, fold_small
from tests.conftest import PUBLIC_URL
from tests.fakes.slack import default_user
from tests.slack_requests import click, command, onboard
from upnext.cli import main

PEOPLE = [f"U0P{i:02d}" for i in range(1, 7)]  # six learners with the fake Slack's default profiles
GAP_QUESTIONS = ("underwater basket weaving", "basket weaving under water", "weaving baskets underwater")


def _answer_buttons(server, user: str) -> list[dict]:
    """The card buttons of the latest /learn answer to `user`."""

    def mine(call):
        return (
            call.method == "respond"
            and any(
                e.get("action_id") == "course_start" for b in call.body.get("blocks", []) for e in b.get("elements", [])
            )
            and json.loads(
                next(
                    e["value"]
                    for b in call.body["blocks"]
                    for e in b.get("elements", [])
                    if e.get("action_id") == "course_start"
                )
            )["a"]
            in answer_ids(server, user)
        )

    calls = server.slack.wait_for(lambda cs: any(mine(c) for c in cs))
    body = [c for c in calls if mine(c)][-1].body
    return [e for b in body["blocks"] for e in b.get("elements", []) if e.get("type") == "button"]


def answer_ids(server, user: str) -> set[int]:
    """The learner's search answers so far."""
    rows = server.db.execute("SELECT id FROM answers WHERE learner_id = ? AND kind = 'search'", [user])
    return {row[0] for row in rows}


@pytest.fixture
def seeded(server, service, fake_slack, db):
    """Six people (one with a role nobody else has) search `/learn sql databases`; four click Start on their first
    card, one of them Done on it too, and rates it 👍. Three of them also ask, each in their own words, for
    something the catalog does not teach."""
    server.service, server.db = service, db
    for user in PEOPLE:
        fake_slack.users[user] = default_user(user)
        onboard(service, user)
    unique = fake_slack.users[PEOPLE[-1]]
    unique["profile"] = {**unique["profile"], "title": "Chief Unicorn Officer"}  # a role only one person has
    for user in PEOPLE:
        assert command(server, "sql databases", user).status == 200
        server.slack.wait_for(lambda calls, u=user: len(answer_ids(server, u)) == 1)
    starters = PEOPLE[:4]
    for user in starters:
        start = next(b for b in _answer_buttons(server, user) if b["action_id"] == "course_start")
        assert click(server, "course_start", start["value"], user).status == 200
    done = next(b for b in _answer_buttons(server, PEOPLE[0]) if b["action_id"] == "course_done")
    assert click(server, "course_done", done["value"], PEOPLE[0]).status == 200
    prompt = server.slack.wait_for(lambda calls: any(c.method == "chat.postMessage" and "Worth your time" in
                                                    c.body.get("text", "") for c in calls))  # fmt: skip
    rate = next(
        e
        for c in prompt
        if c.method == "chat.postMessage" and "Worth your time" in c.body.get("text", "")
        for b in c.body["blocks"]
        for e in b.get("elements", [])
        if e["action_id"] == "course_rate_up"
    )
    assert click(server, "course_rate_up", rate["value"], PEOPLE[0]).status == 200
    for user, words in zip(PEOPLE[3:], GAP_QUESTIONS):
        assert command(server, words, user).status == 200
        server.slack.wait_for(lambda calls, u=user: len(answer_ids(server, u)) == 2)
    server.settle()
    return service


def test_figures_from_real_slack_requests_match_hand_counts(seeded, encoder, upnext, db):
    shown = db.execute("SELECT count(*) FROM impressions").fetchone()[0]  # cards on the 9 answers
    report = ReportBuilder(upnext.report_queries(), GapFinder(encoder), min_group=3).build(Window.last_weeks(1))

    assert report.adoption.active == 6 and report.adoption.known == 6
    assert [(w.active, w.new, w.returning) for w in report.adoption.weeks] == [(6, 6, 0)]
    total = report.funnel.total
    assert (total.shown, total.started, total.done) == (shown, 4, 1)
    assert total.click_through == wilson(4, shown)
    assert [(r.label, r.shown, r.started) for r in report.funnel.by_surface] == [("/learn", shown, 4)]
    assert [(r.label, r.started, r.done) for r in report.funnel.by_reason] == [("search", 4, 1)]
    # 9 questions; the 3 weak ones and 2 of the sql ones got no click
    assert report.search.questions == 9 and report.search.unclicked == 5
    [gap] = report.search.gaps
    assert (gap.questions, gap.askers, report.search.gaps_other) == (3, 3, 0)
    assert gap.label == "basket weaving"  # the words all three typed ("baskets" counts as "basket")
    # one 👍 from one person: too few to show per course, so only in the totals
    assert report.feedback.ratings == [] and (report.feedback.up, report.feedback.down) == (1, 0)
    assert report.catalog.courses == seeded.courses.count()
    assert report.catalog.never_started == report.catalog.courses - 1
    distinct_shown = db.execute("SELECT count(DISTINCT course_id) FROM impressions").fetchone()[0]
    assert report.catalog.never_shown == report.catalog.courses - distinct_shown
    # the same figures in each export format
    assert json.loads(as_json(report))["funnel"]["total"]["started"] == 4
    rows = list(csv.reader(io.StringIO(as_csv(report))))
    assert ["funnel.total", "all", "done", "1"] in rows and ["adoption", "all", "active", "6"] in rows
    assert "Adoption: 6 active of 6 known learners" in as_text(report)


def test_someone_forgotten_leaves_every_figure(seeded, encoder, upnext, db):
    seeded.forget_me(PEOPLE[0])
    report = ReportBuilder(upnext.report_queries(), GapFinder(encoder), min_group=3).build(Window.last_weeks(1))
    assert report.adoption.active == 5 and report.adoption.known == 5
    assert (report.funnel.total.started, report.funnel.total.done) == (3, 0)
    assert report.search.questions == 8
    assert (report.feedback.up, report.feedback.down) == (0, 0)


def test_small_groups_fold_into_other_and_other_is_never_small():
    groups = [Group("analyst", 8, {"n": 8}), Group("engineer", 5, {"n": 5}), Group("ceo", 1, {"n": 1}),
              Group("cfo", 1, {"n": 1})]  # fmt: skip
    folded = fold_small(groups, 5)
    # ceo and cfo (2 people) are too few even together, so the smallest kept group joins them
    assert [(g.label, g.people, g.values["n"]) for g in folded] == [("analyst", 8, 8), (OTHER, 7, 7)]
    assert fold_small([Group("a", 6), Group("b", 5)], 5) == [Group("a", 6), Group("b", 5)]


def test_intervals_match_published_values():
    # Wilson 95% for 4/10 is 0.168 to 0.687 (Newcombe 1998, table I); an empty group says nothing
    i = wilson(4, 10)
    assert (round(i.low, 3), round(i.high, 3)) == (0.168, 0.687)
    assert wilson(0, 0).low == 0 and wilson(0, 0).high == 1
    # Newcombe's method 10 for 56/70 - 48/80: 0.2 with 0.0524 to 0.3339 (Newcombe 1998, table II)
    d = difference(56, 70, 48, 80)
    assert (round(d.estimate, 4), round(d.low, 4), round(d.high, 4)) == (0.2, 0.0524, 0.3339)


def test_no_view_export_or_digest_names_or_lists_a_learner(seeded, encoder, server, fake_slack, upnext):
    report = ReportBuilder(upnext.report_queries(), GapFinder(encoder), min_group=3).build(Window.last_weeks(1))
    assert [g.label for g in report.adoption.by_role] == [OTHER]  # the one Chief Unicorn Officer is not a group
    digest = digest_message(report, report, PUBLIC_URL)
    outputs = [as_text(report), as_json(report), as_csv(report), dashboard_page(report), json.dumps(digest.blocks)]
    for output in outputs:
        assert "Chief Unicorn" not in output
        for user in PEOPLE:
            assert user not in output and default_user(user)["real_name"] not in output


def test_upnext_report_refuses_a_window_that_ends_before_it_starts(capsys):
    assert main(["report", "--since", "2026-02-01", "--until", "2026-01-01"]) == 2
    assert "--since 2026-02-01 is after --until 2026-01-01" in capsys.readouterr().err
