"""Listeners are thin: they ack and hand the request to the bot's use cases (identity, answering, clicks,
preferences, privacy, admin access, the Home publisher), never to the domain behind them."""

from __future__ import annotations

import ast
from pathlib import Path

LISTENERS = sorted((Path(__file__).resolve().parents[2] / "bot" / "listeners").glob("*.py"))


def test_listeners_import_no_domain_module_and_never_reach_into_the_service():
    assert LISTENERS
    for path in LISTENERS:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported = [node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
        imported += [alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names]
        assert not [name for name in imported if name.split(".")[0] == "learning"], path.name
        names = {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)}
        names |= {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
        assert "service" not in names, path.name
