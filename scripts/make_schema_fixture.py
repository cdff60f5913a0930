"""Write a small store made by an earlier release's schema, for the upgrade test (tests/data/store-<commit>.db).

    python scripts/make_schema_fixture.py 0e63be3

The schema comes from `learning/store.py` as it was at that commit (read with `git show`), so the fixture is what
that release wrote; every table gets a few rows, including every column that release had.
"""

from __future__ import annotations

import subprocess
import sys
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

ROWS: dict[str, list[dict]] = {
    "meta": [{"key": "bundled_catalog", "value": "imported"}],
    "courses": [
        {
            "num": n, "id": f"c{n}", "title": f"Course {n} & <friends>", "description": f"About topic {n}",
            "topics": '["data", "python"]', "level": "beginner", "duration_minutes": 30 * n, "language": "en",
            "url": f"https://example.com/c{n}", "image_url": None, "provider": "Example", "path_id": "p1",
            "path_title": "Path one", "position": n, "published_at": f"2026-01-0{n}T00:00:00+00:00",
            "row_hash": f"row{n}", "content_hash": f"hash{n}", "added_at": "2026-01-01T00:00:00+00:00",
            "updated_at": "2026-01-01T00:00:00+00:00",
        }
        for n in (1, 2, 3)
    ],
    "course_vectors": [
        {"content_hash": f"hash{n}", "model": "all-MiniLM-L6-v2/onnx-int8/256", "vector": bytes(range(n, n + 16))}
        for n in (1, 2, 3)
    ],
    "learners": [
        {
            "slack_id": "U0ANA", "team_id": "T0LOCAL", "email": "ana@example.com", "real_name": "Ana García",
            "first_name": "Ana", "title": "Data Analyst", "tz": "Europe/Madrid", "locale": "es-ES",
            "interests": '["sql"]', "is_bot": 0, "deleted": 0, "nudges": "on", "snoozed_until": None,
            "onboarded_at": "2026-01-02T09:00:00+00:00", "profile_refreshed_at": "2026-01-02T09:00:00+00:00",
            "created_at": "2026-01-02T09:00:00+00:00", "welcomed_at": "2026-01-02T09:00:00+00:00",
            "last_active_at": "2026-02-01T10:00:00+00:00",
        },
        {
            "slack_id": "U0BOB", "team_id": "T0LOCAL", "email": None, "real_name": "Bob", "first_name": "Bob",
            "title": None, "tz": "UTC", "locale": "en-US", "interests": "[]", "is_bot": 0, "deleted": 0,
            "nudges": "off", "snoozed_until": "2026-03-01T00:00:00+00:00", "onboarded_at": None,
            "profile_refreshed_at": None, "created_at": "2026-01-03T09:00:00+00:00", "welcomed_at": None,
            "last_active_at": None,
        },
    ],
    "events": [
        {"id": 1, "learner_id": "U0ANA", "course_id": "c1", "kind": "completed", "value": None,
         "at": "2026-01-05T10:00:00+00:00", "source": "slack"},
        {"id": 2, "learner_id": "U0ANA", "course_id": "c2", "kind": "saved", "value": None,
         "at": "2026-01-06T10:00:00+00:00", "source": "slack"},
        {"id": 3, "learner_id": "U0BOB", "course_id": None, "kind": "interests", "value": '["r"]',
         "at": "2026-01-07T10:00:00+00:00", "source": "import"},
    ],
    "nudges": [
        {"id": 1, "learner_id": "U0ANA", "kind": "come_back", "period": "30", "status": "sent",
         "due_at": "2026-02-02T10:00:00+00:00", "payload": '{"idle_days": 30}', "attempts": 1, "error": None,
         "planned_at": "2026-02-02T09:45:00+00:00", "sent_at": "2026-02-02T10:00:05+00:00",
         "claimed_by": "clock:1", "claimed_at": "2026-02-02T10:00:00+00:00", "channel": "D0ANA", "ts": "1.000100"},
        {"id": 2, "learner_id": "U0BOB", "kind": "whats_new", "period": "2026-W06", "status": "planned",
         "due_at": "2026-02-03T10:00:00+00:00", "payload": None, "attempts": 0, "error": None,
         "planned_at": "2026-02-03T09:45:00+00:00", "sent_at": None, "claimed_by": None, "claimed_at": None,
         "channel": None, "ts": None},
    ],
    "seen_slack_events": [{"event_id": "Ev01", "seen_at": "2026-02-01T10:00:00+00:00"}],
    "forgotten": [{"id_hash": "5f2b", "at": "2026-01-20T00:00:00+00:00"}],
    "answers": [
        {"id": 1, "learner_id": "U0ANA", "kind": "next", "payload": '[{"course_id": "c3", "reason": "because"}]',
         "nudge_id": None, "created_at": "2026-01-06T10:00:00+00:00"},
    ],
}  # fmt: skip


def store_module(commit: str) -> types.ModuleType:
    source = subprocess.run(
        ["git", "show", f"{commit}:learning/store.py"], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout
    module = types.ModuleType(f"store_{commit}")
    exec(compile(source, f"{commit}:learning/store.py", "exec"), module.__dict__)
    return module


def main(commit: str) -> Path:
    target = ROOT / "tests" / "data" / f"store-{commit}.db"
    target.unlink(missing_ok=True)
    store = store_module(commit).Store(target)
    with store.db.conn as conn:
        for table, rows in ROWS.items():
            for row in rows:
                marks = ", ".join("?" * len(row))
                conn.execute(f"INSERT INTO {table} ({', '.join(row)}) VALUES ({marks})", list(row.values()))
    store.db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.db.conn.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
    store.db.conn.execute("VACUUM")
    store.close()
    return target


if __name__ == "__main__":
    print(main(sys.argv[1] if len(sys.argv) > 1 else "0e63be3"))
