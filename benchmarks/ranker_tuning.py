"""Choosing the learned ranker's features and settings on a CoCo tuning cut (never the real one).

The store holds CoCo's history before `--cut`; the internal cuts are the product's own (`ranker_training`: every
horizon back from the newest event). Each cut's queries are built once (cached as .npz under --work), then every
variant is trained on the older cuts, early-stopped on one half of the newest cut's learners, and scored on the other
half beside the blend's own order: the same check that decides whether the product keeps a model.

    python -m benchmarks.ranker_tuning --cut 2017-04-15
"""

from __future__ import annotations

import argparse
import time
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

from benchmarks.common import DEFAULT_DATA, peak_rss_mb, report
from benchmarks.recommender_quality import Coco
from learning.recommend.ranker import COMPONENTS, FEATURES, RANKED
from learning.recommend.ranker_training import PARAMETERS, Queries, cut_queries, fit

BEFORE = (*COMPONENTS, "blend", "history", "takers", "level", "readable", "position")  # the first version's
RANKS = tuple(f"{name}_rank" for name in RANKED)
LAST = ("last_with", "last_together", "last_next")
VARIANTS: dict[str, dict] = {
    "first version's 17 features": {"used": BEFORE},
    "+ component ranks": {"used": (*BEFORE, *RANKS)},
    "+ blend rank and gap": {"used": (*BEFORE, "blend_rank", "blend_gap")},
    "+ most recent course alone": {"used": (*BEFORE, *LAST)},
    "+ idle days and pool size": {"used": (*BEFORE, "idle_days", "pool")},
    "all features": {"used": FEATURES},
    "all, truncation level 20": {"parameters": {"lambdarank_truncation_level": 20}},
    "all, label gain 0/3": {"parameters": {"label_gain": [0, 3]}},
    "all, 15 leaves, 200 per leaf": {"parameters": {"num_leaves": 15, "min_data_in_leaf": 200}},
    "all, 63 leaves, learning rate 0.1": {"parameters": {"num_leaves": 63, "learning_rate": 0.1}},
    "all, 6,000 learners per cut": {"learners": 6000},
    "all, 15 leaves, 200 per leaf, truncation 20": {
        "parameters": {"num_leaves": 15, "min_data_in_leaf": 200, "lambdarank_truncation_level": 20}
    },
    "all, 7 leaves, 400 per leaf": {"parameters": {"num_leaves": 7, "min_data_in_leaf": 400}},
    "first 17 features, 15 leaves, 200 per leaf": {
        "used": BEFORE,
        "parameters": {"num_leaves": 15, "min_data_in_leaf": 200},
    },
    "ranks and recent course, 15 leaves, 200 per leaf": {
        "used": (*BEFORE, *RANKS, *LAST),
        "parameters": {"num_leaves": 15, "min_data_in_leaf": 200},
    },
    "all, 60-day horizon": {"horizon": 60},
    "all, four cuts (three to learn from)": {"cuts": 4},
}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--cut", default="2017-04-15", help="a tuning cut: the store holds the history before it")
    parser.add_argument("--work", type=Path, default=Path("var") / "bench")
    parser.add_argument("--learners", type=int, default=6000, help="at most this many learners per internal cut")
    parser.add_argument("--horizons", default="30,60")
    parser.add_argument("--only", default="", help="variant names separated by | (default: all)")
    parser.add_argument("--seeds", type=int, default=3, help="train each variant this many times (LightGBM seed)")
    args = parser.parse_args(argv)
    coco = Coco.load(args.data, args.cut, args.cut, args.work)
    recommender = coco.service.recommender
    events = recommender.history.everyone()
    newest = max(datetime.fromisoformat(e.at) for e in events)
    cache = args.work / "ranker-tuning"
    cache.mkdir(parents=True, exist_ok=True)
    horizons = [int(h) for h in args.horizons.split(",")]
    started = time.perf_counter()
    data: dict[tuple[int, int], Queries] = {}
    for horizon in horizons:
        for back in range(1, 5):
            path = cache / f"{args.cut}-h{horizon}-{back}-n{args.learners}.npz"
            if not path.exists():
                cut = newest - timedelta(days=horizon * back)
                queries = cut_queries(recommender, coco.service.learners, events, cut, horizon, args.learners, seed=0)
                np.savez(path, rows=queries.rows, labels=queries.labels, groups=queries.groups, blend=queries.blend)
            saved = np.load(path)
            data[horizon, back] = Queries(saved["rows"], saved["labels"], saved["groups"], saved["blend"])
    build_s = time.perf_counter() - started
    results: dict = {"cut": args.cut, "queries_build_s": round(build_s, 1), "variants": {}}
    wanted = [v for v in args.only.split("|") if v] or list(VARIANTS)
    for name in wanted:
        variant = VARIANTS[name]
        horizon, cuts = variant.get("horizon", 30), variant.get("cuts", 3)
        per_cut = variant.get("learners", 3000)
        learning = Queries.joined([_first(data[horizon, back], per_cut) for back in range(cuts, 1, -1)])
        stopping, held_out = data[horizon, 1].halves()
        runs = []
        for seed in range(args.seeds):
            parameters = {**PARAMETERS, **variant.get("parameters", {}), "seed": seed}
            _, validation = fit(learning, stopping, held_out, variant.get("used", FEATURES), parameters)
            runs.append(validation)
        model = [r["model"] for r in runs]
        results["variants"][name] = {
            "model": round(float(np.mean(model)), 4),
            "model_range": [min(model), max(model)],
            "blend": runs[0]["blend"],
            "rounds": [r["rounds"] for r in runs],
            "learners": [len(learning), len(held_out)],
        }
        print(name, results["variants"][name], flush=True)
    results["peak_rss_mb"] = round(peak_rss_mb())
    coco.service.close()
    report("ranker_tuning", results)
    return results


def _first(queries: Queries, learners: int) -> Queries:
    """The first `learners` queries of a cut (they were sampled in random order)."""
    if len(queries) <= learners:
        return queries
    rows = int(queries.groups[:learners].sum())
    return Queries(queries.rows[:rows], queries.labels[:rows], queries.groups[:learners], queries.blend[:rows])


if __name__ == "__main__":
    main()
