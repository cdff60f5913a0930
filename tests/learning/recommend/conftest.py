"""Fixtures for the recommender's tests."""

from __future__ import annotations

import json

import pytest

from tests.conftest import SMALL_CATALOG

GIT = "swcarpentry/git-novice"
SQL = "swcarpentry/sql-novice-survey"


@pytest.fixture
def standalone(service, tmp_path):
    """The Git and SQL lessons' episodes as courses in no path. Reactions are about courses: in a path, only its
    start (or next step) is offered (test_first_steps), which would leave one course per lesson to compare."""
    rows = [json.loads(line) for line in SMALL_CATALOG.read_text(encoding="utf-8").splitlines() if line.strip()]
    alone = [{**r, "path_id": None, "position": None} for r in rows if r["path_id"] in (GIT, SQL)]  # same text
    path = tmp_path / "standalone.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in alone))
    assert service.catalog.import_file(path).updated == len(alone)
    return service
