"""Running a chapter's units: serially, on local Dask worker processes, or on a Dask cluster — each unit's output
cached on disk, so a run that is killed resumes where it stopped.

Where the units run is read from the environment, which ``sfli book`` sets (``--workers N``, ``--scheduler
ADDRESS``) and a user may set for a notebook run by hand; nothing set means serial, in-process (the default,
on Colab and under pytest):

* ``SFLI_WORKERS=N`` — a :class:`dask.distributed.LocalCluster` of N single-threaded worker processes;
* ``SFLI_SCHEDULER=ADDRESS`` — a running Dask scheduler, e.g. one started by ``dask-jobqueue`` on Slurm/PBS.

The unit cache (``SFLI_UNITS``, set by ``sfli book`` to ``results/<profile>/units``; off when unset) keeps one
file per unit under ``<chapter>/``, keyed by the unit spec, the chapter's settings, the code of ``sfli`` (outside
the tooling) and the library versions — the ingredients of a notebook's cache key. A file that cannot be read,
or that belongs to another key, is reported and its unit re-run. ``SFLI_FORCE=1`` (``sfli book --force``)
ignores the cache. Seeds come from the unit specs, so where a unit runs and in which order never changes its
numbers.
"""
from __future__ import annotations

import hashlib
import json
import os
import pickle
import sys
import tempfile
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Hashable, Iterable, Iterator, Mapping, Sequence

WORKERS_ENV = "SFLI_WORKERS"
SCHEDULER_ENV = "SFLI_SCHEDULER"
UNITS_ENV = "SFLI_UNITS"
FORCE_ENV = "SFLI_FORCE"
VERSIONED = ("torch", "numpy", "scipy", "matplotlib", "pandas")  #: libraries whose version is part of every key
TOOLING = ("repro",)  #: sub-packages of sfli left out of every key (no notebook imports them)


def code_fingerprint(package: Path | None = None) -> str:
    """Hash of the sources of ``sfli`` outside the tooling, the Python and the library versions."""
    from .records import version

    package = package or Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for source in sorted(package.rglob("*.py")):
        relative = source.relative_to(package)
        if relative.parts[0] in TOOLING:
            continue
        digest.update(str(relative).encode())
        digest.update(source.read_bytes())
    digest.update(json.dumps({"versions": {p: version(p) for p in VERSIONED}, "python": sys.version}).encode())
    return digest.hexdigest()


def unit_name(unit: Hashable) -> str:
    """A stable text for a unit spec: its type's full name and its repr (frozen dataclasses)."""
    return f"{type(unit).__module__}.{type(unit).__qualname__}:{unit!r}"


class UnitCache:
    """Unit outputs of one chapter at given settings, one pickle per unit, written atomically."""

    def __init__(self, folder: Path | None, key: str, force: bool = False) -> None:
        self.folder, self.key, self.force = folder, key, force
        self.problems: list[str] = []  # unreadable files met (and re-run)
        self.hits = 0
        self.stale = 0  # entries of another version of the code or settings (re-run)

    @classmethod
    def from_env(cls, chapter: str, cfg: Mapping[str, Any]) -> "UnitCache":
        folder = os.environ.get(UNITS_ENV)
        key = hashlib.sha256((code_fingerprint() + json.dumps(cfg, sort_keys=True, default=str)).encode())
        return cls(Path(folder) / chapter if folder else None, key.hexdigest(),
                   os.environ.get(FORCE_ENV, "") not in ("", "0"))

    def path(self, unit: Hashable) -> Path:
        assert self.folder is not None
        return self.folder / f"{hashlib.sha256(unit_name(unit).encode()).hexdigest()[:24]}.pkl"

    def get(self, unit: Hashable) -> tuple[bool, Any]:
        """(True, output) for a cached unit of this key; (False, None) otherwise (unreadable files are noted)."""
        if self.folder is None or self.force:
            return False, None
        path = self.path(unit)
        if not path.exists():
            return False, None
        try:
            with open(path, "rb") as handle:
                entry = pickle.load(handle)
            if not isinstance(entry, dict) or entry.get("unit") != unit_name(unit):
                raise ValueError("it holds another unit")
        except Exception as err:  # truncated, corrupt, or from an incompatible version
            self.problems.append(f"unit file {path} is unreadable ({type(err).__name__}: {err}); re-running its unit")
            return False, None
        if entry.get("key") != self.key:
            self.stale += 1  # another version of the code or settings
            return False, None
        self.hits += 1
        return True, entry["output"]

    def put(self, unit: Hashable, output: Any) -> None:
        if self.folder is None:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        data = pickle.dumps({"unit": unit_name(unit), "key": self.key, "output": output})
        fd, tmp = tempfile.mkstemp(prefix=".unit.", suffix=".tmp", dir=self.folder)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.chmod(tmp, 0o644)
            os.replace(tmp, self.path(unit))
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


class UnitFailure:
    """What a unit that raised leaves instead of its output: its traceback (or why its worker died)."""

    def __init__(self, text: str) -> None:
        self.text = text

    @property
    def last_line(self) -> str:
        return self.text.strip().splitlines()[-1] if self.text.strip() else "failed"


class UnitsFailed(RuntimeError):
    """Some units raised; the others finished and are cached, and the failed ones run again next time."""

    def __init__(self, failures: Mapping[Hashable, UnitFailure], total: int) -> None:
        first_unit, first = next(iter(failures.items()))
        listed = "; ".join(f"{unit_name(u)}: {f.last_line}" for u, f in list(failures.items())[:5])
        super().__init__(f"{len(failures)} of {total} units failed (the others finished and are cached; the failed "
                         f"ones run again next time): {listed}\n\nthe first one, {unit_name(first_unit)}:\n{first.text}")
        self.failures = dict(failures)


def _run_one(run_unit: Callable[[Hashable, Mapping[str, Any]], Any], unit: Hashable, cfg: Mapping[str, Any],
             threads: int) -> Any:
    """One unit on a worker, with ``threads`` torch threads (one by default: workers share the cores)."""
    from ..train import torch_threads

    with torch_threads(threads):
        return run_unit(unit, cfg)


@dataclass(frozen=True)
class Executor:
    """Where units run: serially (``workers == 0`` and no ``scheduler``), on ``workers`` local processes, or on
    the Dask scheduler at ``scheduler``."""

    workers: int = 0
    scheduler: str = ""

    @classmethod
    def from_env(cls) -> "Executor":
        raw = os.environ.get(WORKERS_ENV, "0") or "0"
        try:
            workers = int(raw)
        except ValueError:
            raise ValueError(f"{WORKERS_ENV} must be a whole number of worker processes, got {raw!r}") from None
        if workers < 0:
            raise ValueError(f"{WORKERS_ENV} must be ≥ 0, got {workers}")
        return cls(workers, os.environ.get(SCHEDULER_ENV, ""))

    @property
    def serial(self) -> bool:
        return self.workers == 0 and not self.scheduler

    def describe(self) -> str:
        if self.scheduler:
            return f"the Dask scheduler at {self.scheduler}"
        return f"{self.workers} local Dask worker processes" if self.workers else "serially, in this process"

    def imap(self, run_unit: Callable[[Hashable, Mapping[str, Any]], Any], units: Sequence[Hashable],
             cfg: Mapping[str, Any], threads: int) -> Iterator[tuple[Hashable, Any]]:
        """``(unit, output)`` pairs as units finish (in any order)."""
        if self.serial:
            for unit in units:
                try:
                    yield unit, run_unit(unit, cfg)
                except Exception:
                    yield unit, UnitFailure(traceback.format_exc())
            return
        try:
            from dask.distributed import Client, LocalCluster, as_completed
        except ImportError:
            raise RuntimeError("parallel units need Dask: pip install 'dask[distributed]' (or unset "
                               f"{WORKERS_ENV} and {SCHEDULER_ENV} to run serially)") from None
        cluster = None
        try:
            if self.scheduler:
                client = Client(self.scheduler, timeout="10s")
            else:
                cluster = LocalCluster(n_workers=self.workers, threads_per_worker=1, processes=True,
                                       dashboard_address=None)
                client = Client(cluster)
        except (OSError, TimeoutError) as err:
            raise RuntimeError(f"cannot reach the Dask scheduler at {self.scheduler} ({type(err).__name__}: "
                               f"{err}); is it running? Without --scheduler the units run here") from None
        try:
            futures = {client.submit(_run_one, run_unit, u, dict(cfg), max(threads, 1), pure=False): u for u in units}
            for future in as_completed(futures):
                try:
                    yield futures[future], future.result()
                except Exception as err:  # the unit raised, or its worker died (KilledWorker)
                    tb = "".join(traceback.format_tb(future.traceback())) if future.traceback() else ""
                    yield futures[future], UnitFailure(f"{tb}{type(err).__name__}: {err}")
        finally:
            client.close()
            if cluster is not None:
                cluster.close()


def run_units(run_unit: Callable[[Hashable, Mapping[str, Any]], Any], units: Iterable[Hashable],
              cfg: Mapping[str, Any], cache: UnitCache, executor: Executor, threads: int = 0,
              progress: Callable[[Iterable, str, int], Iterable] | None = None) -> dict[Hashable, Any]:
    """Every unit's output, from the cache or run by ``executor``; each new output is cached as it arrives.
    UnitsFailed, once every unit has had its turn, if some raised."""
    units = list(units)
    outputs: dict[Hashable, Any] = {}
    todo = []
    for unit in units:
        hit, value = cache.get(unit)
        if hit:
            outputs[unit] = value
        else:
            todo.append(unit)
    finished = executor.imap(run_unit, todo, cfg, threads)
    if progress is not None:
        finished = progress(finished, f"units ({len(outputs)} of {len(units)} cached)", len(todo))
    failures: dict[Hashable, UnitFailure] = {}
    for unit, output in finished:
        if isinstance(output, UnitFailure):
            failures[unit] = output
            continue
        cache.put(unit, output)
        outputs[unit] = output
    if failures:
        raise UnitsFailed(failures, len(units))
    return {u: outputs[u] for u in units}
