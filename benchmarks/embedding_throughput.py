"""Catalog embedding throughput, PyTorch (sentence-transformers) against the product's int8 ONNX encoder, in the
same run: courses/s when importing into a fresh store (cold) and when every vector is already cached (warm: the
catalog re-imported into an empty courses table); query latency; and how close the two encoders' vectors are.

    python -m benchmarks.embedding_throughput [--encoders torch,onnx] [--rounds 2] [--limit N] [--models DIR] [--smoke]

Any `embeddings.encoder.load_encoder` kinds can be compared (--encoders onnx,use-multilingual,e5-multilingual).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks.common import latency_summary, report
from config import Settings
from embeddings.encoder import load_encoder
from learning.catalog.files import ParsedCatalog, read_catalog_file
from learning.catalog.importer import bundled_catalog_path
from upnext.build import build_service
from upnext.schema import open_store

QUERIES = ["python for data analysis", "git branching", "sql joins", "machine learning", "shell loops"] * 20


def import_once(encoder, parsed: ParsedCatalog) -> tuple[float, float, int]:
    """(cold seconds, warm seconds, texts embedded) for one fresh store."""
    with tempfile.TemporaryDirectory() as home:
        service = build_service(Settings(multilingual=False, home=Path(home)), encoder=encoder, prepare=False)
        started = time.perf_counter()
        cold = service.catalog.import_parsed(parsed)
        cold_s = time.perf_counter() - started
        store = open_store(Path(home) / "upnext.db")
        store.db.execute("DELETE FROM courses")
        store.close()
        started = time.perf_counter()
        service.catalog.import_parsed(parsed)
        warm_s = time.perf_counter() - started
        service.close()
    return cold_s, warm_s, cold.embedded


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--catalog", type=Path, default=bundled_catalog_path())
    parser.add_argument("--encoders", default="torch,onnx")
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds per encoder (median reported)")
    parser.add_argument("--limit", type=int, default=0, help="only the first N courses")
    parser.add_argument("--models", type=Path, help="the int8 model's folder (built if missing); default: a fresh one")
    parser.add_argument("--smoke", action="store_true", help="a few seconds on tiny data (used by the tests)")
    args = parser.parse_args(argv)
    limit = 20 if args.smoke else args.limit
    parsed = read_catalog_file(args.catalog)
    if limit:
        parsed.courses = parsed.courses[:limit]
    names = args.encoders.split(",")
    encoders, load_s = {}, {}
    with tempfile.TemporaryDirectory() as scratch:
        for name in names:
            started = time.perf_counter()
            encoders[name] = load_encoder(name, args.models or Path(scratch))
            load_s[name] = round(time.perf_counter() - started, 2)
        runs: dict[str, list[tuple[float, float, int]]] = {name: [] for name in names}
        for _ in range(1 if args.smoke else args.rounds):
            for name in names:  # interleaved, so both see the same machine load
                runs[name].append(import_once(encoders[name], parsed))
        results: dict = {"courses": len(parsed.courses)}
        for name in names:
            cold = statistics.median(r[0] for r in runs[name])
            warm = statistics.median(r[1] for r in runs[name])
            timings = []
            for query in QUERIES[: 5 if args.smoke else None]:
                started = time.perf_counter()
                encoders[name].encode([query + " " + str(len(timings))])
                timings.append(time.perf_counter() - started)
            results[name] = {
                "encoder": encoders[name].name,
                "load_s": load_s[name],
                "cold": {"embedded": runs[name][0][2], "seconds": round(cold, 2),
                         "courses_per_s": round(len(parsed.courses) / cold, 1)},
                "warm_cache": {"seconds": round(warm, 2), "courses_per_s": round(len(parsed.courses) / warm, 1)},
                "query_embedding": latency_summary(timings),
            }  # fmt: skip
        if len(names) == 2:
            a, b = names
            results[f"speedup_{b}_over_{a}"] = round(
                results[b]["cold"]["courses_per_s"] / results[a]["cold"]["courses_per_s"], 2
            )
            texts = [c.embedding_text() for c in parsed.courses[:300]]
            cosine = np.sum(encoders[a].encode(texts) * encoders[b].encode(texts), axis=1)
            results["vector_cosine"] = {"mean": round(float(cosine.mean()), 4), "min": round(float(cosine.min()), 4)}
    report("embedding_throughput", results)
    return results


if __name__ == "__main__":
    main()
