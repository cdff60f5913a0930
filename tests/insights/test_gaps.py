"""Content gaps come from many people and are told in no one's words: a gap needs at least the minimum group of
distinct askers, its label holds only words that many of them typed, and a phrasing is listed only when that many
people typed it."""

from __future__ import annotations

import json
from datetime import timedelta

from admin.dashboard import dashboard_page
from bot.block_kit.digest_message import digest_message
from insights.formats import as_csv, as_json, as_text
from insights.gaps import GapFinder
from insights.report import Report, ReportBuilder, Window
from learning.timestamps import utcnow
from tests.conftest import PUBLIC_URL
from tests.slack_requests import command, onboard


def next_weeks_report(upnext, encoder) -> Report:
    """The report a week from now, of the week that holds today (figures count finished weeks only)."""
    later = utcnow() + timedelta(days=7)
    builder = ReportBuilder(upnext.report_queries(), GapFinder(encoder), min_group=5, clock=lambda: later)
    return builder.build(Window.last_weeks(1, today=later.date()))


ONE_PERSONS_PHRASE = "underwater basket weaving for my court case"
ASKED_ONCE = ("basket weaving classes", "learn basket weaving", "basket weaving for beginners",
              "weaving baskets by hand")  # fmt: skip


def _ask(server, user: str, words: str) -> None:
    answers = "SELECT count(*) FROM answers WHERE learner_id = :user"
    before = server.store.sql.value(answers, {"user": user})
    assert command(server, words, user).status == 200
    server.slack.wait_for(lambda calls: server.store.sql.value(answers, {"user": user}) > before)


def test_one_persons_phrase_never_labels_a_gap_nor_is_listed(server, service, store, encoder, upnext):
    """The issue's case: one person types a phrase four times, four others ask related things once each."""
    server.service, server.store = service, store
    people = [f"U0G{i:02d}" for i in range(5)]
    for user in people:
        onboard(service, user)
    for _ in range(4):
        _ask(server, people[0], ONE_PERSONS_PHRASE)
    for user, words in zip(people[1:], ASKED_ONCE):
        _ask(server, user, words)
    server.settle()

    report = next_weeks_report(upnext, encoder)

    [gap] = report.search.gaps
    assert (gap.askers, gap.questions) == (5, 8)
    assert gap.label == "basket weaving"  # the words all five typed
    assert gap.examples == ()  # no phrasing was typed by five people
    outputs = [as_text(report), as_json(report), as_csv(report), dashboard_page(report),
               json.dumps(digest_message(report, report, PUBLIC_URL).blocks)]  # fmt: skip
    for output in outputs:
        for words in ("court case", "underwater", *ASKED_ONCE):
            assert words not in output


def test_a_label_holds_only_words_typed_by_the_minimum_group(encoder):
    asked = [("kubernetes operators in production", "p1"), ("kubernetes operators", "p2"),
             ("kubernetes operators helm", "p3"), ("writing kubernetes operators", "p4"),
             ("kubernetes operator zanzibar", "p5")]  # fmt: skip
    [gap], other = GapFinder(encoder).find(asked, min_group=4)
    assert gap.label == "kubernetes operators"  # "operator" and "operators" are one word; "zanzibar" is one person's
    assert (gap.askers, other) == (5, 0)


def test_a_phrase_is_listed_only_when_the_minimum_group_typed_it(encoder):
    asked = [("learn kubernetes", f"p{i}") for i in range(3)] + [("kubernetes for my divorce", "p9")] * 6
    [gap], _ = GapFinder(encoder).find(asked, min_group=3)
    assert gap.examples == ("learn kubernetes",)
    assert gap.label == "kubernetes" and gap.askers == 4


def test_a_gap_whose_askers_share_no_word_is_counted_in_other(encoder):
    asked = [("excel pivot tables", "p1"), ("spreadsheet pivots", "p2"), ("pivottable in excel", "p3")]
    gaps, other = GapFinder(encoder).find(asked, min_group=3)
    assert gaps == [] and other == 3
    [gap], _ = GapFinder(encoder).find(asked, min_group=2)  # the three do mean one thing, and two share words
    assert (gap.askers, gap.label) == (3, "excel pivot")


def test_one_person_repeating_themselves_is_one_asker(encoder):
    asked = [("kubernetes basics", "p1")] * 10 + [("kubernetes basics", "p2")]
    gaps, other = GapFinder(encoder).find(asked, min_group=3)
    assert gaps == [] and other == 11
