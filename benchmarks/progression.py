"""Progression, not repetition: the share of picks that only repeat a course the learner took, on the bundled
Carpentries catalog. A pick repeats a taken course when it is a translation of it, or when it is in another path,
at the same or a lower level (unknown counts as the same), with content cosine at least `--threshold`.

Learners are simulated: each finished the introduction (first episode) of a random English lesson, and half of them
one more random episode; the picks are `next_for(k=5)` and every Home row (`rows_for`).

    python -m benchmarks.progression [--learners 300] [--threshold 0.65] [--catalog FILE] [--smoke]
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

import numpy as np

from benchmarks.common import fresh_service, report, share_vectors
from learning.catalog.courses import LEVELS
from learning.people.history import COMPLETED

CATALOG = Path(__file__).resolve().parent.parent / "learning" / "catalog" / "data" / "catalog.jsonl"


def repeat_share(picks: dict[str, list[str]], taken: dict[str, list[str]], courses: dict, vectors, threshold) -> dict:
    """Share of all picks that repeat one of the learner's taken courses, and of learners with at least one.
    `courses`: id -> (level rank or -1, path id or None, translation group)."""
    repeats, total, learners_hit = 0, 0, 0
    for user, ids in picks.items():
        shown, mine = [c for c in ids if c in vectors], [c for c in taken[user] if c in vectors]
        total += len(shown)
        if not shown or not mine:
            continue
        close = np.vstack([vectors[c] for c in shown]) @ np.vstack([vectors[c] for c in mine]).T >= threshold
        level, path, group = (np.array([courses[c][i] for c in shown], object)[:, None] for i in range(3))
        done_level, done_path, done_group = (np.array([courses[c][i] for c in mine], object)[None, :] for i in range(3))
        not_higher = (level < 0) | (done_level < 0) | (level <= done_level)
        other_path = (path == None) | (path != done_path)  # noqa: E711 (elementwise)
        hit = int(((group == done_group) | (close & not_higher & other_path)).any(axis=1).sum())
        repeats += hit
        learners_hit += hit > 0
    return {
        "picks": total,
        "repeat_share": round(repeats / max(total, 1), 4),
        "learners_with_a_repeat": round(learners_hit / max(len(picks), 1), 4),
    }


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--learners", type=int, default=300)
    parser.add_argument("--threshold", type=float, default=0.65)
    parser.add_argument("--catalog", type=Path, default=CATALOG)
    parser.add_argument("--work", type=Path, default=Path("var") / "bench")
    parser.add_argument("--smoke", action="store_true")
    args = parser.parse_args(argv)
    if args.smoke:
        args.learners = 4
    shared = args.work / "vectors" / "bundled.db"
    service = fresh_service(args.work / "progression", shared)
    service.catalog.import_file(args.catalog)
    share_vectors(service, shared, "out")
    with open(args.catalog, encoding="utf-8") as lines:
        rows = [json.loads(line) for line in lines]
    courses = {
        r["id"]: (LEVELS.index(r["level"]) if r.get("level") in LEVELS else -1, r.get("path_id"),
                  r.get("translation_of") or r["id"])
        for r in rows
    }  # fmt: skip
    english = [r["id"] for r in rows if r.get("language") == "en"]
    introductions = [r["id"] for r in rows if r.get("language") == "en" and r.get("position") == 1]
    recommender = service.recommender
    frame = recommender.frames.current()
    vectors = {frame.ids[n]: frame.vectors[n] for n in np.flatnonzero(frame.present)}
    rng = random.Random(7)
    taken: dict[str, list[str]] = {}
    next_picks: dict[str, list[str]] = {}
    home_picks: dict[str, list[str]] = {}
    for i in range(args.learners):
        user = f"USIM{i:05d}"
        taken[user] = [rng.choice(introductions)] + ([rng.choice(english)] if i % 2 else [])
        for course_id in taken[user]:
            service.history.record(user, course_id, COMPLETED, source="import")
        learner = service.learners.ensure(user)
        next_picks[user] = [p.course.id for p in recommender.next_for(learner, k=5)]
        home_picks[user] = [p.course.id for row in recommender.rows_for(learner) for p in row.picks]
    results = {
        "learners": args.learners,
        "threshold": args.threshold,
        "next_for": repeat_share(next_picks, taken, courses, vectors, args.threshold),
        "home_rows": repeat_share(home_picks, taken, courses, vectors, args.threshold),
    }
    service.close()
    report("progression", results)
    return results


if __name__ == "__main__":
    main()
