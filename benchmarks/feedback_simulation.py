"""The feedback loop, simulated: learners with hidden preferences click on the picks they are shown, for four weeks,
on the bundled catalog. The same recommender runs twice on identical learners and seeds: with feedback (impressions
and reactions adjust the picks, new courses are explored) and without (`Recommender.feedback = None`).

Each learner's hidden taste is one "anchor" course; they click a shown pick with probability
0.6 * clip((cosine(pick, anchor) - 0.4) / 0.5, 0, 1) * FATIGUE ** (times they were shown it before): a pick
ignored before is less likely to be clicked the next time, as with people. They complete half of what they start,
and give a 👎 (or "Not for me") to a pick far from their taste (cosine < 0.3) one time in five. They declared one
interest: the anchor's path title. On day 1, `--new` good new courses appear (each close to one anchor, nobody has
taken them): the run reports how many impressions each needed before its first click, and click-through by week
with and without feedback.

    python -m benchmarks.feedback_simulation [--learners 120] [--days 28] [--catalog FILE] [--smoke]
"""

from __future__ import annotations

import argparse
import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from benchmarks.common import fresh_service, report, share_vectors
from benchmarks.progression import CATALOG
from learning.people.answers import ShownPick
from learning.people.history import COMPLETED, DISMISSED, RATED, STARTED

FATIGUE = 0.7


def click_probability(affinity: float) -> float:
    return 0.6 * float(np.clip((affinity - 0.4) / 0.5, 0, 1))


def paired_difference(on: tuple, off: tuple, weeks: slice, rounds: int = 2000) -> dict:
    """Click-through with feedback minus without, in points, over the same learners: the figure and a 95% bootstrap
    interval resampling learners (each learner's shown and clicked counts stay paired across the two runs)."""
    sums = [(shown[:, weeks].sum(axis=1), clicked[:, weeks].sum(axis=1)) for shown, clicked in (on, off)]

    def difference(rows: np.ndarray) -> float:
        (s_on, c_on), (s_off, c_off) = sums
        return 100 * (c_on[rows].sum() / max(s_on[rows].sum(), 1) - c_off[rows].sum() / max(s_off[rows].sum(), 1))

    count = len(sums[0][0])
    rng = np.random.default_rng(0)
    draws = [difference(rng.integers(0, count, count)) for _ in range(rounds)]
    return {
        "points": round(difference(np.arange(count)), 2),
        "interval": np.percentile(draws, [2.5, 97.5]).round(2).tolist(),
    }


def simulate(args, feedback: bool) -> dict:
    """Days are rounds: events and answers carry the real time (the answers log stamps its own), so the order of
    showings and clicks is the one the product sees."""
    start = datetime.now(UTC)
    service = fresh_service(args.work / f"simulation-{'on' if feedback else 'off'}", args.work / "vectors" / "sim.db")
    service.catalog.import_file(args.catalog)
    with open(args.catalog, encoding="utf-8") as lines:
        rows = [json.loads(line) for line in lines]
    rng = random.Random(11)
    english = [r for r in rows if r.get("language") in (None, "en") and r.get("path_title")]
    anchors = rng.sample(english, min(args.anchors, len(english)))
    new_rows = [
        {"id": f"sim-new-{i}", "title": f"Next steps: {a['title']}", "topics": a.get("topics") or [],
         "description": a.get("description"), "language": "en", "published_at": start.isoformat()}
        for i, a in enumerate(anchors[: args.new])
    ]  # fmt: skip
    path = args.work / "sim-new.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in new_rows), encoding="utf-8")
    service.catalog.import_file(path)
    share_vectors(service, args.work / "vectors" / "sim.db", "out")
    reco = service.recommender
    if not feedback:
        reco.feedback = None
    else:
        reco.feedback.random = np.random.default_rng(5)
    frame = reco.frames.current()
    answers = service.answers
    learners = []
    for i in range(args.learners):
        anchor = anchors[i % len(anchors)]
        slack_id = f"USIM{i:04d}"
        first = rng.choice([r for r in english if r["path_id"] == anchor["path_id"]])
        service.history.record(slack_id, first["id"], COMPLETED, at=start - timedelta(days=rng.randint(1, 60)))
        learner = service.learners.update(service.learners.ensure(slack_id), interests=(anchor["path_title"],))
        learners.append((learner, frame.vectors[frame.by_id[anchor["id"]]]))
    new_ids = {r["id"] for r in new_rows}
    first_click: dict[str, int] = {}
    impressions: dict[str, int] = {c: 0 for c in new_ids}
    weeks = (args.days + 6) // 7
    shown, clicked = np.zeros((len(learners), weeks)), np.zeros((len(learners), weeks))
    seen: dict[tuple[str, str], int] = {}
    explored = 0
    for day in range(args.days):
        reco.signals.refresh()
        if reco.feedback is not None:
            reco.feedback.refresh()
        for row, (learner, taste) in enumerate(learners):
            picks = reco.next_for(learner, k=args.k)
            answers.save(learner.slack_id, "next", [ShownPick(p.course.id, p.reason) for p in picks])
            for pick in picks:
                shown[row, day // 7] += 1
                explored += pick.explore
                course_id = pick.course.id
                if course_id in new_ids:
                    impressions[course_id] += 1
                affinity = float(frame.vectors[pick.course.num] @ taste)
                before = seen.get((learner.slack_id, course_id), 0)
                seen[(learner.slack_id, course_id)] = before + 1
                if rng.random() < click_probability(affinity) * FATIGUE**before:
                    clicked[row, day // 7] += 1
                    first_click.setdefault(course_id, impressions.get(course_id, 0))
                    kind = COMPLETED if rng.random() < 0.5 else STARTED
                    service.history.record(learner.slack_id, course_id, kind)
                elif affinity < 0.3 and rng.random() < 0.2:
                    if rng.random() < 0.5:
                        service.history.record(learner.slack_id, course_id, RATED, value="down")
                    else:
                        service.history.record(learner.slack_id, course_id, DISMISSED)
    service.close()
    return {
        "ctr_by_week": [round(c / max(s, 1), 4) for s, c in zip(shown.sum(axis=0), clicked.sum(axis=0))],
        "per_learner": (shown, clicked),
        "exploratory_picks": explored,
        "new_courses_clicked": sum(c in first_click for c in new_ids),
        "impressions_before_first_click": sorted(first_click[c] for c in new_ids if c in first_click),
        "new_course_impressions": sorted(impressions.values()),
    }


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--learners", type=int, default=120)
    parser.add_argument("--days", type=int, default=28)
    parser.add_argument("--anchors", type=int, default=6)
    parser.add_argument("--new", type=int, default=6)
    parser.add_argument("--k", type=int, default=5)
    parser.add_argument("--catalog", type=Path, default=CATALOG)
    parser.add_argument("--work", type=Path, default=Path("var") / "bench")
    parser.add_argument("--smoke", action="store_true")
    args = parser.parse_args(argv)
    if args.smoke:
        args.learners, args.days, args.anchors, args.new = 4, 2, 2, 1
    results = {
        "learners": args.learners,
        "days": args.days,
        "feedback_on": simulate(args, feedback=True),
        "feedback_off": simulate(args, feedback=False),
    }
    on, off = results["feedback_on"].pop("per_learner"), results["feedback_off"].pop("per_learner")
    results["ctr_difference_points"] = {
        "last_week": paired_difference(on, off, slice(-1, None)),
        "all_weeks": paired_difference(on, off, slice(None)),
    }
    report("feedback_simulation", results)
    return results


if __name__ == "__main__":
    main()
