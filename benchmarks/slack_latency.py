"""The Slack path end to end: `upnext serve --http` in its own process, signed `/learn` requests in, answers out
on a local fake Slack. Measures start-up to healthy, then ack latency (the HTTP response) and answer latency
(request sent -> answer posted to the response_url), sequentially or from concurrent clients.

    python -m benchmarks.slack_latency [--requests 100] [--clients 1] [--home DIR] [--smoke]
"""

from __future__ import annotations

import argparse
import itertools
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode

from slack_sdk.signature import SignatureVerifier

from benchmarks.common import latency_summary, peak_rss_mb, report
from bot.transports.local_slack import LocalSlack

QUERIES = [
    "python for data analysis",
    "git branching and merging",
    "sql joins",
    "machine learning for beginners",
    "plotting in R",
    "shell scripts and loops",
    "cleaning data in spreadsheets",
    "image processing",
    "deep learning with keras",
    "version control",
    "high performance computing clusters",
    "writing reproducible workflows",
    "geospatial raster data",
    "openrefine",
    "teaching programming",
    "statistics with R",
    "web scraping",
    "containers docker",
    "how do I test my code",
    "make build automation",
]
VARIANTS = ["", " for beginners", " in practice", " tutorial", " advanced topics"]
SECRET = "bench-signing-secret"
NEXT = "what should I learn next"


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(home: Path, slack: LocalSlack, port: int) -> tuple[subprocess.Popen, float]:
    env = {
        **os.environ,
        "SLACK_BOT_TOKEN": "xoxb-bench",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": slack.api_url,
        "UPNEXT_HOME": str(home),
    }
    env.pop("SLACK_APP_TOKEN", None)
    upnext = Path(sys.executable).with_name("upnext")
    started = time.perf_counter()
    process = subprocess.Popen(
        [str(upnext), "serve", "--http", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"upnext serve exited: {process.stderr.read() if process.stderr else ''}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as response:
                if response.status == 200:
                    return process, time.perf_counter() - started
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.05)


def send_learn(port: int, slack: LocalSlack, text: str, user: str) -> tuple[float, float]:
    """One signed /learn; returns (ack seconds, answer seconds)."""
    name = secrets.token_hex(6)
    body = urlencode(
        {
            "team_id": "T0LOCAL",
            "channel_id": "C0BENCH",
            "user_id": user,
            "command": "/learn",
            "text": text,
            "response_url": slack.response_url(name),
            "trigger_id": name,
            "api_app_id": "AUPNEXT",
        }
    )
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": SignatureVerifier(SECRET).generate_signature(timestamp=timestamp, body=body),
    }
    request = urllib.request.Request(f"http://127.0.0.1:{port}/slack/events", body.encode(), headers)
    sent = time.monotonic()
    with urllib.request.urlopen(request, timeout=10) as response:
        response.read()
        acked = time.monotonic()
        if response.status != 200:
            raise RuntimeError(f"ack status {response.status}")
    calls = slack.wait_for(lambda cs: any(c.path.endswith(name) for c in cs), timeout=120)  # first: signals build
    answered = next(c.at for c in calls if c.path.endswith(name))
    return acked - sent, answered - sent


def import_catalog(home: Path, catalog: Path) -> None:
    upnext = Path(sys.executable).with_name("upnext")
    subprocess.run(
        [str(upnext), "catalog", "import", str(catalog)],
        env={**os.environ, "UPNEXT_HOME": str(home)},
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--clients", type=int, default=1, help="concurrent clients (1 = sequential)")
    parser.add_argument("--home", type=Path, help="UPNEXT_HOME to reuse (default: a fresh temporary one)")
    parser.add_argument("--catalog", type=Path, help="import this catalog into a fresh home first")
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--users", type=Path, help="Slack ids (one per line) to ask as; half ask what is next")
    parser.add_argument("--smoke", action="store_true", help="a few requests, for the tests")
    args = parser.parse_args(argv)
    if args.smoke:
        args.requests, args.warmup = 3, 1

    temporary = None if args.home else Path(tempfile.mkdtemp(prefix="upnext-bench-"))
    home = args.home or temporary
    if args.catalog:
        import_catalog(home, args.catalog)
    slack = LocalSlack().start()
    port = free_port()
    process, startup_s = start_server(home, slack, port)
    try:
        # Distinct texts, so the query-embedding cache does not flatter the numbers.
        queries = itertools.cycle([q + v for v in VARIANTS for q in QUERIES])
        for _ in range(args.warmup):  # with --users, a recommendation first: it builds the signals
            send_learn(port, slack, NEXT if args.users else next(queries), "UWARM")
        users = args.users.read_text().split() if args.users else [f"U{i:04d}" for i in range(50)]
        jobs = [
            (next(queries) if i % 2 or not args.users else NEXT, users[i % len(users)]) for i in range(args.requests)
        ]
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=args.clients) as pool:
            timings = list(pool.map(lambda job: send_learn(port, slack, *job), jobs))
        wall = time.perf_counter() - started
        server_rss_mb = peak_rss_mb(process.pid)
    finally:
        process.terminate()
        process.wait(timeout=10)
        slack.stop()
        if temporary:
            shutil.rmtree(temporary, ignore_errors=True)
    results = {
        "requests": args.requests,
        "clients": args.clients,
        "startup_to_healthy_s": round(startup_s, 2),
        "all_acked": len(timings) == args.requests,
        "ack": latency_summary([a for a, _ in timings]),
        "answer": latency_summary([b for _, b in timings]),
        "throughput_rps": round(args.requests / wall, 1),
        "server_peak_rss_mb": round(server_rss_mb),
    }
    report("slack_latency", results)
    return results


if __name__ == "__main__":
    main()
