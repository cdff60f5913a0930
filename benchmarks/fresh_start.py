"""Start to healthy on a fresh UPNEXT_HOME, with the image's entrypoint (`upnext serve --http`) outside a container.

    python -m benchmarks.fresh_start [--runs 5] [--models DIR] [--compare]

With the int8 model and the bundled catalog's vectors prebuilt in UPNEXT_MODELS (`upnext models build`, what the
image does at build time), each run starts on an empty home, polls /healthz every 50 ms, then sends SIGTERM and
times the exit. `--compare` adds one run whose UPNEXT_MODELS holds only the int8 model (the catalog is embedded at
start), which is what a fresh volume cost before the vectors were shipped.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import report
from benchmarks.slack_latency import free_port, start_server
from bot.transports.local_slack import LocalSlack


def prebuilt(models: Path) -> Path:
    if not list(models.glob("bundled-catalog-*.npz")):
        upnext = Path(sys.executable).with_name("upnext")
        subprocess.run([str(upnext), "models", "build"], env={**os.environ, "UPNEXT_MODELS": str(models)}, check=True)
    return models


def one_start(models: Path, slack: LocalSlack) -> tuple[float, float]:
    os.environ["UPNEXT_MODELS"] = str(models)
    home = Path(tempfile.mkdtemp(prefix="upnext-fresh-"))
    try:
        process, startup_s = start_server(home, slack, free_port())
        stopping = time.perf_counter()
        process.send_signal(signal.SIGTERM)
        process.wait(30)
        return startup_s, time.perf_counter() - stopping
    finally:
        shutil.rmtree(home, ignore_errors=True)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--models", type=Path, default=Path("var") / "bench" / "models")
    parser.add_argument("--compare", action="store_true", help="also one start without the shipped vectors")
    parser.add_argument("--smoke", action="store_true")
    args = parser.parse_args(argv)
    if args.smoke:
        args.runs = 1
    slack = LocalSlack().start()
    try:
        models = prebuilt(args.models)
        runs = [one_start(models, slack) for _ in range(args.runs)]
        results: dict = {
            "runs": args.runs,
            "start_to_healthy_s": {"median": round(statistics.median(r[0] for r in runs), 2),
                                   "max": round(max(r[0] for r in runs), 2)},
            "sigterm_to_exit_s": {"median": round(statistics.median(r[1] for r in runs), 2)},
        }  # fmt: skip
        if args.compare:
            bare = Path(tempfile.mkdtemp(prefix="upnext-models-"))
            for model in models.glob("*.onnx"):
                os.link(model, bare / model.name)
            results["without_shipped_vectors_s"] = round(one_start(bare, slack)[0], 2)
            shutil.rmtree(bare)
    finally:
        slack.stop()
    report("fresh_start", results)
    return results


if __name__ == "__main__":
    main()
