"""Figures and display tables of chapter 2 (SFLI at initialization); each takes a :class:`~.summaries.Result`.

Figures are built without pyplot (``matplotlib.figure.Figure``), so nothing stays open between calls. Spreads over
seeds are :func:`~sfli.plotting.seeds_band` (mean, min–max band), the ratio heat map is ``seaborn.heatmap``; the
neuron functions and transition lines are schematic, plain matplotlib.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib import colormaps
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.ticker import FuncFormatter

from ...init import METHODS
from ...plotting import (DIVERGING_CMAP, METHOD_LABELS, REFERENCE, SEQUENTIAL_CMAP, axes_grid, method_color,
                         method_label, seeds_band, series_palette)
from .summaries import Result, losses

_LAYERS = {"first": "first hidden layer", "last": "last hidden layer"}
_DIM_STYLES = {1: "-", 2: "--", 3: ":"}



_PLAIN = FuncFormatter(lambda v, _: f"{v:g}")


def _log2_axis(ax, ticks) -> None:
    ax.set_xscale("log", base=2)
    ax.set_xticks(list(ticks), [f"{t:g}" for t in ticks])
    ax.minorticks_off()


def _log2_y(ax) -> None:
    ax.set_yscale("log", base=2)
    ax.yaxis.set_major_formatter(_PLAIN)


def plot_neurons_1d(result: Result) -> Figure:
    """The first-layer neuron functions tanh(W_i x + b_i) on [−1, 1], one panel per method (d = 1, tanh)."""
    df = result.neurons
    methods = list(dict.fromkeys(df.method))
    fig, axes = axes_grid(1, len(methods), 3.6 * len(methods), 3.3, sharey=True)
    for ax, method in zip(axes[0], methods):
        d = df[df.method == method]
        n = d.neuron.nunique()
        colors = colormaps[SEQUENTIAL_CMAP](np.linspace(0, 0.95, n))
        for i, g in d.groupby("neuron"):
            ax.plot(g.x, g.value, lw=1.1, color=colors[int(i)])
        rank = result.metrics.get(f"neurons_1d/first_rank/{method}")
        ax.set_title(f"{method_label(method)}: ε-rank {rank} of {n}", color=method_color(method))
        ax.set_xlabel("x")
        ax.set_xlim(-1, 1)
    axes[0, 0].set_ylabel("neuron function  tanh(W_i x + b_i)")
    return fig


def plot_transitions_2d(result: Result, view: float = 2.5) -> Figure:
    """Transition lines {W_i·x + b_i = 0} of the first layer (d = 2) around Ω = [−1, 1]² (shaded).

    A line that misses Ω means that neuron is monotone (tanh), linear or zero (ReLU) on all of Ω.
    """
    df = result.transitions
    methods = list(dict.fromkeys(df.method))
    fig, axes = axes_grid(1, len(methods), 3.5 * len(methods), 3.7)
    t = np.linspace(-2 * view, 2 * view, 2)
    for ax, method in zip(axes[0], methods):
        d = df[df.method == method]
        ax.add_patch(Rectangle((-1, -1), 2, 2, color="0.85", zorder=0, label="Ω"))
        inside = 0
        for r in d.itertuples():
            norm = np.hypot(r.w1, r.w2)
            if norm == 0:
                continue
            nx, ny, off = r.w1 / norm, r.w2 / norm, -r.b / norm  # line: n·x = off
            px, py = off * nx - t * ny, off * ny + t * nx
            hit = abs(off) <= abs(nx) + abs(ny)  # support function of the square
            inside += hit
            ax.plot(px, py, lw=1.0, color=method_color(method) if hit else REFERENCE, ls="-" if hit else "--")
        ax.set(xlim=(-view, view), ylim=(-view, view), xlabel="x₁", ylabel="x₂", aspect="equal",
               title=f"{method_label(method)}: {inside} of {len(d)} cut Ω")
        ax.title.set_color(method_color(method))
    return fig


def plot_rank_vs_width(result: Result, layer: str = "first") -> Figure:
    """r_ε of one hidden layer vs width (log₂), per activation (rows) × input dimension (columns).

    One line per initialization: mean over seeds with the min–max band; dotted: r_ε = width (full rank).
    """
    if layer not in _LAYERS:
        raise ValueError(f"layer must be one of {', '.join(_LAYERS)}, got {layer!r}")
    df = result.ranks.assign(**{layer: result.ranks[layer].clip(lower=0.7)})  # r = 0 just below 1 on the log axis
    acts, dims = list(dict.fromkeys(df.activation)), sorted(df.dim.unique())
    widths = sorted(df.width.unique())
    methods = [m for m in METHODS if m in set(df.method)]  # SFLI and the baselines (quasi: plot_placement)
    fig, axes = axes_grid(len(acts), len(dims), 3.3 * len(dims), 2.5 * len(acts) + 0.8, sharex=True)
    for i, act in enumerate(acts):
        for j, dim in enumerate(dims):
            ax = axes[i, j]
            cell = df[(df.activation == act) & (df.dim == dim)]
            ax.plot(widths, widths, ls=":", color=REFERENCE, lw=1, label="width (full rank)")
            for method in methods:
                seeds_band(ax, cell[cell.method == method], "width", layer, label=method_label(method),
                           color=method_color(method), lw=1.8 if method == "sfli" else 1.1)
            _log2_axis(ax, widths)
            _log2_y(ax)
            ax.set_title(f"{act}, d = {dim}")
            if i == len(acts) - 1:
                ax.set_xlabel("width m")
            if j == 0:
                ax.set_ylabel(f"ε-rank, {layer} layer")
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=4)
    fig.suptitle(f"ε-rank (ε = 1e-3) of the {_LAYERS[layer]} at initialization, depth-4 MLP")
    return fig


def plot_ratio_heatmap(result: Result, clip: float = 4.0) -> Figure:
    """log₂ of the geometric-mean ratio r_SFLI / r_baseline per (activation, d); rows: first and last hidden layer.

    Colours saturate at 2^±``clip`` (blue: SFLI higher, as SFLI's colour); the printed numbers are the ratios.
    """
    df = result.ratios_by_group
    acts = list(dict.fromkeys(result.ranks.activation))
    cols = [(a, d) for a in acts for d in sorted(df.dim.unique())]
    baselines = list(dict.fromkeys(df.baseline))
    fig, axes = axes_grid(2, 1, max(6.5, 0.75 * len(cols) + 2.5), 0.75 * len(baselines) + 2.3)
    cmap = colormaps[DIVERGING_CMAP].reversed()
    for ax, layer in zip(axes[:, 0], _LAYERS):
        ratio = df.pivot_table(index="baseline", columns=["activation", "dim"], values=f"{layer}_ratio")
        ratio = ratio.reindex(index=baselines, columns=pd.MultiIndex.from_tuples(cols))
        sns.heatmap(np.log2(ratio), ax=ax, cmap=cmap, center=0.0, vmin=-clip, vmax=clip, annot=ratio, fmt=".2g",
                    annot_kws={"fontsize": 8}, linewidths=0.5, cbar=False,
                    xticklabels=[f"{a}\nd={d}" for a, d in cols], yticklabels=[method_label(b) for b in baselines])
        ax.set(xlabel="", ylabel="")
        ax.tick_params(axis="y", rotation=0, length=0)
        ax.tick_params(axis="x", length=0)
        ax.set_title(_LAYERS[layer])
    cbar = fig.colorbar(axes[0, 0].collections[0], ax=axes[:, 0], extend="both", shrink=0.8)
    cbar.set_label("log₂ ratio (blue: SFLI higher, red: lower)")
    fig.suptitle("r_SFLI / r_baseline, geometric mean over widths and seeds")
    return fig


def plot_gamma_sweep(result: Result) -> Figure:
    """r_ε vs the multiplier c of the default γ (log₂), per activation; rows: first and last hidden layer."""
    df = result.gamma.assign(**{layer: result.gamma[layer].clip(lower=0.7) for layer in _LAYERS})
    acts, dims = list(dict.fromkeys(df.activation)), sorted(df.dim.unique())
    colors = series_palette(dims)
    fig, axes = axes_grid(2, len(acts), 3.0 * len(acts), 5.2, sharex=True)
    for j, act in enumerate(acts):
        for i, layer in enumerate(_LAYERS):
            ax = axes[i, j]
            for dim in dims:
                seeds_band(ax, df[(df.activation == act) & (df.dim == dim)], "multiplier", layer, label=f"d = {dim}",
                           color=colors[dim], ls=_DIM_STYLES.get(dim, "-"))
            ax.axvline(1.0, color=REFERENCE, lw=1, ls="--")
            ax.set_xscale("log", base=2)
            ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}" if v >= 1 else f"1/{1 / v:g}"))
            _log2_y(ax)
            ax.set_title(f"{act}, {layer} layer")
            if i == 1:
                ax.set_xlabel("γ / γ_default")
            if j == 0:
                ax.set_ylabel("ε-rank")
    axes[0, 0].legend()
    fig.suptitle(f"γ sweep of SFLI, width {int(df.width.iloc[0])}; dashed line: the default γ")
    return fig


def plot_placement(result: Result) -> Figure:
    """Relative change 100·(r_ε(quasi) − r_ε(random)) / r_ε(random) vs width (log₂) per input dimension;
    rows: first and last hidden layer. Paired nets (same seed, same hidden layers); mean over seeds, min–max band.
    """
    df = result.placement
    acts, dims = list(dict.fromkeys(df.activation)), sorted(df.dim.unique())
    widths = sorted(df.width.unique())
    colors = series_palette(acts)
    fig, axes = axes_grid(2, len(dims), 3.4 * len(dims), 5.2, sharex=True)
    for j, dim in enumerate(dims):
        for i, layer in enumerate(_LAYERS):
            ax = axes[i, j]
            ax.axhline(0, color=REFERENCE, lw=1)
            for act in acts:
                d = df[(df.activation == act) & (df.dim == dim)]
                seeds_band(ax, d.assign(percent=100 * d[f"{layer}_rel"]), "width", "percent", label=act,
                           color=colors[act])
            _log2_axis(ax, widths)
            ax.set_title(f"d = {dim}, {layer} layer")
            if i == 1:
                ax.set_xlabel("width m")
            if j == 0:
                ax.set_ylabel("Δr_ε / r_ε (%)")
    axes[0, 0].legend()
    fig.suptitle("Quasi vs random placement of SFLI: relative change of r_ε (mean, min–max over seeds)")
    return fig


# ---------------------------------------------------------------- tables for display

def ratio_table(result: Result) -> pd.DataFrame:
    """The ratio table: per baseline, r_SFLI / r_b (geometric mean) and SFLI's win rate, first and last layer."""
    t = result.ratios.set_index("baseline")
    t.index = [METHOD_LABELS[b] for b in t.index]
    t.index.name = "baseline b"
    return t.rename(columns={
        "first_ratio": "first: ratio", "first_win_rate": "first: win rate",
        "last_ratio": "last: ratio", "last_win_rate": "last: win rate",
        "last_ratio_same_hidden": "last, same hidden layers: ratio",
        "last_win_rate_same_hidden": "last, same hidden layers: win rate"})


def losses_table(result: Result, baseline: str = "kaiming_normal", layer: str = "last") -> pd.DataFrame:
    """The (activation, d, width) cells where SFLI's seed-mean rank is not above ``baseline``'s
    (:func:`~.summaries.losses`)."""
    return losses(result.ranks, baseline, layer).rename_axis(columns=f"{layer} layer, seed mean")


def transition_table(result: Result) -> pd.DataFrame:
    """Fraction of first-layer hyperplanes {W_i·x + b_i = 0} that cut Ω, per method (rows) and d (columns)."""
    t = result.transition_stats.pivot_table(index="method", columns="dim", values="inside_fraction", sort=False)
    t.index = [METHOD_LABELS[m] for m in t.index]
    return t.rename(columns=lambda d: f"d = {d}")


def placement_table(result: Result) -> pd.DataFrame:
    """Mean relative change (%) of r_ε from random to quasi placement per activation and d (over widths and
    seeds), first and last hidden layer."""
    t = 100 * result.placement.pivot_table(index="activation", columns="dim", values=["first_rel", "last_rel"],
                                           sort=False)
    return t.rename(columns={"first_rel": "first layer (%)", "last_rel": "last layer (%)"}, level=0)
