"""The catalog at a glance: every course a learner reads on one shelf, paths whole and entered at their start, and
shelves that follow the catalog without ever making a learner wait for a rebuild."""

from __future__ import annotations

import json

from learning.background import wait_for_background

SQL = "swcarpentry/sql-novice-survey"


def test_every_course_is_on_one_shelf_and_a_path_by_its_first_step(service):
    shelves = service.shelves.current()
    frame = service.recommender.frames.current()
    counted = sum(int(s.counts.sum()) for s in shelves.subjects)
    assert counted == int(frame.present.sum())
    sql = next(s for s in shelves.subjects if s.name == "sql")
    assert [frame.ids[n] for n in sql.items] == [f"{SQL}/01-select"] and sql.steps.tolist() == [11]


def test_after_an_import_the_last_shelves_are_served_while_the_new_ones_are_built(service, tmp_path):
    before = service.shelves.current()
    path = tmp_path / "more.jsonl"
    path.write_text(json.dumps({"id": "stats-1", "title": "Statistics for everyone", "topics": ["Statistics"]}) + "\n")
    assert service.catalog.import_file(path).added
    assert service.shelves.current() is before  # served at once, not rebuilt in the request
    assert wait_for_background(60)
    assert "Statistics" in {s.name for s in service.shelves.current().subjects}
