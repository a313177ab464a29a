"""The book pipeline: run the notebooks with papermill, cache them, check the claims, build the HTML.

    notebooks/NAME.ipynb ──papermill(profile, params)──▶ results/<profile>/notebooks/NAME.ipynb  (executed copy)
                                                  └──▶ results/<profile>/NAME.json             (the record)
    records + claims ──▶ reproduction page;  _config.yml, _toc.yml, book/, executed copies ──▶ _build/html

A notebook is skipped when its record is current: the record carries a cache key made of the notebook's code
cells, every source file of ``sfli``, the parameters, the profile and the library versions. A failing notebook
is saved to ``results/<profile>/failed/`` with the error marked; its earlier record and executed copy stay.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

import nbformat
import yaml

from . import records
from .profiles import check_profile

KERNEL = "python3"
NOTEBOOK_TIMEOUT_S = 1800  # per cell; profiles are sized so ci cells take seconds to a few minutes


@dataclass
class Outcome:
    name: str
    status: str  # "ran" | "cached" | "failed"
    seconds: float = 0.0
    error: str = ""


def root_dir() -> Path:
    root = records.project_root()
    if root is None:
        raise RuntimeError("not inside an sfli-book checkout (no _toc.yml next to sfli/ found)")
    return root


def book_notebooks(root: Path | None = None) -> list[str]:
    """Names of the notebooks the book lists in ``_toc.yml``, in book order."""
    root = root or root_dir()
    toc = yaml.safe_load((root / "_toc.yml").read_text())
    names: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            entry = node.get("file")
            if isinstance(entry, str) and entry.startswith("notebooks/"):
                names.append(Path(entry).stem)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(toc)
    return names


def notebook_path(name: str, root: Path | None = None) -> Path:
    root = root or root_dir()
    path = root / "notebooks" / f"{name}.ipynb"
    if not path.exists():
        valid = ", ".join(book_notebooks(root))
        raise ValueError(f"unknown notebook {name!r}; the book's notebooks: {valid}")
    return path


_TYPES = {"str": str, "int": int, "float": (int, float), "bool": bool}


def validate_parameters(path: Path, params: Mapping[str, Any]) -> None:
    """Raise ValueError for a parameter the notebook does not declare or of the wrong type (papermill only warns)."""
    import papermill

    declared = papermill.inspect_notebook(str(path))
    for key, value in params.items():
        if key not in declared:
            raise ValueError(f"{path.name} has no parameter {key!r}; its parameters: {', '.join(declared)}")
        expected = _TYPES.get(declared[key]["inferred_type_name"])
        if expected is not None and not isinstance(value, expected):
            raise ValueError(f"{path.name}: parameter {key!r} must be {declared[key]['inferred_type_name']}, "
                             f"got {type(value).__name__} {value!r}")
    if "profile" in params:
        check_profile(params["profile"])


#: Modules of the book's tooling that no notebook imports: editing them re-runs nothing.
_TOOLING = frozenset({"cli.py", "pipeline.py", "claims.py", "regression.py", "__main__.py"})


def cache_key(path: Path, params: Mapping[str, Any], root: Path | None = None) -> str:
    """Hash of everything a notebook's page depends on: its cells (code, text, tags), the sources of ``sfli``
    (except the pipeline's own tooling), the parameters (profile included), the Python and library versions."""
    root = root or root_dir()
    digest = hashlib.sha256()
    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:  # all cells: the executed copy carries the narrative and tags too
        digest.update(json.dumps([cell.cell_type, cell.source, cell.metadata.get("tags", [])]).encode())
    for source in sorted((root / "sfli").rglob("*.py")):
        if source.name in _TOOLING:
            continue
        digest.update(str(source.relative_to(root)).encode())
        digest.update(source.read_bytes())
    versions = {p: records._version(p) for p in ("torch", "numpy", "scipy", "matplotlib", "pandas")}
    digest.update(json.dumps({"params": dict(params), "versions": versions, "python": sys.version},
                             sort_keys=True).encode())
    return digest.hexdigest()[:20]


def _paths(name: str, profile: str, results: Path) -> dict[str, Path]:
    base = results / profile
    return {"record": base / f"{name}.json", "executed": base / "notebooks" / f"{name}.ipynb",
            "failed": base / "failed" / f"{name}.ipynb"}


def is_current(name: str, profile: str, key: str, results: Path) -> bool:
    paths = _paths(name, profile, results)
    if not (paths["record"].exists() and paths["executed"].exists()):
        return False
    try:
        return records.read_record(paths["record"]).get("pipeline", {}).get("cache_key") == key
    except (OSError, json.JSONDecodeError):
        return False


def run_notebook(
    name: str,
    profile: str = "ci",
    params: Mapping[str, Any] | None = None,
    *,
    results: Path | None = None,
    force: bool = False,
    progress: bool = False,
) -> Outcome:
    """Execute one notebook with papermill (unless its record is current) and keep its executed copy."""
    import papermill
    from papermill.exceptions import PapermillExecutionError

    root = root_dir()
    path = notebook_path(name, root)
    parameters = {"profile": check_profile(profile), **dict(params or {})}
    validate_parameters(path, parameters)
    results = Path(results) if results is not None else records.results_dir()
    key = cache_key(path, parameters, root)
    if not force and is_current(name, profile, key, results):
        return Outcome(name, "cached")

    paths = _paths(name, profile, results)
    paths["executed"].parent.mkdir(parents=True, exist_ok=True)
    tmp = paths["executed"].with_name(f".{name}.{uuid.uuid4().hex[:8]}.ipynb")
    run_id = uuid.uuid4().hex
    saved_env = {k: os.environ.get(k) for k in (records.RESULTS_ENV, records.RUN_ID_ENV)}
    os.environ[records.RESULTS_ENV], os.environ[records.RUN_ID_ENV] = str(results), run_id
    started = time.perf_counter()
    try:
        papermill.execute_notebook(str(path), str(tmp), parameters=parameters, kernel_name=KERNEL,
                                   cwd=str(path.parent), progress_bar=progress, log_output=False,
                                   execution_timeout=NOTEBOOK_TIMEOUT_S)
    except PapermillExecutionError as err:
        paths["failed"].parent.mkdir(parents=True, exist_ok=True)
        if tmp.exists():
            os.replace(tmp, paths["failed"])
        return Outcome(name, "failed", time.perf_counter() - started,
                       f"cell {err.exec_count}: {err.ename}: {err.evalue} (executed copy: {paths['failed']})")
    except Exception as err:  # kernel died, timeout, missing kernel …
        tmp.unlink(missing_ok=True)
        return Outcome(name, "failed", time.perf_counter() - started, f"{type(err).__name__}: {err}")
    finally:
        for k, v in saved_env.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    seconds = time.perf_counter() - started

    record = records.read_record(paths["record"]) if paths["record"].exists() else {}
    if record.get("provenance", {}).get("run_id") != run_id:
        tmp.unlink(missing_ok=True)
        return Outcome(name, "failed", seconds, "the notebook ran but did not write its record (Run.finish)")
    record["pipeline"] = {"cache_key": key, "parameters": parameters, "seconds": round(seconds, 1)}
    records.write_json_atomic(paths["record"], record)
    os.replace(tmp, paths["executed"])
    return Outcome(name, "ran", seconds)


def stage_book(profile: str, results: Path, reproduction_page: str, root: Path | None = None) -> Path:
    """Assemble the book's sources with the executed notebooks in ``_build/stage`` (mirrors the repository)."""
    root = root or root_dir()
    stage = root / "_build" / "stage"
    if stage.exists():
        shutil.rmtree(stage)
    (stage / "notebooks").mkdir(parents=True)
    for item in ("_config.yml", "_toc.yml"):
        shutil.copy2(root / item, stage / item)
    shutil.copytree(root / "book", stage / "book")
    for name in book_notebooks(root):
        executed = _paths(name, profile, results)["executed"]
        if executed.exists():  # papermill's injected-parameters cell: collapsed, the profile stays one click away
            notebook = nbformat.read(executed, as_version=4)
            for cell in notebook.cells:
                tags = cell.metadata.get("tags", [])
                if "injected-parameters" in tags and "hide-cell" not in tags:
                    cell.metadata["tags"] = [*tags, "hide-cell"]
            nbformat.write(notebook, stage / "notebooks" / f"{name}.ipynb")
        else:  # never executed successfully: show the source with a warning rather than drop the page
            notebook = nbformat.read(notebook_path(name, root), as_version=4)
            notebook.cells.insert(0, nbformat.v4.new_markdown_cell(
                f":::{{warning}}\nThis notebook has not been executed successfully at the `{profile}` "
                "profile; its results are missing.\n:::"))
            nbformat.write(notebook, stage / "notebooks" / f"{name}.ipynb")
    (stage / "book" / "reproduction.md").write_text(reproduction_page)
    return stage


def build_html(stage: Path, root: Path | None = None) -> tuple[bool, str]:
    """Build the staged book with Jupyter Book 1 (execution off) into ``_build/html``; fail on warnings."""
    root = root or root_dir()
    exe = Path(sys.executable).with_name("jupyter-book")
    command = [str(exe) if exe.exists() else "jupyter-book", "build", str(stage), "--path-output",
               str(root), "-W", "-n", "--keep-going"]
    proc = subprocess.run(command, capture_output=True, text=True)
    log = proc.stdout + proc.stderr
    return proc.returncode == 0, log
