"""Catalog import: validate a file, write what is good, re-embed what changed, and say exactly what happened."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from learning.catalog_import import ParsedCatalog, Rejection, read_catalog_file
from learning.course_index import CourseIndex, SyncReport
from learning.courses import CourseRepository

BUNDLED_CATALOG = "catalog.jsonl"


def bundled_catalog_path() -> Path:
    return Path(str(resources.files("learning") / "data" / BUNDLED_CATALOG))


@dataclass
class ImportReport:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    rejections: list[Rejection] = field(default_factory=list)
    ignored_fields: dict[str, int] = field(default_factory=dict)
    embedded: int = 0
    dry_run: bool = False

    @property
    def rejected(self) -> int:
        return len(self.rejections)

    def summary(self) -> str:
        verb = "would be" if self.dry_run else "were"
        line = (
            f"{self.added} added, {self.updated} updated, {self.unchanged} unchanged, {self.rejected} rejected"
            f" ({self.embedded} embedded)"
        )
        return line if not self.dry_run else f"dry run, nothing {verb} written: {line}"

    def lines(self) -> list[str]:
        out = [f"rejected {rejection}" for rejection in self.rejections]
        if self.ignored_fields:
            fields = ", ".join(f"{name} ({count} rows)" for name, count in sorted(self.ignored_fields.items()))
            out.append(f"ignored fields Upnext does not use: {fields}")
        out.append(self.summary())
        return out


class Catalog:
    def __init__(self, courses: CourseRepository, index: CourseIndex):
        self.courses = courses
        self.index = index

    def import_parsed(
        self, parsed: ParsedCatalog, dry_run: bool = False, on_progress: Callable[[int, int], None] | None = None
    ) -> ImportReport:
        report = ImportReport(rejections=parsed.rejections, ignored_fields=parsed.ignored_fields, dry_run=dry_run)
        counts = self.courses.classify(parsed.courses) if dry_run else self.courses.upsert(parsed.courses)
        report.added, report.updated, report.unchanged = len(counts.added), len(counts.updated), counts.unchanged
        if not dry_run:
            report.embedded = self.index.sync(on_progress).embedded
        return report

    def import_file(
        self, path: Path, dry_run: bool = False, on_progress: Callable[[int, int], None] | None = None
    ) -> ImportReport:
        return self.import_parsed(read_catalog_file(path), dry_run=dry_run, on_progress=on_progress)

    def ensure_ready(self, on_progress: Callable[[int, int], None] | None = None) -> ImportReport | SyncReport:
        """First start imports the bundled catalog; later starts only repair the index if it fell behind."""
        if self.courses.count() == 0:
            return self.import_file(bundled_catalog_path(), on_progress=on_progress)
        return self.index.sync(on_progress)
