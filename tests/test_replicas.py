"""Several web replicas on one PostgreSQL database: whichever replica Slack reaches, a person sees one Upnext.

Two `upnext serve --http` processes as they run in production (two builds, two Bolt apps, two HTTP servers) share a
database and nothing else: replica A starts on a home that holds a FAISS index file, replica B on an empty disk.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from config import Settings
from learning.background import wait_for_background
from learning.catalog.course_index import FOLLOW_SECONDS
from learning.catalog.courses import Course
from tests.conftest import RunningServer, serving
from tests.fakes.slack import FakeSlack
from tests.helpers import CountingEncoder, MemoEncoder, MovableClock, http
from tests.slack_requests import ANA, answer_buttons, click, command, event, onboard, submit_interests
from upnext.build import Upnext, build
from upnext.cli import main

SQL = "swcarpentry/sql-novice-survey/01-select"
OTHER = "swcarpentry/git-novice/01-basics"


@dataclass
class Replica:
    upnext: Upnext
    server: RunningServer
    encoder: CountingEncoder
    clock: MovableClock

    @property
    def service(self):
        return self.upnext.service


@pytest.fixture
def shared_database(postgres, catalog_database) -> Iterator[str]:
    """A database holding the small catalog (courses and their vectors), as an earlier release left it."""
    name = f"r_{uuid.uuid4().hex[:12]}"
    yield postgres.create_database(name, catalog_database[1])
    postgres.drop_database(name)


@pytest.fixture
def replicas(
    tmp_path: Path, settings: Settings, shared_database: str, catalog_database, encoder: MemoEncoder,
    fake_slack: FakeSlack, admin_clock
) -> Iterator[tuple[Replica, Replica]]:  # fmt: skip
    """Replica A on a home that already holds the FAISS index, replica B on an empty one; one database."""
    started: list[Replica] = []
    stops = []
    for name, index_home in (("a", catalog_database[0]), ("b", None)):
        home = tmp_path / name
        if index_home is not None:
            shutil.copytree(index_home, home)
        replica_settings = dataclasses.replace(settings, home=home, database_url=shared_database)
        counting = CountingEncoder(encoder.inner)
        built = build(replica_settings, encoder=counting)  # as `upnext serve` starts: prepare=True
        clock = MovableClock()
        built.service.catalog.index.clock = clock
        context = serving(replica_settings, built, fake_slack, admin_clock)
        started.append(Replica(built, context.__enter__(), counting, clock))
        stops.append((context, built))
    yield started[0], started[1]
    for context, built in reversed(stops):
        context.__exit__(None, None, None)
        built.close()


def test_a_replica_on_an_empty_disk_builds_its_index_from_the_stored_vectors_without_embedding(replicas):
    _, b = replicas
    assert b.encoder.embedded == []
    courses = b.service.courses.count()
    assert len(b.service.catalog.index.vectors) == courses > 0
    assert http(b.server.url + "/healthz").json() == {"ok": True, "courses": courses}
    first = b.service.courses.get(SQL)
    assert first is not None and b.service.search.similar(first, k=3)  # the dense half answers from it


def test_a_retried_event_delivered_to_the_other_replica_is_answered_once(replicas):
    a, b = replicas
    onboard(a.service)
    ts = f"{time.time():.6f}"
    payload = {"type": "message", "channel": "D" + ANA, "channel_type": "im", "user": ANA, "text": "git",
               "ts": ts, "event_ts": ts}  # fmt: skip
    assert event(a.server, payload, event_id="EvACROSS").status == 200
    assert event(b.server, payload, event_id="EvACROSS", retry=1).status == 200
    a.server.answer("chat.postMessage", "Courses for")
    a.server.settle()
    b.server.settle()
    assert len(a.server.slack.calls_to("chat.postMessage")) == 1


def test_answers_saved_courses_and_settings_are_the_same_whichever_replica_serves_the_next_request(replicas):
    a, b = replicas
    onboard(a.service)
    buttons = answer_buttons(a.server, "select data from a database")  # answered by A
    save = next(button for button in buttons if button["action_id"] == "course_save")
    saved = b.service.courses.get(json.loads(save["value"])["c"])
    assert click(b.server, "course_save", save["value"]).status == 200  # A's card, clicked through B
    b.server.slack.wait_for_call("views.publish")  # the Home tab follows the click
    offered = a.service.courses.top_topics(3)
    assert submit_interests(a.server, offered, "Data Analyst").status == 200
    a.server.slack.wait_for_call("views.publish", count=2)
    command(b.server, "nudges off")
    b.server.answer("respond", "Nudges are off")
    published = len(a.server.slack.calls_to("views.publish"))
    event(a.server, {"type": "app_home_opened", "user": ANA, "tab": "home", "channel": "D" + ANA})
    home = str(a.server.slack.wait_for_call("views.publish", count=published + 1)[-1].body["view"])
    assert "🔖 1 saved" in home
    assert "*Nudges:* off" in home and "Pick 3 or more interests" not in home
    command(b.server, "saved")
    assert saved is not None and saved.title in b.server.answer("respond", "Your saved courses")["text"]


def test_forget_me_through_one_replica_holds_on_the_other_at_once(replicas):
    a, b = replicas
    onboard(a.service)
    a.service.history.record(ANA, SQL, "completed")
    b.service.recommender.signals.current()  # B's signals count her completion
    click(a.server, "privacy_forget", "forget")
    a.server.answer("respond", "Upnext has forgotten you")
    a.server.settle()
    published = len(b.server.slack.calls_to("views.publish"))
    event(b.server, {"type": "app_home_opened", "user": ANA, "tab": "home", "channel": "D" + ANA})
    home = str(b.server.slack.wait_for_call("views.publish", count=published + 1)[-1].body["view"])
    assert "forgotten you" in home and "Ana" not in home
    assert b.service.learners.get(ANA) is None and b.service.history.for_learner(ANA) == []


def test_the_other_replicas_signals_drop_a_forgotten_persons_history(replicas):
    a, b = replicas
    onboard(a.service)
    a.service.history.record(ANA, SQL, "completed")
    a.service.history.record("U0LUIS", OTHER, "started")  # the newest event is not hers: erasing leaves max(id)
    num = b.service.courses.get(SQL).num
    signals = b.service.recommender.signals
    assert signals.current().takers[num] == 1
    a.service.forget_me(ANA)
    signals.refresh_seconds = 0.0  # its periodic check is due at once
    signals.current()  # notices the erasure and rebuilds in the background
    assert wait_for_background(30)
    assert signals.current().takers[num] == 0


NEW_COURSE = {"id": "replica-test/quilted-kernels", "title": "Quilted kernels: patchwork for operating systems",
              "description": "Stitch a tiny operating system kernel together from patchwork pieces.",
              "topics": ["operating systems", "patchwork"]}  # fmt: skip


def searches(calls: list) -> int:
    """How many searches were answered so far (the replicas share one fake Slack)."""
    return sum(call.method == "respond" and "Courses for" in call.body.get("text", "") for call in calls)


def test_a_catalog_imported_by_the_cli_reaches_both_replicas_indexes_without_a_restart(
    replicas, tmp_path, monkeypatch, models_dir, shared_database
):
    a, b = replicas
    catalog = tmp_path / "new.jsonl"
    catalog.write_text(json.dumps(NEW_COURSE) + "\n")
    for name, value in {"DATABASE_URL": shared_database, "UPNEXT_HOME": str(tmp_path / "cli"),
                        "UPNEXT_MODELS": str(models_dir)}.items():  # fmt: skip
        monkeypatch.setenv(name, value)
    assert main(["catalog", "import", str(catalog)]) == 0  # `upnext catalog import` on a third machine
    num = b.service.courses.get(NEW_COURSE["id"]).num
    for replica in (a, b):
        index = replica.service.catalog.index
        assert num not in index.vectors.hashes  # no disk is shared: each has to notice through the database
        replica.clock.ahead = FOLLOW_SECONDS + 1
        answered = searches(replica.server.slack.calls)
        command(replica.server, "quilted kernels")  # a request once the check is due starts the catch-up beside it
        replica.server.slack.wait_for(lambda calls, before=answered: searches(calls) > before)
        assert wait_for_background(30)
        assert num in index.vectors.hashes
        assert replica.service.search.dense(NEW_COURSE["title"], 1)[0][0] == num
        embedded = replica.service.courses.get(NEW_COURSE["id"]).embedding_text()
        assert embedded not in replica.encoder.embedded  # the vector the CLI stored


def test_a_replica_catching_up_embeds_nothing_and_indexes_a_course_once_its_vector_is_stored(replicas):
    a, b = replicas
    course = Course(id="replica-test/half-imported", title="Knot theory for sailors", description="Bowlines, hitches.")
    a.service.courses.upsert([course])  # an import in another process has written the course, not yet its vector
    index = b.service.catalog.index
    assert index.catch_up().indexed == 0 and course.embedding_text() not in b.encoder.embedded
    num = b.service.courses.get(course.id).num
    assert num not in index.vectors.hashes
    a.service.catalog.index.sync()  # the importer stores the vector
    assert index.catch_up().indexed == 1 and num in index.vectors.hashes
    assert index.catch_up() is None  # caught up: the next check reads the version and nothing else
