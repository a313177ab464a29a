"""The architecture, checked: the core never imports the chapters or the tooling; no module reaches into
another's private names."""
import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SFLI = ROOT / "sfli"


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text())
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            base = "." * node.level + (node.module or "")
            out += [base] + [f"{base}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            out += [a.name for a in node.names]
    return out


def test_the_core_imports_neither_chapters_nor_tooling():
    core = [p for p in SFLI.glob("*.py")]
    assert len(core) > 10
    for path in core:
        for name in _imports(path):
            assert "experiments" not in name and "repro" not in name, f"{path.name} imports {name}"


def test_chapters_never_import_the_tooling():
    for path in (SFLI / "experiments").rglob("*.py"):
        for name in _imports(path):
            assert "repro" not in name, f"{path.relative_to(ROOT)} imports {name}"


def test_no_private_names_across_modules():
    """`module._name` or `from module import _name` between the book's modules."""
    offenders = []
    for path in SFLI.rglob("*.py"):
        tree = ast.parse(path.read_text())
        modules = {a.asname or a.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
                   for a in node.names if node.level or (node.module or "").startswith("sfli")}
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.level or (node.module or "").startswith("sfli")):
                offenders += [f"{path.relative_to(ROOT)}: from {node.module} import {a.name}" for a in node.names
                              if a.name.startswith("_") and not a.name.startswith("__")]
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in modules
                    and node.attr.startswith("_") and not node.attr.startswith("__")):
                offenders.append(f"{path.relative_to(ROOT)}: {node.value.id}.{node.attr}")
    assert not offenders, "\n".join(offenders)


def test_modules_stay_small():
    big = [f"{p.relative_to(ROOT)}: {n}" for p in SFLI.rglob("*.py") if (n := len(p.read_text().splitlines())) > 450]
    assert not big, big
