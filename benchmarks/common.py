"""Shared benchmark helpers: machine description, percentiles, result printing."""

from __future__ import annotations

import json
import os
import platform
import resource
import statistics
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from learning.store.postgres import masked

DEFAULT_DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"


def machine() -> str:
    try:
        with open("/proc/meminfo") as meminfo:
            kib = int(meminfo.readline().split()[1])
        memory = f"{kib / 1024 / 1024:.0f} GiB"
    except OSError:
        memory = "? GiB"
    cpu = platform.processor() or platform.machine()
    return f"{os.cpu_count()} cores ({cpu}), {memory}, Python {platform.python_version()}, {platform.system()}"


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q
    low, high = int(rank), min(int(rank) + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def latency_summary(seconds: list[float]) -> dict[str, float]:
    ms = [s * 1000 for s in seconds]
    return {
        "n": len(ms),
        "p50_ms": round(percentile(ms, 0.50), 1),
        "p95_ms": round(percentile(ms, 0.95), 1),
        "p99_ms": round(percentile(ms, 0.99), 1),
        "mean_ms": round(statistics.fmean(ms), 1) if ms else float("nan"),
    }


def peak_rss_mb(pid: int | None = None) -> float:
    """This process's peak resident memory, or a running child's (its VmHWM, read before it exits)."""
    if pid is None:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    status = Path(f"/proc/{pid}/status").read_text().splitlines()
    return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:")) / 1024


def _module_name() -> str:
    spec = getattr(sys.modules["__main__"], "__spec__", None)
    return spec.name if spec else Path(sys.argv[0]).stem


def report(name: str, results: dict[str, Any]) -> None:
    """Print a result block that can be pasted into BENCHMARKS.md."""
    header = {
        "benchmark": name,
        "command": " ".join(["python -m", _module_name(), *(masked(arg) for arg in sys.argv[1:])]),
        "machine": machine(),
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }
    print(json.dumps({**header, **results}, indent=2, ensure_ascii=False))


def fresh_service(home: Path, shared: Path) -> Any:
    """A service over an empty store and index in `home`, with the vectors cached in `shared` copied in (course texts
    embedded by an earlier run are not embedded again; `share_vectors(service, shared, "out")` after an import)."""
    from config import Settings
    from upnext.build import build_service

    home.mkdir(parents=True, exist_ok=True)
    (home / "upnext.db").unlink(missing_ok=True)
    for index_file in home.glob("courses-*.npz"):
        index_file.unlink()
    service = build_service(Settings(multilingual=False, home=home), prepare=False)
    shared.parent.mkdir(parents=True, exist_ok=True)
    share_vectors(service, shared, "in")
    return service


def share_vectors(service: Any, shared: Path, direction: str) -> None:
    """Copy cached vectors between the run's store and the long-lived shared cache."""
    service.catalog.index.cache.exchange(shared, direction)


def join_cached_vectors(db: Path, encoder: Any, hashes: Iterable[str]) -> int:
    """For a joint encoder ("onnx+use-multilingual"), its vectors made from those its two parts already cached in the
    store at `db`, so joint weights are compared without embedding anything again. Returns how many were made."""
    from embeddings.multilingual import JointEncoder
    from embeddings.vector_cache import VectorCache
    from upnext.schema import open_store

    if not isinstance(encoder, JointEncoder) or not db.exists():
        return 0
    store = open_store(db)
    try:
        first, second = (VectorCache(store, part) for part in encoder.parts)
        firsts = first.get(hashes)
        seconds = second.get(firsts)
        VectorCache(store, encoder).put({h: encoder.join(firsts[h], seconds[h]) for h in seconds})
    finally:
        store.close()
    return len(seconds)
