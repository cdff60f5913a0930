"""'What should I learn next?' quality on CoCo (Udemy learner histories), per ../shared/docs/benchmarks.md §1.

Global temporal split: history = every enrolment before the cut, targets = each learner's courses on or after it
(up to `--until`). Full ranking over the catalog excluding history. Recall@10, NDCG@10, catalog coverage@10 and
intra-list diversity@10 with 95% bootstrap intervals over learners, for warm learners (>= 3 history courses), new
learners (1-2) and new courses (first taken after the cut, ranked among new courses only).

Upnext is the product's own code path: the catalog and the history go into a real store through the product's
import, the recommender is built by `upnext.build`, and each learner is answered by `Recommender.next_for`
(`Recommender.whats_new` for the new-course slice). The baselines are implemented here, on the same split.
The learned ranker is trained on the store's history (as the clock would), and when it is kept, saved and read back
as the web process reads it; the same recommender is then also run without it ("blend"), paired over the same
learners (`upnext_vs_blend`). `--blend` skips the training.

    python -m benchmarks.recommender_quality [--cut 2017-06-01] [--until 2100-01-01] [--data ../shared/data]
    python -m benchmarks.recommender_quality --cut 2017-03-01 --until 2017-06-01   # the tuning protocol
"""

from __future__ import annotations

import argparse
import csv
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse

from benchmarks.common import DEFAULT_DATA, fresh_service, latency_summary, peak_rss_mb, report, share_vectors
from benchmarks.progression import repeat_share
from learning.catalog.courses import LEVELS as LEVEL_NAMES
from learning.catalog.files import ParsedCatalog, validate_row
from learning.people.history import ENROLLED, Event
from learning.recommend.ranker import SavedRanker
from learning.recommend.ranker_training import train

K = 10
EQUIVALENT = 0.65  # the repeat threshold of benchmarks.progression (calibrated there)
LEVELS = {"beginner": "beginner", "intermediate": "intermediate", "esperto": "advanced"}  # "all" levels: unknown
LANGUAGES = {
    "english": "en",
    "spanish": "es",
    "portuguese": "pt",
    "french": "fr",
    "german": "de",
    "italian": "it",
    "turkish": "tr",
    "japanese": "ja",
    "arabic": "ar",
    "russian": "ru",
    "polish": "pl",
    "chinese": "zh",
}


def load(data: Path) -> tuple[list[dict], list[tuple[str, str, float]]]:
    with open(data / "coco" / "items.csv", encoding="utf-8") as source:
        items = list(csv.DictReader(source))
    with open(data / "coco" / "interactions.csv", encoding="utf-8") as source:
        events = [(r["user_id"], r["course_id"], float(r["timestamp"])) for r in csv.DictReader(source)]
    return items, events


def course_rows(items: list[dict], first_seen: dict[str, float]) -> list[dict]:
    rows = []
    for item in items:
        categories = [c for c in item["categories"].split("|") if c]
        concepts = [c for c in item["concepts"].split("|") if c][:10]
        seen = first_seen.get(item["course_id"])
        rows.append(
            {
                "id": item["course_id"],
                "title": item["title"] or item["slug"],
                "topics": (categories + concepts)[:30],
                "language": LANGUAGES.get(item["language"].lower()),
                "level": LEVELS.get(item["level"]),
                "url": item["url"] or None,
                "published_at": datetime.fromtimestamp(seen, UTC).isoformat() if seen else None,
            }
        )
    return rows


# -- metrics ------------------------------------------------------------------------------------------------------
def ndcg(ranked: list[str], relevant: set[str]) -> float:
    gain = sum(1 / np.log2(i + 2) for i, c in enumerate(ranked[:K]) if c in relevant)
    ideal = sum(1 / np.log2(i + 2) for i in range(min(K, len(relevant))))
    return gain / ideal if ideal else 0.0


def recall(ranked: list[str], relevant: set[str]) -> float:
    return len(set(ranked[:K]) & relevant) / min(K, len(relevant)) if relevant else 0.0


def diversity(ranked: list[str], vectors: dict[str, np.ndarray]) -> float:
    rows = [vectors[c] for c in ranked[:K] if c in vectors]
    if len(rows) < 2:
        return 0.0
    matrix = np.vstack(rows)
    sims = matrix @ matrix.T
    n = len(rows)
    return float(1 - (sims.sum() - n) / (n * (n - 1)))


def interval(values: np.ndarray, rounds: int = 1000, seed: int = 0) -> list[float]:
    rng = np.random.default_rng(seed)
    means = [values[rng.integers(0, len(values), len(values))].mean() for _ in range(rounds)]
    return [round(float(np.percentile(means, 2.5)), 4), round(float(np.percentile(means, 97.5)), 4)]


def summarise(lists: dict[str, list[str]], targets: dict[str, set[str]], vectors, catalog: int, taken) -> dict:
    """`taken`: (learner -> their history's course ids, course id -> (level rank, path, translation group)) for the
    share of picks that repeat a course taken (benchmarks.progression)."""
    learners = list(lists)
    n = np.array([ndcg(lists[u], targets[u]) for u in learners])
    r = np.array([recall(lists[u], targets[u]) for u in learners])
    d = np.array([diversity(lists[u], vectors) for u in learners])
    covered = {c for u in learners for c in lists[u][:K]}
    return {
        "learners": len(learners),
        "ndcg@10": round(float(n.mean()), 4), "ndcg@10_ci": interval(n),
        "recall@10": round(float(r.mean()), 4), "recall@10_ci": interval(r),
        "coverage@10": round(len(covered) / catalog, 4),
        "diversity@10": round(float(d.mean()), 4), "diversity@10_ci": interval(d),
        "repeats@10": repeat_share({u: lists[u][:K] for u in learners}, *taken, vectors, EQUIVALENT)["repeat_share"],
        "_per_learner_ndcg": n,
    }  # fmt: skip


# -- baselines ----------------------------------------------------------------------------------------------------
class Baselines:
    def __init__(self, courses: list[str], history: dict[str, list[tuple[str, float]]], cut: float, vectors, lam):
        self.courses = courses
        self.col = {c: i for i, c in enumerate(courses)}
        self.users = list(history)
        self.row = {u: i for i, u in enumerate(self.users)}
        pairs = {(self.row[u], self.col[c]) for u, hs in history.items() for c, _ in hs}
        rows, cols = zip(*pairs) if pairs else ((), ())
        self.x = sparse.csr_matrix((np.ones(len(rows), np.float32), (rows, cols)), (len(self.users), len(courses)))
        self.popular = np.asarray(self.x.sum(axis=0)).ravel()
        recent = np.zeros(len(courses))
        for hs in history.values():
            for c, t in hs:
                if t >= cut - 90 * 86400:
                    recent[self.col[c]] += 1
        self.recent = recent
        gram = (self.x.T @ self.x).toarray().astype(np.float64)
        norms = np.sqrt(np.diag(gram)) + 1e-9
        self.knn = (gram / norms[:, None] / norms[None, :]).astype(np.float32)
        np.fill_diagonal(self.knn, 0)
        active = np.flatnonzero(self.popular > 0)
        g = gram[np.ix_(active, active)]
        g[np.diag_indices_from(g)] += lam
        p = np.linalg.inv(g)
        b = p / -np.diag(p)[None, :]
        np.fill_diagonal(b, 0)
        self.ease = np.zeros((len(courses), len(courses)), np.float32)
        self.ease[np.ix_(active, active)] = b
        self.vectors = np.vstack([vectors.get(c, np.zeros(384, np.float32)) for c in courses])

    def rank(self, name: str, user: str, among: np.ndarray | None = None) -> list[str]:
        seen = self.x[self.row[user]].indices
        if name == "most_popular":
            scores = self.popular.astype(np.float64).copy()
        elif name == "recent_popular_90d":
            scores = self.recent + 1e-6 * self.popular
        elif name == "item_knn":
            scores = np.asarray(self.knn[seen].sum(axis=0)).ravel() + 1e-6 * self.popular
        elif name == "ease":
            scores = self.ease[seen].sum(axis=0) + 1e-6 * self.popular
        else:  # content_knn: mean cosine to the learner's history
            scores = (self.vectors @ self.vectors[seen].T).mean(axis=1)
        scores = scores.astype(np.float64)
        scores[seen] = -np.inf
        if among is not None:
            mask = np.full(len(scores), -np.inf)
            mask[among] = 0
            scores = scores + mask
        top = np.argsort(-scores)[:K]
        return [self.courses[i] for i in top if np.isfinite(scores[i])]


@dataclass
class Coco:
    """CoCo split at a cut, imported into a fresh store through the product's import (history before the cut)."""

    service: Any
    items: list[dict]
    rows: list[dict]
    cut: datetime
    history: dict[str, list[tuple[str, float]]]
    targets: dict[str, set[str]]
    new_courses: set[str]
    timing: dict[str, float]

    @classmethod
    def load(cls, data: Path, cut_day: str, until_day: str, work: Path, smoke: bool = False) -> Coco:
        cut = datetime.fromisoformat(cut_day).replace(tzinfo=UTC)
        until = datetime.fromisoformat(until_day).replace(tzinfo=UTC).timestamp()
        items, events = load(data)
        first_seen: dict[str, float] = {}
        for _, course, t in events:
            first_seen[course] = min(t, first_seen.get(course, t))
        history: dict[str, list[tuple[str, float]]] = defaultdict(list)
        targets: dict[str, set[str]] = defaultdict(set)
        for user, course, t in events:
            if t < cut.timestamp():
                history[user].append((course, t))
            elif t < until:
                targets[user].add(course)
        known = {item["course_id"] for item in items}
        new_courses = {c for c, t in first_seen.items() if t >= cut.timestamp() and c in known}
        shared = work / "vectors" / "coco.db"
        service = fresh_service(work / f"coco-{cut_day}{'-smoke' if smoke else ''}", shared)
        rows = course_rows(items, {c: t for c, t in first_seen.items() if t < until})
        started = time.perf_counter()
        service.catalog.import_parsed(ParsedCatalog(courses=[validate_row(r) for r in rows]))
        import_s = time.perf_counter() - started
        share_vectors(service, shared, "out")
        service.history.record_many([
            Event(user, course, ENROLLED, datetime.fromtimestamp(t, UTC).isoformat(timespec="seconds"), "import")
            for user, hs in history.items() for course, t in hs if course in known
        ])  # fmt: skip
        recommender = service.recommender
        recommender.clock = lambda: cut
        recommender.signals.clock = lambda: cut
        started = time.perf_counter()
        recommender.signals.refresh()
        timing = {"import_s": round(import_s, 1), "signals_build_s": round(time.perf_counter() - started, 1)}
        return cls(service, items, rows, cut, history, targets, new_courses, timing)


BASELINES = ["most_popular", "recent_popular_90d", "item_knn", "ease", "content_knn"]


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--cut", default="2017-06-01")
    parser.add_argument("--until", default="2100-01-01", help="targets end here (the tuning protocol stops at the cut)")
    parser.add_argument("--ease-lambda", type=float, default=5000.0, help="tuned on the 2017-03-01 cut")
    parser.add_argument("--work", type=Path, default=Path("var") / "bench")
    parser.add_argument("--limit", type=int, default=0, help="evaluate at most this many learners per slice")
    parser.add_argument("--blend", action="store_true", help="the blend alone: no learned ranker")
    parser.add_argument("--serve-any", action="store_true", help="serve the model even if its check rejected it")
    parser.add_argument("--smoke", action="store_true")
    args = parser.parse_args(argv)
    if args.smoke:
        args.limit = args.limit or 20
    coco = Coco.load(args.data, args.cut, args.until, args.work, args.smoke)
    service, history, targets, new_courses, rows = coco.service, coco.history, coco.targets, coco.new_courses, coco.rows
    items, cut = coco.items, coco.cut
    recommender = service.recommender
    started = time.perf_counter()
    training = train(recommender, service.learners) if not args.blend else None
    if training is not None and (training.kept or (args.serve_any and training.ranker is not None)):
        assert training.ranker is not None
        saved = SavedRanker(service.courses.store)  # the store the benchmark's service is built on
        saved.save(training.ranker)
        recommender.ranker = saved  # the web process's way of reading the clock's model
    ranker_s = time.perf_counter() - started

    frame = recommender.frames.current()
    vectors = {frame.ids[n]: frame.vectors[n] for n in np.flatnonzero(frame.present)}
    courses = [item["course_id"] for item in items]
    baselines = Baselines(courses, history, cut.timestamp(), vectors, args.ease_lambda)
    new_idx = np.array([baselines.col[c] for c in sorted(new_courses)], np.int64)

    levels = {r["id"]: (LEVEL_NAMES.index(r["level"]) if r["level"] else -1, None, r["id"]) for r in rows}
    taken = ({u: [c for c, _ in hs] for u, hs in history.items()}, levels)
    slices: dict[str, list[str]] = {"warm": [], "new_learners": [], "new_courses": []}
    for user in sorted(targets):
        size = len({c for c, _ in history.get(user, [])})
        if size >= 3:
            slices["warm"].append(user)
        elif size >= 1:
            slices["new_learners"].append(user)
        if size and targets[user] & new_courses:
            slices["new_courses"].append(user)
    if args.limit:
        slices = {k: v[: args.limit] for k, v in slices.items()}

    results: dict = {"cut": args.cut, "until": args.until, "catalog": len(courses), "new_courses": len(new_courses)}
    timings: list[float] = []
    period_end = datetime.fromisoformat(args.until).replace(tzinfo=UTC)
    for name, users in slices.items():
        # the learner is answered as of the cut, except "what's new since the cut", asked once the period is over:
        # at the cut itself nothing is published yet, so it would always answer with nothing
        recommender.clock = (lambda: period_end) if name == "new_courses" else (lambda: cut)
        wanted = {u: (targets[u] & new_courses if name == "new_courses" else targets[u]) for u in users}
        lists: dict[str, dict[str, list[str]]] = {}
        learned = recommender.ranker
        systems = {"upnext": learned, "blend": None} if learned is not None and name != "new_courses" else {}
        for system, ranker in (systems or {"upnext": learned}).items():
            recommender.ranker = ranker  # the blend: the same recommender without the learned model
            lists[system] = {}
            for user in users:
                learner = service.learners.get(user) or service.learners.ensure(user)
                started = time.perf_counter()
                if name == "new_courses":
                    picks = recommender.whats_new(learner, since=cut, k=K, minimum=-np.inf)
                else:
                    picks = recommender.next_for(learner, k=K, untaken=True, explore=False)  # unseen; offline
                timings.append(time.perf_counter() - started)
                lists[system][user] = [p.course.id for p in picks]
        recommender.ranker = learned
        for baseline in BASELINES:
            among = new_idx if name == "new_courses" else None
            lists[baseline] = {u: baselines.rank(baseline, u, among) for u in users}
        catalog = len(new_courses) if name == "new_courses" else len(courses)
        summary = {system: summarise(ranked, wanted, vectors, catalog, taken) for system, ranked in lists.items()}
        best = max(BASELINES, key=lambda b: summary[b]["ndcg@10"])
        for other in [best, *(["blend"] if "blend" in summary else [])]:
            difference = summary["upnext"]["_per_learner_ndcg"] - summary[other]["_per_learner_ndcg"]
            key = "upnext_vs_blend" if other == "blend" else "upnext_vs_best_baseline"
            summary[key] = {
                "against": other,
                "relative_ndcg@10": round(summary["upnext"]["ndcg@10"] / max(summary[other]["ndcg@10"], 1e-9) - 1, 4),
                "paired_difference_ci": interval(difference),
            }
        for system in lists:
            summary[system].pop("_per_learner_ndcg")
        results[name] = summary
    if training is not None:
        results["ranker"] = {
            "outcome": training.outcome,
            "training_s": round(ranker_s, 1),
            "validation_ndcg@10": training.validation,
            "learners_per_cut": training.queries,
        }
    per_learner = latency_summary(timings)
    results["timing"] = {**coco.timing, "per_learner": per_learner, "peak_rss_mb": round(peak_rss_mb())}
    service.close()
    report("recommender_quality", results)
    return results


if __name__ == "__main__":
    main()
