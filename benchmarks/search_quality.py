"""Search quality: keyword (FTS5 BM25), dense (embeddings + FAISS) and the product's hybrid, side by side.

- MeTA MOOC collection: 13 natural queries over 23,566 course titles; nDCG@10 and Recall@50.
- Coursera 2019: for each course with in-catalog "related courses" links, rank the other courses by similarity to
  it; Recall@10 of the linked ones (the "Because you finished X" task).

    python -m benchmarks.search_quality [--data ../shared/data] [--encoder NAME] [--postgres] [--smoke]

NAME: `routed`, the product (today's model between English words, multilingual-e5 wherever a query or a course is
not English: on these English catalogs, every query is English), or one `load_encoder` kind alone (default: auto).

With `--postgres` (or `--database-url`) the same catalogs are measured on PostgreSQL too, in the same run: the
Coursera related-courses task is the held-out set for the PostgreSQL keyword ranking, tuned on MeTA's queries.

Each catalog is imported through the product's own catalog import into a store under var/bench/ (vectors are
cached there, so reruns are fast); "hybrid" is the product's `CourseSearch.search` / `CourseSearch.similar`.
"""

from __future__ import annotations

import argparse
import ast
import csv
import math
import time
from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path

from benchmarks import engines
from benchmarks.common import DEFAULT_DATA, join_cached_vectors, report
from benchmarks.engines import copy_store
from config import Settings
from embeddings.encoder import Encoder, load_encoder, load_multilingual
from learning.catalog.files import ParsedCatalog, validate_row
from learning.service import LearningService
from upnext.build import build_service


def ndcg_at(ranked: Sequence[str], relevant: set[str], k: int) -> float:
    gains = sum(1 / math.log2(i + 2) for i, doc in enumerate(ranked[:k]) if doc in relevant)
    ideal = sum(1 / math.log2(i + 2) for i in range(min(k, len(relevant))))
    return gains / ideal if ideal else 0.0


def recall_at(ranked: Sequence[str], relevant: set[str], k: int) -> float:
    return len(set(ranked[:k]) & relevant) / len(relevant) if relevant else 0.0


def catalog_service(name: str, rows: list[dict], encoder: str | None, work: Path, server: str | None = None
                    ) -> LearningService:  # fmt: skip
    """The catalog imported into a SQLite store under `work`, or into a fresh database on the PostgreSQL `server`."""
    home = work / (f"{name}-postgres" if server else name)
    url = None
    if server:  # the vectors SQLite's run computed are reused: the same encoder, the same texts
        url = copy_store(work / name / "upnext.db", server, f"bench_search_{name}", only=("course_vectors",))[0]
    parsed = ParsedCatalog(courses=[validate_row(row) for row in rows])
    join_cached_vectors(home / "upnext.db", load(encoder), (c.content_hash for c in parsed.courses))
    routed = encoder == "routed"
    settings = Settings(home=home, database_url=url, multilingual=routed)
    multilingual = load_multilingual() if routed else None
    service = build_service(settings, encoder=load(encoder), prepare=False, multilingual=multilingual)
    service.catalog.import_parsed(parsed)
    return service


@cache
def load(encoder: str | None) -> Encoder:
    """The encoder of English words (routed: today's)."""
    return load_encoder("auto" if encoder in (None, "routed") else encoder)


def rrf(rankings: list[list[tuple[int, float]]], ids: dict[int, str], k: int = 60) -> list[str]:
    """Reciprocal rank fusion, measured beside the product's weighted fusion (which scored better)."""
    fused: dict[int, float] = {}
    for ranking in rankings:
        for rank, (num, _) in enumerate(ranking, start=1):
            fused[num] = fused.get(num, 0.0) + 1 / (k + rank)
    return [ids[n] for n in sorted(fused, key=fused.__getitem__, reverse=True)]


# -- MeTA ---------------------------------------------------------------------------------------------------------
def meta_rows(data: Path) -> list[dict]:
    rows = []
    with open(data / "moocs_ir" / "metadata.dat", encoding="utf-8", errors="replace") as lines:
        for number, line in enumerate(lines):
            text, _, url = line.strip().rpartition(" ")
            title, _, provider = text.rpartition(" - ")
            row = {"id": str(number), "title": title or text or url, "provider": provider[:200] or None, "url": url}
            rows.append(row)
    return rows


def meta_judgements(data: Path) -> tuple[list[str], dict[int, set[str]]]:
    queries = (data / "moocs_ir" / "moocs-queries.txt").read_text(encoding="utf-8").splitlines()
    relevant: dict[int, set[str]] = {}
    for line in (data / "moocs_ir" / "moocs-qrels.txt").read_text().splitlines():
        query, doc, grade = line.split()
        if int(grade) > 0:
            relevant.setdefault(int(query), set()).add(doc)
    return [q.strip() for q in queries if q.strip()], relevant


def evaluate_meta(data: Path, encoder: str | None, smoke: bool, work: Path, server: str | None = None) -> dict:
    rows = meta_rows(data)
    queries, relevant = meta_judgements(data)
    if smoke:
        queries = queries[:2]
        keep = set().union(*(relevant[q] for q in range(2))) | {str(i) for i in range(200)}
        rows = [r for r in rows if r["id"] in keep]
    service = catalog_service("meta", rows, encoder, work, server)
    search = service.search
    ids = {c.num: c.id for c in service.courses.many_by_id(r["id"] for r in rows).values()}
    systems: dict[str, Callable[[str], list[str]]] = {
        "keyword": lambda q: [ids[n] for n, _ in search.keyword.search(q, 50)],
        "dense": lambda q: [ids[n] for n, _ in search.dense(q, 50)],
        "hybrid": lambda q: [c.id for c in search.search(q, 50).courses],
        "rrf_k60_for_comparison": lambda q: rrf([search.keyword.search(q, 100), search.dense(q, 100)], ids),
    }
    results = {}
    for name, run in systems.items():
        ndcg, recall, seconds = [], [], []
        for number, query in enumerate(queries):
            started = time.perf_counter()
            ranked = run(query)
            seconds.append(time.perf_counter() - started)
            ndcg.append(ndcg_at(ranked, relevant.get(number, set()), 10))
            recall.append(recall_at(ranked, relevant.get(number, set()), 50))
        results[name] = {
            "ndcg@10": round(sum(ndcg) / len(ndcg), 4),
            "recall@50": round(sum(recall) / len(recall), 4),
            "per_query_ndcg@10": [round(x, 3) for x in ndcg],
        }
    service.close()
    return {"documents": len(rows), "queries": len(queries), **results}


# -- Coursera related courses -------------------------------------------------------------------------------------
def coursera_rows(data: Path) -> tuple[list[dict], dict[str, set[str]]]:
    csv.field_size_limit(1 << 30)
    rows, links = [], {}
    with open(data / "catalogs" / "bench-only" / "coursera_2019.csv", encoding="utf-8") as source:
        for record in csv.DictReader(source):
            course_id = record["course_id"]
            if course_id in links:
                continue
            skills = ast.literal_eval(record["skills"] or "[]")
            crumbs = ast.literal_eval(record["breadcrumbs"] or "[]")
            rows.append(
                {
                    "id": course_id,
                    "title": record["title"],
                    "description": record["about"],
                    "topics": [*crumbs[-1:], *skills][:30],
                    "url": record["url"],
                }
            )
            links[course_id] = set(ast.literal_eval(record["recommendations"] or "[]"))
    known = {r["id"] for r in rows}
    links = {c: linked & known - {c} for c, linked in links.items() if linked & known - {c}}
    return rows, links


def evaluate_coursera(data: Path, encoder: str | None, smoke: bool, work: Path, server: str | None = None) -> dict:
    rows, links = coursera_rows(data)
    if smoke:
        rows = rows[:120]
        known = {r["id"] for r in rows}
        links = {c: ls & known for c, ls in links.items() if c in known and ls & known}
    service = catalog_service("coursera", rows, encoder, work, server)
    search = service.search
    by_id = service.courses.many_by_id(r["id"] for r in rows)
    ids = {c.num: c.id for c in by_id.values()}
    systems: dict[str, Callable[[str], list[str]]] = {
        "keyword": lambda c: [ids[n] for n, _ in search.keyword.search(search.course_words(by_id[c]), 11)],
        "dense": lambda c: [ids[n] for n, _ in search.index.vectors.search(search.course_vector(by_id[c]), 11)],
        "hybrid": lambda c: [x.id for x in search.similar(by_id[c], 11)],
        "rrf_k60_for_comparison": lambda c: rrf(
            [
                search.keyword.search(search.course_words(by_id[c]), 100),
                search.index.vectors.search(search.course_vector(by_id[c]), 101),
            ],
            ids,
        ),
    }
    results = {}
    for name, run in systems.items():
        recalls = [recall_at([x for x in run(c) if x != c], linked, 10) for c, linked in links.items()]
        results[name] = {"recall@10": round(sum(recalls) / len(recalls), 4)}
    service.close()
    return {"courses": len(rows), "courses_with_links": len(links), **results}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument(
        "--encoder", help="routed, torch, onnx, a multilingual candidate or two joined by + (embeddings.encoder)"
    )
    parser.add_argument("--work", type=Path, default=Path("var") / "bench", help="stores and vector caches")
    parser.add_argument("--smoke", action="store_true", help="tiny subsets, for the tests")
    engines.add_arguments(parser)
    args = parser.parse_args(argv)
    results = {
        "encoder": load(args.encoder).name + (" routed with multilingual-e5" if args.encoder == "routed" else ""),
        "meta_moocs": evaluate_meta(args.data, args.encoder, args.smoke, args.work),
        "coursera_related": evaluate_coursera(args.data, args.encoder, args.smoke, args.work),
    }
    with engines.postgres_server(args) as server:
        if server:  # the same catalogs and queries, keyword search by PostgreSQL's full-text search
            results["postgres"] = {
                "meta_moocs": evaluate_meta(args.data, args.encoder, args.smoke, args.work, server),
                "coursera_related": evaluate_coursera(args.data, args.encoder, args.smoke, args.work, server),
            }
    report("search_quality", results)
    return results


if __name__ == "__main__":
    main()
