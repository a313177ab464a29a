r"""Chapter 6's aggregation: from the runs' curves to the per-run table, the per-(cell, method) summary at the best
learning rate, the comparisons and the flat metrics.

* **Steps to a level** L: the first recorded step whose relative L² error is ≤ L. A run that never gets there
  counts its whole budget (the number is *censored*): a speed-up against a baseline that never reaches L is then a
  lower bound, and two methods that both miss it tie (ratio 1). Seconds to L likewise, in training seconds.
* **Band convergence**: the first recorded step at which the highest band's error is ≤ ``band_level``
  (censored the same way).
* **Best learning rate** per cell and method: the lowest median final error over the seeds (ties: the smaller).
  Every number of a method below is at its best learning rate; medians over seeds, ε-ranks as seed means.
* **Comparisons** per cell (SFLI against the best plain baseline, each statistic taking its own best):
  ``rank_ratio`` = SFLI's ε-rank of the last hidden layer at initialization / the largest baseline's;
  ``speedup`` = the fewest baseline steps to the first level / SFLI's; ``band_speedup`` the same for the highest
  band; ``error_ratio`` = the smallest baseline final error / SFLI's. All > 1 when SFLI is better; ``…_vs_rff``
  against the random Fourier feature embedding.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Mapping

import pandas as pd

from ..measures import first_reach, ratio
from .runs import PLAIN, TARGETS, OneLine, Run, Unit, curves_frame, split_cell

NAN, INF = float("nan"), math.inf


@dataclass
class Result:
    """The chapter's tables and flat metrics."""

    runs: pd.DataFrame  # one row per training run
    curves: pd.DataFrame  # every recorded step of every run
    summary: pd.DataFrame  # one row per (cell, method), at the best learning rate
    comparisons: pd.DataFrame  # one row per cell
    sensitivity: pd.DataFrame  # method, placement, factor, seed, final_error
    one_line: pd.DataFrame  # use_sfli, seed, final_error
    metrics: dict[str, Any] = field(default_factory=dict)


def high_band(cell: str) -> str | None:
    """The column of the highest band of ``cell``'s probe, or None (no bands above 2-D)."""
    target = TARGETS[split_cell(cell)[0]]
    return f"band_{len(target.band_edges) - 2}" if target.band_grid else None


def run_table(curves: pd.DataFrame, cfg: Mapping) -> pd.DataFrame:
    """One row per run: its fields, final error (∞ when diverged), initial ε-ranks, steps/seconds to each level and
    steps until the highest band converges."""
    budget, depth = cfg["train"]["steps"], cfg["net"]["depth"]
    rows = []
    keys = ["cell", "method", "lr", "seed", "factor", "placement"]
    for key, c in curves.groupby(keys, sort=False):
        c = c.sort_values("step")
        diverged = bool(c["diverged"].iloc[0])
        row = dict(zip(keys, key), diverged=diverged,
                   final_error=INF if diverged else float(c["error"].iloc[-1]),
                   rank_first_init=float(c["hidden_1"].iloc[0]), rank_last_init=float(c[f"hidden_{depth}"].iloc[0]),
                   rank_last_final=float(c[f"hidden_{depth}"].iloc[-1]),
                   train_seconds=float(c["seconds"].iloc[-1]))
        total_s = float(c["seconds"].iloc[-1])
        for level in cfg["levels"]:
            row[f"steps_to_{level:g}"] = first_reach(c["step"], c["error"], level, budget)
            row[f"seconds_to_{level:g}"] = first_reach(c["seconds"], c["error"], level, total_s)
        band = high_band(key[0])
        row["high_band_steps"] = first_reach(c["step"], c[band], cfg["band_level"], budget) if band else NAN
        rows.append(row)
    return pd.DataFrame(rows)



def summarize(runs: pd.DataFrame, cfg: Mapping) -> pd.DataFrame:
    """One row per (cell, method) at its best learning rate (main runs: γ factor 1, random placement)."""
    lrs = [float(lr) for lr in cfg["train"]["lrs"]]
    main = runs[(runs.factor == 1.0) & (runs.placement == "random") & runs.lr.isin(lrs)]
    rows = []
    for (cell, method), g in main.groupby(["cell", "method"], sort=False):
        medians = g.groupby("lr")["final_error"].median().sort_index()
        best = float(medians.idxmin())
        b = g[g.lr == best]
        row = {"cell": cell, "method": method, "best_lr": best,
               "rank_first_init": b.rank_first_init.mean(), "rank_last_init": b.rank_last_init.mean(),
               "rank_last_final": b.rank_last_final.mean(),
               "final_error": b.final_error.median(), "final_error_min": b.final_error.min(),
               "final_error_max": b.final_error.max(), "diverged": int(b.diverged.sum()),
               "high_band_steps": b.high_band_steps.median()}
        for level in cfg["levels"]:
            row[f"steps_to_{level:g}"] = b[f"steps_to_{level:g}"].median()
            row[f"seconds_to_{level:g}"] = b[f"seconds_to_{level:g}"].median()
        rows.append(row)
    return pd.DataFrame(rows)


def compare(summary: pd.DataFrame, cfg: Mapping) -> pd.DataFrame:
    """One row per cell: SFLI against the best plain baseline and against RFF (see the module docstring)."""
    first = f"steps_to_{cfg['levels'][0]:g}"
    rows = []
    for cell, g in summary.groupby("cell", sort=False):
        by = g.set_index("method")
        s, plain = by.loc["sfli"], by.loc[[m for m in by.index if m in PLAIN]]
        row = {"cell": cell,
               "rank_ratio": ratio(s.rank_last_init, plain.rank_last_init.max()),
               "rank_first_ratio": ratio(s.rank_first_init, plain.rank_first_init.max()),
               "speedup": ratio(plain[first].min(), s[first]),
               "band_speedup": ratio(plain.high_band_steps.min(), s.high_band_steps)
               if high_band(cell) else NAN,
               "error_ratio": ratio(plain.final_error.min(), s.final_error),
               "best_baseline": plain.final_error.idxmin()}
        if "rff" in by.index:
            r = by.loc["rff"]
            row.update(speedup_vs_rff=ratio(r[first], s[first]), error_ratio_vs_rff=ratio(r.final_error, s.final_error))
        else:
            row.update(speedup_vs_rff=NAN, error_ratio_vs_rff=NAN)
        rows.append(row)
    return pd.DataFrame(rows)


def aggregate(cfg: Mapping, seed_list: list[int], results: Mapping[Unit, dict]) -> Result:
    """The chapter's result from ``{unit: run_unit output}``."""
    curves = curves_frame(results)
    runs = run_table(curves, cfg)
    summary = summarize(runs[runs.cell.isin(cfg["cells"])], cfg)
    comparisons = compare(summary, cfg)
    sens_cfg = cfg["sensitivity"]
    sens = runs[(runs.cell == sens_cfg["cell"]) & (runs.lr == float(sens_cfg["lr"]))]
    factors = [float(f) for f in sens_cfg["factors"]]
    swept = sens.factor.isin(factors) & ((sens.method == "rff") | (sens.placement == "random"))
    placed = (sens.method == "sfli") & (sens.factor == 1.0) & sens.placement.isin(sens_cfg["placements"])
    sens = sens[(sens.method.isin(["sfli", "rff"])) & (swept | placed)]
    sensitivity = sens[["method", "placement", "factor", "seed", "final_error"]].reset_index(drop=True)
    one = pd.DataFrame([{"use_sfli": u.use_sfli, "seed": u.seed, "final_error": out["final_error"],
                         "seconds": out["seconds"]} for u, out in results.items() if isinstance(u, OneLine)])
    result = Result(runs, curves, summary, comparisons, sensitivity, one)
    result.metrics = metrics(result, cfg)
    return result


def metrics(result: Result, cfg: Mapping) -> dict[str, Any]:
    """The flat metrics (declared in the package's ``__init__``)."""
    m: dict[str, Any] = {}
    for row in result.summary.to_dict("records"):
        key = f"{row['cell']}/{row['method']}"
        m[f"{key}/best_lr"] = row["best_lr"]
        for name in ("final_error", "rank_first_init", "rank_last_init"):
            m[f"{key}/{name}"] = float(row[name])
        for level in cfg["levels"]:
            m[f"{key}/steps_to_{level:g}"] = float(row[f"steps_to_{level:g}"])
            m[f"time/{key}/seconds_to_{level:g}"] = float(row[f"seconds_to_{level:g}"])
        if high_band(row["cell"]):
            m[f"{key}/high_band_steps"] = float(row["high_band_steps"])
    comp = result.comparisons
    for row in comp.itertuples(index=False):
        for name in ("rank_ratio", "speedup", "error_ratio", "speedup_vs_rff", "error_ratio_vs_rff"):
            m[f"{row.cell}/{name}"] = float(getattr(row, name))
        if high_band(row.cell):
            m[f"{row.cell}/band_speedup"] = float(row.band_speedup)
    for name in ("rank_ratio", "speedup", "error_ratio", "band_speedup"):
        values = comp[name].dropna()
        m[f"cells/share_{name}"] = float((values > 1).mean()) if len(values) else NAN
    sens = result.sensitivity
    factors = [float(f) for f in cfg["sensitivity"]["factors"]]
    for (method, placement, factor), g in sens.groupby(["method", "placement", "factor"]):
        if method == "rff" or placement == "random":
            if factor in factors:
                m[f"sensitivity/{'rff' if method == 'rff' else 'sfli'}/factor_{factor:g}/final_error"] = \
                    float(g.final_error.median())
        if method == "sfli" and factor == 1.0 and placement in cfg["sensitivity"]["placements"]:
            m[f"sensitivity/placement_{placement}/final_error"] = float(g.final_error.median())
    one = result.one_line
    plain = float(one[~one.use_sfli].final_error.median())
    with_sfli = float(one[one.use_sfli].final_error.median())
    m.update({"one_line/error_plain": plain, "one_line/error_sfli": with_sfli,
              "one_line/error_ratio": ratio(plain, with_sfli),
              "time/train_seconds": float(result.runs.train_seconds.sum())})
    return m
