"""Catalog embedding throughput: courses/s when importing into a fresh store (cold) and when every vector is
already in the cache (warm: the catalog re-imported into an empty courses table).

    python -m benchmarks.embedding_throughput [--limit N] [--smoke]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from benchmarks.common import peak_rss_mb, report
from config import Settings
from learning.catalog import bundled_catalog_path
from learning.catalog_import import read_catalog_file
from upnext.build import build_service


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--catalog", type=Path, default=bundled_catalog_path())
    parser.add_argument("--limit", type=int, default=0, help="only the first N courses")
    parser.add_argument("--smoke", action="store_true", help="a few seconds on tiny data (used by the tests)")
    args = parser.parse_args(argv)
    limit = 20 if args.smoke else args.limit

    parsed = read_catalog_file(args.catalog)
    if limit:
        parsed.courses = parsed.courses[:limit]
    with tempfile.TemporaryDirectory() as home:
        started = time.perf_counter()
        service = build_service(Settings(home=Path(home)), prepare=False)
        load_s = time.perf_counter() - started
        encoder = service.search.encoder

        started = time.perf_counter()
        cold = service.catalog.import_parsed(parsed)
        cold_s = time.perf_counter() - started

        service.store.db.execute("DELETE FROM courses")
        started = time.perf_counter()
        warm = service.catalog.import_parsed(parsed)
        warm_s = time.perf_counter() - started
        service.store.close()

    results = {
        "encoder": encoder.name,
        "courses": len(parsed.courses),
        "model_load_s": round(load_s, 2),
        "cold": {
            "embedded": cold.embedded,
            "seconds": round(cold_s, 2),
            "courses_per_s": round(len(parsed.courses) / cold_s, 1),
        },
        "warm_cache": {
            "embedded": warm.embedded,
            "seconds": round(warm_s, 2),
            "courses_per_s": round(len(parsed.courses) / warm_s, 1),
        },
        "peak_rss_mb": round(peak_rss_mb()),
    }
    report("embedding_throughput", results)
    return results


if __name__ == "__main__":
    main()
