"""Real vendor exports imported as a learning team would (issue 14), and how long imports hold the write lock
(issue 10, item 4).

    python -m benchmarks.catalog_import [--data ../shared/data] [--scale 50000] [--embed] [--smoke]

Imports the bench-only Coursera 2019 and edX 2021 catalogs and CoCo's Udemy items through presets (plus --map
where the file's columns are its own), each into a fresh store: rows read, added, rejected (with the reasons),
values left empty (by column and value), and the time to read and validate, and to write. `--embed` also embeds
(what the first import of a catalog costs; see embedding_throughput for the encoder alone).

Meanwhile a second connection keeps asking for the write lock (BEGIN IMMEDIATE; COMMIT every 2 ms) and records how
long it had to wait: the longest wait is the longest time the import held the lock, which is what an event's
de-duplication insert would wait. `--scale N` also writes N courses (the real ones repeated with distinct ids)
into one store, the size at which one transaction held the lock for ~15 s, both in short transactions and, for
comparison in the same run, in one.
"""

from __future__ import annotations

import argparse
import sqlite3
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

from benchmarks.catalogs import scaled
from benchmarks.common import DEFAULT_DATA, report
from config import Settings
from learning.catalog.files import ParsedCatalog, read_catalog_file
from learning.store import engine as store_module
from upnext.build import build

# (name, file under the data folder, preset, --map choices)
IMPORTS = [
    # the scrape's "position" is its rank in a listing, not a place in a learning path: map it to nothing
    ("coursera_2019", "catalogs/bench-only/coursera_2019.csv", "coursera", {"position": ""}),
    ("edx_2021", "catalogs/bench-only/edx_2021.csv", "edx", {}),
    (
        "coco_udemy_items",
        "coco/items.csv",
        "udemy",
        {"topics": "categories", "published_at": "udemy_published", "duration_hours": "udemy_duration_hours"},
    ),
]


class LockProbe:
    """Another writer: how long does it wait for the write lock while the import runs?"""

    def __init__(self, database: Path):
        self.database = database
        self.waits: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> LockProbe:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        conn = sqlite3.connect(self.database, timeout=120, isolation_level=None)
        while not self._stop.is_set():
            started = time.perf_counter()
            conn.execute("BEGIN IMMEDIATE")
            self.waits.append(time.perf_counter() - started)
            conn.execute("COMMIT")
            time.sleep(0.002)
        conn.close()

    def summary(self) -> dict[str, float]:
        return {"longest_wait_ms": round(max(self.waits, default=0) * 1000, 1), "probes": len(self.waits)}


class LockHolds:
    """How long the import's own connection holds the write lock: BEGIN IMMEDIATE to COMMIT, from SQLite's trace."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn
        self.holds: list[float] = []
        self._began = 0.0

    def __enter__(self) -> LockHolds:
        self.conn.set_trace_callback(self._trace)
        return self

    def __exit__(self, *_: object) -> None:
        self.conn.set_trace_callback(None)

    def _trace(self, statement: str) -> None:
        if statement.startswith("BEGIN"):
            self._began = time.perf_counter()
        elif statement.startswith(("COMMIT", "ROLLBACK")):
            self.holds.append(time.perf_counter() - self._began)

    def summary(self) -> dict[str, float]:
        return {"transactions": len(self.holds), "longest_hold_ms": round(max(self.holds, default=0) * 1000, 1)}


def _import(home: Path, parsed: ParsedCatalog, embed: bool) -> dict:
    upnext = build(Settings(home=home), prepare=False)
    service = upnext.service
    with LockProbe(upnext.store.path) as probe, LockHolds(upnext.store.db.conn) as holds:
        started = time.perf_counter()
        counts = service.courses.upsert(parsed.courses)
        written = time.perf_counter() - started
        embedded = service.catalog.index.sync().embedded if embed else None
        total = time.perf_counter() - started
    service.close()
    lock = {**holds.summary(), "other_writer": probe.summary()}
    result = {"added": len(counts.added), "write_s": round(written, 2), "write_lock": lock}
    if embed:
        result.update(embedded=embedded, write_and_embed_s=round(total, 1))
    return result


def run_import(data: Path, work: Path, name: str, file: str, preset: str, mapping: dict, embed: bool) -> dict:
    started = time.perf_counter()
    parsed = read_catalog_file(data / file, preset=preset, mapping=mapping)
    read_s = time.perf_counter() - started
    reasons = Counter(r.reason.split(", first given")[0] for r in parsed.rejections)
    empty = Counter(f"{w.column}: {w.value!r}" for w in parsed.warnings)
    return {
        "file": file,
        "preset": preset,
        "map": mapping,
        "rows": parsed.rows,
        "rejected": len(parsed.rejections),
        "rejected_pct": round(100 * len(parsed.rejections) / max(parsed.rows, 1), 2),
        "rejection_reasons": dict(reasons.most_common()),
        "values_left_empty": len(parsed.warnings),
        "values_left_empty_top": dict(empty.most_common(8)),
        "read_and_validate_s": round(read_s, 2),
        **_import(work / name, parsed, embed),
    }


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--work", type=Path, help="folder for the stores (default: a temporary one)")
    parser.add_argument("--scale", type=int, default=50_000, help="also write this many courses into one store")
    parser.add_argument("--embed", action="store_true", help="also embed the imported courses")
    parser.add_argument("--smoke", action="store_true", help="seconds-long run on whatever --data holds")
    args = parser.parse_args(argv)
    scale = 300 if args.smoke else args.scale
    with tempfile.TemporaryDirectory() as scratch:
        work = args.work or Path(scratch)
        results: dict = {"imports": {}}
        courses = []
        for name, file, preset, mapping in IMPORTS:
            if (args.data / file).exists():
                results["imports"][name] = run_import(args.data, work, name, file, preset, mapping, args.embed)
                courses += read_catalog_file(args.data / file, preset=preset, mapping=mapping).courses
        if scale and courses:
            many = ParsedCatalog(courses=[course for course, _ in scaled(courses, scale)])
            results[f"write_{scale}_courses"] = _import(work / "scaled", many, embed=False)
            chunk = store_module.WRITE_CHUNK
            store_module.WRITE_CHUNK = scale  # as before issue 10: the whole catalog in one transaction
            try:
                results[f"write_{scale}_courses_one_transaction"] = _import(work / "one", many, embed=False)
            finally:
                store_module.WRITE_CHUNK = chunk
    report("catalog_import", results)
    return results


if __name__ == "__main__":
    main()
