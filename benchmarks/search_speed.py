"""Search speed and size at 1.5k, 10k and 100k courses: import and index build time, query latency (query
embedding + keyword + dense + fusion, in process), approximate-index recall against exact, incremental update cost,
and peak RSS.

    python -m benchmarks.search_speed [--sizes 1500,10000,100000] [--queries 200] [--data ../shared/data]
                                      [--postgres | --database-url URL] [--smoke]

Catalogs come from benchmarks/catalogs.py (real catalogs, repeated with distinct ids above ~8.8k). Real texts are
embedded once and kept in var/bench/vectors/, so reruns spend their time on what is measured.
"""

from __future__ import annotations

import argparse
import itertools
import re
import shutil
import time
from pathlib import Path

import numpy as np

from benchmarks import engines
from benchmarks.catalogs import prefill_copies, real_courses, scaled
from benchmarks.common import DEFAULT_DATA, latency_summary, peak_rss_mb, report, share_vectors
from benchmarks.slack_latency import QUERIES, VARIANTS
from config import Settings
from embeddings.encoder import Encoder, load_encoder
from embeddings.index import VectorIndex
from learning.catalog.course_index import CourseIndex
from learning.catalog.courses import Course
from learning.catalog.files import ParsedCatalog
from learning.catalog.importer import CatalogImporter
from upnext.build import build_service

PREFIXES = ["", "learn ", "intro to "]


def timed(function, *args):
    started = time.perf_counter()
    value = function(*args)
    return value, time.perf_counter() - started


def measure_size(size: int, real: list[Course], encoder: Encoder, queries: list[str], work: Path,
                 server: str | None = None) -> dict:  # fmt: skip
    """The measures at `size` courses, in a SQLite store, or in a fresh database on the PostgreSQL `server`."""
    home = work / f"speed-{size}"
    url = engines.fresh_database(server, f"bench_speed_{size}") if server else None
    shared = work / "vectors" / f"{re.sub(r'[^A-Za-z0-9.-]+', '-', encoder.name)}.db"
    shared.parent.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(home, ignore_errors=True)
    service = build_service(Settings(multilingual=False, home=home, database_url=url), encoder=encoder, prepare=False)
    share_vectors(service, shared, "in")
    pairs = scaled(real, size)
    originals = list({(o or c).id: (o or c) for c, o in pairs}.values())
    embedded = service.catalog.index.cache.vectors_for({c.content_hash: c.embedding_text() for c in originals})[1]
    share_vectors(service, shared, "out")
    prefill_copies(service.catalog.index.cache, pairs)

    report_, import_s = timed(service.catalog.import_parsed, ParsedCatalog(courses=[c for c, _ in pairs]))
    service.catalog.index.path.unlink()
    rebuilt, build_s = timed(CourseIndex, service.courses, service.catalog.index.cache, home)
    _, sync_s = timed(rebuilt.sync)
    assert len(service.catalog.index.vectors) == len(rebuilt.vectors)  # the service follows the rebuilt file
    search = service.search

    for query in queries[:5]:  # warm up code paths, not the query cache: measured queries are different
        search.search(query + " warmup", 5)
    totals, encode, keyword, dense = [], [], [], []
    for query in queries:
        _, seconds = timed(search.search, query, 5)
        totals.append(seconds)
        vector, seconds = timed(encoder.encode_query, f"{query} again {size}")  # never a cached text
        encode.append(seconds)
        keyword.append(timed(search.keyword.search, query, 100)[1])
        dense.append(timed(search.index.vectors.search, vector, 100)[1])

    result = {
        "courses": size,
        "texts_embedded_now": embedded,
        "import_s": round(import_s, 1),
        "index_build_s": round(build_s + sync_s, 2),
        "index": "hnsw + exact delta" if rebuilt.vectors.approximate else "exact (flat)",
        "search": latency_summary(totals),
        "parts_p95_ms": {
            "query_embedding": latency_summary(encode)["p95_ms"],
            "keyword_fts5": latency_summary(keyword)["p95_ms"],
            "dense_faiss": latency_summary(dense)["p95_ms"],
        },
    }
    if rebuilt.vectors.approximate:
        result["approximate"] = compare_with_exact(rebuilt.vectors, encoder, queries)
    result["incremental_100"] = incremental(service.catalog, pairs)
    result["import_embedded"] = report_.embedded
    service.close()
    shutil.rmtree(home, ignore_errors=True)
    return result


def compare_with_exact(index: VectorIndex, encoder: Encoder, queries: list[str]) -> dict:
    """Recall@10 of the HNSW path against exact search, and the latency of each, on the same query vectors."""
    vectors = encoder.encode(queries)
    recalls, approx_s, exact_s = [], [], []
    for vector in vectors:
        approx, seconds = timed(index.search, vector, 10)
        approx_s.append(seconds)
        exact, seconds = timed(index._exact.search, vector.reshape(1, -1), 10)
        exact_s.append(seconds)
        recalls.append(len({i for i, _ in approx} & set(exact[1][0].tolist())) / 10)
    return {
        "recall@10_vs_exact": round(float(np.mean(recalls)), 4),
        "hnsw_p95_ms": latency_summary(approx_s)["p95_ms"],
        "exact_p95_ms": latency_summary(exact_s)["p95_ms"],
    }


def incremental(catalog: CatalogImporter, pairs: list[tuple[Course, Course | None]]) -> dict:
    """Change 100 course descriptions and add nothing else: only those are re-embedded and re-indexed."""
    changed = [
        Course(**{**course.__dict__, "num": None, "description": f"{course.description or ''} Updated edition."})
        for course, _ in pairs[:100]
    ]
    report_, seconds = timed(catalog.import_parsed, ParsedCatalog(courses=changed))
    return {"updated": report_.updated, "embedded": report_.embedded, "seconds": round(seconds, 2)}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="1500,10000,100000")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--encoder", choices=["auto", "torch", "onnx"], default="auto")
    parser.add_argument("--work", type=Path, default=Path("var") / "bench", help="scratch and vector cache folder")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, for the tests")
    engines.add_arguments(parser)
    args = parser.parse_args(argv)
    sizes = [150, 400] if args.smoke else [int(s) for s in args.sizes.split(",")]
    encoder = load_encoder(args.encoder)
    real = real_courses(args.data)
    if args.smoke:
        real = real[:120]
    texts = [p + q + v for p, v, q in itertools.product(PREFIXES, VARIANTS, QUERIES)]  # 300 distinct
    queries = list(itertools.islice(itertools.cycle(texts), 10 if args.smoke else args.queries))
    results = {"encoder": encoder.name, "real_courses": len(real)}
    with engines.postgres_server(args) as server:
        for size in sizes:
            results[str(size)] = measure_size(size, real, encoder, queries, args.work)
            print(f"{size}: {results[str(size)]['search']}", flush=True)
            if server:  # the same catalog and queries on PostgreSQL, in the same run
                results[f"{size} postgres"] = measure_size(size, real, encoder, queries, args.work, server)
                print(f"{size} postgres: {results[f'{size} postgres']['search']}", flush=True)
    results["peak_rss_mb"] = round(peak_rss_mb())
    report("search_speed", results)
    return results


if __name__ == "__main__":
    main()
