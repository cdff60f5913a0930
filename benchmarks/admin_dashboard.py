"""The learning team's view at company scale: the /admin dashboard's latency and `upnext report`'s run time, on
the nudge benchmark's store (100k learners, ~1M events) with twelve weeks of use added (benchmarks/usage_data.py).

    python -m benchmarks.admin_dashboard [--learners 100000] [--courses 10000] [--requests 20] [--postgres] [--smoke]

Measured per engine, in this order, for the dashboard's default window (the last twelve finished weeks):
- the roll-ups brought up to date, as the clock keeps them (and, with `--first-catch-up`, made again from nothing as
  after the upgrade, with a writer beside it: the longest any of its writes waited);
- every figure computed in process, uncached (`build(fresh=True)`), over several runs;
- the clock's refresh of the report snapshots (insights.snapshots): computed and stored, the snapshots dropped first;
- the dashboard, served by waitress as `upnext serve --http` serves it and fetched over HTTP with a session from a
  real sign-in link: its first request after the clock's refresh (served from the snapshot), then later ones;
- `upnext report` as its own process (start-up, model and store included) after the refresh, and with `--fresh`.
With `--postgres` (or `--database-url`) the store is copied into PostgreSQL and measured there too, in the same run
(benchmarks/engines.py).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

from benchmarks import engines
from benchmarks.common import latency_summary, report
from benchmarks.nudge_planning import NOW, build_store
from benchmarks.usage_data import seed_usage
from config import Settings
from config.reporting import Reporting
from insights.report import Window
from insights.rollups import Rollups
from insights.snapshots import ReportSnapshots
from upnext.schema import open_store


def build(home: Path, learners: int, courses: int, work: Path) -> dict:
    shared = work / "vectors" / "bundled.db"
    shared.parent.mkdir(parents=True, exist_ok=True)
    build_store(home, learners, courses, shared)
    store = open_store(home / "upnext.db")
    try:
        return seed_usage(store, NOW)
    finally:
        store.close()


def time_dashboard(home: Path, requests: int, url: str | None = None) -> dict:
    from waitress.server import create_server

    from admin.signin import SignIn
    from upnext.build import build

    reporting = Reporting(admins=frozenset({"UBENCH"}), public_url="http://bench.invalid")
    settings = Settings(multilingual=False, home=home, database_url=url, reporting=reporting)
    upnext = build(settings, prepare=False)
    server = create_server(upnext.admin_web(), host="127.0.0.1", port=0, threads=4)
    threading.Thread(target=server.run, daemon=True).start()
    base = f"http://127.0.0.1:{server.effective_port}"
    link = SignIn(upnext.admin_tokens).link("UBENCH", "http://bench.invalid").replace("http://bench.invalid", base)
    with urllib.request.urlopen(link) as response:
        cookie = response.headers["Set-Cookie"].split(";")[0]
    seconds, size, cold = [], 0, 0.0
    for i in range(requests + 1):  # the dashboard's default window: the last twelve finished weeks
        request = urllib.request.Request(f"{base}/admin", headers={"Cookie": cookie})
        started = time.perf_counter()
        with urllib.request.urlopen(request, timeout=120) as response:
            size = len(response.read())
        if i:
            seconds.append(time.perf_counter() - started)
        else:  # the first request after the clock's refresh: served from the snapshot it stored
            cold = time.perf_counter() - started
    server.close()
    return {"first_request_s": round(cold, 2), "cached": latency_summary(seconds), "page_kb": round(size / 1024)}


def time_build(home: Path, runs: int, url: str | None = None) -> dict:
    """Every figure computed from the store, no snapshot read, `runs` times in one process."""
    from upnext.build import build

    builder = build(Settings(multilingual=False, home=home, database_url=url), prepare=False).report_builder()
    window = Window.last_weeks()
    builder.build(window, fresh=True)  # warms SQLite's page cache and the encoder's memo of question phrases
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        builder.build(window, fresh=True)
        seconds.append(time.perf_counter() - started)
    return latency_summary(seconds)


def time_refresh(home: Path, url: str | None = None) -> float:
    """The clock's refresh of the default window's snapshot, from none: computed and stored."""
    from upnext.build import build

    upnext = build(Settings(multilingual=False, home=home, database_url=url), prepare=False)
    ReportSnapshots(upnext.store).drop()
    refresh = upnext.snapshot_refresh(with_digest=False)
    started = time.perf_counter()
    assert refresh.run() == 1
    seconds = time.perf_counter() - started
    upnext.close()
    return round(seconds, 2)


def time_first_catch_up(where: Path | str) -> dict:
    """The roll-ups made again from nothing (as after the upgrade) while another connection writes a row every 50 ms:
    the longest one of those writes waited is the longest the catch-up held the store's write lock."""
    store, probe = open_store(where), open_store(where)
    with store.transaction() as sql:
        for table in ("usage_days", "pick_days", "first_takes"):
            sql.execute(f"DELETE FROM {table}")
        sql.execute("DELETE FROM meta WHERE key IN ('rollups.events', 'rollups.answers')")
    waits: list[float] = []
    done = threading.Event()

    def write() -> None:
        while not done.is_set():
            started = time.perf_counter()
            probe.set_meta("bench.probe", str(started))
            waits.append(time.perf_counter() - started)
            time.sleep(0.05)

    writer = threading.Thread(target=write)
    writer.start()
    started = time.perf_counter()
    Rollups(store).update()
    seconds = time.perf_counter() - started
    done.set()
    writer.join()
    store.close()
    probe.close()
    return {"s": round(seconds, 1), "writes": len(waits), "longest_write_wait_s": round(max(waits), 2)}


def time_report(home: Path, url: str | None = None, *args: str) -> dict:
    env = {**os.environ, "UPNEXT_HOME": str(home)}
    env = {k: v for k, v in env.items() if not k.startswith("SLACK_") and k != "DATABASE_URL"}
    if url:
        env["DATABASE_URL"] = url
    runs = {}
    for fmt in ("json", "text"):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "upnext.cli", "report", "--format", fmt, *args], env=env, check=True,
                       capture_output=True)  # fmt: skip
        runs[fmt] = round(time.perf_counter() - started, 2)
    return runs


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--learners", type=int, default=100_000)
    parser.add_argument("--courses", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--builds", type=int, default=10, help="uncached report builds to time")
    parser.add_argument("--work", type=Path, default=Path("var") / "bench")
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument("--first-catch-up", action="store_true", help="also make the roll-ups again from nothing")
    engines.add_arguments(parser)
    args = parser.parse_args(argv)
    if args.smoke:
        args.learners, args.courses, args.requests, args.builds = 100, 60, 2, 2
    home = args.work / f"admin-{args.learners}-{args.courses}"
    usage = {}
    if args.rebuild or args.smoke or not (home / "upnext.db").exists():
        usage = build(home, args.learners, args.courses, args.work)
    store = open_store(home / "upnext.db")
    events = store.db.execute("SELECT count(*) FROM events").fetchone()[0]
    store.close()
    results = {"learners": args.learners, "courses": args.courses, "events": events, "usage_added": usage,
               "sqlite": measure(home, args)}  # fmt: skip
    with engines.postgres_server(args) as server:
        if server:  # the same store, copied into PostgreSQL, measured the same way in the same run
            url, results["postgres_copy"] = engines.copy_store(home / "upnext.db", server, "bench_admin")
            results["postgres"] = measure(home, args, url)
    report("admin_dashboard", results)
    return results


def measure(home: Path, args: argparse.Namespace, url: str | None = None) -> dict:
    """The roll-ups brought up to date (as the clock keeps them), then the report built uncached, the clock's refresh,
    the dashboard served and `upnext report` run (after the refresh, and `--fresh`) on the store at `home` (or at
    `url`)."""
    where = url or home / "upnext.db"
    first = {"rollups_first_catch_up": time_first_catch_up(where)} if args.first_catch_up else {}
    store = open_store(where)
    started = time.perf_counter()
    Rollups(store).update()
    catch_up = time.perf_counter() - started
    store.close()
    return {**first, "rollups_catch_up_s": round(catch_up, 1), "report_build": time_build(home, args.builds, url),
            "clock_refresh_s": time_refresh(home, url), "dashboard": time_dashboard(home, args.requests, url),
            "report_s": time_report(home, url), "report_fresh_s": time_report(home, url, "--fresh")}  # fmt: skip


if __name__ == "__main__":
    main()
