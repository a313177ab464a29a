"""Chapter 9's figures and display tables, in the book's theme (:mod:`sfli.plotting`): the initializations in
their book colours (:func:`~sfli.plotting.method_color`: SFLI, and the default = Xavier normal), the solvers and
formulations as categorical series; several seeds as mean and min–max band; log scales where decades matter."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ...plotting import REFERENCE, SEQUENTIAL_CMAP, method_color, method_label, seeds_band, series_palette, subplots
from .summary import PATH_LABELS, PATHS, Result, path_points

SOLVER_LABELS = {"ritz": "Deep Ritz", "pinn": "PINN", "mim": "MIM", "mim_aux": "MIM (p, div p)",
                 "direct": "direct PINN (Δ²u)", "second_order": "second-order system", "first_order": "first-order system"}
QUANTITY_LABELS = {"u": "u", "grad_u": "∇u", "lap_u": "Δu"}
COLORS = series_palette(["ritz", "pinn", "mim", "mim_aux", "direct", "second_order", "first_order"])
INIT_METHOD = {"default": "xavier_normal", "sfli": "sfli"}  #: the book's method behind each init


def _label(name: str) -> str:
    return SOLVER_LABELS.get(name, name)


def _legend_below(fig, ax, ncol: int | None = None) -> None:
    handles, labels = ax.get_legend_handles_labels()
    fig.tight_layout()
    fig.legend(handles, labels, loc="upper center", ncol=ncol or len(labels), bbox_to_anchor=(0.5, 0.0),
               frameon=False)


def derivative_bars(result: Result):
    """Part 1: relative L² errors of u, ∇u, Δu per solver (bar: seed mean, whisker: min–max), one panel per d;
    MIM twice: its net's own derivatives and its auxiliary outputs (p for ∇u, div p for Δu)."""
    p = result.poisson
    dims = sorted(set(p.dim))
    fig, axes = subplots(1, len(dims), figsize=(4.6 * len(dims), 3.3), squeeze=False, sharey=True)
    series = [(f, q) for f in ("ritz", "pinn", "mim") if f in set(p.formulation) for q in (None,)]
    if "mim" in set(p.formulation):
        series.append(("mim_aux", None))
    width = 0.8 / len(series)
    for ax, d in zip(axes[0], dims):
        for i, (name, _) in enumerate(series):
            f = "mim" if name == "mim_aux" else name
            rows = p[(p.dim == d) & (p.formulation == f)].set_index("quantity")
            keys = ["u", "p", "div_p"] if name == "mim_aux" else ["u", "grad_u", "lap_u"]
            mean = [rows.loc[k, "mean"] for k in keys]
            err = [[rows.loc[k, "mean"] - rows.loc[k, "min"] for k in keys],
                   [rows.loc[k, "max"] - rows.loc[k, "mean"] for k in keys]]
            ax.bar(np.arange(3) + (i - (len(series) - 1) / 2) * width, mean, width, yerr=err, capsize=2,
                   color=COLORS[name], label=_label(name))
        ax.set_xticks(range(3), ["u", "∇u", "Δu"])
        ax.set(yscale="log", title=f"Poisson, d = {d}", xlabel="quantity", ylabel="relative L² error")
    _legend_below(fig, axes[0][0])
    return fig


def grid_figure(result: Result, cfg):
    """Part 2: MIM's error over samples n × width m (log₁₀ of the seed mean) with the four paths drawn on it, and
    the error along each path with its fitted slope."""
    g = result.grid
    ns, ms = list(cfg["grid"]["ns"]), list(cfg["grid"]["widths"])
    table = g.pivot(index="width", columns="n", values="mean").reindex(index=ms, columns=ns)
    fig, (ax, bx) = subplots(1, 2, figsize=(10, 3.6))
    im = ax.imshow(np.log10(table.to_numpy(float)), origin="lower", cmap=SEQUENTIAL_CMAP, aspect="auto")
    ax.set_xticks(range(len(ns)), ns)
    ax.set_yticks(range(len(ms)), ms)
    ax.set(xlabel="training samples n", ylabel="width m", title="MIM: relative L² error of u")
    ax.grid(False)
    fig.colorbar(im, ax=ax, label="log₁₀ error")
    colors = series_palette(PATHS)
    markers = dict(zip(PATHS, "os^D"))
    for path, cells in path_points(cfg).items():
        xy = np.array([(ns.index(n), ms.index(m)) for n, m in cells], float)
        ax.plot(xy[:, 0], xy[:, 1], "-", marker=markers[path], color=colors[path], label=PATH_LABELS[path],
                markersize=4)
        pts = result.runs[(result.runs.formulation == "mim") & (result.runs.dim == cfg["grid"]["dim"])
                          & (result.runs.steps == cfg["grid"]["steps"])]
        pts = pts[np.array([(n, m) in cells for n, m in zip(pts.n, pts.width)], dtype=bool)]
        along = "n" if path == "m_fixed" else "width"
        scale = np.array([n * m for n, m in zip(pts.n, pts.width)], float)  # size of the cell: n·m
        frame = pd.DataFrame({"size": scale, "error": pts.err_u.to_numpy(float), "along": pts[along]})
        seeds_band(bx, frame, "size", "error", color=colors[path], label=PATH_LABELS[path], marker=markers[path])
    bx.set(xscale="log", yscale="log", xlabel="n · m (cell size along the path)", ylabel="relative L² error of u",
           title="the error along each path")
    bx.legend(fontsize=8)
    fig.tight_layout()
    return fig


def rates_table(result: Result) -> pd.DataFrame:
    r = result.rates
    return pd.DataFrame({"path": r.path.map(PATH_LABELS), "cells (n, m)": r.cells, "slope against": "log " + r.against,
                         "slope": r.slope, "95 % interval": [f"[{lo:.2g}, {hi:.2g}]" for lo, hi in
                                                              zip(r.slope_lo, r.slope_hi)],
                         "first error": r.first_error, "last error": r.last_error})


def derivative_table(result: Result) -> pd.DataFrame:
    p = result.poisson.copy()
    p["error (mean, min–max)"] = [f"{a:.3g} ({b:.2g}–{c:.2g})" for a, b, c in zip(p["mean"], p["min"], p["max"])]
    p["quantity"] = p.quantity.map({"u": "u", "grad_u": "∇u (net's own)", "lap_u": "Δu (net's own)",
                                    "p": "p (for ∇u)", "div_p": "div p (for Δu)"})
    out = p.pivot_table(index=["dim", "quantity"], columns="formulation", values="error (mean, min–max)",
                        aggfunc="first", sort=False)
    return out.rename(columns=_label).fillna("—")


def biharmonic_figure(result: Result, cfg):
    """Part 3: the error of u against training seconds per d (seed mean; each formulation at its best rate), and
    time and memory per step against d (measured alone)."""
    dims = list(cfg["biharmonic"]["dims"])
    forms = list(cfg["biharmonic"]["formulations"])
    fig, axes = subplots(1, len(dims) + 2, figsize=(3.5 * (len(dims) + 2), 3.2), squeeze=False)
    axes = axes[0]
    c = biharmonic_curves(result, cfg)
    level = cfg["level"]["biharmonic"]
    for ax, d in zip(axes, dims):
        for f in forms:
            g = c[(c.dim == d) & (c.formulation == f)].groupby("step").agg(
                seconds=("seconds", "mean"), error=("error", "mean"), lo=("error", "min"), hi=("error", "max"))
            ax.plot(g.seconds, g.error, color=COLORS[f], label=_label(f))
            ax.fill_between(g.seconds, g.lo, g.hi, color=COLORS[f], alpha=0.2, linewidth=0)
        ax.axhline(level, color=REFERENCE, linestyle="--", linewidth=1)
        ax.set(xscale="log", yscale="log", title=f"biharmonic, d = {d}", xlabel="training seconds",
               ylabel="relative L² error of u")
    cost = result.cost
    for ax, col, title in ((axes[-2], "ms_per_step", "time per step (ms)"),
                           (axes[-1], "graph_mib", "memory per step (MiB)")):
        for f in forms:
            k = cost[cost.formulation == f].sort_values("dim")
            ax.plot(k.dim, k[col], "-o", color=COLORS[f], label=_label(f), markersize=4)
        ax.set(yscale="log", xlabel="dimension d", title=title)
        ax.set_xticks(sorted(set(cost.dim)))
    _legend_below(fig, axes[0])
    return fig


def biharmonic_curves(result: Result, cfg) -> pd.DataFrame:
    """Part 3's recorded steps, each (d, formulation) at its best rate."""
    b = cfg["biharmonic"]
    best = set(zip(*(result.biharmonic[result.biharmonic.best][k] for k in ("dim", "formulation", "lr"))))
    c = result.curves[(result.curves.equation == "biharmonic") & (result.curves.init == "default")
                      & (result.curves.width == b["width"]) & (result.curves.n == b["n"])
                      & (result.curves.steps == b["steps"])]
    return c[np.array([k in best for k in zip(c.dim, c.formulation, c.lr)], dtype=bool)]


def biharmonic_table(result: Result) -> pd.DataFrame:
    """Every (d, formulation, rate); ✓ marks the rate each formulation is reported at."""
    b = result.biharmonic
    return pd.DataFrame({"d": b.dim, "formulation": b.formulation.map(_label),
                         "lr": [f"{lr:g}" + (" ✓" if best else "") for lr, best in zip(b.lr, b.best)],
                         "final error of u": [f"{a:.3g} ({lo:.2g}–{hi:.2g})" for a, lo, hi in
                                              zip(b.error, b.error_min, b.error_max)],
                         "ms per step (training)": b.ms_per_step, "steps to level": b.steps_to_level,
                         "seconds to level": b.seconds_to_level, "share of seeds that reach it": b.reached})


def cost_table(result: Result) -> pd.DataFrame:
    k = result.cost.copy()
    k["formulation"] = k.formulation.map(_label)
    return k.pivot_table(index="dim", columns="formulation", values=["ms_per_step", "graph_mib"], sort=False)


def sfli_figure(result: Result, cfg):
    """Part 4: the error of u against steps per solver, default first layer vs SFLI (mean and min–max over seeds)."""
    solvers = list(cfg["sfli"]["solvers"])
    cols = min(len(solvers), 4)
    fig, axes = subplots(math.ceil(len(solvers) / cols), cols, figsize=(3.4 * cols, 3.0), squeeze=False)
    keys = set(zip(result.runs.formulation, result.runs.dim, result.runs.width, result.runs.n))
    for ax, s in zip(axes.flat, solvers):
        eq = "biharmonic" if s in ("direct", "second_order", "first_order") else "poisson"
        width, n = cfg[eq]["width"], cfg[eq]["n"]
        assert (s, 2, width, n) in keys
        c = result.curves[(result.curves.formulation == s) & (result.curves.dim == 2) & (result.curves.width == width)
                          & (result.curves.n == n) & (result.curves.steps == cfg[eq]["steps"])
                          & (result.curves.lr == cfg[eq]["lr"])]
        for init in ("default", "sfli"):
            method = INIT_METHOD[init]
            label = method_label(method) + (" (default)" if init == "default" else "")
            seeds_band(ax, c[c.init == init], "step", "error", color=method_color(method), label=label, marker=None)
        ax.axhline(cfg["level"][eq], color=REFERENCE, linestyle="--", linewidth=1)
        ax.set(yscale="log", title=_label(s) + (" (biharmonic)" if eq == "biharmonic" else " (Poisson)"),
               xlabel="training step", ylabel="relative L² error of u")
    _legend_below(fig, axes[0][0])
    return fig


def sfli_table(result: Result) -> pd.DataFrame:
    s = result.sfli
    return pd.DataFrame({"solver": s.formulation.map(_label), "first layer": s.init.map(
        lambda i: method_label(INIT_METHOD[i]) + (" (default)" if i == "default" else "")),
        "ε-rank at init, first layer": s.rank_first_init, "ε-rank at init, last layer": s.rank_last_init,
        "level": s.level, "steps to level": s.steps_to_level, "seconds to level": s.seconds_to_level,
        "final error (median)": s.final_error})
