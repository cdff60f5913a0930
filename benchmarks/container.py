"""Build the container image and start it on a fresh volume: image size, start to healthy, stop on SIGTERM.

    python -m benchmarks.container [--engine podman|docker] [--no-build] [--runs 3]

The web container runs `upnext serve --http` (the image's default command) with host networking against a local
fake Slack, on a new named volume each run, and `/healthz` is polled every 50 ms from the host. Extra engine
options come from the environment, for hosts whose engine needs them:
CONTAINER_RUN_OPTS (e.g. "--runtime runc --ulimit nofile=1024:1024") and CONTAINER_BUILD_OPTS (e.g. mounts
for a local wheel folder and CA bundle, `--build-arg PIP_EXTRA_ARGS=...`, `--build-arg PYTHON_IMAGE=...`).
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import statistics
import subprocess
import time
from pathlib import Path

from benchmarks.common import report
from benchmarks.slack_latency import SECRET, free_port, send_learn
from bot.transports.local_slack import LocalSlack

ROOT = Path(__file__).resolve().parent.parent
IMAGE = "upnext:latest"


def engine_command(engine: str, *args: str, options: str = "") -> list[str]:
    return [engine, *shlex.split(options), *args] if options else [engine, *args]


def build(engine: str) -> float:
    started = time.perf_counter()
    subcommand = [engine, "build", *shlex.split(os.environ.get("CONTAINER_BUILD_OPTS", "")), "-t", IMAGE, str(ROOT)]
    subprocess.run(subcommand, check=True)
    return time.perf_counter() - started


def image_mb(engine: str) -> float:
    size = subprocess.run(
        [engine, "image", "inspect", IMAGE, "--format", "{{.Size}}"], capture_output=True, text=True, check=True
    ).stdout.strip()
    return int(size) / 1e6


def start_once(engine: str, slack: LocalSlack) -> dict[str, float]:
    """Fresh volume -> healthy; then one /learn answered; then SIGTERM -> exited."""
    run_options = shlex.split(os.environ.get("CONTAINER_RUN_OPTS", ""))
    port = free_port()
    volume = f"upnext-bench-{os.getpid()}-{port}"
    name = f"upnext-web-{port}"
    subprocess.run([engine, "volume", "create", volume], check=True, capture_output=True)
    env = {"SLACK_BOT_TOKEN": "xoxb-bench", "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": slack.api_url,
           "PORT": str(port)}  # fmt: skip
    command = [engine, "run", "-d", "--name", name, "--network", "host", "-v", f"{volume}:/data", *run_options]
    for key, value in env.items():
        command += ["-e", f"{key}={value}"]
    started = time.perf_counter()
    subprocess.run([*command, IMAGE], check=True, capture_output=True)
    try:
        healthy = _wait_healthy(engine, name, port) - started
        ack, answer = send_learn(port, slack, "python for data analysis", "U0BENCH")
        stopping = time.perf_counter()
        subprocess.run([engine, "stop", "-t", "15", name], check=True, capture_output=True)
        stopped = time.perf_counter() - stopping
        logs = subprocess.run([engine, "logs", name], capture_output=True, text=True).stderr
        return {"start_to_healthy_s": healthy, "first_answer_ms": answer * 1000, "ack_ms": ack * 1000,
                "sigterm_to_exit_s": stopped, "graceful": "every request and answer finished" in logs}  # fmt: skip
    finally:
        subprocess.run([engine, "rm", "-f", name], capture_output=True)
        subprocess.run([engine, "volume", "rm", "-f", volume], capture_output=True)


def _wait_healthy(engine: str, name: str, port: int) -> float:
    import urllib.request

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as response:
                if response.status == 200:
                    return time.perf_counter()
        except OSError:
            time.sleep(0.05)
    logs = subprocess.run([engine, "logs", name], capture_output=True, text=True)
    raise RuntimeError(f"not healthy after 120 s:\n{logs.stdout}{logs.stderr}")


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--engine", default="podman" if shutil.which("podman") else "docker")
    parser.add_argument("--no-build", action="store_true", help=f"use the existing {IMAGE}")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    results: dict = {"engine": args.engine}
    if not args.no_build:
        results["build_s"] = round(build(args.engine), 1)
    results["image_mb"] = round(image_mb(args.engine))
    slack = LocalSlack().start()
    try:
        runs = [start_once(args.engine, slack) for _ in range(args.runs)]
    finally:
        slack.stop()
    for key in runs[0]:
        values = [run[key] for run in runs]
        results[key] = all(values) if isinstance(values[0], bool) else round(statistics.median(values), 2)
    results["runs"] = args.runs
    report("container", results)
    return results


if __name__ == "__main__":
    main()
