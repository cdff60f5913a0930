"""A newcomer's first answer: `make run`'s console on a fresh UPNEXT_HOME, from start to the answer printed.

    python -m benchmarks.first_answer [--runs 3] [--ask "what should I learn next?"] [--code DIR] [--smoke]

Each run starts `upnext console --ask` on an empty home with no UPNEXT_MODELS (so, as `make run` on a fresh
checkout, the int8 model is built into the home and the bundled catalog imported), and times it to exit. `--code`
runs another checkout's code (PYTHONPATH), to measure before and after in one sitting.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import report

QUESTION = "what should I learn next?"


def one_run(code: Path, question: str) -> tuple[float, str]:
    home = Path(tempfile.mkdtemp(prefix="upnext-first-"))
    env = {**os.environ, "UPNEXT_HOME": str(home), "PYTHONPATH": str(code)}
    for name in ("UPNEXT_MODELS", "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "DATABASE_URL"):
        env.pop(name, None)
    try:
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "upnext.cli", "console", "--ask", question], env=env,
                              capture_output=True, text=True, timeout=1800, check=True)  # fmt: skip
        return time.perf_counter() - started, done.stdout
    finally:
        shutil.rmtree(home, ignore_errors=True)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--ask", default=QUESTION)
    parser.add_argument("--code", type=Path, default=Path(__file__).resolve().parents[1])
    parser.add_argument("--smoke", action="store_true", help="one run")
    args = parser.parse_args(argv)
    if args.smoke:
        args.runs = 1
    seconds, answer = [], ""
    for _ in range(args.runs):
        took, answer = one_run(args.code, args.ask)
        seconds.append(took)
    results = {
        "code": str(args.code),
        "question": args.ask,
        "runs_s": [round(s, 1) for s in seconds],
        "median_s": round(statistics.median(seconds), 1),
        "answered": bool(answer.strip()),
    }
    report("first_answer", results)
    return results


if __name__ == "__main__":
    main()
