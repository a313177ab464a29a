"""Records: every number the book shows comes from a chapter's record ``<results>/<profile>/<chapter>.json``.

A record holds the metrics and their provenance (profile, parameters, seeds, versions, device, git commit, wall
time). It is written once, at the end of a successful run, atomically (temporary file + ``os.replace``), so a
failed or interrupted run never destroys an earlier record. :func:`read_record` is the one reader: it names the
file and what is wrong with it.

Where records go: ``sfli book`` sets ``$SFLI_RESULTS`` to the book's ``results/``; a notebook run any other way
(papermill by hand, Jupyter, Colab) writes to ``./sfli-results/`` and never touches the book's records.
"""
from __future__ import annotations

import json
import math
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any, Mapping

import torch

from .settings import check_profile

RESULTS_ENV = "SFLI_RESULTS"  #: set by ``sfli book`` (and the tests): where records go
RUN_ID_ENV = "SFLI_RUN_ID"  #: set by ``sfli book`` so it can tell a fresh record from an old one
SCRATCH = "sfli-results"  #: where a notebook run outside ``sfli book`` writes (relative to its working folder)
PACKAGES = ("sfli-book", "torch", "numpy", "scipy", "matplotlib", "seaborn", "pandas", "papermill", "jupyter-book")
REQUIRED = ("name", "profile", "params", "seeds", "metrics", "provenance")  #: keys every record has


class RecordError(ValueError):
    """A record that cannot be used: unreadable, not JSON, or missing what it must hold."""


def project_root(start: Path | None = None) -> Path | None:
    """The checkout this code runs in (the folder holding ``_toc.yml`` and ``sfli/``), or None."""
    for folder in [start or Path.cwd(), *(start or Path.cwd()).parents]:
        if (folder / "_toc.yml").exists() and (folder / "sfli").is_dir():
            return folder
    here = Path(__file__).resolve().parents[2]
    return here if (here / "_toc.yml").exists() else None


def results_dir() -> Path:
    """``$SFLI_RESULTS`` when ``sfli book`` runs the notebook, else ``./sfli-results`` (a scratch folder)."""
    if os.environ.get(RESULTS_ENV):
        return Path(os.environ[RESULTS_ENV])
    return Path.cwd() / SCRATCH


def record_path(name: str, profile: str, root: Path | None = None) -> Path:
    return (root or results_dir()) / check_profile(profile) / f"{name}.json"


def to_jsonable(value: Any) -> Any:
    """Plain JSON types from numpy/torch scalars and arrays, tuples and nested mappings."""
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, torch.Tensor):
        return to_jsonable(value.tolist())
    if hasattr(value, "tolist") and not isinstance(value, (str, bytes)):  # numpy scalars and arrays
        return to_jsonable(value.tolist())
    if isinstance(value, float) and not math.isfinite(value):
        return None if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise TypeError(f"cannot store {type(value).__name__} {value!r} in a record")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_json_atomic(path: Path, data: Any) -> Path:
    """Write JSON to ``path`` atomically (a reader sees the old file or the new one), with the umask's mode."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(to_jsonable(data), indent=2, sort_keys=True) + "\n"
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600: others on a shared machine could not read it
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def read_record(path: Path, required: tuple[str, ...] = REQUIRED) -> dict[str, Any]:
    """The record at ``path``; RecordError naming the file and the fault if it cannot be used."""
    path = Path(path)
    try:
        text = path.read_text()
    except OSError as err:
        raise RecordError(f"record {path}: cannot be read ({err.strerror or err})") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise RecordError(f"record {path}: not valid JSON ({err.msg}, line {err.lineno}, column {err.colno}; "
                          "truncated or edited by hand?)") from None
    if not isinstance(data, dict):
        raise RecordError(f"record {path}: holds a JSON {type(data).__name__}, not an object")
    if missing := [k for k in required if k not in data]:
        raise RecordError(f"record {path}: lacks {', '.join(missing)}")
    if "metrics" in required and not isinstance(data["metrics"], dict):
        raise RecordError(f"record {path}: 'metrics' is not an object")
    return data


def git_state() -> dict[str, Any]:
    root = project_root()
    if root is None:
        return {"commit": None, "dirty": None}
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True,
                                timeout=10).stdout.strip() or None
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "sfli", "notebooks"], cwd=root,
                               capture_output=True, text=True, timeout=10).stdout.strip() != ""
    except (OSError, subprocess.SubprocessError):
        return {"commit": None, "dirty": None}
    return {"commit": commit, "dirty": dirty}


def version(package: str) -> str | None:
    """The installed version of ``package``, or None."""
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def device_description() -> str:
    if torch.cuda.is_available():
        return f"cuda: {torch.cuda.get_device_name(0)}"
    return f"cpu: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, {torch.get_num_threads()} threads"


def provenance() -> dict[str, Any]:
    """Where and with what a run was made."""
    return {
        "python": platform.python_version(),
        "executable": sys.executable,
        "platform": platform.platform(),
        "device": device_description(),
        "versions": {p: version(p) for p in PACKAGES},
        "git": git_state(),
        "run_id": os.environ.get(RUN_ID_ENV),
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }


class Run:
    """One notebook's run: collects parameters, saves figures, and writes the record at the end.

    >>> run = Run("01_eps_rank", profile="smoke", params={"seed": 0}, seeds=[0])   # doctest: +SKIP
    >>> run.savefig(fig, "hilbert_spectrum")                                          # doctest: +SKIP
    >>> run.finish({"hilbert/max_rank_error": 0})                                     # doctest: +SKIP
    """

    def __init__(self, name: str, profile: str, params: Mapping[str, Any], seeds: list[int]) -> None:
        self.name, self.profile = name, check_profile(profile)
        self.params, self.seeds = dict(params), list(seeds)
        self.root = results_dir()
        self.figure_dir = self.root / self.profile / "figures" / name
        self.started = time.perf_counter()
        self.figures: list[str] = []

    def savefig(self, fig, stem: str) -> None:
        """Save ``fig`` as PNG and SVG under ``<results>/<profile>/figures/<chapter>/``."""
        self.figure_dir.mkdir(parents=True, exist_ok=True)
        for ext in ("png", "svg"):
            fig.savefig(self.figure_dir / f"{stem}.{ext}", dpi=150, bbox_inches="tight")
        self.figures.append(stem)

    def finish(self, metrics: Mapping[str, Any], tables: Mapping[str, Any] | None = None,
               units: Mapping[str, Any] | None = None) -> Path:
        """Write the record (metrics: flat ``{"name": number}``; tables: anything JSON-able; units: how many
        units ran, where, and how many came from the unit cache) atomically."""
        for key, value in metrics.items():
            if not isinstance(to_jsonable(value), (int, float, type(None), str)):
                raise TypeError(f"metric {key!r} must be a number, got {type(value).__name__}")
        record = {
            "name": self.name,
            "profile": self.profile,
            "params": self.params,
            "seeds": self.seeds,
            "metrics": dict(metrics),
            "tables": dict(tables or {}),
            "figures": self.figures,
            "wall_time_s": round(time.perf_counter() - self.started, 3),
            "units": dict(units or {}),
            "provenance": provenance(),
        }
        return write_json_atomic(record_path(self.name, self.profile, self.root), record)
