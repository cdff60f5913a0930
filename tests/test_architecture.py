"""The house keeps its shape: no import cycle between files or between packages, small folders, every module says
what it is for."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("upnext", "bot", "config", "learning", "embeddings", "scheduler", "insights", "admin")
MAX_MODULES = 12


def product_modules() -> dict[str, Path]:
    """Every product module by dotted name (a package by its own name, for its __init__.py)."""
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def imports(path: Path, modules: Mapping[str, Path]) -> set[str]:
    """The product modules `path` imports anywhere in it: at the top, in functions (lazy) or for type checking."""
    named = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            named.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:  # `from bot import failures` imports the module bot.failures
                submodule = f"{node.module}.{alias.name}"
                named.add(submodule if submodule in modules else node.module)
    return {name for name in named if name in modules}


def module_graph() -> dict[str, set[str]]:
    modules = product_modules()
    return {name: imports(path, modules) - {name} for name, path in modules.items()}


def package_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {package: set() for package in PACKAGES}
    for module, targets in module_graph().items():
        top = module.split(".")[0]
        graph[top].update(target.split(".")[0] for target in targets if target.split(".")[0] != top)
    return graph


def cycles(graph: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """Every strongly connected group of more than one node (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in graph.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while (member := stack.pop()) != node:
                group.append(member)
            if group:
                found.append(sorted([node, *group]))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_module_imports_itself_back_even_through_others_or_lazily():
    assert cycles(module_graph()) == []


def test_no_top_level_package_imports_itself_back_through_another():
    assert cycles(package_graph()) == []


def unit_graph() -> dict[str, set[str]]:
    """Imports between the units of the tree: a sub-package (learning.catalog, bot.use_cases) as one node, and each
    module directly in a top-level package (learning.service, bot.app) as a node of its own."""

    def unit(module: str) -> str:
        return ".".join(module.split(".")[:2])

    graph: dict[str, set[str]] = {}
    for module, targets in module_graph().items():
        graph.setdefault(unit(module), set()).update(unit(t) for t in targets if unit(t) != unit(module))
    return graph


def test_no_sub_package_imports_itself_back_through_another():
    assert cycles(unit_graph()) == []


def test_the_domain_and_its_figures_import_no_delivery_package():
    graph = package_graph()
    assert graph["learning"] <= {"embeddings", "config"}
    assert graph["embeddings"] <= {"config"}
    assert graph["insights"] <= {"learning", "embeddings", "config"}


def test_no_folder_holds_more_than_twelve_modules():
    folders = {path.parent for package in PACKAGES for path in (ROOT / package).rglob("*.py")}
    crowded = {
        str(folder.relative_to(ROOT)): n
        for folder in folders
        if (n := sum(1 for p in folder.glob("*.py") if p.name != "__init__.py")) > MAX_MODULES
    }
    assert crowded == {}


def opens_with_a_one_line_purpose(path: Path) -> bool:
    """The docstring's first line is a complete sentence ending in ".", alone or followed by a blank line."""
    docstring = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")), clean=False) or ""
    first, *rest = docstring.strip("\n").split("\n")
    return first.strip().endswith(".") and (not rest or not rest[0].strip())


def test_every_module_opens_with_a_one_line_purpose():
    vague = [
        str(path.relative_to(ROOT)) for path in product_modules().values() if not opens_with_a_one_line_purpose(path)
    ]
    assert vague == []


def test_a_purpose_that_wraps_onto_a_second_line_is_not_one_line(tmp_path):
    wrapped = tmp_path / "wrapped.py"
    wrapped.write_text('"""Holds the figures, and the rules by which\nthey are counted."""\n', encoding="utf-8")
    one_line = tmp_path / "one_line.py"
    one_line.write_text('"""Holds the figures.\n\nAnd the rules by which\nthey are counted."""\n', encoding="utf-8")
    silent = tmp_path / "silent.py"
    silent.write_text("X = 1\n", encoding="utf-8")
    assert [opens_with_a_one_line_purpose(p) for p in (wrapped, one_line, silent)] == [False, True, False]


def test_the_cycle_finder_finds_a_cycle_through_three_nodes():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


# The store's engines: the only modules that may speak SQLite's own dialect (`sqlite` is the SQLite engine, `backup`
# copies the SQLite file itself, `pg_schema` reads the owners' SQLite DDL to derive PostgreSQL's, `engine` copies rows
# to and from a SQLite file of bundled vectors). docs/architecture.md gives the same rule as a grep command.
ENGINE_MODULES = {f"learning/store/{name}.py" for name in ("sqlite", "backup", "pg_schema", "engine", "transfer")}
# The owners' schema steps (`TABLES`) are DDL the SQLite engine replays verbatim, being append-only history: the
# rule is for the statements repositories run.
SQLITE_ONLY = re.compile(
    r"INSERT OR|PRAGMA|sqlite_master|total_changes|json_each|json_extract|strftime|bm25\(|lastrowid|LIMIT -1|"
    r'sqlite3|sqlite_utils|store\.db\b|(=|<|>|IN \(|LIMIT|LIKE|VALUES \(|,) *\?|"\?" \*'
)


def sqlite_only_lines(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    return [f"{number}: {line.strip()}" for number, line in enumerate(text.splitlines(), 1) if SQLITE_ONLY.search(line)]


def test_no_sqlite_only_sql_outside_the_store_engine():
    found = {
        name: lines
        for path in product_modules().values()
        if (name := str(path.relative_to(ROOT))) not in ENGINE_MODULES and (lines := sqlite_only_lines(path))
    }
    assert found == {}


def test_the_sqlite_only_rule_sees_each_construct_it_forbids(tmp_path: Path):
    caught = [
        "INSERT OR IGNORE INTO t VALUES (1)",
        "SELECT total_changes()",
        "WHERE id = ?",
        "VALUES (?, ?)",
        "marks = ','.join(\"?\" * len(ids))",
        "json_each(topics)",
        "strftime('%Y', at)",
        "bm25(courses_fts)",
        "PRAGMA user_version",
    ]
    allowed = ["WHERE id = :id", "HELP = {'?', 'help'}", "re.compile(r'(?:a|b)')", "ON CONFLICT (id) DO NOTHING"]
    module = tmp_path / "module.py"
    module.write_text("\n".join([*caught, *allowed]))
    assert [line.split(": ", 1)[1] for line in sqlite_only_lines(module)] == caught


# A comparison is a number in SQLite but a boolean in PostgreSQL, which neither adds nor orders them: `sum(NOT EXISTS
# ...)`, `max(kind = 'completed')` or `sum(id IN (...))` fail there. Count with `count(*) FILTER (WHERE ...)` or turn
# it into a number with CASE. The rule reads the product's string literals (where its SQL is), not its Python.
AGGREGATE_OF_A_BOOLEAN = re.compile(
    r"(?<![.\w])(sum|max|min|avg|total)\((NOT\b|EXISTS\b|CASE\b.*\b(THEN|ELSE) (NOT )?EXISTS\b|"
    r"[A-Za-z_][\w.]*( NOT)? IN \(|[A-Za-z_][\w.]* *(=|!=|<>|<=|>=|<|>)(?!=)|CAST\([^)]*\) *(NOT )?IN\b)"
)


def aggregates_of_a_boolean(path: Path) -> list[str]:
    """The string literals (f-strings' text included) of `path` that aggregate a comparison, by line."""
    found, nodes = [], list(ast.walk(ast.parse(path.read_text(encoding="utf-8"))))
    in_f_strings = {id(part) for node in nodes if isinstance(node, ast.JoinedStr) for part in node.values}
    for node in nodes:
        if id(node) in in_f_strings:
            continue
        if isinstance(node, ast.JoinedStr):
            text = "".join(part.value if isinstance(part, ast.Constant) else "{}" for part in node.values)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = node.value
        else:
            continue
        if AGGREGATE_OF_A_BOOLEAN.search(text):
            found.append(f"{node.lineno}: {text.strip()}")
    return found


def test_no_sql_adds_or_orders_a_comparison():
    found = {
        name: lines
        for path in product_modules().values()
        if (lines := aggregates_of_a_boolean(path)) and (name := str(path.relative_to(ROOT)))
    }
    assert found == {}


def test_the_boolean_aggregate_rule_sees_each_construct_it_forbids(tmp_path: Path):
    caught = [
        'f"sum(NOT EXISTS (SELECT 1 FROM events e WHERE e.answer_id = a.id))"',
        "f\"max(kind = '{COMPLETED}') AS done\"",
        '"sum(EXISTS (SELECT 1 FROM events e))"',
        "\"sum(CAST(n.id AS TEXT) IN (SELECT value FROM events WHERE source = 'nudge'))\"",
        '"sum(c.id NOT IN (SELECT course_id FROM shown))"',
        '"sum(CASE WHEN c.done THEN 1 ELSE EXISTS (SELECT 1) END)"',
    ]
    allowed = [
        '"count(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM events))"',
        "\"max(CASE WHEN kind = 'completed' THEN 1 ELSE 0 END)\"",
        '"min(at) AS first_at"',
        "late = sum(at > clicked for at in times)",  # Python, not SQL
        "total = weights.sum(axis=1)",
    ]
    module = tmp_path / "module.py"
    module.write_text("\n".join([*caught, *allowed]))
    assert len(aggregates_of_a_boolean(module)) == len(caught)
