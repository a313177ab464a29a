"""Where a chapter's units run, measured: serial against local Dask workers, and the cost of the unit cache.

    python benchmarks/units.py                      # every chapter at ci: serial vs 2 workers, cold caches
    python benchmarks/units.py --only 03_staircase --workers 2 --out units.json

Per chapter it prints the unit count, the wall time of a cold serial run and of a cold run on N local worker
processes, their ratio, the per-unit time of a warm run (every unit read from the unit cache), and the paper
profile's unit count with a rough serial estimate (ci seconds per unit × paper units; paper units are larger, so
this is a lower bound). Then the per-unit overhead of the cache and of Dask on a chapter of tiny units.
Wall times, not asserted anywhere: the point is the ratios.
"""
from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

from sfli.experiments import chapters
from sfli.experiments.chapter import Chapter, Metric, Part
from sfli.experiments.units import Executor, UnitCache


def timed(chapter: Chapter, cfg: dict, executor: Executor, cache: UnitCache) -> float:
    start = time.perf_counter()
    chapter.run(cfg, executor=executor, cache=cache)
    return time.perf_counter() - start


def chapter_rows(names: list[str], profile: str, workers: int) -> list[dict]:
    rows = []
    for name, ch in chapters().items():
        if names and name not in names:
            continue
        cfg = ch.config(profile)
        n = len(ch.units(cfg, list(range(int(cfg.get("n_seeds", 1))))))
        paper = ch.config("paper")
        n_paper = len(ch.units(paper, list(range(int(paper.get("n_seeds", 1))))))
        with tempfile.TemporaryDirectory() as folder:
            serial = timed(ch, cfg, Executor(), UnitCache(None, "-"))
            parallel = timed(ch, cfg, Executor(workers=workers), UnitCache(Path(folder), "k"))
            warm = timed(ch, cfg, Executor(), UnitCache(Path(folder), "k"))
        row = {"chapter": name, "units": n, "serial_s": round(serial, 1), f"workers{workers}_s": round(parallel, 1),
               "speedup": round(serial / parallel, 2), "warm_ms_per_unit": round(1e3 * warm / n, 1),
               "paper_units": n_paper, "paper_serial_estimate_s": round(serial / n * n_paper)}
        print(json.dumps(row), flush=True)
        rows.append(row)
    return rows


def _tiny_units(cfg, seeds):
    return [Part("u", (i,)) for i in range(cfg["n"])]


def _tiny_aggregate(cfg, seeds, results):
    return SimpleNamespace(metrics={"n": len(results)})


TINY = Chapter(name="tiny", title="tiny", settings={p: {"n": 400} for p in ("smoke", "ci", "paper")},
               units=_tiny_units, run_unit=lambda unit, cfg: unit.seeds[0], aggregate=_tiny_aggregate,
               metrics=(Metric("n"),))


def overhead_row(workers: int) -> dict:
    cfg = TINY.config("ci")
    n = cfg["n"]
    with tempfile.TemporaryDirectory() as folder:
        bare = timed(TINY, cfg, Executor(), UnitCache(None, "-"))
        write = timed(TINY, cfg, Executor(), UnitCache(Path(folder), "k"))
        read = timed(TINY, cfg, Executor(), UnitCache(Path(folder), "k"))
    dask = timed(TINY, cfg, Executor(workers=workers), UnitCache(None, "-"))
    row = {"tiny_units": n, "serial_ms_per_unit": round(1e3 * bare / n, 3),
           "cache_write_ms_per_unit": round(1e3 * (write - bare) / n, 3),
           "cache_read_ms_per_unit": round(1e3 * (read - bare) / n, 3),
           f"dask{workers}_ms_per_unit (cluster start included)": round(1e3 * (dask - bare) / n, 2)}
    print(json.dumps(row), flush=True)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--profile", default="ci", choices=("smoke", "ci", "paper"))
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--only", nargs="*", default=[], metavar="NAME")
    parser.add_argument("--out", type=Path, help="write the rows as JSON here")
    args = parser.parse_args()
    rows = chapter_rows(args.only, args.profile, args.workers)
    total_serial = sum(r["serial_s"] for r in rows)
    total_parallel = sum(r[f"workers{args.workers}_s"] for r in rows)
    summary = {"total_serial_s": round(total_serial, 1), f"total_workers{args.workers}_s": round(total_parallel, 1),
               "speedup": round(total_serial / total_parallel, 2) if total_parallel else None}
    print(json.dumps(summary), flush=True)
    overhead = overhead_row(args.workers)
    if args.out:
        args.out.write_text(json.dumps({"chapters": rows, "total": summary, "overhead": overhead}, indent=2) + "\n")


if __name__ == "__main__":
    main()
