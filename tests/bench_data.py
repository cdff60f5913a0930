"""A tiny stand-in for ../shared/data in the same formats, made from the repo's own test catalog, so the benchmark
smoke runs need nothing outside the repository (the real benchmark data may not be redistributed)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

SMALL_CATALOG = Path(__file__).parent / "data" / "catalog_small.jsonl"
BUNDLED_CATALOG = Path(__file__).parent.parent / "learning" / "catalog" / "data" / "catalog.jsonl"


def make_bench_data(root: Path) -> Path:
    rows = [json.loads(line) for line in SMALL_CATALOG.read_text(encoding="utf-8").splitlines()]
    moocs = root / "moocs_ir"
    moocs.mkdir(parents=True)
    (moocs / "metadata.dat").write_text(
        "".join(f"{r['title']} - {r['provider']} {r['url']}\n" for r in rows), encoding="utf-8"
    )
    (moocs / "moocs-queries.txt").write_text("version control with git\nsql databases\n")
    qrels = [f"0 {i} 1" for i, r in enumerate(rows) if r["path_id"] == "swcarpentry/git-novice"]
    qrels += [f"1 {i} 1" for i, r in enumerate(rows) if r["path_id"] == "swcarpentry/sql-novice-survey"]
    (moocs / "moocs-qrels.txt").write_text("\n".join(qrels) + "\n")

    catalogs = root / "catalogs"
    (catalogs / "exercism").mkdir(parents=True)
    (catalogs / "bench-only").mkdir(parents=True)
    with open(catalogs / "exercism" / "items.jsonl", "w", encoding="utf-8") as out:
        for r in rows[:20]:
            out.write(json.dumps({**r, "id": "ex/" + r["id"]}) + "\n")
    with open(catalogs / "bench-only" / "coursera_2019.csv", "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["course_id", "title", "about", "skills", "breadcrumbs", "recommendations", "url"])
        for i, r in enumerate(rows):
            same_path = [x["id"] for x in rows if x["path_id"] == r["path_id"] and x["id"] != r["id"]][:2]
            writer.writerow(
                [
                    r["id"],
                    r["title"],
                    r["description"],
                    repr(r["topics"]),
                    "['Data Science']",
                    repr(same_path),
                    r["url"] or f"https://example.org/{i}",
                ]
            )
    with open(catalogs / "bench-only" / "edx_2021.csv", "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["title", "summary", "subject", "Level", "course_url", "institution"])
        for i, r in enumerate(rows[:10]):
            writer.writerow(
                [
                    r["title"],
                    r["description"],
                    "Computer Science",
                    "Introductory",
                    f"https://www.edx.org/course/c{i}",
                    "edX",
                ]
            )
    make_carpentries_items(catalogs / "carpentries" / "items.jsonl")
    return root


def make_carpentries_items(target: Path, episodes: int = 3) -> None:
    """The first few translated episodes of the bundled catalog as the Carpentries source rows they came from: the
    same ids, `translation_key` linking each translation to its English episode, and the description's first
    question as the episode's question."""
    rows = [json.loads(line) for line in BUNDLED_CATALOG.read_text(encoding="utf-8").splitlines()]
    keys = list(dict.fromkeys(r["translation_of"] for r in rows if r["translation_of"]))[:episodes]
    target.parent.mkdir(parents=True)
    with open(target, "w", encoding="utf-8") as out:
        for r in rows:
            key = r["translation_of"] or r["id"]
            if key in keys:
                question = r["description"].split("?")[0] + "?" if "?" in (r["description"] or "") else None
                item = {"id": r["id"], "translation_key": key, "language": r["language"], "title": r["title"]}
                out.write(json.dumps({**item, "questions": [question] if question else []}, ensure_ascii=False) + "\n")
