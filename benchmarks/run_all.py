"""`make bench`: every benchmark in turn, each printing its JSON block for BENCHMARKS.md.

    python -m benchmarks.run_all [--smoke] [--data DIR]

Benchmarks that read a public data set are skipped, with a note, when `--data` (default ../shared/data) is absent.
The container benchmark needs an engine and is run on its own (`python -m benchmarks.container`).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from benchmarks.common import DEFAULT_DATA

STANDALONE = ["embedding_throughput", "slack_latency", "fresh_start", "first_answer", "routed_search",
              "recommender_latency", "nudge_planning", "backup_time", "people_import"]  # fmt: skip
WITH_DATA = ["search_quality", "search_speed", "recommender_quality", "cross_language"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="each benchmark on tiny data")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = parser.parse_args(argv)
    smoke = ["--smoke"] if args.smoke else []
    runs = [[name, *smoke] for name in STANDALONE]
    if args.data.is_dir():
        runs += [[name, "--data", str(args.data), *smoke] for name in WITH_DATA]
    else:
        print(f"skipping {', '.join(WITH_DATA)}: no data set at {args.data}", file=sys.stderr)
    failed = [
        run[0] for run in runs if subprocess.run([sys.executable, "-m", f"benchmarks.{run[0]}", *run[1:]]).returncode
    ]
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
