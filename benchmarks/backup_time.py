"""`upnext backup` on a company-sized store: 100k learners, ~1M events, a 10k catalog (the nudge planning store).

    python -m benchmarks.backup_time [--learners 100000] [--courses 10000] [--runs 3] [--smoke]

Times the real command in its own process (`upnext backup FILE`, median of --runs), then `upnext restore` into a
fresh home and `upnext check` on the restored store (which rebuilds the FAISS index file, not part of a backup).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.common import report
from benchmarks.nudge_planning import company_store


def timed(*command: str, home: Path, models: Path) -> float:
    upnext = Path(sys.executable).with_name("upnext")
    started = time.perf_counter()
    env = {**os.environ, "UPNEXT_HOME": str(home), "UPNEXT_MODELS": str(models)}
    subprocess.run([str(upnext), *command], env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--learners", type=int, default=100_000)
    parser.add_argument("--courses", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--work", type=Path, default=Path("var") / "bench")
    parser.add_argument("--smoke", action="store_true")
    args = parser.parse_args(argv)
    if args.smoke:
        args.learners, args.courses, args.runs = 100, 60, 1
    home = company_store(args.work, args.learners, args.courses, rebuild=args.smoke)
    with sqlite3.connect(home / "upnext.db") as db:
        learners, events = (db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("learners", "events"))
    target = args.work / "backup-bench.db"
    models = home / "models"  # the int8 model the store was built with
    backups = [timed("backup", str(target), home=home, models=models) for _ in range(args.runs)]
    restored = args.work / "restored-bench"
    shutil.rmtree(restored, ignore_errors=True)
    results = {
        "learners": learners,
        "events": events,
        "store_mb": round((home / "upnext.db").stat().st_size / 1e6),
        "backup_mb": round(target.stat().st_size / 1e6),
        "backup_s": round(statistics.median(backups), 2),
        "restore_s": round(timed("restore", str(target), home=restored, models=models), 2),
        "check_restored_s": round(timed("check", home=restored, models=models), 2),
    }
    target.unlink()
    shutil.rmtree(restored, ignore_errors=True)
    report("backup_time", results)
    return results


if __name__ == "__main__":
    main()
