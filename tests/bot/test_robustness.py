"""The web process under pressure from outside: acks that never wait on the database, a catalog changed by another
process, oversized bodies, forged modal values and broken learner records."""

from __future__ import annotations

import json
import socket
import threading
from urllib.parse import urlparse

import pytest

from tests.helpers import assert_valid_blocks, http
from tests.slack_requests import ANA, dm, event, onboard, submit_interests
from upnext.build import build_service
from upnext.schema import open_store

SQL = "swcarpentry/sql-novice-survey/01-select"


def test_events_are_acknowledged_while_an_import_holds_the_write_lock(server, service, settings, engine):
    if engine != "sqlite":
        pytest.skip("SQLite's store-wide write lock: on PostgreSQL a writer waits only for the rows it shares")
    onboard(service)
    other = open_store(settings.database_path)  # e.g. `upnext catalog import`
    acked = threading.Event()
    with other.transaction():  # holds SQLite's write lock, as a long import transaction does
        responses = []
        thread = threading.Thread(target=lambda: (responses.append(dm(server, "git")), acked.set()))
        thread.start()
        acked.wait(timeout=20)  # the store's busy timeout is 30 s: an ack that waited would still be pending
        lock_still_held = other.db.conn.in_transaction
        assert acked.is_set() and lock_still_held and responses[0].status == 200
    thread.join()
    assert server.answer("chat.postMessage", "Courses for")  # answered once the lock is gone
    other.close()


def test_a_retried_event_is_still_answered_once_after_acking(server, service):
    onboard(service)
    for retry in (None, 1, 2):
        body = {"type": "message", "channel": "D" + ANA, "channel_type": "im", "user": ANA, "text": "git",
                "ts": "5.1", "event_ts": "5.1"}  # fmt: skip
        assert event(server, body, event_id="EvRETRIED", retry=retry).status == 200
    server.settle()
    assert len([c for c in server.slack.calls_to("chat.postMessage") if "Courses for" in c.body["text"]]) == 1


def test_a_running_server_sees_courses_another_process_imported(server, service, settings, tmp_path):
    onboard(service)
    before = http(server.url + "/healthz").json()["courses"]
    new = {"id": "astro-1", "title": "Charting the night sky", "topics": ["astronomy"],
           "description": "Telescopes, constellations and the planets for beginners"}  # fmt: skip
    (tmp_path / "new.jsonl").write_text(json.dumps(new) + "\n")
    models = {"encoder": service.search.encoder, "multilingual": service.catalog.indexes[-1].cache.encoder}
    other = build_service(settings, prepare=False, **models)  # another process's index
    assert other.catalog.import_file(tmp_path / "new.jsonl").added == 1
    other.close()
    assert http(server.url + "/healthz").json()["courses"] == before + 1
    dense = service.search.dense("stargazing", 3)  # meaning only: no word of the query is in the course
    assert service.courses.get("astro-1").num in [num for num, _ in dense]
    dm(server, "stargazing")
    assert "Charting the night sky" in server.answer("chat.postMessage", "Courses for")["text"]


def test_a_huge_unauthenticated_body_is_refused_before_it_is_read(server):
    host = urlparse(server.url)
    with socket.create_connection((host.hostname, host.port), timeout=20) as connection:
        connection.sendall(
            b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 104857600\r\n\r\n{"
        )  # one byte of a 100 MiB body: the server must answer without waiting for (or spooling) the rest
        answer = connection.recv(200)
    assert answer.startswith(b"HTTP/1.1 413")
    assert http(server.url + "/healthz").status == 200


def test_a_forged_interests_submission_stores_only_offered_topics_and_a_bounded_role(server, service):
    onboard(service)
    offered = service.courses.top_topics(3)
    forged = ["not-a-topic-" + "x" * 3000, "<!channel>", *offered]
    assert submit_interests(server, forged, "R" * 5000).status == 200
    server.slack.wait_for_call("views.publish")
    learner = service.learners.get(ANA)
    assert learner.interests == tuple(offered) and learner.title == "R" * 100
    assert_valid_blocks(server.slack.calls_to("views.publish")[-1].body["view"]["blocks"], limit=100)
    assert service.privacy.export(learner)["profile"]["title"] == "R" * 100


def test_a_broken_learner_record_never_locks_its_owner_out_of_home_or_export(server, service, store):
    onboard(service)
    store.sql.execute(  # as a forged submission stored it before values were checked
        "UPDATE learners SET title = :title, interests = :interests, profile_refreshed_at = '2999-01-01' "
        "WHERE slack_id = :who",
        {"title": "T" * 5000, "interests": json.dumps(["i" * 5000] * 12), "who": ANA},
    )
    event(server, {"type": "app_home_opened", "user": ANA, "tab": "home", "channel": "D" + ANA})
    view = server.slack.wait_for_call("views.publish")[0].body["view"]
    assert_valid_blocks(view["blocks"], limit=100)
    assert service.privacy.export(service.learners.get(ANA))["profile"]["slack_id"] == ANA
