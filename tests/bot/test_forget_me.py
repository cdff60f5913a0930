"""`/learn forget me` stays forgotten: no import, no glance at the Home tab, brings the person or their history back;
only a new use starts afresh, empty; and nothing of them survives in the database (on SQLite, in its files)."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest

from bot.block_kit.blocks import button_value
from config import Settings
from learning.store.engine import Store
from tests.conftest import ANA_PROFILE
from tests.fakes.signing import learn
from tests.slack_requests import ANA, click, command, dm, event, onboard

SQL = "swcarpentry/sql-novice-survey/01-select"
EMAIL = ANA_PROFILE["profile"]["email"]


def ana_uses_upnext(server, service) -> None:
    """Ana asks in a DM, so she has used Upnext and her profile (and email) come from Slack."""
    onboard(service)
    dm(server, "what should I learn next?")
    server.answer("chat.postMessage", "Up next")


def forget_ana(server, service) -> None:
    ana_uses_upnext(server, service)
    service.history.record(ANA, SQL, "completed")
    click(server, "privacy_forget", "forget")
    server.answer("respond", "Upnext has forgotten you")
    server.slack.wait_for_call("views.publish")
    assert service.learners.get(ANA) is None


def lms_export(tmp_path: Path, who: str, date: str = "2026-01-05") -> Path:
    path = tmp_path / f"lms-{who}.csv"
    path.write_text(f"learner,course_id,status,date\n{who},{SQL},completed,{date}\n")
    return path


def test_an_import_naming_a_forgotten_person_by_email_or_slack_id_is_refused(server, service, tmp_path):
    forget_ana(server, service)
    for who in (EMAIL, EMAIL.upper(), ANA):
        report = service.history_importer.import_file(lms_export(tmp_path, who))
        assert report.added == 0 and report.rejections[0].reason == "this person asked Upnext to forget them"
    assert service.learners.get(ANA) is None and service.learners.by_email(EMAIL) is None


def test_forgetting_republishes_the_home_tab_empty(server, service):
    forget_ana(server, service)
    (home,) = server.slack.calls_to("views.publish")
    text = str(home.body["view"])
    assert "forgotten you" in text and "Ana" not in text and SQL not in text


def test_opening_the_home_tab_after_forgetting_creates_nothing(server, service):
    forget_ana(server, service)
    event(server, {"type": "app_home_opened", "user": ANA, "tab": "home", "channel": "D" + ANA})
    server.slack.wait_for_call("views.publish", count=2)
    server.settle()
    assert service.learners.get(ANA) is None and service.history.for_learner(ANA) == []
    assert "forgotten you" in str(server.slack.calls_to("views.publish")[-1].body["view"])


def test_a_person_forgotten_while_their_home_tab_opens_is_not_brought_back(server, service, store):
    """Forget me lands while Slack is asked who is looking (a known learner whose profile is a week old): the look
    refreshes nothing into being, records no answer, and the Home tab shows the forgotten view."""
    onboard(service)  # known, with no profile yet: the Home tab asks Slack who she is
    server.slack.before("users.info", lambda body: service.forget_me(body["user"]))
    event(server, {"type": "app_home_opened", "user": ANA, "tab": "home", "channel": "D" + ANA})
    server.slack.wait_for_call("views.publish")
    server.settle()
    assert service.learners.get(ANA) is None
    assert store.sql.value("SELECT count(*) FROM answers WHERE learner_id = :id", {"id": ANA}) == 0
    assert "forgotten you" in str(server.slack.calls_to("views.publish")[-1].body["view"])


def test_a_new_use_starts_an_empty_learner_that_old_imports_cannot_fill(server, service, tmp_path, store):
    forget_ana(server, service)
    yesterday = datetime.now(UTC) - timedelta(days=1)
    store.sql.execute("UPDATE forgotten SET at = :at", {"at": yesterday.isoformat(timespec="seconds")})
    dm(server, "what should I learn next?")
    server.answer("chat.postMessage", "Up next", timeout=10)
    server.settle()
    again = service.learners.get(ANA)
    assert again is not None and again.interests == () and service.history.for_learner(ANA) == []
    old = service.history_importer.import_file(lms_export(tmp_path, EMAIL))
    assert old.added == 0  # history from before the request to be forgotten never comes back
    since = (yesterday + timedelta(hours=1)).isoformat(timespec="seconds")
    assert service.history_importer.import_file(lms_export(tmp_path, EMAIL, since)).added == 1  # theirs again


TRACES = (ANA, EMAIL, "García", "Data Analyst")


def traces(store: Store, settings: Settings) -> list[str]:
    """What of Ana is left: on SQLite in the bytes of the database and its write-ahead log (old copies of rows
    included); on PostgreSQL in any row of any table (its files and WAL are the server's: README, "Forget me")."""
    if settings.database_url:
        tables = [t for (t,) in store.sql.rows("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")]
        raw = "\n".join(row for t in tables for (row,) in store.sql.rows(f"SELECT CAST(r AS text) FROM {t} r"))
        return [trace for trace in TRACES if trace in raw]
    files = [settings.database_path, settings.database_path.with_name("upnext.db-wal")]
    raw_bytes = b"".join(path.read_bytes() for path in files if path.exists())
    return [trace for trace in TRACES if trace.encode() in raw_bytes]


def test_nothing_of_a_forgotten_person_survives_in_the_database(server, service, settings, store):
    forget_ana(server, service)
    assert traces(store, settings) == []


def test_on_postgresql_a_forgotten_persons_words_leave_the_table_files_at_once(request, server, service, settings,
                                                                          engine):  # fmt: skip
    """PostgreSQL keeps a deleted row in its table file until VACUUM frees its space: forgetting vacuums, so what
    only the rows held (a name, a role) is gone from the files; ids and emails stay in index pages until reused, and
    in the server's WAL (README, "Forget me")."""
    if engine != "postgres":
        pytest.skip("PostgreSQL's table files: on SQLite, test_nothing_of_a_forgotten_person_survives_in_the_database")
    forget_ana(server, service)
    with psycopg.connect(settings.database_url, autocommit=True) as conn:
        conn.execute("CHECKPOINT")  # what is in shared memory reaches the files
        folder = conn.execute("SELECT oid FROM pg_database WHERE datname = current_database()").fetchone()[0]
    files = (request.getfixturevalue("postgres").folder / "data" / "base" / str(folder)).iterdir()
    raw = b"".join(path.read_bytes() for path in files if path.is_file())
    assert [trace for trace in ("García", "Data Analyst") if trace.encode() in raw] == []


def test_forgetting_removes_every_achievement_and_the_celebration_choice(server, service, store):
    onboard(service)
    command(server, "celebrate on")
    server.answer("respond", "weekly learning-wins post")
    click(server, "course_done", button_value(0, SQL))
    server.answer("chat.postMessage", "You finished your first course")
    rows = {table: f"SELECT count(*) FROM {table} WHERE learner_id = :id" for table in ("achievements", "celebrations")}
    assert {table: store.sql.value(sql, {"id": ANA}) for table, sql in rows.items()} == {
        "achievements": 1,
        "celebrations": 1,
    }
    click(server, "privacy_forget", "forget")
    server.answer("respond", "Upnext has forgotten you")
    assert {table: store.sql.value(sql, {"id": ANA}) for table, sql in rows.items()} == {
        "achievements": 0,
        "celebrations": 0,
    }


def test_forgetting_a_manager_removes_their_line_their_place_above_their_reports_and_their_recommendations(
    server, service, store, tmp_path
):
    """Ana reports to U0BOSS and manages two people (one named by her Slack id, one by her email), and recommended a
    course to her team: every row naming her goes, table by table; her reports keep their own lines."""
    ana_uses_upnext(server, service)
    server.settle()
    people = tmp_path / "people.csv"
    people.write_text(f"person,manager\n{ANA},U0BOSS\nU0ONE,{ANA}\nU0TWO,{EMAIL}\n")
    assert service.people_importer.import_file(people).imported == 3
    service.reporting.recommend(ANA, SQL, datetime.now(UTC))
    service.forget_me(ANA)
    named = {"ids": (ANA, f"email:{EMAIL}")}
    assert store.sql.value("SELECT count(*) FROM reporting_lines WHERE learner_id IN (:ids)", named) == 0
    assert store.sql.value("SELECT count(*) FROM reporting_lines WHERE manager_id IN (:ids)", named) == 0
    assert store.sql.value("SELECT count(*) FROM team_picks WHERE learner_id IN (:ids)", named) == 0
    assert store.sql.rows("SELECT learner_id, manager_id FROM reporting_lines ORDER BY 1") == [
        ("U0ONE", None), ("U0TWO", None)
    ]  # fmt: skip


def test_forgetting_an_admin_ends_their_dashboard_sessions(service, upnext, store):
    from admin.signin import SignIn

    onboard(service)
    SignIn(upnext.admin_tokens).link(ANA, "https://upnext.example")
    tokens = "SELECT count(*) FROM admin_tokens WHERE user_id = :user"
    assert store.sql.value(tokens, {"user": ANA}) == 1
    service.forget_me(ANA)
    assert store.sql.value(tokens, {"user": ANA}) == 0


def test_a_reader_holding_an_old_snapshot_delays_the_scrub_but_never_leaves_a_trace_behind(
    server, service, settings, store
):
    """A long read (a backup, a report) keeps the write-ahead log from being emptied: forgetting still finishes, the
    scrub is tried again in the background, and once the reader is done nothing of the person is left."""
    onboard(service)
    dm(server, "what should I learn next?")
    server.answer("chat.postMessage", "Up next")
    service.history.record(ANA, SQL, "completed")
    with old_snapshot(settings):
        service.forget_me(ANA)
        service.history.record("U0OTHER", SQL, "started")  # other writers go on meanwhile
    deadline = time.monotonic() + 60  # a bound for the poll, not a timing claim
    while traces(store, settings) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert traces(store, settings) == []


@contextmanager
def old_snapshot(settings: Settings) -> Iterator[None]:
    """A reader on its own connection holding a snapshot from before what happens inside."""
    if settings.database_url:
        reader = psycopg.connect(settings.database_url)
        reader.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
    else:
        reader = sqlite3.connect(settings.database_path)
        reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM events").fetchone()
    try:
        yield
    finally:
        reader.rollback()
        reader.close()


def test_forgetting_removes_the_shares_a_person_sent_and_received_table_by_table(server, service, store, fake_slack):
    """Ana shared a course with Bea and a channel (with a note) and turned shares off; Bea shared one with her. Once
    she is forgotten no share row names her, her note is gone, and what Bea received from her stays, unnamed: Bea's
    picks still say "Recommended by a colleague", never who."""
    from tests.bot.test_sharing import BEA, SHELL, submit_share, told_to_sharer

    fake_slack.users[BEA] = {**ANA_PROFILE, "id": BEA, "real_name": "Bea Ruiz",
                             "profile": {"first_name": "Bea", "email": "bea@example.com"}}  # fmt: skip
    onboard(service)
    onboard(service, BEA)
    submit_share(server, [BEA], "C0TEAM", "a note only Ana wrote")
    told_to_sharer(server)
    submit_share(server, [ANA], note="from Bea", user=BEA, course=SQL)
    told_to_sharer(server, BEA, count=2)  # after Ana's card to her
    click(server, "privacy_forget", "forget")
    server.answer("respond", "Upnext has forgotten you")  # sent once she is erased
    named = {"shares": "sharer_id", "share_recipients": "recipient_id", "shares_off": "learner_id"}
    assert {table: store.sql.value(f"SELECT count(*) FROM {table} WHERE {column} = :a", {"a": ANA})
            for table, column in named.items()} == dict.fromkeys(named, 0)  # fmt: skip
    assert store.sql.value("SELECT count(*) FROM shares WHERE note LIKE '%only Ana%'") == 0
    kept = ("SELECT s.sharer_id, s.note, s.channel_id, s.course_id FROM shares s "
            "JOIN share_recipients r ON r.share_id = s.id")  # fmt: skip
    assert store.sql.rows(kept) == [(None, None, None, SHELL)]  # Bea's, with nothing of Ana
    assert store.sql.rows("SELECT sharer_id, course_id FROM shares WHERE sharer_id = :b", {"b": BEA}) == [(BEA, SQL)]
    learn(server, "next", BEA)
    answer = server.answer("respond", "Up next for you")
    assert "Recommended by a colleague" in str(answer) and "your colleague" not in str(answer)


def test_forgetting_removes_the_choice_to_turn_shares_off(server, service, store):
    onboard(service)
    learn(server, "shares off", ANA)
    server.answer("respond", "Shares are off")
    assert store.sql.value("SELECT count(*) FROM shares_off") == 1
    service.forget_me(ANA)
    assert store.sql.value("SELECT count(*) FROM shares_off") == 0


def test_forgetting_a_report_removes_their_line_their_managers_card_to_them_and_the_recommendation_it_was(
    server, service, store, tmp_path
):
    """Ana reports to U0BOSS (the people file names her by email, with her department and location), got his
    *Recommend to my team* card (a team_pick nudge, and his share with her). Once she is forgotten no row names her,
    nothing is left of that card (a manager's share is one report's), and the people file cannot bring her back."""
    ana_uses_upnext(server, service)
    server.settle()
    people = tmp_path / "people.csv"
    people.write_text(f"person,manager,department,location\n{EMAIL},U0BOSS,García's team,Madrid\n")
    assert service.people_importer.import_file(people).imported == 1
    now = datetime.now(UTC).replace(microsecond=0)
    pick = service.reporting.recommend("U0BOSS", SQL, now)
    service.nudges.plan([(ANA, "team_pick", SQL, "sent", now, {"pick": pick})], now)
    service.shares.record("U0BOSS", SQL, [ANA], now, kind="manager")
    service.forget_me(ANA)
    named = {"ids": (ANA, f"email:{EMAIL}")}
    assert {table: store.sql.value(f"SELECT count(*) FROM {table} WHERE {column} IN (:ids)", named)
            for table, column in (("reporting_lines", "learner_id"), ("nudges", "learner_id"),
                                  ("share_recipients", "recipient_id"))} == {
        "reporting_lines": 0, "nudges": 0, "share_recipients": 0}  # fmt: skip
    assert store.sql.value("SELECT count(*) FROM shares WHERE kind = 'manager'") == 0
    assert store.sql.value("SELECT count(*) FROM team_picks") == 1  # his recommendation, to anyone on his team
    again = service.people_importer.import_file(people)
    assert again.imported == 0 and {r.reason for r in again.rejections} == {"this person asked Upnext to forget them"}
