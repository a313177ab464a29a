r"""Chapter 8's aggregation: from the runs' curves to the per-run table, the per-(problem, arch, init) summary,
the comparisons, the γ sweep, the placements, the learning-rate grid and the flat metrics.

* **Steps to a level** L: the first recorded step whose relative L² error is ≤ L; a run that never gets there
  counts its whole budget (*censored*: a speed-up against a baseline that never reaches L is a lower bound, and
  two inits that both miss it tie at 1). Seconds to L likewise, in training seconds.
* **Main runs**: the learning rate ``train.lr``, SFLI's γ = γ_k with k = ``train.derivative_order``, placed at
  ``where="first"``. Medians over seeds for errors and steps, seed means for ε-ranks.
* **Comparisons** per cell (problem × arch), SFLI against the best plain baseline (Xavier normal or PyTorch's
  default; each statistic takes its own best): ``rank_ratio`` = SFLI's initial ε-rank of the last hidden layer /
  the largest baseline's (``rank_first_ratio``: the first hidden layer); ``speedup`` = the fewest baseline steps
  to the first level / SFLI's; ``error_ratio`` = the smallest baseline median final error / SFLI's. > 1: SFLI
  better.
* **γ sweep** (MLP): the median final error at γ = factor × γ_0 and at each rule γ_k, per problem; across the
  problems, the geometric mean of (error at a γ) / (the best plain baseline's error).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Mapping

import numpy as np
import pandas as pd

from ..measures import first_reach, ratio
from .runs import PLAIN, Check, OneLine, Run, Unit, curves_frame, exact_on_grid

NAN, INF = float("nan"), math.inf
KEYS = ["problem", "arch", "init", "lr", "seed", "k", "factor", "where"]


@dataclass
class Result:
    """The chapter's tables and flat metrics."""

    runs: pd.DataFrame  # one row per training run
    curves: pd.DataFrame  # every recorded step of every run
    summary: pd.DataFrame  # one row per (problem, arch, init): main runs
    comparisons: pd.DataFrame  # one row per (problem, arch)
    gamma: pd.DataFrame  # one row per (problem, γ choice): the sweep
    placement: pd.DataFrame  # one row per placement (and plain baseline)
    lr_grid: pd.DataFrame  # one row per (init, lr)
    one_line: pd.DataFrame  # use_sfli, seed, final_error
    pictures: dict[str, dict[str, np.ndarray]]  # problem → {"reference" | "arch/init": values on the grid}
    check: dict[str, float]  # problem → residual at the exact solution (relative)
    metrics: dict[str, Any] = field(default_factory=dict)


def run_table(curves: pd.DataFrame, cfg: Mapping) -> pd.DataFrame:
    """One row per run: its fields, final error (∞ when diverged), ε-ranks of the first and last hidden layer at
    initialization, steps and seconds to each level."""
    budget = cfg["train"]["steps"]
    rows = []
    for key, c in curves.groupby(KEYS, sort=False):
        c = c.sort_values("step")
        hidden = sorted((col for col in c.columns if col.startswith("hidden_") and c[col].notna().all()),
                        key=lambda col: int(col.split("_")[1]))
        diverged = bool(c["diverged"].iloc[0])
        total_s = float(c["seconds"].iloc[-1])
        row = dict(zip(KEYS, key), diverged=diverged, final_error=INF if diverged else float(c["error"].iloc[-1]),
                   final_loss=INF if diverged else float(c["loss"].iloc[-1]),
                   rank_first_init=float(c[hidden[0]].iloc[0]), rank_last_init=float(c[hidden[-1]].iloc[0]),
                   train_seconds=total_s)
        for level in cfg["levels"]:
            row[f"steps_to_{level:g}"] = first_reach(c["step"], c["error"], level, budget)
            row[f"seconds_to_{level:g}"] = first_reach(c["seconds"], c["error"], level, total_s)
        rows.append(row)
    return pd.DataFrame(rows)


def main_runs(runs: pd.DataFrame, cfg: Mapping) -> pd.DataFrame:
    """The main runs: main learning rate; SFLI at k = ``train.derivative_order``, factor 1, ``where="first"``."""
    t = cfg["train"]
    main = (runs.lr == float(t["lr"])) & (runs.k == int(t["derivative_order"])) & (runs.factor == 1.0) \
        & (runs["where"] == "first")
    return runs[main & runs.problem.isin(cfg["problems"]) & runs.arch.isin(cfg["archs"])]


def summarize(runs: pd.DataFrame, cfg: Mapping) -> pd.DataFrame:
    """One row per (problem, arch, init) of the main runs."""
    rows = []
    for (problem, arch, init), g in main_runs(runs, cfg).groupby(["problem", "arch", "init"], sort=False):
        row = {"problem": problem, "arch": arch, "init": init, "rank_first_init": g.rank_first_init.mean(),
               "rank_last_init": g.rank_last_init.mean(), "final_error": g.final_error.median(),
               "final_error_min": g.final_error.min(), "final_error_max": g.final_error.max(),
               "final_loss": g.final_loss.median(), "diverged": int(g.diverged.sum())}
        for level in cfg["levels"]:
            row[f"steps_to_{level:g}"] = g[f"steps_to_{level:g}"].median()
            row[f"seconds_to_{level:g}"] = g[f"seconds_to_{level:g}"].median()
        rows.append(row)
    return pd.DataFrame(rows)


def compare(summary: pd.DataFrame, cfg: Mapping) -> pd.DataFrame:
    """One row per (problem, arch): SFLI against the best plain baseline (see the module docstring)."""
    first = f"steps_to_{cfg['levels'][0]:g}"
    rows = []
    for (problem, arch), g in summary.groupby(["problem", "arch"], sort=False):
        by = g.set_index("init")
        s, plain = by.loc["sfli"], by.loc[[i for i in by.index if i in PLAIN]]
        rows.append({"problem": problem, "arch": arch,
                     "rank_ratio": ratio(s.rank_last_init, plain.rank_last_init.max()),
                     "rank_first_ratio": ratio(s.rank_first_init, plain.rank_first_init.max()),
                     "speedup": ratio(plain[first].min(), s[first]),
                     "error_ratio": ratio(plain.final_error.min(), s.final_error),
                     "best_baseline": plain.final_error.idxmin()})
    return pd.DataFrame(rows)


def gamma_table(runs: pd.DataFrame, cfg: Mapping) -> pd.DataFrame:
    """The γ sweep: per problem and γ choice (``k0 ×f`` or the rule ``k{order}``) the median final error and its
    ratio to the best plain baseline's (same arch and learning rate)."""
    g, lr = cfg["gamma"], float(cfg["train"]["lr"])
    k = int(cfg["train"]["derivative_order"])
    sel = runs[(runs.arch == g["arch"]) & (runs.lr == lr) & (runs["where"] == "first")]
    rows = []
    for problem in cfg["problems"]:
        p = sel[sel.problem == problem]
        base = p[p.init.isin(PLAIN) & (p.k == k)].groupby("init").final_error.median().min()
        s = p[p.init == "sfli"]
        choices = [(f"k0 ×{float(f):g}", 0, float(f)) for f in g["factors"]]
        choices += [(f"k{int(o)}", int(o), 1.0) for o in g["orders"]]
        for label, order, factor in choices:
            r = s[(s.k == order) & (s.factor == factor)]
            err = float(r.final_error.median())
            rows.append({"problem": problem, "choice": label, "k": order, "factor": factor,
                         "final_error": err, "final_error_min": float(r.final_error.min()),
                         "final_error_max": float(r.final_error.max()), "baseline_error": float(base),
                         "ratio_to_baseline": ratio(err, float(base))})
    return pd.DataFrame(rows)


def placement_table(runs: pd.DataFrame, cfg: Mapping) -> pd.DataFrame:
    """PirateNet on ``placement.problem``: each SFLI placement and each plain baseline (median, min, max)."""
    pl, t = cfg["placement"], cfg["train"]
    sel = runs[(runs.problem == pl["problem"]) & (runs.arch == "pirate") & (runs.lr == float(t["lr"]))
               & (runs.k == int(t["derivative_order"])) & (runs.factor == 1.0)]
    rows = []
    for name in [*pl["where"], *[i for i in PLAIN if i in cfg["inits"]]]:
        r = sel[(sel.init == "sfli") & (sel["where"] == name)] if name in pl["where"] else \
            sel[(sel.init == name) & (sel["where"] == "first")]
        rows.append({"placement": name, "final_error": float(r.final_error.median()),
                     "final_error_min": float(r.final_error.min()), "final_error_max": float(r.final_error.max()),
                     "rank_last_init": float(r.rank_last_init.mean())})
    return pd.DataFrame(rows)


def lr_table(runs: pd.DataFrame, cfg: Mapping) -> pd.DataFrame:
    """Every init at every learning rate of ``lr_grid`` (median, min, max final error)."""
    lg, t = cfg["lr_grid"], cfg["train"]
    sel = runs[(runs.problem == lg["problem"]) & (runs.arch == lg["arch"]) & (runs.k == int(t["derivative_order"]))
               & (runs.factor == 1.0) & (runs["where"] == "first")]
    rows = []
    for init in cfg["inits"]:
        for lr in lg["lrs"]:
            r = sel[(sel.init == init) & (sel.lr == float(lr))]
            rows.append({"init": init, "lr": float(lr), "final_error": float(r.final_error.median()),
                         "final_error_min": float(r.final_error.min()), "final_error_max": float(r.final_error.max())})
    return pd.DataFrame(rows)


def pictures(results: Mapping[Unit, dict], cfg: Mapping, first_seed: int) -> dict[str, dict[str, np.ndarray]]:
    """Per problem: the reference and every main (arch, init)'s solution of the first seed on the picture grid."""
    t = cfg["train"]
    out: dict[str, dict[str, np.ndarray]] = {p: {"reference": exact_on_grid(p, cfg)} for p in cfg["problems"]}
    for u, res in results.items():
        if isinstance(u, Run) and u.seed == first_seed and u.problem in out and u.lr == float(t["lr"]) \
                and u.k == int(t["derivative_order"]) and u.factor == 1.0 and u.where == "first":
            out[u.problem][f"{u.arch}/{u.init}"] = np.asarray(res["solution"], dtype=np.float64)
    return out


def tabulate(cfg: Mapping, seed_list: list[int], results: Mapping[Unit, dict]) -> Result:
    """The chapter's tables from ``{unit: run_unit output}`` (the metrics: :func:`.metrics.aggregate`)."""
    curves = curves_frame(results)
    runs = run_table(curves, cfg)
    summary = summarize(runs, cfg)
    one = pd.DataFrame([{"use_sfli": u.use_sfli, "seed": u.seed, "final_error": out["final_error"],
                         "seconds": out["seconds"]} for u, out in results.items() if isinstance(u, OneLine)])
    check = next((out["residual"] for u, out in results.items() if isinstance(u, Check)), {})
    return Result(runs, curves, summary, compare(summary, cfg), gamma_table(runs, cfg), placement_table(runs, cfg),
                  lr_table(runs, cfg), one, pictures(results, cfg, seed_list[0]), check)
