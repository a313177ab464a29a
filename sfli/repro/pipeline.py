"""The book pipeline: run the notebooks with papermill, cache them, stage and build the HTML per profile.

    notebooks/NAME.ipynb ──papermill(profile, params)──▶ results/.staging/<run>/…  (record, figures)
        on success, committed together:   results/<profile>/notebooks/NAME.ipynb   (executed copy)
                                           results/<profile>/figures/NAME/           (PNG + SVG)
                                           results/<profile>/NAME.json               (the record + cache key, last)
    records + ledger ──▶ reproduction page;  book/, executed copies ──▶ _build/html (ci) or _build/<profile>/html

A notebook is skipped when its record is current: it parses, holds the metrics its chapter declares, and carries
the cache key of the notebook's cells, every source file of ``sfli`` outside ``sfli/repro/`` (the tooling, which
no notebook imports), the parameters, the profile and the library versions. A failing notebook is saved to
``results/<profile>/failed/`` with the error marked; its earlier record, figures and executed copy stay.
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

from ..experiments.chapter import Chapter
from ..experiments.records import RESULTS_ENV, RUN_ID_ENV, RecordError, project_root, read_record, version, \
    write_json_atomic
from ..experiments.settings import check_profile
from ..experiments.units import FORCE_ENV, SCHEDULER_ENV, UNITS_ENV, WORKERS_ENV

KERNEL = "python3"
NOTEBOOK_TIMEOUT_S = 1800  # per cell; profiles are sized so ci cells take seconds to a few minutes
TOOLING = Path("sfli") / "repro"  #: left out of every cache key, as a folder
KEY_VERSIONS = ("torch", "numpy", "scipy", "matplotlib", "pandas")


@dataclass
class Outcome:
    name: str
    status: str  # "ran" | "cached" | "failed"
    seconds: float = 0.0
    error: str = ""
    note: str = ""  # why a cached record was not used, if it was not
    units: str = ""  # how many units ran where, and how many came from the unit cache


def units_summary(units: Mapping[str, Any]) -> str:
    """"42 units, 20 from the unit cache, on 2 local Dask worker processes" (and unreadable unit files)."""
    if not units:
        return ""
    text = f"{units['units']} units, {units['from_cache']} from the unit cache, {units['executor']}"
    if units.get("stale"):
        text += f"; {units['stale']} cached unit(s) were of another version of the code or settings and ran again"
    if units.get("unreadable"):
        text += f"; {len(units['unreadable'])} unreadable unit file(s) re-run: " + "; ".join(units["unreadable"])
    return text


def root_dir() -> Path:
    root = project_root()
    if root is None:
        raise ValueError("not inside an sfli-book checkout (no _toc.yml next to sfli/ found): run `sfli` from a clone "
                         "of the repository; a notebook alone runs anywhere (papermill or Jupyter)")
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
        raise ValueError(f"unknown notebook {name!r}; the book's notebooks: {', '.join(book_notebooks(root))}")
    return path


_TYPES = {"str": str, "int": int, "float": (int, float), "bool": bool}


def validate_parameters(path: Path, params: Mapping[str, Any]) -> None:
    """ValueError for a parameter the notebook does not declare or of the wrong type, before anything runs (the
    notebook checks them again itself, ranges included)."""
    import papermill

    declared = papermill.inspect_notebook(str(path))
    for key, value in params.items():
        if key not in declared:
            raise ValueError(f"{path.name} has no parameter {key!r}; its parameters: {', '.join(declared)}")
        kind = declared[key]["inferred_type_name"]
        expected = _TYPES.get(kind)
        if expected is not None and (not isinstance(value, expected) or (isinstance(value, bool) and kind != "bool")):
            raise ValueError(f"{path.name}: parameter {key!r} must be {kind}, got {type(value).__name__} {value!r}")
    if "profile" in params:
        check_profile(params["profile"])


def cache_key(path: Path, params: Mapping[str, Any], root: Path | None = None) -> str:
    """Hash of everything a notebook's page depends on: its cells (code, text, tags), the sources of ``sfli``
    outside :data:`TOOLING`, the parameters (profile included), the Python and library versions."""
    root = root or root_dir()
    digest = hashlib.sha256()
    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:  # all cells: the executed copy carries the narrative and tags too
        digest.update(json.dumps([cell.cell_type, cell.source, cell.metadata.get("tags", [])]).encode())
    for source in sorted((root / "sfli").rglob("*.py")):
        relative = source.relative_to(root)
        if relative.parts[: len(TOOLING.parts)] == TOOLING.parts:
            continue
        digest.update(str(relative).encode())
        digest.update(source.read_bytes())
    versions = {p: version(p) for p in KEY_VERSIONS}
    digest.update(json.dumps({"params": dict(params), "versions": versions, "python": sys.version},
                             sort_keys=True).encode())
    return digest.hexdigest()[:20]


def paths(name: str, profile: str, results: Path) -> dict[str, Path]:
    """Where a notebook's outputs live at ``profile``."""
    base = results / profile
    return {"record": base / f"{name}.json", "executed": base / "notebooks" / f"{name}.ipynb",
            "figures": base / "figures" / name, "failed": base / "failed" / f"{name}.ipynb",
            "log": base / "logs" / f"{name}.kernel.log"}


def staleness(chapter: Chapter, profile: str, key: str | None, results: Path) -> str:
    """Why the record of ``chapter`` at ``profile`` cannot be used ("" when it is current). ``key`` None: any key."""
    p = paths(chapter.name, profile, results)
    if not p["record"].exists():
        return "no record"
    if not p["executed"].exists():
        return "no executed notebook"
    try:
        record = read_record(p["record"])
    except RecordError as err:
        return str(err)
    if key is not None and record.get("pipeline", {}).get("cache_key") != key:
        return "code, parameters or versions changed"
    if problems := chapter.check_metrics(record["metrics"], chapter.config(profile)):
        return f"record {p['record']} does not hold what its chapter declares: {problems[0]}" + (
            f" (and {len(problems) - 1} more)" if len(problems) > 1 else "")
    return ""


def _commit(name: str, profile: str, staged: Path, tmp_notebook: Path, results: Path, record: dict) -> None:
    """Move a successful run's outputs into place; the record (with its key) last, so it is the commit point."""
    p = paths(name, profile, results)
    os.replace(tmp_notebook, p["executed"])
    figures = staged / profile / "figures" / name
    if figures.exists():
        old = p["figures"].with_name(f".{name}.old")
        shutil.rmtree(old, ignore_errors=True)
        if p["figures"].exists():
            os.replace(p["figures"], old)
        p["figures"].parent.mkdir(parents=True, exist_ok=True)
        os.replace(figures, p["figures"])
        shutil.rmtree(old, ignore_errors=True)
    write_json_atomic(p["record"], record)


def _kernel_manager(log: Path) -> type:
    """A kernel manager whose kernel writes its own stdout/stderr to ``log`` (its start-up warnings, or the
    messages of a kernel stopped by Ctrl-C), not into the terminal of ``sfli book``."""
    from jupyter_client.manager import AsyncKernelManager

    class LoggedKernelManager(AsyncKernelManager):
        async def start_kernel(self, **kw: Any) -> None:
            log.parent.mkdir(parents=True, exist_ok=True)
            with open(log, "w") as handle:  # the kernel keeps its own copy of the descriptor
                kw.setdefault("stdout", handle)
                kw.setdefault("stderr", handle)
                return await super().start_kernel(**kw)

    return LoggedKernelManager


def run_notebook(
    chapter: Chapter,
    profile: str = "ci",
    params: Mapping[str, Any] | None = None,
    *,
    results: Path,
    force: bool = False,
    progress: bool = False,
    workers: int = 0,
    scheduler: str = "",
) -> Outcome:
    """Execute one chapter's notebook with papermill (unless its record is current) and commit its outputs.
    Its units run on ``workers`` local Dask processes or the scheduler at ``scheduler`` (neither: serially),
    cached under ``results/<profile>/units/`` (``force``: not read)."""
    import papermill
    from papermill.exceptions import PapermillExecutionError

    root = root_dir()
    name = chapter.name
    path = notebook_path(name, root)
    parameters = {"profile": check_profile(profile), **dict(params or {})}
    validate_parameters(path, parameters)
    key = cache_key(path, parameters, root)
    reason = "forced" if force else staleness(chapter, profile, key, results)
    if not reason:
        return Outcome(name, "cached")

    p = paths(name, profile, results)
    p["executed"].parent.mkdir(parents=True, exist_ok=True)
    run_id = uuid.uuid4().hex
    staged = results / ".staging" / run_id
    tmp = p["executed"].with_name(f".{name}.{run_id[:8]}.ipynb")
    kernel_env = {RESULTS_ENV: str(staged), RUN_ID_ENV: run_id, UNITS_ENV: str(results / profile / "units"),
                  FORCE_ENV: "1" if force else "", WORKERS_ENV: str(workers) if workers else "",
                  SCHEDULER_ENV: scheduler}
    saved_env = {k: os.environ.get(k) for k in kernel_env}
    os.environ.update(kernel_env)
    started = time.perf_counter()
    try:
        papermill.execute_notebook(str(path), str(tmp), parameters=parameters, kernel_name=KERNEL,
                                   cwd=str(path.parent), progress_bar=progress, log_output=False,
                                   execution_timeout=NOTEBOOK_TIMEOUT_S,
                                   kernel_manager_class=_kernel_manager(p["log"]))
        seconds = time.perf_counter() - started
        staged_record = staged / profile / f"{name}.json"
        try:
            record = read_record(staged_record)
        except RecordError:
            return Outcome(name, "failed", seconds, "the notebook ran but did not write its record (ch.finish())")
        if record.get("provenance", {}).get("run_id") != run_id:
            return Outcome(name, "failed", seconds, "the notebook's record is not from this run")
        record["pipeline"] = {"cache_key": key, "parameters": parameters, "seconds": round(seconds, 1)}
        _commit(name, profile, staged, tmp, results, record)
        return Outcome(name, "ran", seconds, note=reason, units=units_summary(record.get("units", {})))
    except PapermillExecutionError as err:
        try:
            p["failed"].parent.mkdir(parents=True, exist_ok=True)
            if tmp.exists():
                os.replace(tmp, p["failed"])
            where = f" (executed copy: {p['failed']})"
        except OSError as io:  # a read-only results folder must not hide the notebook's own error
            where = f" (its executed copy could not be kept: {io})"
        return Outcome(name, "failed", time.perf_counter() - started,
                       f"cell {err.exec_count}: {err.ename}: {err.evalue}{where}")
    except Exception as err:  # kernel died, timeout, missing kernel …
        return Outcome(name, "failed", time.perf_counter() - started, f"{type(err).__name__}: {err}")
    finally:
        tmp.unlink(missing_ok=True)
        shutil.rmtree(staged, ignore_errors=True)
        for k, v in saved_env.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


class LockError(RuntimeError):
    """Another ``sfli book`` holds the lock of this checkout and profile."""


class BookLock:
    """One ``sfli book`` per checkout and profile: ``<results>/<profile>/.lock`` holds the owner's pid and start
    time. A second run stops with one line naming the running one; a lock whose process is gone (a killed run)
    is taken over."""

    def __init__(self, results: Path, profile: str) -> None:
        self.path = results / profile / ".lock"
        self.taken_over: str = ""

    @staticmethod
    def _alive(pid: int) -> bool:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:  # alive, another user's
            return True
        return True

    def __enter__(self) -> "BookLock":
        self.path.parent.mkdir(parents=True, exist_ok=True)
        mine = json.dumps({"pid": os.getpid(), "started": time.strftime("%Y-%m-%d %H:%M:%S")})
        for _ in range(2):
            try:
                fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                try:
                    owner = json.loads(self.path.read_text())
                    pid = int(owner["pid"])
                except (OSError, ValueError, KeyError, TypeError):
                    owner, pid = {}, -1
                if pid > 0 and self._alive(pid):
                    raise LockError(f"another `sfli book` is running on this checkout at this profile (pid {pid}, "
                                    f"started {owner.get('started', '?')}); wait for it, or stop it") from None
                self.taken_over = f"took over the lock of a run that is gone (pid {pid})"
                self.path.unlink(missing_ok=True)
                continue
            with os.fdopen(fd, "w") as handle:
                handle.write(mine)
            return self
        raise LockError(f"could not take the lock {self.path}")

    def __exit__(self, *exc: object) -> None:
        self.path.unlink(missing_ok=True)


def html_dir(profile: str, root: Path | None = None) -> Path:
    """Where the HTML of ``profile`` goes: ``_build/html`` for ci (the book), ``_build/<profile>/html`` else."""
    root = root or root_dir()
    return root / "_build" / "html" if profile == "ci" else root / "_build" / profile / "html"


def stage_book(profile: str, results: Path, reproduction_page: str, root: Path | None = None) -> Path:
    """Assemble the book's sources with the executed notebooks in ``_build/.stage/<profile>``."""
    root = root or root_dir()
    stage = root / "_build" / ".stage" / profile
    if stage.exists():
        shutil.rmtree(stage)
    (stage / "notebooks").mkdir(parents=True)
    for item in ("_config.yml", "_toc.yml"):
        shutil.copy2(root / item, stage / item)
    shutil.copytree(root / "book", stage / "book")
    for name in book_notebooks(root):
        executed = paths(name, profile, results)["executed"]
        if executed.exists():  # papermill's injected-parameters cell: collapsed, the profile stays one click away
            notebook = nbformat.read(executed, as_version=4)
            for cell in notebook.cells:
                tags = cell.metadata.get("tags", [])
                if "injected-parameters" in tags and "hide-cell" not in tags:
                    cell.metadata["tags"] = [*tags, "hide-cell"]
        else:  # never executed successfully: the source with a warning (the build is then reported as failed)
            notebook = nbformat.read(notebook_path(name, root), as_version=4)
            notebook.cells.insert(0, nbformat.v4.new_markdown_cell(
                f":::{{warning}}\nThis notebook has not been executed successfully at the `{profile}` "
                "profile; its results are missing.\n:::"))
        nbformat.write(notebook, stage / "notebooks" / f"{name}.ipynb")
    (stage / "book" / "reproduction.md").write_text(reproduction_page)
    for relative, data in getattr(reproduction_page, "files", {}).items():  # its figures (a ledger.Page)
        (stage / "book" / relative).parent.mkdir(parents=True, exist_ok=True)
        (stage / "book" / relative).write_bytes(data)
    return stage


def build_html(stage: Path, profile: str, root: Path | None = None) -> tuple[bool, str]:
    """Build the staged book with Jupyter Book 1 (execution off; warnings are errors) and, only on success,
    put it in :func:`html_dir` — a failed build leaves the previous HTML in place."""
    root = root or root_dir()
    work = root / "_build" / ".work" / profile
    exe = Path(sys.executable).with_name("jupyter-book")
    command = [str(exe) if exe.exists() else "jupyter-book", "build", str(stage), "--path-output",
               str(work), "-W", "-n", "--keep-going"]
    proc = subprocess.run(command, capture_output=True, text=True)
    log = proc.stdout + proc.stderr
    if proc.returncode != 0:
        return False, log
    final = html_dir(profile, root)
    final.parent.mkdir(parents=True, exist_ok=True)
    fresh, old = final.with_name(".html.new"), final.with_name(".html.old")
    for leftover in (fresh, old):
        shutil.rmtree(leftover, ignore_errors=True)
    shutil.copytree(work / "_build" / "html", fresh)
    if final.exists():
        os.replace(final, old)
    os.replace(fresh, final)
    shutil.rmtree(old, ignore_errors=True)
    return True, log
