"""`next_for` and `rows_for` latency at 10k courses with 100k learners' worth of history in the store (the same
store as the nudge planning benchmark: ~1M events), plus the time to build the signals (EASE and friends). The
learned ranker trains in the clock process, not here: `benchmarks.ranker_clock` measures both sides.

    python -m benchmarks.recommender_latency [--learners 100000] [--courses 10000] [--samples 300] [--store HOME]
                                             [--postgres | --database-url URL] [--smoke]

With `--postgres` (or `--database-url`) the same store is copied into PostgreSQL and measured there too, in the same
run (benchmarks/engines.py). Peak RSS is the process's own: a fresh process per engine is fairer (run it twice).
"""

from __future__ import annotations

import argparse
import random
import time
from pathlib import Path

from benchmarks import engines
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
    parser.add_argument("--store", type=Path, help="measure on this UPNEXT_HOME's store instead of building one")
    parser.add_argument("--smoke", action="store_true")
    engines.add_arguments(parser)
    args = parser.parse_args(argv)
    if args.smoke:
        args.learners, args.courses, args.samples = 100, 60, 5
    home = args.store or company_store(args.work, args.learners, args.courses, rebuild=args.smoke)
    results = {"sqlite": measure(home, args.samples)}
    with engines.postgres_server(args) as server:
        if server:  # the same store copied into PostgreSQL, measured the same way in the same run
            url, results["postgres_copy"] = engines.copy_store(home / "upnext.db", server, "bench_latency")
            results["postgres"] = measure(home, args.samples, url)
    report("recommender_latency", results)
    return results


def measure(home: Path, samples: int, url: str | None = None) -> dict:
    """Latency of the calls for `samples` learners, on the store at `home` (or at `url`, the same rows)."""
    service = build_service(Settings(multilingual=False, home=home, database_url=url), prepare=False)
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
    sample = random.Random(3).sample(ids, min(samples, len(ids)))
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
        "courses": service.courses.count(),
        "events": events,
        "signals_and_frame_build_s": round(build_s, 1),
        **{name: latency_summary(values) for name, values in timings.items()},
        "peak_rss_mb_serving": round(serving_peak),
        "signals_rebuild_while_serving_s": round(rebuild_s, 1),
        "peak_rss_mb": round(peak_rss_mb()),
    }
    service.close()
    return results


if __name__ == "__main__":
    main()
