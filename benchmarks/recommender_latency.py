"""`next_for` and `rows_for` latency at 10k courses with 100k learners' worth of history in the store (the same
store as the nudge planning benchmark: ~1M events), plus the time to build the signals (EASE and friends). The
learned ranker trains in the clock process, not here: `benchmarks.ranker_clock` measures both sides.

    python -m benchmarks.recommender_latency [--learners 100000] [--courses 10000] [--samples 300] [--smoke]
"""

from __future__ import annotations

import argparse
import random
import time
from pathlib import Path

from benchmarks.common import latency_summary, peak_rss_mb, report
from benchmarks.nudge_planning import NOW, company_store
from config import Settings
from upnext.build import build_service
from upnext.schema import open_store


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--learners", type=int, default=100_000)
    parser.add_argument("--courses", type=int, default=10_000)
    parser.add_argument("--samples", type=int, default=300)
    parser.add_argument("--work", type=Path, default=Path("var") / "bench")
    parser.add_argument("--smoke", action="store_true")
    args = parser.parse_args(argv)
    if args.smoke:
        args.learners, args.courses, args.samples = 100, 60, 5
    home = company_store(args.work, args.learners, args.courses, rebuild=args.smoke)
    service = build_service(Settings(home=home), prepare=False)
    recommender = service.recommender
    recommender.clock = lambda: NOW
    recommender.signals.clock = lambda: NOW
    started = time.perf_counter()
    recommender.signals.refresh()
    recommender.frames.current()
    build_s = time.perf_counter() - started
    store = open_store(home / "upnext.db")
    events = store.db.execute("SELECT count(*) FROM events").fetchone()[0]
    ids = [row[0] for row in store.db.execute("SELECT slack_id FROM learners")]
    store.close()
    sample = random.Random(3).sample(ids, min(args.samples, len(ids)))
    timings: dict[str, list[float]] = {"next_for": [], "next_for_with_hint": [], "rows_for": []}
    for slack_id in sample:
        learner = service.learners.get(slack_id)
        assert learner is not None
        calls = {
            "next_for": (recommender.next_for, {"k": 5}),
            "next_for_with_hint": (recommender.next_for, {"query": "data analysis", "k": 5}),
            "rows_for": (recommender.rows_for, {}),
        }
        for name, (call, options) in calls.items():
            started = time.perf_counter()
            call(learner, **options)
            timings[name].append(time.perf_counter() - started)
    serving_peak = peak_rss_mb()
    started = time.perf_counter()
    recommender.signals.refresh()  # as the web process's background rebuild: the old signals stay alive meanwhile
    rebuild_s = time.perf_counter() - started
    results = {
        "learners": len(ids),
        "courses": args.courses,
        "events": events,
        "signals_and_frame_build_s": round(build_s, 1),
        **{name: latency_summary(values) for name, values in timings.items()},
        "peak_rss_mb_serving": round(serving_peak),
        "signals_rebuild_while_serving_s": round(rebuild_s, 1),
        "peak_rss_mb": round(peak_rss_mb()),
    }
    service.close()
    report("recommender_latency", results)
    return results


if __name__ == "__main__":
    main()
