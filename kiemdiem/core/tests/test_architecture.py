"""What import-linter cannot say: no app takes another app's private (`_name`) helpers."""

import ast
from pathlib import Path

import kiemdiem

ROOT = Path(kiemdiem.__file__).parent


def _app(path: Path) -> str:
    return path.relative_to(ROOT).parts[0]


def test_no_private_names_are_imported_across_apps():
    crossings = []
    for path in ROOT.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.ImportFrom) or not (node.module or "").startswith(
                "kiemdiem."
            ):
                continue
            other = node.module.split(".")[1]
            private = [a.name for a in node.names if a.name.startswith("_")]
            if private and other != _app(path):
                crossings.append(f"{path.relative_to(ROOT)}: {node.module} {private}")
    assert not crossings, crossings
