"""Two models routed against today's one: the web process's memory and answer time, and the dense path at scale.

    python -m benchmarks.routed_search [--queries 40] [--sizes 10000,100000] [--models DIR] [--smoke]

- web: `upnext serve --http` on a fresh UPNEXT_HOME with the bundled catalog, UPNEXT_MULTILINGUAL off (today: the
  English model alone) then on (routed), each answering the same signed `/learn` queries (half English, half the
  catalog's other languages); the process's resident memory (VmRSS, and its peak VmHWM) after them, the answer
  time, and start to healthy. One run holds both, so they share the machine's load.
- index: the dense part of a search at 10k and 100k courses, with vectors of the right shape (random unit vectors,
  384-d: e5 cannot embed 100k texts in time here), 30% of the courses not in English. Today: the English model's
  query vector and its index. Routed: the query's language told (`query_language`), then for an English query both
  models' query vectors and indexes and the placing of other languages among the English hits; for any other query
  e5's alone and the fusion by rank. Query texts are fresh each time (nothing cached); keyword search and fusion
  with it are the same in both and left out.
"""

from __future__ import annotations

import argparse
import itertools
import os
import shutil
import signal
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from benchmarks.common import latency_summary, report
from benchmarks.slack_latency import QUERIES, free_port, send_learn, start_server
from bot.transports.local_slack import LocalSlack
from embeddings.encoder import DEFAULT_MODELS_DIR, load_encoder, load_multilingual
from embeddings.index import VectorIndex
from learning.search.query_language import ENGLISH, query_language
from learning.search.routing import interleave, place

OTHER_QUERIES = [  # the bundled catalog's languages: titles of translated episodes, and questions people ask
    "Gitの設定", "リポジトリの作成", "データの可視化", "Rでデータフレームを操作するには", "履歴の探索",
    "Налаштування Git", "Створення репозиторію", "як працювати з таблицями даних у R", "Вступ до Python",
    "Introducción a la terminal", "análisis de datos con Python", "cómo crear un repositorio en git",
    "Programmer avec Python", "Visualiser des données", "Creare funzioni", "版本控制", "数据可视化",
    "Manipulación de data frames con dplyr", "Trabajar con Git en equipo", "Explorer l'historique Git",
]  # fmt: skip
LANGUAGES = ("es", "fr", "it", "ja", "uk", "zh")
OTHER_SHARE = 0.3
K = 100


def queries(count: int) -> list[str]:
    """`count` queries, English and other languages in turn."""
    pairs = zip(itertools.cycle(QUERIES), itertools.cycle(OTHER_QUERIES), strict=False)
    return [query for pair in itertools.islice(pairs, (count + 1) // 2) for query in pair][:count]


def rss_mb(pid: int) -> dict[str, float]:
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return {name: round(int(fields[name].split()[0]) / 1024, 1) for name in ("VmRSS", "VmHWM")}


def web(multilingual: bool, texts: list[str], models: Path) -> dict:
    """One web process on a fresh home: start to healthy, the answers' times, its memory after them."""
    home = Path(tempfile.mkdtemp(prefix="upnext-routed-"))
    os.environ.update(UPNEXT_MULTILINGUAL="on" if multilingual else "off", UPNEXT_MODELS=str(models))
    slack = LocalSlack().start()
    process, startup_s = start_server(home, slack, port := free_port())
    try:
        for text in ("warm up", "ウォームアップ"):  # the first contact's welcome, and each model's first query
            send_learn(port, slack, text, "UBENCH")
        answers = [send_learn(port, slack, f"{text} {number}", "UBENCH")[1] for number, text in enumerate(texts)]
        return {"startup_s": round(startup_s, 1), "answer": latency_summary(answers), **rss_mb(process.pid)}
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)
        slack.stop()
        shutil.rmtree(home, ignore_errors=True)


def unit_vectors(count: int, seed: int) -> np.ndarray:
    vectors = np.random.default_rng(seed).standard_normal((count, 384)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def index_of(vectors: np.ndarray) -> VectorIndex:
    index = VectorIndex(vectors.shape[1])
    for start in range(0, len(vectors), 20_000):
        chunk = range(start, min(start + 20_000, len(vectors)))
        index.upsert({num: (f"{num:032x}", vectors[num]) for num in chunk})
    return index


def dense_paths(size: int, texts: list[str], models: Path) -> dict:
    """p95 of the dense part of a search at `size` courses: today's, and routed for English and other queries."""
    english_model, e5 = load_encoder("onnx", models), load_multilingual()
    english_index, e5_index = index_of(unit_vectors(size, 1)), index_of(unit_vectors(size, 2))
    rng = np.random.default_rng(3)
    language_of = np.where(rng.random(size) < OTHER_SHARE, rng.choice(LANGUAGES, size), ENGLISH)
    languages = frozenset({ENGLISH, *LANGUAGES})

    def is_english(num: int) -> bool:
        return bool(language_of[num] == ENGLISH)

    def today(text: str) -> object:
        return english_index.search(english_model.encode_query(text), K)

    def routed(text: str) -> object:
        language = query_language(text, languages)
        reach = e5_index.search(e5.encode_query(text), K)
        if language != ENGLISH:
            return interleave(reach, lambda num: bool(language_of[num] == language), is_english)
        english = [hit for hit in english_index.search(english_model.encode_query(text), K) if is_english(hit[0])]
        return place(english, reach, is_english)

    def timings(path: Callable[[str], object], chosen: list[str]) -> dict:
        for text in chosen[:3]:
            path(f"{text} warm {size}")
        seconds = []
        for number, text in enumerate(chosen):
            started = time.perf_counter()
            path(f"{text} {number} {size}")  # a fresh text: no query cache
            seconds.append(time.perf_counter() - started)
        return latency_summary(seconds)

    english_texts = [t for t in texts if query_language(t, languages) == ENGLISH]
    other_texts = [t for t in texts if query_language(t, languages) != ENGLISH]
    return {
        "index": "hnsw + exact delta" if english_index.approximate else "exact (flat)",
        "today_english_query": timings(today, english_texts),
        "routed_english_query": timings(routed, english_texts),
        "routed_other_language_query": timings(routed, other_texts),
        "today_other_language_query": timings(today, other_texts),
    }


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--queries", type=int, default=40)
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--models", type=Path, default=DEFAULT_MODELS_DIR, help="where the int8 model is built")
    parser.add_argument("--smoke", action="store_true", help="a few queries at small sizes, for the tests")
    args = parser.parse_args(argv)
    texts = queries(6 if args.smoke else args.queries)
    sizes = [500] if args.smoke else [int(s) for s in args.sizes.split(",")]
    load_encoder("onnx", args.models.resolve())  # built once, before the processes that share it
    results: dict = {
        "web_today": web(False, texts, args.models.resolve()),
        "web_routed": web(True, texts, args.models.resolve()),
    }
    for size in sizes:
        results[f"dense_{size}"] = dense_paths(size, texts * (1 if args.smoke else 5), args.models)
    report("routed_search", results)
    return results


if __name__ == "__main__":
    main()
