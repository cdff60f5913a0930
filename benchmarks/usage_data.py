"""Synthetic use of Upnext on top of a store of learners and courses: answers on every surface (with their
impressions), clicks attributed to answers, completions, ratings with comments, searches (some for things the
catalog lacks), nudges sent and held out, returns and opt-outs, and learners' roles, time zones and languages.

Written straight into the tables in bulk (the real listeners write the same rows one at a time; the tests prove
that path), for the dashboard and report benchmarks and the dashboard screenshot."""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta

from learning.store.engine import Store
from learning.timestamps import iso

SURFACES = [("slash", 0.3), ("dm", 0.25), ("home", 0.25), ("mention", 0.08), ("assistant", 0.07), ("nudge", 0.05)]
REASONS = ["up_next", "like_yours", "taken_with", "interest", "role", "popular", "new_interest", "rising"]
ROLES = ["Data Analyst", "Software Engineer", "Product Manager", "Designer", "Sales", "Support", "Researcher"]
ZONES = ["Europe/Madrid", "America/New_York", "Asia/Tokyo", "Europe/London", "America/Sao_Paulo"]
LOCALES = ["en-US", "en-GB", "es-ES", "ja-JP", "pt-BR"]
FOUND = ["sql joins", "python pandas", "git branching", "unix shell scripting", "r plotting", "regular expressions"]
MISSING = ["negotiation skills", "negotiating a salary", "how to negotiate", "public speaking", "presenting to execs",
           "kubernetes on aws", "deploying kubernetes", "excel pivot tables", "pivot tables in excel",
           "giving feedback to my team"]  # fmt: skip
COMMENTS = ["Clear and practical.", "Too long for what it teaches.", "Great examples, thanks!", "A bit outdated."]


def seed_usage(store: Store, now: datetime, weeks: int = 12, answers_per_learner: float = 2.0, seed: int = 7) -> dict:
    """Add usage for the learners and courses already in `store`, over the `weeks` before `now`; returns counts."""
    rng = random.Random(seed)
    db = store.db
    learners = [row[0] for row in db.execute("SELECT slack_id FROM learners")]
    courses = [row[0] for row in db.execute("SELECT id FROM courses")]
    popular = courses[: max(20, len(courses) // 50)]  # most picks come from a small head of the catalog
    next_id = (db.execute("SELECT max(id) FROM answers").fetchone()[0] or 0) + 1
    profiles, answers, impressions, events, nudges = [], [], [], [], []
    span = weeks * 7 * 86400
    surfaces, weights = zip(*SURFACES)
    for n, learner in enumerate(learners):
        profiles.append((rng.choice(ROLES) if rng.random() < 0.9 else ("Chief of Staff" if n % 997 == 0 else None),
                         rng.choice(ZONES), rng.choice(LOCALES), learner))  # fmt: skip
        if rng.random() < 0.35:
            continue  # never used Upnext in these weeks
        for _ in range(max(1, int(rng.expovariate(1 / answers_per_learner)))):
            at = now - timedelta(seconds=rng.uniform(0, span))
            surface = rng.choices(surfaces, weights)[0]
            searching = surface in ("slash", "dm", "mention", "assistant") and rng.random() < 0.5
            context: dict = {}
            if searching:
                missing = rng.random() < 0.3
                context = {"query": rng.choice(MISSING if missing else FOUND),
                           "top_similarity": rng.uniform(0.1, 0.4) if missing else rng.uniform(0.5, 0.8)}  # fmt: skip
            kind = "search" if searching else "nudge:come_back" if surface == "nudge" else (
                "home:because" if surface == "home" else "next")  # fmt: skip
            shown: dict[str, None] = {}  # five different courses, mostly from the popular head
            while len(shown) < 5:
                shown[rng.choice(popular) if rng.random() < 0.7 else rng.choice(courses)] = None
            picks = [(course, "match" if searching else rng.choice(REASONS)) for course in shown]
            payload = {"picks": [{"course_id": c, "reason": {"kind": r}} for c, r in picks], "context": context}
            answers.append((next_id, learner, kind, json.dumps(payload), surface, iso(at)))
            for position, (course, reason) in enumerate(picks):
                impressions.append((next_id, position, course, reason))
                if rng.random() < (0.12 if reason in ("up_next", "match") else 0.06):
                    clicked = at + timedelta(minutes=rng.uniform(1, 30))
                    events.append((learner, course, "started", None, iso(clicked), "slack", next_id, None))
                    if rng.random() < 0.45:
                        done = clicked + timedelta(days=rng.uniform(0, 10))
                        events.append((learner, course, "completed", None, iso(done), "slack", next_id, None))
                        if rng.random() < 0.6:
                            up = rng.random() < (0.4 if course in popular[:3] else 0.8)
                            note = rng.choice(COMMENTS) if rng.random() < 0.15 else None
                            events.append((learner, course, "rated", "up" if up else "down", iso(done), "slack",
                                           next_id, note))  # fmt: skip
            next_id += 1
        if rng.random() < 0.25:
            sent_at = now - timedelta(days=rng.uniform(7, weeks * 7))
            held = rng.random() < 0.1
            nudges.append((learner, "come_back", f"b{n}", "held_out" if held else "sent", iso(sent_at),
                           None if held else iso(sent_at), iso(sent_at)))  # fmt: skip
            if rng.random() < (0.18 if held else 0.3):
                events.append(
                    (
                        learner,
                        rng.choice(courses),
                        "started",
                        None,
                        iso(sent_at + timedelta(days=rng.uniform(0.1, 6))),
                        "slack",
                        None,
                        None,
                    )
                )
            if not held and rng.random() < 0.04:
                events.append(
                    (
                        learner,
                        None,
                        rng.choice(["nudges_off", "nudges_snoozed"]),
                        None,
                        iso(sent_at + timedelta(days=rng.uniform(0.1, 6))),
                        "slack",
                        None,
                        None,
                    )
                )
    with store.transaction():  # the benchmark's raw bulk rows, in one write
        store.db.conn.executemany("UPDATE learners SET title = ?, tz = ?, locale = ? WHERE slack_id = ?", profiles)
        store.db.conn.executemany(
            "INSERT INTO answers (id, learner_id, kind, payload, surface, created_at) VALUES (?, ?, ?, ?, ?, ?)",
            answers,
        )
        store.db.conn.executemany("INSERT INTO impressions VALUES (?, ?, ?, ?)", impressions)
        store.db.conn.executemany(
            "INSERT OR IGNORE INTO events (learner_id, course_id, kind, value, at, source, answer_id, note) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            events,
        )
        store.db.conn.executemany(
            "INSERT OR IGNORE INTO nudges (learner_id, kind, period, status, due_at, sent_at, planned_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            nudges,
        )
    return {"answers": len(answers), "impressions": len(impressions), "events": len(events), "nudges": len(nudges)}
