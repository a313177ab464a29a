"""Chapter 6's figures and display tables, in the book's theme (:mod:`sfli.plotting`): one colour per method,
several seeds as mean and min–max band, log scales where decades matter."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import seaborn as sns

from ...plotting import REFERENCE, SEQUENTIAL_CMAP, method_color, method_label, seeds_band, series_palette, subplots
from ...spectral import band_labels
from .runs import TARGETS, split_cell
from .summary import Result

METHOD_ORDER = ("sfli", "xavier_normal", "kaiming_normal", "pytorch_default", "rff")


def best_curves(result: Result) -> pd.DataFrame:
    """The curves of the main runs at each (cell, method)'s best learning rate."""
    best = result.summary[["cell", "method", "best_lr"]]
    c = result.curves[(result.curves.factor == 1.0) & (result.curves.placement == "random")]
    return c.merge(best, on=["cell", "method"]).query("lr == best_lr")


def _grid(n: int, width: float = 3.6, height: float = 2.9):
    cols = min(n, 3)
    rows = math.ceil(n / cols)
    fig, axes = subplots(rows, cols, figsize=(width * cols, height * rows), squeeze=False)
    for ax in axes.flat[n:]:
        ax.remove()
    return fig, list(axes.flat)[:n]


def _methods(frame: pd.DataFrame) -> list[str]:
    return [m for m in METHOD_ORDER if m in set(frame.method)]


def error_curves(result: Result, x: str = "step"):
    """Relative L² error against steps (``x="step"``) or training seconds (``x="seconds"``), one panel per cell:
    per method the seed mean and the min–max band (against seconds: the mean over seeds of both, at each step)."""
    curves = best_curves(result)
    cells = list(dict.fromkeys(result.summary.cell))
    fig, axes = _grid(len(cells))
    for ax, cell in zip(axes, cells):
        c = curves[curves.cell == cell]
        for method in _methods(c):
            m = c[c.method == method]
            if x == "step":
                seeds_band(ax, m, "step", "error", color=method_color(method), label=method_label(method), marker=None)
            else:
                g = m.groupby("step").agg(seconds=("seconds", "mean"), error=("error", "mean"),
                                          lo=("error", "min"), hi=("error", "max"))
                ax.plot(g.seconds, g.error, color=method_color(method), label=method_label(method))
                ax.fill_between(g.seconds, g.lo, g.hi, color=method_color(method), alpha=0.2, linewidth=0)
        ax.set(yscale="log", title=cell, xlabel="training step" if x == "step" else "training seconds",
               ylabel="relative L² error")
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=len(labels), bbox_to_anchor=(0.5, -0.04), frameon=False)
    fig.tight_layout()
    return fig


def band_heatmaps(result: Result, cell: str):
    """The band error (seed mean, log₁₀) over bands × recorded steps, one heat map per method, one colour scale."""
    target = TARGETS[split_cell(cell)[0]]
    bands = [f"band_{b}" for b in range(len(target.band_edges) - 1)]
    curves = best_curves(result)
    c = curves[curves.cell == cell]
    methods = _methods(c)
    cols = min(len(methods), 3)
    rows = math.ceil(len(methods) / cols)
    fig, grid = subplots(rows, cols, figsize=(3.6 * cols, 2.9 * rows), sharey=True, squeeze=False)
    for ax in grid.flat[len(methods):]:
        ax.remove()
    axes = list(grid.flat)[:len(methods)]
    maps = {m: np.log10(c[c.method == m].groupby("step")[bands].mean().T.clip(lower=1e-6)) for m in methods}
    vmin, vmax = min(float(v.values.min()) for v in maps.values()), max(float(v.values.max()) for v in maps.values())
    for i, (ax, method) in enumerate(zip(axes, methods)):
        data = maps[method]
        data.index = band_labels(target.band_edges)
        sns.heatmap(data, ax=ax, cmap=SEQUENTIAL_CMAP, vmin=vmin, vmax=min(vmax, 0.5),
                    cbar_kws={"label": "log₁₀ band error"}, xticklabels=max(1, data.shape[1] // 4))
        ax.set(xlabel="training step", ylabel="frequency band" if i % cols == 0 else "")
        ax.set_title(method_label(method), color=method_color(method))
        ax.invert_yaxis()
    fig.tight_layout()
    return fig


def high_band_curves(result: Result, cells: list[str], band_level: float):
    """The highest band's error against steps, per method (seed mean and min–max band), one panel per cell; the
    dashed line is ``band_level``, where a band counts as converged."""
    curves = best_curves(result)
    fig, axes = _grid(len(cells))
    for ax, cell in zip(axes, cells):
        target = TARGETS[split_cell(cell)[0]]
        band = f"band_{len(target.band_edges) - 2}"
        c = curves[curves.cell == cell]
        for method in _methods(c):
            seeds_band(ax, c[c.method == method], "step", band, color=method_color(method), label=method_label(method),
                       marker=None)
        ax.axhline(band_level, color=REFERENCE, ls="--", lw=1)
        ax.set(yscale="log", title=f"{cell}: {band_labels(target.band_edges)[-1]}", xlabel="training step",
               ylabel="band error")
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=len(labels), bbox_to_anchor=(0.5, -0.06), frameon=False)
    fig.tight_layout()
    return fig


COMPARISONS = {"speedup": "speed-up vs best plain", "speedup_vs_rff": "speed-up vs RFF",
               "error_ratio": "accuracy gain vs best plain", "error_ratio_vs_rff": "accuracy gain vs RFF"}


def speedup_bars(result: Result):
    """Per cell, SFLI's speed-up (steps to the first error level) and accuracy gain (final error ratio) against the
    best plain baseline and against RFF, as bars from 1 on a log scale: up, SFLI better; down, worse. Ratios are
    clipped to [1/100, 100]."""
    comp = result.comparisons
    colours = series_palette(COMPARISONS.values())
    fig, ax = subplots(figsize=(max(6.4, 1.2 * len(comp)), 3.8))
    x, width = np.arange(len(comp)), 0.8 / len(COMPARISONS)
    for i, (key, name) in enumerate(COMPARISONS.items()):
        ratio = comp[key].astype(float).clip(1e-2, 1e2).fillna(1.0).to_numpy()
        ax.bar(x - 0.4 + (i + 0.5) * width, ratio - 1, bottom=1.0, width=width, color=colours[name], label=name)
    ax.set_yscale("log")
    ax.axhline(1.0, color="black", lw=0.8)
    ax.set(xticks=x, xlabel="target / activation", ylabel="ratio (> 1: SFLI better)")
    ax.set_xticklabels(comp.cell, rotation=30, ha="right")
    ax.legend(fontsize="small", ncol=2)
    fig.tight_layout()
    return fig


def rank_figure(result: Result, cell: str):
    """Left: the last hidden layer's ε-rank at initialization per cell and method (seed mean). Right: that ε-rank
    over training on ``cell`` (seed mean and min–max band)."""
    fig, (a, b) = subplots(1, 2, figsize=(11, 3.8), gridspec_kw={"width_ratios": [1.3, 1]})
    s = result.summary
    sns.pointplot(s, x="cell", y="rank_last_init", hue="method", hue_order=_methods(s), ax=a, linestyle="none",
                  palette={m: method_color(m) for m in _methods(s)}, dodge=0.5, markersize=5)
    a.set(xlabel="target / activation", ylabel="ε-rank, last hidden layer, at init")
    a.tick_params(axis="x", rotation=30)
    handles, _ = a.get_legend_handles_labels()
    a.legend(handles, [method_label(m) for m in _methods(s)], fontsize="small")
    curves = best_curves(result)
    c = curves[curves.cell == cell]
    layer = [k for k in c.columns if k.startswith("hidden_")][-1]
    for method in _methods(c):
        seeds_band(b, c[c.method == method].dropna(subset=[layer]), "step", layer, color=method_color(method),
                   label=method_label(method), marker=None)
    b.set(title=cell, xlabel="training step", ylabel="ε-rank, last hidden layer")
    fig.tight_layout()
    return fig


def sensitivity_figure(result: Result, factors: list[float]):
    """Left: final error against the scale factor (× SFLI's default γ, random placement; × the RFF default scale).
    Right: SFLI at its default γ per placement. Seed median as the point or line, min–max as the band or bar."""
    s = result.sensitivity
    swept = s[s.factor.isin([float(f) for f in factors]) & ((s.method == "rff") | (s.placement == "random"))]
    swept = swept.assign(variant=swept.method.map({"sfli": "SFLI (random placement)", "rff": "random Fourier features"}))
    fig, (a, b) = subplots(1, 2, figsize=(10, 3.8), gridspec_kw={"width_ratios": [2, 1]})
    colours = {"SFLI (random placement)": method_color("sfli"), "random Fourier features": method_color("rff")}
    for variant, g in swept.groupby("variant"):
        seeds_band(a, g, "factor", "final_error", color=colours[variant], label=variant, estimator="median")
    a.set(xscale="log", yscale="log", xlabel="scale factor (× the default)", ylabel="final relative L² error")
    a.axvline(1.0, color=REFERENCE, ls="--", lw=1)
    a.legend(fontsize="small")
    placed = s[(s.method == "sfli") & (s.factor == 1.0)]
    stats = placed.groupby("placement").final_error.agg(["median", "min", "max"])
    colour = {"random": method_color("sfli"), "quasi": method_color("sfli_quasi")}
    for i, (placement, row) in enumerate(stats.iterrows()):
        b.errorbar([i], [row["median"]], yerr=[[row["median"] - row["min"]], [row["max"] - row["median"]]], fmt="o",
                   color=colour.get(placement, REFERENCE), capsize=4)
    b.set(xticks=range(len(stats)), xticklabels=list(stats.index), xlim=(-0.6, len(stats) - 0.4), yscale="log",
          xlabel="placement (default γ)", ylabel="final relative L² error")
    fig.tight_layout()
    return fig


def summary_table(result: Result, levels: list[float]) -> pd.DataFrame:
    """The per-(cell, method) summary for display."""
    s = result.summary.copy()
    s["method"] = s.method.map(method_label)
    cols = {"cell": "cell", "method": "method", "best_lr": "best lr", "rank_first_init": "ε-rank first (init)",
            "rank_last_init": "ε-rank last (init)", "final_error": "final error (median)",
            "final_error_min": "min", "final_error_max": "max",
            **{f"steps_to_{lv:g}": f"steps to {lv:g}" for lv in levels},
            **{f"seconds_to_{lv:g}": f"seconds to {lv:g}" for lv in levels}}
    return s[list(cols)].rename(columns=cols)


def comparison_table(result: Result) -> pd.DataFrame:
    c = result.comparisons.copy()
    c["best_baseline"] = c.best_baseline.map(method_label)
    return c.rename(columns={"rank_ratio": "ε-rank ratio", "rank_first_ratio": "ε-rank ratio (first layer)",
                             "speedup": "speed-up", "band_speedup": "high-band speed-up",
                             "error_ratio": "accuracy gain", "best_baseline": "most accurate plain baseline",
                             "speedup_vs_rff": "speed-up vs RFF", "error_ratio_vs_rff": "accuracy gain vs RFF"})


EFFECTS = {"rank_ratio": "higher initial ε-rank", "speedup": "faster to the first level",
           "band_speedup": "high band earlier", "error_ratio": "lower final error"}


def verdict_table(result: Result) -> pd.DataFrame:
    """Per cell and effect, whether SFLI beats the best plain baseline ("yes"/"no", the ratio beside it; "—" where
    the cell has no bands), and against RFF."""
    def word(value: float) -> str:
        return "—" if pd.isna(value) else f"{'yes' if value > 1 else 'no'} ({value:.3g}×)"

    c = result.comparisons
    out = pd.DataFrame({"cell": c.cell, **{label_: c[k].map(word) for k, label_ in EFFECTS.items()},
                        "faster than RFF": c.speedup_vs_rff.map(word),
                        "more accurate than RFF": c.error_ratio_vs_rff.map(word)})
    return out


def where_not(result: Result, metric: str) -> str:
    """The cells where SFLI does not beat the best plain baseline on ``metric``, as text ("none" if it always does)."""
    c = result.comparisons.dropna(subset=[metric])
    cells = list(c[c[metric] <= 1].cell)
    return ", ".join(cells) if cells else "none"
