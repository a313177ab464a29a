"""Chapter 8's figures and display tables, in the book's theme (:mod:`sfli.plotting`): one colour per
initialization (:func:`sfli.plotting.method_color`), several seeds as the mean and the min–max band, one colour
scale per problem in the heat maps."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import seaborn as sns

from ...plotting import (DIVERGING_CMAP, REFERENCE, SEQUENTIAL_CMAP, method_color, method_label, seeds_band,
                         series_palette, subplots)
from .runs import ALL_INITS, PLAIN, make_problem
from .summary import Result, main_runs

ARCH_LABELS = {"mlp": "MLP", "modified_mlp": "modified MLP", "pirate": "PirateNet"}
PROBLEM_LABELS = {"poisson": "Poisson (multi-scale)", "helmholtz": "Helmholtz", "allen_cahn": "Allen–Cahn",
                  "burgers": "Burgers"}
Y_LABELS = {"error": "relative L² error", "loss": "training loss"}


def _inits(frame: pd.DataFrame) -> list[str]:
    return [i for i in ALL_INITS if i in set(frame.init)]


def _legend(fig, ax, y: float = -0.03) -> None:
    handles, labels = ax.get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=len(labels), bbox_to_anchor=(0.5, y), frameon=False)


def curves(result: Result, cfg, y: str = "error", x: str = "step"):
    """``y`` (``"error"`` or ``"loss"``) against steps (``x="step"``) or training seconds (``x="seconds"``) of the
    main runs: one row per problem, one column per arch; per init the seed mean and the min–max band (against
    seconds: the means over seeds of both at each recorded step)."""
    keep = main_runs(result.runs, cfg)[["problem", "arch", "init", "seed"]]
    c = result.curves.merge(keep.drop_duplicates(), on=["problem", "arch", "init", "seed"])
    c = c[(c.lr == float(cfg["train"]["lr"])) & (c["where"] == "first")]
    problems, archs = list(cfg["problems"]), list(cfg["archs"])
    fig, axes = subplots(len(problems), len(archs), figsize=(3.6 * len(archs), 2.7 * len(problems)),
                             squeeze=False, sharex=(x == "step"))
    for r, problem in enumerate(problems):
        for col, arch in enumerate(archs):
            ax, d = axes[r, col], c[(c.problem == problem) & (c.arch == arch)]
            for init in _inits(d):
                m = d[d.init == init]
                if x == "step":
                    seeds_band(ax, m, "step", y, color=method_color(init), label=method_label(init), marker=None)
                else:
                    g = m.groupby("step").agg(seconds=("seconds", "mean"), v=(y, "mean"), lo=(y, "min"), hi=(y, "max"))
                    ax.plot(g.seconds, g.v, color=method_color(init), label=method_label(init))
                    ax.fill_between(g.seconds, g.lo, g.hi, color=method_color(init), alpha=0.2, linewidth=0)
            ax.set(yscale="log", title=f"{PROBLEM_LABELS[problem]}, {ARCH_LABELS[arch]}",
                   xlabel=("training step" if x == "step" else "training seconds") if r == len(problems) - 1 else "",
                   ylabel=Y_LABELS[y] if col == 0 else "")
    _legend(fig, axes[0, 0], -0.02)
    fig.tight_layout()
    return fig


def rank_figure(result: Result):
    """The ε-rank at initialization of the first (left) and last (right) hidden layer, per cell and init (seed
    mean)."""
    s = result.summary.assign(cell=lambda d: d.problem + "/" + d.arch.map(ARCH_LABELS))
    fig, axes = subplots(1, 2, figsize=(12, 3.9), sharey=True)
    for ax, col, title in zip(axes, ("rank_first_init", "rank_last_init"), ("first hidden layer", "last hidden layer")):
        inits = _inits(s)
        for j, init in enumerate(inits):  # side by side, so that equal ranks stay visible
            d = s[s.init == init]
            ax.plot(np.arange(len(d)) + 0.18 * (j - (len(inits) - 1) / 2), d[col], "o", color=method_color(init),
                    label=method_label(init))
        cells = list(dict.fromkeys(s.cell))
        ax.set(xticks=range(len(cells)), title=f"ε-rank at initialization, {title}", xlabel="problem / architecture",
               ylabel="ε-rank")
        ax.set_xticklabels(cells, rotation=40, ha="right", fontsize="small")
    axes[0].legend(fontsize="small")
    fig.tight_layout()
    return fig


COMPARISONS = {"rank_ratio": "ε-rank ratio (last layer)", "speedup": "speed-up to the first level",
               "error_ratio": "accuracy gain (final error)"}


def speedup_bars(result: Result):
    """Per cell, SFLI's ε-rank ratio, speed-up and accuracy gain against the best plain baseline as bars from 1 on
    a log scale: up, SFLI better; down, worse (clipped to [1/100, 100])."""
    comp = result.comparisons
    colours = series_palette(COMPARISONS.values())
    fig, ax = subplots(figsize=(max(7.0, 0.8 * len(comp)), 3.8))
    x, width = np.arange(len(comp)), 0.8 / len(COMPARISONS)
    for i, (key, name) in enumerate(COMPARISONS.items()):
        r = comp[key].astype(float).clip(1e-2, 1e2).fillna(1.0).to_numpy()
        ax.bar(x - 0.4 + (i + 0.5) * width, r - 1, bottom=1.0, width=width, color=colours[name], label=name)
    ax.set_yscale("log")
    ax.axhline(1.0, color="black", lw=0.8)
    ax.set(xticks=x, xlabel="problem / architecture", ylabel="ratio (> 1: SFLI better)")
    ax.set_xticklabels(comp.problem + "/" + comp.arch.map(ARCH_LABELS), rotation=35, ha="right")
    ax.legend(fontsize="small", ncol=3)
    fig.tight_layout()
    return fig


def heatmaps(result: Result, cfg, problem: str):
    """The reference, SFLI's solution and |u − u*| of every init (first seed), one row per arch. One colour scale
    for the reference and the solutions, one (log₁₀) for the errors, both shared by every panel of the problem."""
    pics, box, n = result.pictures[problem], make_problem(problem, cfg).box, cfg["picture"]
    archs, inits = list(cfg["archs"]), [i for i in ALL_INITS if i in cfg["inits"]]
    ref = pics["reference"].reshape(n, n)
    vmax = float(np.abs(ref).max()) or 1.0
    errs = {(a, i): np.log10(np.abs(pics[f"{a}/{i}"].reshape(n, n) - ref) + 1e-8) for a in archs for i in inits}
    elo, ehi = -4.0, max(float(v.max()) for v in errs.values())
    extent = (box.lower[0], box.upper[0], box.lower[1], box.upper[1])
    cols = 2 + len(inits)
    fig, axes = subplots(len(archs), cols, figsize=(2.6 * cols, 2.3 * len(archs)), squeeze=False)
    time_axis = problem in ("allen_cahn", "burgers")
    for r, arch in enumerate(archs):
        panels = [("reference u*", ref, "sol"), (f"{ARCH_LABELS[arch]}, SFLI: u", pics[f"{arch}/sfli"].reshape(n, n), "sol")]
        panels += [(f"|u − u*|, {method_label(i)}", errs[(arch, i)], "err") for i in inits]
        for c, (title, data, kind) in enumerate(panels):
            ax = axes[r, c]
            if r > 0 and c == 0:
                ax.axis("off")
                continue
            im = ax.imshow(data, origin="lower", extent=extent, aspect="auto",
                           cmap=DIVERGING_CMAP if kind == "sol" else SEQUENTIAL_CMAP,
                           vmin=-vmax if kind == "sol" else elo, vmax=vmax if kind == "sol" else ehi)
            ax.set_title(title, fontsize="small")
            ax.grid(False)
            ax.set(xlabel="x" if r == len(archs) - 1 else "", ylabel=("t" if time_axis else "y") if c <= 1 else "")
            ax.tick_params(labelsize="x-small")
            if c in (1, cols - 1):
                fig.colorbar(im, ax=ax, fraction=0.05, label="u" if kind == "sol" else "log₁₀ |u − u*|")
    fig.suptitle(PROBLEM_LABELS[problem])
    fig.tight_layout()
    return fig


def gamma_figure(result: Result, cfg):
    """The γ sweep on ``gamma.arch``: final error against γ / γ_0 (γ_0 the k = 0 default), one panel per problem;
    the rules γ_k as marked points; the dashed line and band are the best plain baseline's median (and its
    seeds' min–max)."""
    gam, problems = result.gamma, list(cfg["problems"])
    cols = min(len(problems), 4)
    rows = math.ceil(len(problems) / cols)
    fig, axes = subplots(rows, cols, figsize=(3.4 * cols, 3.0 * rows), squeeze=False, sharey=True)
    from ...init import default_gamma

    width = cfg["net"]["width"]
    for ax, problem in zip(axes.flat, problems):
        g, box = gam[gam.problem == problem], make_problem(problem, cfg).box
        sweep = g[g.choice.str.startswith("k0 ×")].sort_values("factor")
        ax.plot(sweep.factor, sweep.final_error, "o-", color=method_color("sfli"), label="SFLI, γ = factor × γ₀")
        ax.fill_between(sweep.factor, sweep.final_error_min, sweep.final_error_max, color=method_color("sfli"),
                        alpha=0.2, linewidth=0)
        g0 = default_gamma("tanh", width, box, 0)
        for marker, (_, row) in zip("s^D", g[~g.choice.str.startswith("k0 ×")].iterrows()):
            rel = default_gamma("tanh", width, box, int(row.k)) / g0
            ax.errorbar([rel], [row.final_error], yerr=[[row.final_error - row.final_error_min],
                                                        [row.final_error_max - row.final_error]],
                        fmt=marker, color="black", capsize=3, label=f"rule γ_{int(row.k)} (derivative_order={int(row.k)})")
        ax.axhline(float(g.baseline_error.iloc[0]), color=REFERENCE, ls="--", lw=1, label="best plain baseline")
        ax.axvline(1.0, color=REFERENCE, ls=":", lw=1)
        ax.set(xscale="log", yscale="log", title=f"{PROBLEM_LABELS[problem]} (γ₀ = {g0:.3g})",
               xlabel="γ / γ₀", ylabel="final relative L² error")
    for ax in axes.flat[len(problems):]:
        ax.remove()
    _legend(fig, axes.flat[0], -0.08)
    fig.tight_layout()
    return fig


def placement_figure(result: Result, problem: str):
    """PirateNet on ``problem``: the final error per SFLI placement and per plain baseline (median, min–max)."""
    p = result.placement
    fig, ax = subplots(figsize=(6.4, 3.4))
    for i, row in enumerate(p.itertuples(index=False)):
        colour = method_color(row.placement) if row.placement in PLAIN else method_color("sfli")
        ax.errorbar([i], [row.final_error], yerr=[[row.final_error - row.final_error_min],
                                                   [row.final_error_max - row.final_error]],
                    fmt="o", color=colour, capsize=4)
    labels = [f"SFLI, where={w}" if w not in PLAIN else method_label(w) for w in p.placement]
    ax.set(xticks=range(len(p)), yscale="log", xlabel="first layer", ylabel="final relative L² error",
           title=f"PirateNet, {PROBLEM_LABELS[problem]}")
    ax.set_xticklabels(labels, rotation=20, ha="right")
    fig.tight_layout()
    return fig


def lr_figure(result: Result):
    """Final error against the learning rate, per init (median, min–max over the seeds)."""
    lr = result.lr_grid
    fig, ax = subplots(figsize=(5.6, 3.6))
    for init in _inits(lr):
        d = lr[lr.init == init]
        ax.plot(d.lr, d.final_error, "o-", color=method_color(init), label=method_label(init))
        ax.fill_between(d.lr, d.final_error_min, d.final_error_max, color=method_color(init), alpha=0.2, linewidth=0)
    ax.set(xscale="log", yscale="log", xlabel="learning rate (Adam)", ylabel="final relative L² error")
    ax.legend(fontsize="small")
    fig.tight_layout()
    return fig


def summary_table(result: Result, levels: list[float]) -> pd.DataFrame:
    """The per-(problem, arch, init) summary for display."""
    s = result.summary.assign(init=lambda d: d.init.map(method_label), arch=lambda d: d.arch.map(ARCH_LABELS))
    cols = {"problem": "problem", "arch": "net", "init": "init", "rank_first_init": "ε-rank first (init)",
            "rank_last_init": "ε-rank last (init)", "final_error": "final error (median)", "final_error_min": "min",
            "final_error_max": "max", **{f"steps_to_{lv:g}": f"steps to {lv:g}" for lv in levels},
            **{f"seconds_to_{lv:g}": f"seconds to {lv:g}" for lv in levels}}
    return s[list(cols)].rename(columns=cols)


def verdict_table(result: Result) -> pd.DataFrame:
    """Per cell and effect, whether SFLI beats the best plain baseline ("yes"/"no", the ratio beside it)."""
    def word(value: float) -> str:
        return "—" if pd.isna(value) else f"{'yes' if value > 1 else 'no'} ({value:.3g}×)"

    c = result.comparisons
    return pd.DataFrame({"problem": c.problem, "net": c.arch.map(ARCH_LABELS),
                         **{label: c[k].map(word) for k, label in COMPARISONS.items()},
                         "most accurate plain baseline": c.best_baseline.map(method_label)})


def where_not(result: Result, metric: str) -> str:
    """The cells where SFLI does not beat the best plain baseline on ``metric``, as text ("none" if it always
    does)."""
    c = result.comparisons
    cells = [f"{p}/{ARCH_LABELS[a]}" for p, a, v in zip(c.problem, c.arch, c[metric]) if not v > 1]
    return ", ".join(cells) if cells else "none"
