"""The learned ranker's training as the clock process runs it, on the company-scale store (10k courses, 100k
learners, ~1M events; `benchmarks.nudge_planning.company_store`): a fresh process opens the store as `upnext clock`
does, runs the retraining job once, and reports its time and this process's peak RSS. Then, in another fresh
process, the web side: open the store, read the saved model (`SavedRanker`) and answer `next_for`, with its peak RSS.

The store is copied first (`--store`, never modified) unless `--work` already holds it.

    python -m benchmarks.ranker_clock --store /tmp/lat/new [--work var/bench-ranker] [--samples 100]
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.common import latency_summary, peak_rss_mb, report
from benchmarks.nudge_planning import NOW, company_store
from config import Settings
from learning.recommend.ranker import MODEL_KEY, SavedRanker
from learning.recommend.ranker_training import Retraining
from upnext.build import build
from upnext.schema import open_store


def clock_side(home: Path, save_any: bool) -> dict:
    """One retraining, as the clock's job runs it (forced: the store has far more than enough new events)."""
    started = time.perf_counter()
    upnext = build(Settings(multilingual=False, home=home, ranker=True), prepare=False)
    service = upnext.service
    recommender = service.recommender
    recommender.clock = lambda: NOW
    recommender.frames.current()
    open_s = time.perf_counter() - started
    retraining = Retraining(recommender, service.learners, SavedRanker(upnext.store), min_events=1, every=1)
    training = retraining.run()
    assert training is not None, "the company store has enough events to train"
    saved = training.kept
    if save_any and not saved and training.ranker is not None:
        retraining.saved.save(training.ranker)  # to measure the web process serving a model
        saved = True
    return {
        "open_store_s": round(open_s, 1),
        "training_s": round(training.seconds, 1),
        "outcome": training.outcome,
        "validation_ndcg@10": training.validation,
        "learners_per_cut": training.queries,
        "model_saved": saved,
        "peak_rss_mb": round(peak_rss_mb()),
    }


def web_side(home: Path, samples: int) -> dict:
    """The web process: signals built, the saved model read, `next_for` answered for sampled learners."""
    service = build(Settings(multilingual=False, home=home, ranker=True), prepare=False).service
    recommender = service.recommender
    recommender.clock = lambda: NOW
    recommender.signals.clock = lambda: NOW
    recommender.signals.refresh()
    recommender.frames.current()
    assert isinstance(recommender.ranker, SavedRanker)
    serving = recommender.ranker.current() is not None
    ids = [learner.slack_id for learner in service.learners.all()]
    timings = []
    for slack_id in random.Random(3).sample(ids, min(samples, len(ids))):
        learner = service.learners.get(slack_id)
        assert learner is not None
        started = time.perf_counter()
        recommender.next_for(learner, k=5)
        timings.append(time.perf_counter() - started)
    return {"model_served": serving, "next_for": latency_summary(timings), "peak_rss_mb": round(peak_rss_mb())}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--store", type=Path, default=Path("var") / "bench", help="where the company store is")
    parser.add_argument("--work", type=Path, default=Path("var") / "bench-ranker")
    parser.add_argument("--learners", type=int, default=100_000)
    parser.add_argument("--courses", type=int, default=10_000)
    parser.add_argument("--samples", type=int, default=100)
    parser.add_argument("--save-any", action="store_true", help="save the model even if it did not beat the blend")
    parser.add_argument("--side", choices=("clock", "web"), help=argparse.SUPPRESS)
    parser.add_argument("--smoke", action="store_true")
    args = parser.parse_args(argv)
    if args.smoke:
        args.learners, args.courses, args.samples = 100, 60, 5
    name = f"nudges-{args.learners}-{args.courses}"
    home = args.work / name
    if args.side == "clock":
        print(json.dumps(clock_side(home, args.save_any)))
        return {}
    if args.side == "web":
        print(json.dumps(web_side(home, args.samples)))
        return {}
    if not (home / "upnext.db").exists():
        source = company_store(args.store, args.learners, args.courses, rebuild=args.smoke)
        shutil.copytree(source, home, dirs_exist_ok=True)
    store = open_store(home / "upnext.db")
    store.sql.execute("DELETE FROM meta WHERE key = :key", {"key": MODEL_KEY})  # no model from an earlier run
    store.close()
    results: dict = {}
    for side in ("clock", "web"):
        command = [sys.executable, "-m", "benchmarks.ranker_clock", "--side", side, "--work", str(args.work)]
        command += ["--learners", str(args.learners), "--courses", str(args.courses), "--samples", str(args.samples)]
        command += ["--save-any"] if args.save_any else []
        output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
        results[side] = json.loads(output.strip().splitlines()[-1])
    report("ranker_clock", results)
    return results


if __name__ == "__main__":
    main()
