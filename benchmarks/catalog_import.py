"""Real vendor exports imported as a learning team would (issue 14), and how long imports hold the write lock
(issue 10, item 4).

    python -m benchmarks.catalog_import [--data ../shared/data] [--scale 50000] [--embed] [--smoke]
    python -m benchmarks.catalog_import --rows 100000 [--phases read,write,embed] [--embed-sample 1000]

Imports the bench-only Coursera 2019 and edX 2021 catalogs and CoCo's Udemy items through presets (plus --map
where the file's columns are its own), each into a fresh store: rows read, added, rejected (with the reasons),
values left empty (by column and value), and the time to read and validate, and to write. `--embed` also embeds
(what the first import of a catalog costs; see embedding_throughput for the encoder alone).

Meanwhile a second connection keeps asking for the write lock (BEGIN IMMEDIATE; COMMIT every 2 ms) and records how
long it had to wait: the longest wait is the longest time the import held the lock, which is what an event's
de-duplication insert would wait. `--scale N` also writes N courses (the real ones repeated with distinct ids)
into one store, the size at which one transaction held the lock for ~15 s, both in short transactions and, for
comparison in the same run, in one.

`--rows N` instead measures one catalog file of N rows as `upnext catalog import` reads it: the real courses of
the four public catalogs (benchmarks/catalogs.py) repeated with distinct ids and titles, written as a CSV file
(not timed). Each phase is timed apart, on a fresh store: `read` (read and validate the file), `write` (the
courses into SQLite, with the lock measurements above) and `embed` (the first --embed-sample courses, all
distinct real texts, embedded by the model from a cold cache; reported as courses/s and extrapolated to N).
"""

from __future__ import annotations

import argparse
import csv
import sqlite3
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

from benchmarks.catalogs import real_courses, scaled
from benchmarks.common import DEFAULT_DATA, report
from config import Settings
from learning.catalog.courses import Course
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
    upnext = build(Settings(multilingual=False, home=home, models=home.parent / "models"), prepare=False)
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


CSV_COLUMNS = ["id", "title", "description", "topics", "level", "duration_minutes", "language", "url", "provider"]
PHASES = ("read", "write", "embed")


def write_catalog_csv(courses: list[Course], path: Path) -> None:
    """The courses as a catalog file a learning team would import (topics separated by ';')."""
    with open(path, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(CSV_COLUMNS)
        for course in courses:
            record = {**course.__dict__, "topics": "; ".join(course.topics)}
            writer.writerow(["" if record[c] is None else record[c] for c in CSV_COLUMNS])


def _embed(home: Path, courses: list[Course], rows: int) -> dict:
    """Embedding alone: `courses` written untimed into a fresh store, then the model embeds them (cold cache)."""
    upnext = build(Settings(multilingual=False, home=home, models=home.parent / "models"), prepare=False)
    service = upnext.service
    service.courses.upsert(courses)
    started = time.perf_counter()
    embedded = service.catalog.index.sync().embedded
    seconds = time.perf_counter() - started
    service.close()
    rate = embedded / seconds
    return {"sample": len(courses), "embedded": embedded, "embed_s": round(seconds, 1),
            "courses_per_s": round(rate, 1), f"extrapolated_{rows}_s": round(rows / rate)}  # fmt: skip


def run_rows(data: Path, work: Path, rows: int, phases: set[str], embed_sample: int) -> dict:
    """One generated catalog file of `rows` rows, each phase timed apart on a fresh store."""
    courses = [course for course, _ in scaled(real_courses(data), rows)]
    file = work / f"catalog_{rows}.csv"
    write_catalog_csv(courses, file)
    result: dict = {"rows": rows, "file_mb": round(file.stat().st_size / 1e6, 1)}
    if phases & {"read", "write"}:
        started = time.perf_counter()
        parsed = read_catalog_file(file)
        seconds = time.perf_counter() - started
        result["read"] = {"courses": len(parsed.courses), "rejected": len(parsed.rejections),
                          "read_s": round(seconds, 2), "rows_per_s": round(rows / seconds)}  # fmt: skip
        if "write" in phases:
            written = _import(work / f"write_{rows}", parsed, embed=False)
            written["rows_per_s"] = round(written["added"] / max(written["write_s"], 1e-9))
            result["write"] = written
        del parsed
    if "embed" in phases:
        result["embed"] = _embed(work / f"embed_{rows}", courses[:embed_sample], rows)
    return result


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--work", type=Path, help="folder for the stores (default: a temporary one)")
    parser.add_argument("--scale", type=int, default=50_000, help="also write this many courses into one store")
    parser.add_argument("--embed", action="store_true", help="also embed the imported courses")
    parser.add_argument("--smoke", action="store_true", help="seconds-long run on whatever --data holds")
    parser.add_argument("--rows", type=int, help="only: import one generated catalog file of this many rows")
    parser.add_argument("--phases", default="read,write,embed", help=f"with --rows, any of {','.join(PHASES)}")
    parser.add_argument("--embed-sample", type=int, default=1000, help="with --rows: courses embedded to time it")
    args = parser.parse_args(argv)
    scale = 300 if args.smoke else args.scale
    with tempfile.TemporaryDirectory() as scratch:
        work = args.work or Path(scratch)
        work.mkdir(parents=True, exist_ok=True)
        if args.rows:
            phases = set(args.phases.split(",")) & set(PHASES)
            results = {"generated": run_rows(args.data, work, args.rows, phases, args.embed_sample)}
            report("catalog_import", results)
            return results
        results: dict = {"imports": {}}
        courses = []
        for name, file, preset, mapping in IMPORTS:
            if (args.data / file).exists():
                results["imports"][name] = run_import(args.data, work, name, file, preset, mapping, args.embed)
                courses += read_catalog_file(args.data / file, preset=preset, mapping=mapping).courses
        if scale and courses:
            many = ParsedCatalog(courses=[course for course, _ in scaled(courses, scale)])
            results[f"write_{scale}_courses"] = _import(work / "scaled", many, embed=False)
            chunk, chars = store_module.WRITE_CHUNK, store_module.WRITE_CHUNK_CHARS
            store_module.WRITE_CHUNK = store_module.WRITE_CHUNK_CHARS = scale * 100_000  # as before issue 10: one
            try:
                results[f"write_{scale}_courses_one_transaction"] = _import(work / "one", many, embed=False)
            finally:
                store_module.WRITE_CHUNK, store_module.WRITE_CHUNK_CHARS = chunk, chars
        if args.smoke:
            results["generated"] = run_rows(args.data, work, 300, set(PHASES), embed_sample=10)
    report("catalog_import", results)
    return results


if __name__ == "__main__":
    main()
