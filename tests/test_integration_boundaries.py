"""The edge (bot/) reaches storage only through storage's public, keyword-only functions: a private
helper (storage.notes._match_customer …) may change or write without notice, so calling it from the
conversation is how a "read" ends up creating customers."""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def private_storage_uses(path: Path) -> list[str]:
    """`alias._name` where alias is a storage module, and `from storage… import _name`, in one file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    aliases, found = set(), []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "storage":
            for name in node.names:
                if node.module == "storage":
                    aliases.add(name.asname or name.name)
                elif name.name.startswith("_"):
                    found.append(f"{path.name}:{node.lineno} from {node.module} import {name.name}")
        elif isinstance(node, ast.Import):
            for name in node.names:
                if name.name.startswith("storage."):
                    aliases.add(name.asname or name.name)
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__"):
            target = ast.unparse(node.value)
            if target in aliases:
                found.append(f"{path.name}:{node.lineno} {target}.{node.attr}")
    return found


def test_the_bot_uses_no_private_storage_function():
    found = [use for path in sorted((ROOT / "bot").rglob("*.py")) for use in private_storage_uses(path)]
    assert found == []


def test_the_checker_sees_a_private_call(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("from storage import notes as note_ops\nnote_ops._match_customer(1)\n", encoding="utf-8")
    assert private_storage_uses(sample) == ["sample.py:2 note_ops._match_customer"]
