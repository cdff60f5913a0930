"""What "Taken by 12 people in your role" adds to each answer at 100k learners, and to the signals' rebuild.

Per answer: looking up the counts of the five picks' courses (`Recommender.taken_in_role`, from the signals already
built: no query) and rendering the answer with its proof lines, against rendering it without them (the fastest of 5
tries of each, so that a shared, loaded machine measures the work rather than its neighbours). Per rebuild: counting
the people per workspace, role and course over the rows the signals are built from (also the fastest of 5), counted
for everyone (one token) and per workspace (installs by OAuth); the whole rebuild is timed once beside it.

    python -m benchmarks.social_proof [--store HOME] [--samples 1000] [--workspaces 20] [--work DIR] [--smoke]

`--store` is copied into `--work` first (opening a store may migrate it; the original is never touched), and its
learners are spread over `--workspaces` workspaces (20) on the copy, as installs by OAuth would have them.
"""

from __future__ import annotations

import argparse
import random
import shutil
import time
from pathlib import Path

from benchmarks.common import latency_summary, peak_rss_mb, report
from benchmarks.nudge_planning import NOW, company_store, spread_over_workspaces
from bot.block_kit.blocks import picks_answer
from bot.i18n import Messages
from config import Settings
from learning.people.learners import Learner
from learning.recommend.engagements import first_engagements
from learning.recommend.recommender import Recommender
from learning.recommend.signals import ProofPolicy, SignalCache, role_takers
from upnext.build import build_service

POLICIES = {"one_token": ProofPolicy(5, by_workspace=False), "by_workspace": ProofPolicy(5, by_workspace=True)}
REPEATS = 5


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--store", type=Path, help="measure on a copy of this UPNEXT_HOME's store")
    parser.add_argument("--samples", type=int, default=1000)
    parser.add_argument("--work", type=Path, default=Path("var") / "bench-proof")
    parser.add_argument("--learners", type=int, default=100_000)
    parser.add_argument("--courses", type=int, default=10_000)
    parser.add_argument("--workspaces", type=int, default=20, help="learners spread over this many (on the copy)")
    parser.add_argument("--smoke", action="store_true")
    args = parser.parse_args(argv)
    if args.smoke:
        args.learners, args.courses, args.samples = 100, 60, 20
    if args.store:
        home = args.work / "store"
        shutil.rmtree(home, ignore_errors=True)
        shutil.copytree(args.store, home)
    else:
        home = company_store(args.work, args.learners, args.courses, rebuild=args.smoke)
    spread_over_workspaces(home / "upnext.db", args.workspaces)  # installs by OAuth count within each workspace
    results = {"workspaces": args.workspaces, **measure(home, args.samples)}
    report("social_proof", results)
    return results


def measure(home: Path, samples: int) -> dict:
    service = build_service(Settings(multilingual=False, home=home), prepare=False)
    recommender = service.recommender
    recommender.clock = lambda: NOW
    recommender.frames.current()
    learners = list(service.learners.all())
    sample = random.Random(7).sample(learners, min(samples, len(learners)))  # with a role or not, as people ask
    results: dict = {"learners": len(learners), "learners_with_a_role": sum(1 for one in learners if one.role),
                     "courses": service.courses.count()}  # fmt: skip
    cache = SignalCache(service.history, service.courses, 1e9, lambda: NOW, proof=POLICIES["one_token"])
    started = time.perf_counter()
    signals = cache.refresh()  # the whole rebuild a web process makes in the background, social proof included
    results["signals_build_s"] = round(time.perf_counter() - started, 2)
    recommender.signals = cache
    started = time.perf_counter()
    rows = first_engagements(service.history.store)
    results["read_model_query_s"] = round(time.perf_counter() - started, 2)
    for name, policy in POLICIES.items():
        counting = []
        for _ in range(REPEATS):  # the part of the rebuild social proof adds: counting over the rows already read
            started = time.perf_counter()
            signals.role_takers, signals.proof = role_takers(rows, policy), policy
            counting.append(time.perf_counter() - started)
        results[name] = {
            "added_to_rebuild_s": round(min(counting), 2),
            "groups_with_counts": len(signals.role_takers),
            "counts_kept": sum(len(by_num) for by_num in signals.role_takers.values()),
            **per_answer(recommender, sample),
        }
    results["peak_rss_mb"] = round(peak_rss_mb())
    service.close()
    return results


def per_answer(recommender: Recommender, sample: list[Learner]) -> dict:
    """For each sampled learner's "what next" picks (computed first, untimed: they are there anyway), the fastest of
    REPEATS tries of: rendering the answer without proof lines, and looking the counts up then rendering with them.
    The fastest try is what the work costs; slower ones measure what else the shared machine was doing."""
    lookups, added, shown = [], [], 0
    for learner in sample:
        picks = recommender.next_for(learner, k=5)
        courses, t = [p.course for p in picks], Messages(learner.locale)
        without, with_proof, looked_up = [], [], []
        for _ in range(REPEATS):
            started = time.perf_counter()
            picks_answer(picks, t, learner.name, answer_id=1)
            without.append(time.perf_counter() - started)
            started = time.perf_counter()
            takers = recommender.taken_in_role(learner, courses)
            looked_up.append(time.perf_counter() - started)
            picks_answer(picks, t, learner.name, answer_id=1, takers=takers)
            with_proof.append(time.perf_counter() - started)
        lookups.append(min(looked_up))
        added.append(max(0.0, min(with_proof) - min(without)))
        shown += bool(takers)
    return {
        "answers_with_a_proof_line": f"{shown}/{len(sample)}",
        "lookup": latency_summary(lookups),
        "added_per_answer": latency_summary(added),
    }


if __name__ == "__main__":
    main()
