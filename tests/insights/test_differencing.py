"""No figure, and no difference between the same figure in two windows, is derived from fewer than the minimum group.

The store holds a group of regulars (active every week, in groups of at least the minimum) and one person whose
whole activity (a search in their own words, a click, a Done, a 👍 with a comment, a nudge) sits on one day D,
alone. Every numeric leaf of the report's data (`formats.as_data`, walked generically, so a figure added later is
covered too) is read for overlapping windows (the same day, a day against two, a week against the next, 90 against
91 days, ...), and the same for every number of the weekly digest. A figure or a difference is *derived from* the
people whose erasure (the same store seeded without them) changes it; it must be derived from nobody in particular
or from at least the minimum group.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from functools import partial
from typing import Any

import pytest

from admin.dashboard import dashboard_page
from admin.signin import SignIn
from bot.app import web_client
from config.reporting import Reporting
from insights.formats import as_data
from insights.gaps import GapFinder
from insights.queries import ReportQueries
from insights.report import ReportBuilder, Window
from learning.people.history import COMPLETED, NUDGES_OFF, RATED, STARTED
from learning.store.engine import Sql, Store
from scheduler.digest import WeeklyDigest
from tests.conftest import OPERATOR_ADMIN, PUBLIC_URL
from tests.helpers import http

MIN_GROUP = 3
D = date(2026, 11, 18)  # a Wednesday
TARGET = "U0TARGET"
REGULARS = [f"U0REG{i}" for i in range(1, 7)]
REGULAR_WEEKS = [date(2026, 10, 27), date(2026, 11, 3), date(2026, 11, 10)]  # Tuesdays
TARGET_WORDS = "underwater basket weaving for my court case"
TARGET_COMMENT = "my private words"
WINDOWS = [
    (D - timedelta(days=1), D - timedelta(days=1)),  # the issue's pair: the day before ...
    (D - timedelta(days=1), D),  # ... and the day before with D
    (D, D),
    (date(2026, 11, 9), date(2026, 11, 15)),  # a week ...
    (date(2026, 11, 9), date(2026, 11, 22)),  # ... and the week after with it
    (D - timedelta(days=89), D),  # 90 days
    (D - timedelta(days=90), D),  # 91 days
    (D - timedelta(days=90), D - timedelta(days=1)),
    (date(2026, 10, 19), date(2026, 11, 15)),  # four weeks
    (date(2026, 10, 19), date(2026, 11, 22)),  # five weeks
    (date(2026, 10, 26), date(2026, 12, 6)),  # all of November
]
LABELS = ("group", "week", "month", "phrase", "kind", "label", "course_id")


def LATER() -> datetime:
    """When the reports are read: every window above has ended."""
    return datetime(2026, 12, 14, tzinfo=UTC)


def _at(day: date, hour: int = 10, minute: int = 0) -> str:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC).isoformat()


class Seeder:
    """Writes people's use of Upnext into a store, as the listeners and the clock would have recorded it."""

    def __init__(self, sql: Sql, courses: list[str]):
        self.sql = sql
        self.a, self.b, self.c = courses[:3]

    def learner(self, who: str, title: str, tz: str, locale: str, created: date) -> None:
        self.sql.execute(
            "INSERT INTO learners (slack_id, title, tz, locale, created_at) VALUES (:who, :title, :tz, :locale, :at)",
            {"who": who, "title": title, "tz": tz, "locale": locale, "at": _at(created, 0)},
        )

    def answer(self, who: str, kind: str, surface: str, at: str, courses: list[str], reason: str,
               query: str | None = None) -> int:  # fmt: skip
        context = {"query": query, "top_similarity": 0.1} if query else {}
        payload = json.dumps({"picks": [{"course_id": c} for c in courses], "context": context})
        answer_id = self.sql.value(
            "INSERT INTO answers (learner_id, kind, payload, surface, created_at) "
            "VALUES (:who, :kind, :payload, :surface, :at) RETURNING id",
            {"who": who, "kind": kind, "payload": payload, "surface": surface, "at": at},
        )
        self.sql.execute_many(
            "INSERT INTO impressions (answer_id, position, course_id, reason) VALUES (:answer, :position, :course, "
            ":reason)",
            [{"answer": answer_id, "position": i, "course": c, "reason": reason} for i, c in enumerate(courses)],
        )
        return answer_id

    def event(self, who: str, course: str | None, kind: str, at: str, source: str = "slack", value: str | None = None,
              answer_id: int | None = None, note: str | None = None) -> None:  # fmt: skip
        self.sql.execute(
            "INSERT INTO events (learner_id, course_id, kind, value, at, source, answer_id, note) "
            "VALUES (:who, :course, :kind, :value, :at, :source, :answer, :note)",
            {"who": who, "course": course, "kind": kind, "value": value, "at": at, "source": source,
             "answer": answer_id, "note": note},
        )  # fmt: skip

    def nudge(self, who: str, status: str, day: date) -> int:
        return self.sql.value(
            "INSERT INTO nudges (learner_id, kind, period, status, due_at, planned_at, sent_at) "
            "VALUES (:who, 'come_back', :period, :status, :due, :planned, :sent) RETURNING id",
            {"who": who, "period": day.isoformat(), "status": status, "due": _at(day, 9), "planned": _at(day, 8),
             "sent": _at(day, 9) if status == "sent" else None},
        )  # fmt: skip

    def regular(self, k: int, who: str) -> None:
        """Every week: picks in a DM (Start on the first), a search for the same missing topic, a come-back nudge
        (sent to half, held out for the others); Done on the first pick in the second week; in November's last
        regular week, Done on the second course and a rating of it with a comment. In D's week, half of them open
        a DM answer on the Monday (so that week's active learners are enough to show, whoever else joins)."""
        self.learner(who, "Analyst" if k <= 4 else "Engineer", "Europe/Madrid", "en-US", date(2026, 10, 1))
        for week, day in enumerate(REGULAR_WEEKS):
            picks = self.answer(who, "next", "dm", _at(day, 10, k), [self.a, self.b], "up_next")
            self.event(who, self.a, STARTED, _at(day, 11, k), answer_id=picks)
            if week == 1:
                self.event(who, self.a, COMPLETED, _at(day, 12, k), answer_id=picks)
            self.answer(who, "search", "slash", _at(day, 13, k), [self.c], "match", "underwater basket weaving")
            nudge = self.nudge(who, "sent" if k <= 3 else "held_out", day)
            if k <= 3:
                self.event(who, self.a, STARTED, _at(day, 9, 30 + k), source="nudge", value=str(nudge))
                self.event(who, None, NUDGES_OFF, _at(day, 14, k))
            if week == 2:
                self.event(who, self.b, COMPLETED, _at(day, 15, k))
                self.event(who, self.b, RATED, _at(day, 16, k), value="up" if k <= 4 else "down",
                           note=f"regular comment {k}")  # fmt: skip
        if k <= 3:
            self.answer(who, "next", "dm", _at(D - timedelta(days=2), 10, k), [self.a, self.b], "up_next")

    def target(self) -> None:
        """Everything on D, alone: joins, asks in their own words, starts and finishes, rates with a comment, is
        nudged, clicks the nudge and turns nudges off."""
        self.learner(TARGET, "Chief Unicorn Officer", "Pacific/Chatham", "fr-FR", D)
        asked = self.answer(TARGET, "search", "dm", _at(D, 10), [self.c], "match", TARGET_WORDS)
        self.event(TARGET, self.c, STARTED, _at(D, 11), answer_id=asked)
        self.event(TARGET, self.b, COMPLETED, _at(D, 12))
        self.event(TARGET, self.b, RATED, _at(D, 13), value="up", note=TARGET_COMMENT)
        nudge = self.nudge(TARGET, "sent", D)
        self.event(TARGET, self.c, STARTED, _at(D, 9, 30), source="nudge", value=str(nudge))
        self.event(TARGET, None, NUDGES_OFF, _at(D, 14))


PEOPLE = [*REGULARS, TARGET]


def variants(copies: Callable[[str], Store], people: list[str], seed: Callable[[Seeder, str], None]
             ) -> dict[str | None, Store]:  # fmt: skip
    """The store seeded with `seed` for each of `people` (key None) and, for each person, the same store seeded without
    them (each a copy of the service's, from `store_copies`)."""
    opened: dict[str | None, Store] = {}
    for erased in [None, *people]:
        store = opened[erased] = copies(f"variant-{erased or 'all'}")
        with store.transaction() as sql:
            seeder = Seeder(sql, first_courses(sql))
            for who in people:
                if who != erased:
                    seed(seeder, who)
    return opened


def first_courses(sql: Sql) -> list[str]:
    return [row[0] for row in sql.rows("SELECT id FROM courses ORDER BY num LIMIT 3")]


def _seed(seeder: Seeder, who: str) -> None:
    if who == TARGET:
        seeder.target()
    else:
        seeder.regular(REGULARS.index(who) + 1, who)


@pytest.fixture
def stores(store_copies) -> dict[str | None, Store]:
    """The seeded store (key None) and, for each person, the same store seeded without them."""
    return variants(store_copies, PEOPLE, _seed)


def numeric_leaves(value: Any, path: str = "") -> dict[str, float]:
    """Every number (and yes/no) in the report's data by its path, list items named by their label; a course's
    comments as how many show."""
    leaves: dict[str, float] = {}
    if isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}" if path else key
            if key == "comments":  # always one person's words: what must not single anyone out is whether they show
                leaves[where] = float(len(item))
            elif key not in LABELS:
                leaves.update(numeric_leaves(item, where))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            label = next((str(item[k]) for k in LABELS if k in item), str(index)) if isinstance(item, dict) else index
            leaves.update(numeric_leaves(item, f"{path}[{label}]"))
    elif isinstance(value, bool | int | float):
        leaves[path] = float(value)
    return leaves


def derived_from(change: Callable[[str | None], float]) -> set[str]:
    """The people whose erasure changes what `change` computes from a variant of the store."""
    return {who for who in PEOPLE if abs(change(who) - change(None)) > 1e-9}


def _name(window: Any) -> str:
    return "..".join(str(day) for day in window) if isinstance(window, tuple) else str(window)


def assert_not_from_fewer_than_the_minimum(figures_by_window: dict[Any, dict[str | None, dict[str, float]]]) -> int:
    """Each figure (the difference from no window at all), and each difference of a figure between two windows, is 0
    or derived from nobody in particular or from at least MIN_GROUP people. Returns how many were checked."""
    failures, checked = [], 0
    windows = list(figures_by_window)

    def value(window: Any, variant: str | None, key: str) -> float:
        return figures_by_window[window][variant].get(key, 0.0) if window is not None else 0.0

    for first, second in [*itertools.combinations(windows, 2), *((w, None) for w in windows)]:
        keys = {
            k for w in (first, second) if w is not None for figures in figures_by_window[w].values() for k in figures
        }
        for key in sorted(keys):
            checked += 1
            change = partial(lambda variant, k, a, b: value(b, variant, k) - value(a, variant, k), k=key, a=first,
                             b=second)  # fmt: skip
            if abs(change(None)) < 1e-9:
                continue
            people = derived_from(change)
            if 0 < len(people) < MIN_GROUP:
                pair = f"{_name(first)} vs {_name(second)}" if second is not None else _name(first)
                failures.append(f"{pair}: {key} differs by {change(None):+g}, derived from {sorted(people)}")
    assert not failures, f"{len(failures)} figures single out fewer than {MIN_GROUP} people:\n" + "\n".join(
        failures[:40]
    )
    return checked


def test_no_report_figure_or_difference_between_windows_singles_out_a_person(stores, encoder):
    gaps = GapFinder(encoder)
    builders = {who: ReportBuilder(ReportQueries(store), gaps, MIN_GROUP, LATER) for who, store in stores.items()}
    figures = {
        window: {who: numeric_leaves(as_data(builder.build(Window(*window)))) for who, builder in builders.items()}
        for window in WINDOWS
    }
    # the seeded store is what the test is about: the person on D is in the report's raw material ...
    assert stores[None].sql.value("SELECT count(*) FROM events WHERE learner_id = :who", {"who": TARGET}) == 5
    # ... and the figures are not all empty: the regulars' weeks show
    assert figures[WINDOWS[8]][None]["adoption.active"] > 0
    assert figures[WINDOWS[8]][None]["funnel.total.started"] > 0
    assert assert_not_from_fewer_than_the_minimum(figures) > 1000
    texts = [json.dumps(as_data(b.build(Window(*w)))) for b in builders.values() for w in WINDOWS[:5]]
    assert not any(TARGET_WORDS in t or TARGET_COMMENT in t for t in texts)


_NUMBER = re.compile(r"[-+]?\d+(?:\.\d+)?")


def digest_figures(message: dict, alt: str) -> dict[str, float]:
    """Every number of a posted digest: per field (by its bold title), per content gap line and per chart week."""
    figures: dict[str, float] = {}
    for block in message["blocks"]:
        texts = [f["text"] for f in block.get("fields", [])] + ([block["text"]["text"]] if "text" in block and
                                                                 block["type"] == "section" else [])  # fmt: skip
        for text in texts:
            title = re.match(r"\*([^*]+)\*", text)
            name = title.group(1) if title else text
            for i, number in enumerate(_NUMBER.findall(text[title.end() if title else 0 :])):
                figures[f"{name}#{i}"] = float(number)
    for week, active, new in re.findall(r"week of (\S+): (\d+) \((\d+) new\)", alt):
        figures[f"chart {week} active"], figures[f"chart {week} new"] = float(active), float(new)
    return figures


def test_no_digest_figure_singles_out_a_person(stores, encoder, settings, fake_slack):
    figures: dict[date, dict[str | None, dict[str, float]]] = {}
    mondays = [date(2026, 11, 16), date(2026, 11, 23), date(2026, 11, 30)]
    for who, store in stores.items():
        builder = ReportBuilder(ReportQueries(store), GapFinder(encoder), MIN_GROUP, LATER)
        for monday in mondays:
            clock = lambda m=monday: datetime(m.year, m.month, m.day, 9, tzinfo=UTC)  # noqa: E731
            digest = WeeklyDigest(store, builder.build, web_client(settings),
                                  Reporting(min_group=MIN_GROUP, report_channel="C0LEARNING"), clock)  # fmt: skip
            assert digest.post() is True
            message = fake_slack.calls_to("chat.postMessage")[-1].body
            alt = fake_slack.calls_to("files.getUploadURLExternal")[-1].body["alt_txt"]
            figures.setdefault(monday, {})[who] = digest_figures(message, alt)
            assert TARGET_WORDS not in json.dumps(message)
    assert figures[date(2026, 11, 23)][None]["Active learners#0"] > 0  # D's week: the regulars on the Monday
    assert assert_not_from_fewer_than_the_minimum(figures) > 50


def test_comments_show_only_in_month_blocks_of_enough_raters_and_long_windows(stores, encoder):
    builder = ReportBuilder(ReportQueries(stores[None]), GapFinder(encoder), MIN_GROUP, LATER)

    def comments(since: date, until: date) -> list[str]:
        return [c for r in builder.build(Window(since, until)).feedback.ratings for c in r.comments]

    november = comments(date(2026, 10, 26), date(2026, 12, 6))
    # seven people rated the course in November: their comments show, with no date finer than the month
    assert sorted(november) == sorted([TARGET_COMMENT, *(f"regular comment {k}" for k in range(1, 7))])
    assert comments(date(2026, 11, 9), date(2026, 11, 22)) == []  # two weeks: too short for any comment
    assert comments(date(2026, 10, 19), date(2026, 11, 22)) == []  # five weeks, but not all of November
    # a course can have a month's comments to show and no week with enough 👍 or 👎 to count: the page still shows
    report = builder.build(Window(date(2026, 10, 26), date(2026, 12, 6)))
    quiet = [replace(r, up=0, down=0) for r in report.feedback.ratings]
    page = dashboard_page(replace(report, feedback=replace(report.feedback, ratings=quiet)))
    assert "regular comment 1" in page


def test_the_issues_two_windows_give_the_same_report_json(server, upnext, store):
    """/admin/report.json for D-1 alone and for D-1 to D: both cover D's whole week, so they are the same report."""
    with store.transaction() as sql:
        seeder = Seeder(sql, first_courses(sql))
        for k, who in enumerate(REGULARS, start=1):
            seeder.regular(k, who)
        seeder.target()
    link = SignIn(upnext.admin_tokens).link(OPERATOR_ADMIN, PUBLIC_URL).removeprefix(PUBLIC_URL)
    cookie = http(server.url + link).headers["Set-Cookie"].split(";")[0]

    def report(since: date, until: date) -> dict:
        got = http(f"{server.url}/admin/report.json?since={since}&until={until}", headers={"Cookie": cookie})
        assert got.status == 200
        return {k: v for k, v in json.loads(got.body).items() if k != "generated_at"}

    day_before, with_d = report(D - timedelta(days=1), D - timedelta(days=1)), report(D - timedelta(days=1), D)
    assert day_before == with_d
    assert (day_before["window"]["since"], day_before["window"]["until"]) == ("2026-11-16", "2026-11-22")
    assert TARGET_WORDS not in json.dumps(with_d) and TARGET_COMMENT not in json.dumps(with_d)


def test_the_week_in_progress_never_counts(stores, encoder):
    def read_on(moment: datetime):
        builder = ReportBuilder(ReportQueries(stores[None]), GapFinder(encoder), MIN_GROUP, lambda: moment)
        return builder.build(Window(D - timedelta(days=2), D))

    during = read_on(datetime(2026, 11, 19, 12, tzinfo=UTC))  # the day after D: the week has not ended
    assert during.counted_until == date(2026, 11, 15) and during.adoption.weeks == []
    assert during.funnel.total.shown == 0
    after = read_on(LATER())  # once it has: the three regulars of that Monday (the person on D, alone, nowhere)
    assert after.counted_until == date(2026, 11, 22)
    assert [(w.week, w.active) for w in after.adoption.weeks] == [("2026-11-16", 3)]


def test_a_window_covers_whole_weeks_monday_to_sunday():
    window = Window(date(2026, 11, 17), date(2026, 11, 18)).snapped()
    assert (window.since, window.until) == (date(2026, 11, 16), date(2026, 11, 22))
    long = Window(date(2026, 1, 1), date(2026, 6, 30)).snapped()  # over 90 days: still whole weeks
    assert (long.since.weekday(), long.until.weekday()) == (0, 6)
