r"""Chapter 9's aggregation: from the units' outputs to its tables and flat metrics.

* **Errors** are relative L² errors on the quadrature (:func:`sfli.solvers.relative_errors`) at the end of
  training: of u, of the net's own ∇u and Δu, and of the formulation's auxiliary outputs (MIM: p vs ∇u*, div p vs
  Δu*). Per (d, formulation): mean, min and max over the seeds; metrics are the means.
* **Steps / seconds to a level**: the first recorded step (training seconds) whose relative L² error of u is ≤
  the equation's ``level``; a run that never gets there counts its whole budget (censored: a speed-up against it
  is a lower bound; two runs that both miss tie at 1). Medians over seeds.
  **Time speed-up** (base's seconds / new's): both miss → 1; only the new one misses → at most 1; only the base
  misses → a lower bound ("reached": the median seed reached it).
* **Biharmonic at its best rate**: each (d, formulation) is trained at every rate of ``lrs``; its rows, curves
  and metrics are those of the rate with the lowest seed-mean final error of u (a tie: the smaller rate), and
  the table keeps every rate (``best`` marks the one used).
* **Convergence paths** through the (n, m) grid (n interior samples, m width): ``n_prop_m`` (n/m constant),
  ``n_prop_m2`` (n/m² constant), ``n_fixed`` (the largest n, m growing), ``m_fixed`` (the largest m, n
  growing). The **rate** is the least-squares slope of log error against log m (against log n on ``m_fixed``)
  over every seed's points, with a 95 % t-interval; negative: the error falls.
* **Cost growth** with d: time (memory) per step at the largest cost dimension / at the smallest; the
  formulation's ``growth_ratio`` = direct's growth / its own (> 1: it grows more slowly).
* **SFLI comparisons** per solver: ``rank_ratio`` = SFLI's initial ε-rank of the last hidden layer / the
  default's (seed means); ``speedup`` = default's steps to the level / SFLI's; ``error_ratio`` = default's final
  error / SFLI's. All > 1 when SFLI is better.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

import numpy as np
import pandas as pd
from scipy import stats

from ..measures import first_reach, ratio
from .runs import Check, Cost, Train, grid_units, sfli_units

NAN = float("nan")
PATHS = ("n_prop_m", "n_prop_m2", "n_fixed", "m_fixed")
PATH_LABELS = {"n_prop_m": "n ∝ m", "n_prop_m2": "n ∝ m²", "n_fixed": "n fixed", "m_fixed": "m fixed"}


@dataclass
class Result:
    runs: pd.DataFrame  # one row per training run
    curves: pd.DataFrame  # every recorded step of every training run
    poisson: pd.DataFrame  # part 1: (dim, method, quantity) mean / min / max
    grid: pd.DataFrame  # part 2: (n, m) mean error, and seeds
    rates: pd.DataFrame  # part 2: one row per path
    biharmonic: pd.DataFrame  # part 3: (dim, formulation, lr), ``best`` marks each pair's best rate
    cost: pd.DataFrame  # part 3: (dim, formulation) time and memory per step
    sfli: pd.DataFrame  # part 4: (solver, init)
    sfli_comparisons: pd.DataFrame  # part 4: one row per solver
    checks: pd.DataFrame  # loss at the exact solution per (dim, equation/formulation)
    metrics: dict[str, Any] = field(default_factory=dict)


def speedup(base: float, base_hit: bool, new: float, new_hit: bool) -> float:
    """base / new for times (or steps) to a level, censored runs counted at their budget: both miss → 1 (a tie);
    only the new one misses → at most 1 (its time is a lower bound); only the base misses → a lower bound."""
    if not base_hit and not new_hit:
        return 1.0
    r = ratio(base, new)
    return min(r, 1.0) if not new_hit else r


def best_rate(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` (one row per dim, formulation, lr) with ``best``: True on each (dim, formulation)'s rate of lowest
    ``error`` (a tie, or no finite error: the smallest rate)."""
    table = table.reset_index(drop=True)
    by_rate = table.sort_values("lr", kind="stable")  # idxmin keeps the first of equal errors: the smallest rate
    err = by_rate.error.where(np.isfinite(by_rate.error), np.inf)
    best = err.groupby([by_rate.dim, by_rate.formulation], sort=False).idxmin()
    return table.assign(best=table.index.isin(best.to_numpy()))


def run_table(results: Mapping, cfg: Mapping) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(one row per training run, every recorded step); the level is the equation's."""
    rows, frames = [], []
    depth = int(cfg["net"]["depth"])
    for unit, out in results.items():
        if not isinstance(unit, Train):
            continue
        c = out["curves"].sort_values("step")
        level = float(cfg["level"][unit.equation])
        row = {**unit.__dict__, "diverged": out["diverged"], "train_seconds": out["train_seconds"],
               "ms_per_step": 1e3 * out["train_seconds"] / max(float(c["step"].iloc[-1]), 1.0),
               "rank_first_init": float(c["hidden_1"].iloc[0]), "rank_last_init": float(c[f"hidden_{depth}"].iloc[0]),
               "steps_to_level": first_reach(c["step"], c["error"], level, unit.steps),
               "reached": bool((c["error"] <= level).any()),
               "seconds_to_level": first_reach(c["seconds"], c["error"], level, float(c["seconds"].iloc[-1]))}
        row.update({f"err_{k}": v for k, v in out["errors"].items()})
        rows.append(row)
        frames.append(c.assign(**unit.__dict__))
    return pd.DataFrame(rows), pd.concat(frames, ignore_index=True)


def _stats(frame: pd.DataFrame, keys: list[str], columns: list[str]) -> pd.DataFrame:
    out = []
    for key, g in frame.groupby(keys, sort=False):
        for col in columns:
            if col in g and g[col].notna().any():
                out.append({**dict(zip(keys, key if isinstance(key, tuple) else (key,))), "quantity": col[4:],
                            "mean": g[col].mean(), "min": g[col].min(), "max": g[col].max()})
    return pd.DataFrame(out)


def path_points(cfg: Mapping) -> dict[str, list[tuple[int, int]]]:
    """The (n, m) cells of each path through the grid, in order of growth."""
    ns, ms = list(cfg["grid"]["ns"]), list(cfg["grid"]["widths"])
    return {"n_prop_m": [(n, m) for n in ns for m in ms if n * ms[0] == ns[0] * m],
            "n_prop_m2": [(n, m) for n in ns for m in ms if n * ms[0] ** 2 == ns[0] * m * m],
            "n_fixed": [(ns[-1], m) for m in ms], "m_fixed": [(n, ms[-1]) for n in ns]}


def slope(x: np.ndarray, y: np.ndarray) -> tuple[float, float, float]:
    """Least-squares slope of y on x and its 95 % t-interval (NaN without enough points)."""
    if len(np.unique(x)) < 2:
        return NAN, NAN, NAN
    fit = stats.linregress(x, y)
    dof = len(x) - 2
    half = stats.t.ppf(0.975, dof) * fit.stderr if dof > 0 else NAN
    return float(fit.slope), float(fit.slope - half), float(fit.slope + half)


def rates(grid_runs: pd.DataFrame, cfg: Mapping) -> pd.DataFrame:
    rows = []
    for path, cells in path_points(cfg).items():
        pts = grid_runs[np.array([(n, m) in cells for n, m in zip(grid_runs.n, grid_runs.width)], dtype=bool)]
        along = pts.n if path == "m_fixed" else pts.width
        s, lo, hi = slope(np.log(along.to_numpy(float)), np.log(pts.err_u.to_numpy(float)))
        first = pts[(pts.n == cells[0][0]) & (pts.width == cells[0][1])].err_u.mean()
        last = pts[(pts.n == cells[-1][0]) & (pts.width == cells[-1][1])].err_u.mean()
        rows.append({"path": path, "cells": " → ".join(f"({n}, {m})" for n, m in cells),
                     "against": "n" if path == "m_fixed" else "m", "slope": s, "slope_lo": lo, "slope_hi": hi,
                     "first_error": first, "last_error": last, "drop": ratio(first, last)})
    return pd.DataFrame(rows)


def aggregate(cfg: Mapping, seed_list: list[int], results: Mapping) -> Result:
    runs, curves = run_table(results, cfg)
    p, b = cfg["poisson"], cfg["biharmonic"]
    default = runs[runs.init == "default"]
    err_cols = [c for c in runs.columns if c.startswith("err_")]
    part1 = default[(default.equation == "poisson") & default.dim.isin(p["dims"]) & (default.width == p["width"])
                    & (default.n == p["n"]) & (default.steps == p["steps"])]
    poisson = _stats(part1, ["dim", "formulation"], err_cols)
    g = cfg["grid"]
    grid_keys = {(u.n, u.width) for u in grid_units(cfg, seed_list[0])}
    grid_runs = default[(default.formulation == "mim") & (default.dim == g["dim"]) & (default.steps == g["steps"])
                        & np.array([(n, m) in grid_keys for n, m in zip(default.n, default.width)], dtype=bool)]
    grid = grid_runs.groupby(["n", "width"], as_index=False).err_u.agg(["mean", "min", "max"])
    part3 = default[(default.equation == "biharmonic") & default.dim.isin(b["dims"]) & (default.width == b["width"])
                    & (default.n == b["n"]) & (default.steps == b["steps"]) & default.lr.isin(b["lrs"])]
    bih = best_rate(part3.groupby(["dim", "formulation", "lr"], sort=False).agg(
        error=("err_u", "mean"), error_min=("err_u", "min"), error_max=("err_u", "max"),
        steps_to_level=("steps_to_level", "median"), seconds_to_level=("seconds_to_level", "median"),
        ms_per_step=("ms_per_step", "mean"), reached=("reached", "mean"),
        diverged=("diverged", "sum")).reset_index())
    cost = pd.DataFrame([{"dim": u.dim, "formulation": u.formulation, "ms_per_step": 1e3 * o["seconds_per_step"],
                          "graph_mib": o["graph_mib"]} for u, o in results.items() if isinstance(u, Cost)])
    checks = pd.DataFrame([{"dim": u.dim, "problem": k, "loss_at_exact": v} for u, o in results.items()
                           if isinstance(u, Check) for k, v in o["losses"].items()])
    sfli_keys = {(u.equation, u.formulation, u.dim, u.width, u.n, u.steps, u.lr)
                 for u in sfli_units(cfg, 0, "default")}
    part4 = runs[np.array([k in sfli_keys for k in zip(runs.equation, runs.formulation, runs.dim, runs.width,
                                                       runs.n, runs.steps, runs.lr)], dtype=bool)]
    sfli = part4.groupby(["formulation", "init"], sort=False).agg(
        rank_first_init=("rank_first_init", "mean"), rank_last_init=("rank_last_init", "mean"),
        steps_to_level=("steps_to_level", "median"), seconds_to_level=("seconds_to_level", "median"),
        reached=("reached", "mean"), final_error=("err_u", "median"), final_error_min=("err_u", "min"), final_error_max=("err_u", "max"),
        level=("equation", lambda e: float(cfg["level"][e.iloc[0]]))).reset_index()
    comp = []
    for solver, s in sfli.groupby("formulation", sort=False):
        by = s.set_index("init")
        d, f = by.loc["default"], by.loc["sfli"]
        comp.append({"solver": solver, "rank_ratio": ratio(f.rank_last_init, d.rank_last_init),
                     "rank_first_ratio": ratio(f.rank_first_init, d.rank_first_init),
                     "speedup": ratio(d.steps_to_level, f.steps_to_level),
                     "time_speedup": speedup(d.seconds_to_level, d.reached > 0.5, f.seconds_to_level,
                                             f.reached > 0.5),
                     "error_ratio": ratio(d.final_error, f.final_error)})
    result = Result(runs, curves, poisson, grid, rates(grid_runs, cfg), bih, cost, sfli, pd.DataFrame(comp), checks)
    result.metrics = metrics(result, cfg)
    return result


def metrics(r: Result, cfg: Mapping) -> dict[str, Any]:
    """The flat metrics (declared in the package's ``__init__``)."""
    m: dict[str, Any] = {}
    for row in r.poisson.itertuples(index=False):
        m[f"poisson/d{row.dim}/{row.formulation}/{row.quantity}"] = float(row.mean)
    for d in cfg["poisson"]["dims"]:
        get = lambda f, q: m.get(f"poisson/d{d}/{f}/{q}", NAN)  # noqa: E731
        m[f"poisson/d{d}/grad_ratio"] = ratio(get("ritz", "grad_u"), get("mim", "p"))
        m[f"poisson/d{d}/lap_ratio"] = ratio(get("ritz", "lap_u"), get("mim", "div_p"))
        m[f"poisson/d{d}/lap_ratio_own"] = ratio(get("ritz", "lap_u"), get("mim", "lap_u"))
        m[f"poisson/d{d}/grad_ratio_own"] = ratio(get("ritz", "grad_u"), get("mim", "grad_u"))
    for row in r.grid.itertuples(index=False):
        m[f"grid/n{row.n}/m{row.width}/error"] = float(row.mean)
    for row in r.rates.itertuples(index=False):
        for k in ("slope", "slope_lo", "slope_hi", "drop"):
            m[f"grid/{row.path}/{k}"] = float(getattr(row, k))
    for row in r.biharmonic[r.biharmonic.best].itertuples(index=False):
        key = f"d{row.dim}/{row.formulation}"
        m[f"biharmonic/{key}/lr"] = float(row.lr)
        m[f"biharmonic/{key}/error"] = float(row.error)
        m[f"biharmonic/{key}/steps_to_level"] = float(row.steps_to_level)
        m[f"time/biharmonic/{key}/seconds_to_level"] = float(row.seconds_to_level)
        m[f"time/biharmonic/{key}/ms_per_step"] = float(row.ms_per_step)
    bih = r.biharmonic[r.biharmonic.best].set_index(["dim", "formulation"])
    for d in cfg["biharmonic"]["dims"]:
        base = bih.loc[(d, "direct")]
        for f in cfg["biharmonic"]["formulations"]:
            if f != "direct":
                new = bih.loc[(d, f)]
                m[f"time/biharmonic/d{d}/time_speedup_{f}"] = speedup(
                    base.seconds_to_level, base.reached > 0.5, new.seconds_to_level, new.reached > 0.5)
    cost = r.cost.set_index(["dim", "formulation"])
    lo, hi = min(cfg["biharmonic"]["cost_dims"]), max(cfg["biharmonic"]["cost_dims"])
    for (d, f), row in cost.iterrows():
        m[f"time/cost/d{d}/{f}/ms_per_step"] = float(row.ms_per_step)
        m[f"cost/d{d}/{f}/graph_mib"] = float(row.graph_mib)
    growth = {f: (cost.loc[(hi, f), "ms_per_step"] / cost.loc[(lo, f), "ms_per_step"],
                  cost.loc[(hi, f), "graph_mib"] / cost.loc[(lo, f), "graph_mib"])
              for f in cfg["biharmonic"]["formulations"]}
    for f, (t, mem) in growth.items():
        m[f"time/cost/{f}/time_growth"], m[f"cost/{f}/memory_growth"] = float(t), float(mem)
        if f != "direct":
            m[f"time/cost/time_growth_ratio_{f}"] = ratio(growth["direct"][0], t)
            m[f"cost/memory_growth_ratio_{f}"] = ratio(growth["direct"][1], mem)
    for row in r.sfli.itertuples(index=False):
        key = f"sfli/{row.formulation}/{row.init}"
        for k in ("rank_first_init", "rank_last_init", "steps_to_level", "final_error"):
            m[f"{key}/{k}"] = float(getattr(row, k))
        m[f"time/{key}/seconds_to_level"] = float(row.seconds_to_level)
    for row in r.sfli_comparisons.itertuples(index=False):
        for k in ("rank_ratio", "speedup", "error_ratio"):
            m[f"sfli/{row.solver}/{k}"] = float(getattr(row, k))
        m[f"time/sfli/{row.solver}/time_speedup"] = float(row.time_speedup)
    for row in r.checks.itertuples(index=False):
        m[f"check/d{row.dim}/{row.problem}"] = float(row.loss_at_exact)
    m["check/max_loss_exact"] = float(r.checks.loss_at_exact.max())
    m["time/train_seconds"] = float(r.runs.train_seconds.sum())
    return m
