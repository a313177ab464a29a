"""Figures and tables of the condensation chapter (:mod:`sfli.experiments.condensation`)."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ..plotting import METHOD_COLORS, PALETTE
from .condensation_acts import LABELS, PAPER_P


def _order(u):
    from .condensation import order_neurons
    return order_neurons(u)


def plot_c1_heatmaps(res, inits=("small", "common")):
    """Cosine-similarity heat maps of the normalized input weights (w_j, b_j) at the last epoch, first seed:
    one column per activation, one row per initialization; neurons in hierarchical-clustering order."""
    acts = res.cfg["activations"]
    fig, axes = plt.subplots(len(inits), len(acts), figsize=(2.3 * len(acts), 2.4 * len(inits)), squeeze=False)
    im = None
    for i, init in enumerate(inits):
        for j, act in enumerate(acts):
            ax = axes[i, j]
            u = res.weights.get((act, init))
            if u is None:
                ax.axis("off")
                continue
            o = _order(u)
            im = ax.imshow(u[o] @ u[o].T, cmap="RdBu_r", vmin=-1, vmax=1, interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
            ax.grid(False)
            if i == 0:
                ax.set_title(LABELS[act])
            if j == 0:
                ax.set_ylabel({"small": "var 0.005²", "common": "var 1/m", "sfli": "SFLI"}.get(init, init))
    fig.colorbar(im, ax=axes.ravel().tolist(), shrink=0.8, label="cos(û_i, û_j)")
    return fig


def count_table(res) -> pd.DataFrame:
    """Counted directions and lines at the last epoch per activation and initialization (mean, min–max over
    seeds), against the paper's 2p."""
    last = res.counts[(res.counts.step == res.cfg["epochs"]) & (res.counts.experiment == "c1")]
    rows = []
    for (act, init), d in last.groupby(["activation", "init"], sort=False):
        p = PAPER_P[act]
        rows.append({"activation": LABELS[act], "init": init, "2p (paper)": "—" if p is None else 2 * p,
                     "directions": f"{d.directions.mean():.1f} [{d.directions.min()}–{d.directions.max()}]",
                     "lines": f"{d.lines.mean():.1f} [{d.lines.min()}–{d.lines.max()}]",
                     **{f"dirs, cos ≥ {t:g}": round(float(d[f"directions_t{t:g}"].mean()), 1)
                        for t in res.cfg["thresholds_extra"]},
                     "share clustered": round(float(d.share.mean()), 2),
                     "ε-rank (normalized)": f"{d.eps_rank.mean():.1f} [{d.eps_rank.min()}–{d.eps_rank.max()}]",
                     "loss": float(d.loss.mean())})
    return pd.DataFrame(rows).set_index(["activation", "init"])


def plot_ranks(res):
    """Normalized ε-rank of the first layer and counted directions against the epoch, small init, per activation."""
    d = res.counts[(res.counts.experiment == "c1") & (res.counts.init == "small")]
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
    for k, act in enumerate(res.cfg["activations"]):
        g = d[d.activation == act].groupby("step")
        for ax, col in zip(axes, ("eps_rank", "directions")):
            s = g[col].mean()
            ax.plot(s.index, s.values, marker="o", ms=3, color=PALETTE[k % len(PALETTE)], label=LABELS[act])
    axes[0].set_ylabel("ε-rank of normalized first-layer neurons")
    axes[1].set_ylabel("counted directions")
    for ax in axes:
        ax.set_xlabel("epoch")
    axes[1].legend(fontsize=8)
    return fig


def plot_sweep(res):
    """Counted directions and normalized ε-rank at the last epoch against γ (var = m^(−γ))."""
    last = res.counts[(res.counts.step == res.cfg["epochs"]) & (res.counts.experiment == "sweep")]
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
    for k, (act, d) in enumerate(last.groupby("activation", sort=False)):
        for ax, col in zip(axes, ("directions", "eps_rank")):
            g = d.groupby("gamma")[col]
            mean, lo, hi = g.mean(), g.min(), g.max()
            c = PALETTE[k % len(PALETTE)]
            ax.plot(mean.index, mean.values, marker="o", ms=3, color=c, label=LABELS[act])
            ax.fill_between(mean.index, lo.values, hi.values, color=c, alpha=0.2, lw=0)
    axes[0].set_ylabel("counted directions")
    axes[1].set_ylabel("ε-rank (normalized neurons)")
    for ax in axes:
        ax.set_xlabel("γ  (variance m^(−γ))")
        ax.axvline(2.0, color="0.5", ls=":", lw=1)
    axes[0].legend(fontsize=8)
    return fig


def plot_c5(res):
    """1-D net output at the last C5 epoch (first seed) with its least-squares polynomial fits."""
    d = res.c5.groupby("activation", sort=False).first().reset_index()
    fig, axes = plt.subplots(1, len(d), figsize=(3.0 * len(d), 3.0), squeeze=False)
    for ax, (_, r) in zip(axes[0], d.iterrows()):
        ax.plot(r.x, r.y, color="k", lw=2, label="net")
        for k, deg in enumerate(res.cfg["c5_degrees"]):
            ax.plot(r.x, r[f"fit_{deg}"], ls="--", color=PALETTE[k], label=f"degree {deg}")
        ax.set_title(LABELS[r.activation])
        ax.set_xlabel("x")
    axes[0, 0].set_ylabel(f"output at epoch {res.cfg['c5_epochs']}")
    axes[0, -1].legend(fontsize=7)
    return fig
