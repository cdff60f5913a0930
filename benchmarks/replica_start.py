"""A web replica's start to healthy on an empty disk, with a 10k-course catalog already in the database.

    python -m benchmarks.replica_start [--courses 10000] [--database-url URL] [--smoke]

The catalog (the bundled courses, copies up to the size with nearby vectors, see benchmarks/catalogs.py) is imported
once into a PostgreSQL database (DATABASE_URL, or --database-url; without either, a throwaway server as the tests
start one) and, for comparison, into a SQLite store. Then `upnext serve --http` is started in a fresh process, its
UPNEXT_HOME empty on PostgreSQL (a new replica on a new machine) and without the FAISS index file on SQLite; the
time from spawning it to the first 200 from /healthz is measured, with how many course vectors it embedded (none is
the promise: it builds its index from the stored vectors) and its peak RSS. The models are made ahead of time in
UPNEXT_MODELS, as the container image does.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from benchmarks.catalogs import prefill_copies, scaled
from benchmarks.common import peak_rss_mb, report
from bot.transports.local_slack import LocalSlack
from config import Settings
from learning.catalog.bundled_vectors import preload_bundled_vectors
from learning.catalog.files import ParsedCatalog, read_catalog_file
from learning.catalog.importer import bundled_catalog_path
from upnext.build import build

HEALTHY_WITHIN = 120.0  # seconds before a start counts as failed


def import_catalog(settings: Settings, courses: int, first: int = 0) -> None:
    """The catalog as an import by another process leaves it: courses and their vectors in the store (the courses
    from `first` on: a later import adding to an earlier one)."""
    upnext = build(settings, prepare=False)
    cache = upnext.service.catalog.index.cache
    preload_bundled_vectors(cache, settings.models_dir)
    pairs = scaled(read_catalog_file(bundled_catalog_path()).courses, courses)
    cache.vectors_for({c.content_hash: c.embedding_text() for c, original in pairs if original is None})
    prefill_copies(cache, pairs)
    upnext.service.catalog.import_parsed(ParsedCatalog(courses=[c for c, _ in pairs[first:]]))
    upnext.close()


def catch_up(settings: Settings, importer: Settings, courses: int, added: int) -> dict:
    """A running replica's catch-up with `added` courses another process imported: the time of one catch-up (after
    it noticed the new catalog version), which runs in the background while the replica answers from its index."""
    replica = build(settings)
    import_catalog(importer, courses + added, first=courses)
    index = replica.service.catalog.index
    started = time.perf_counter()
    report = index.catch_up()
    seconds = time.perf_counter() - started
    replica.close()
    assert report is not None
    return {"added": added, "catch_up_s": round(seconds, 2), "embedded": report.embedded, "indexed": report.indexed,
            "index_size": len(index.vectors)}  # fmt: skip


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as response:
            return response.status == 200
    except OSError:
        return False


def start_to_healthy(home: Path, models: Path, database_url: str | None, slack_url: str) -> dict:
    """Spawn `upnext serve --http` and time it to its first healthy answer; then stop it."""
    port = _free_port()
    env = {**os.environ, "UPNEXT_HOME": str(home), "UPNEXT_MODELS": str(models), "SLACK_BOT_TOKEN": "xoxb-bench",
           "SLACK_SIGNING_SECRET": "bench", "SLACK_API_URL": slack_url, "PORT": str(port)}  # fmt: skip
    env.pop("SLACK_APP_TOKEN", None)
    env.pop("DATABASE_URL", None)
    if database_url:
        env["DATABASE_URL"] = database_url
    log = home.parent / f"{home.name}.log"
    started = time.perf_counter()
    with open(log, "w") as output:
        process = subprocess.Popen([sys.executable, "-m", "upnext.cli", "serve", "--http"], env=env,
                                   stdout=output, stderr=subprocess.STDOUT)  # fmt: skip
    try:
        while not _healthy(port):
            if process.poll() is not None or time.perf_counter() - started > HEALTHY_WITHIN:
                raise RuntimeError(f"the replica did not become healthy; its log: {log.read_text()[-2000:]}")
            time.sleep(0.05)
        healthy_s = time.perf_counter() - started
        rss = peak_rss_mb(process.pid)
    finally:
        process.terminate()
        process.wait(30)
    ready = re.search(r"catalog ready: (\d+) courses \(SyncReport\(embedded=(\d+), indexed=(\d+)", log.read_text())
    assert ready, f"no 'catalog ready' line in {log}"
    return {"start_to_healthy_s": round(healthy_s, 2), "courses": int(ready[1]), "embedded": int(ready[2]),
            "indexed_from_stored_vectors": int(ready[3]), "peak_rss_mb": round(rss)}  # fmt: skip


@contextmanager
def postgres_database(url: str | None):
    """The given database, or one on a throwaway server (tests/postgres.py) stopped and removed at the end."""
    if url:
        yield url
        return
    from tests.postgres import start_server

    folder = Path(tempfile.mkdtemp(prefix="upnext-pg-"))  # its own: the server's user must be able to read it
    server = start_server(folder)
    try:
        yield server.create_database("replica_start")
    finally:
        server.stop("immediate")
        shutil.rmtree(folder, ignore_errors=True)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--courses", type=int, default=10_000)
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--models", type=Path, default=Path("var") / "models", help="UPNEXT_MODELS")
    parser.add_argument("--smoke", action="store_true")
    args = parser.parse_args(argv)
    if args.smoke:
        args.courses = 60
    work = Path(tempfile.mkdtemp(prefix="upnext-replica-"))
    slack = LocalSlack().start()
    results: dict = {"courses": args.courses}
    try:
        models_env = {**os.environ, "UPNEXT_MODELS": str(args.models), "UPNEXT_HOME": str(work / "m")}
        subprocess.run([sys.executable, "-m", "upnext.cli", "models", "build"], check=True, capture_output=True,
                       env=models_env)  # fmt: skip
        sqlite_home = work / "sqlite"
        import_catalog(Settings(home=sqlite_home, models=args.models), args.courses)
        for index_file in sqlite_home.glob("courses-*.npz"):
            index_file.unlink()  # the store is on this disk; the index is not
        results["sqlite_without_index_file"] = start_to_healthy(sqlite_home, args.models, None, slack.api_url)
        with postgres_database(args.database_url) as url:
            started = time.perf_counter()
            import_catalog(Settings(home=work / "importer", models=args.models, database_url=url), args.courses)
            results["postgres_import_s"] = round(time.perf_counter() - started, 1)
            results["postgres_empty_disk"] = start_to_healthy(work / "replica", args.models, url, slack.api_url)
            follower = Settings(home=work / "follower", models=args.models, database_url=url)
            importer = Settings(home=work / "importer", models=args.models, database_url=url)
            results["postgres_catch_up"] = catch_up(follower, importer, args.courses, max(10, args.courses // 10))
    finally:
        slack.stop()
        shutil.rmtree(work, ignore_errors=True)
    report("replica_start", results)
    return results


if __name__ == "__main__":
    main()
