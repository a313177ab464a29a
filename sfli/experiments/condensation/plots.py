"""Figures and display tables of the condensation chapter (:mod:`sfli.experiments.condensation`); each takes the
chapter's :class:`~.runs.Result`.

Figures are built without pyplot (``matplotlib.figure.Figure``), so nothing stays open between calls. Cosine
heat maps are ``seaborn.heatmap``, spreads over seeds :func:`~sfli.plotting.seeds_band`; the polynomial fits
and the velocity field are plain matplotlib.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure

from ...plotting import (DIVERGING_CMAP, REFERENCE, SERIES, axes_grid, method_color, seeds_band,
                         series_palette)
from .acts import LABELS, PAPER_P
from .core import order_neurons
from .variants import velocity


_INIT_LABELS = {"small": "var 0.005²", "common": "var 1/m", "sfli": "SFLI"}



def _heat(ax, u: np.ndarray, title: str = ""):
    """Cosine similarities of the rows of ``u`` (normalized input weights) in clustering order, on ``ax``."""
    o = order_neurons(u)
    sns.heatmap(u[o] @ u[o].T, ax=ax, cmap=DIVERGING_CMAP, vmin=-1, vmax=1, center=0, square=True, cbar=False,
                xticklabels=False, yticklabels=False)
    ax.set_title(title)
    return ax.collections[0]


def _cos_colorbar(fig: Figure, mappable, axes) -> None:
    """The shared colour bar of cosine heat maps, and what their rows and columns are."""
    fig.colorbar(mappable, ax=list(np.ravel(axes)), shrink=0.8, label="cos(û_i, û_j)")
    fig.supxlabel("neurons i, j in hierarchical-clustering order", fontsize="medium")


def plot_c1_heatmaps(res, inits=("small", "common")):
    """Cosine-similarity heat maps of the normalized input weights (w_j, b_j) at the last epoch, first seed:
    one column per activation, one row per initialization; neurons in hierarchical-clustering order."""
    acts = res.cfg["c1"]["activations"]
    fig, axes = axes_grid(len(inits), len(acts), 2.4 * len(acts) + 1.0, 2.4 * len(inits) + 0.3)
    mesh = None
    for i, init in enumerate(inits):
        for j, act in enumerate(acts):
            ax = axes[i, j]
            u = res.weights.get((act, init))
            if u is None:
                ax.axis("off")
                continue
            mesh = _heat(ax, u, LABELS[act] if i == 0 else "")
            if j == 0:
                ax.set_ylabel(_INIT_LABELS.get(init, init))
                if init == "sfli":
                    ax.yaxis.label.set_color(method_color("sfli"))
    if mesh is not None:
        _cos_colorbar(fig, mesh, axes)
    return fig


def count_table(res) -> pd.DataFrame:
    """Counted directions and lines at the last epoch per activation and initialization (mean, min–max over
    seeds), against the paper's 2p."""
    last = res.counts[(res.counts.step == res.cfg["c1"]["epochs"]) & (res.counts.experiment == "c1")]
    rows = []
    for (act, init), d in last.groupby(["activation", "init"], sort=False):
        p = PAPER_P[act]
        rows.append({"activation": LABELS[act], "init": init, "2p (paper)": "—" if p is None else 2 * p,
                     "directions": f"{d.directions.mean():.1f} [{d.directions.min()}–{d.directions.max()}]",
                     "lines": f"{d.lines.mean():.1f} [{d.lines.min()}–{d.lines.max()}]",
                     **{f"dirs, cos ≥ {t:g}": round(float(d[f"directions_t{t:g}"].mean()), 1)
                        for t in res.cfg["counting"]["thresholds_extra"]},
                     "share clustered": round(float(d.share.mean()), 2),
                     "ε-rank (normalized)": f"{d.eps_rank.mean():.1f} [{d.eps_rank.min()}–{d.eps_rank.max()}]",
                     "loss": float(d.loss.mean())})
    return pd.DataFrame(rows).set_index(["activation", "init"])


def plot_ranks(res):
    """Normalized ε-rank of the first layer and counted directions against the epoch, small init, per activation
    (mean over seeds, min–max band)."""
    d = res.counts[(res.counts.experiment == "c1") & (res.counts.init == "small")]
    acts = res.cfg["c1"]["activations"]
    fig, axes = axes_grid(1, 2, 10, 3.6)
    for ax, col in zip(axes[0], ("eps_rank", "directions")):
        for act, color in series_palette(acts).items():
            seeds_band(ax, d[d.activation == act], "step", col, color=color, label=LABELS[act])
        ax.set_xlabel("epoch")
    axes[0, 0].set_ylabel("ε-rank of normalized first-layer neurons")
    axes[0, 1].set_ylabel("counted directions")
    axes[0, 1].legend()
    return fig


def plot_sweep(res):
    """Counted directions and normalized ε-rank at the last epoch against γ (var = m^(−γ)); mean over seeds,
    min–max band."""
    last = res.counts[(res.counts.step == res.cfg["c1"]["epochs"]) & (res.counts.experiment == "sweep")]
    colors = series_palette(dict.fromkeys(last.activation))
    fig, axes = axes_grid(1, 2, 10, 3.6)
    for ax, col in zip(axes[0], ("directions", "eps_rank")):
        for act, d in last.groupby("activation", sort=False):
            seeds_band(ax, d, "gamma", col, color=colors[act], label=LABELS[act])
        ax.set_xlabel("γ  (variance m^(−γ))")
        ax.axvline(2.0, color=REFERENCE, ls=":", lw=1)
    axes[0, 0].set_ylabel("counted directions")
    axes[0, 1].set_ylabel("ε-rank (normalized neurons)")
    axes[0, 0].legend()
    return fig


def plot_c5(res):
    """1-D net output at the last C5 epoch (first seed) with its least-squares polynomial fits."""
    d = res.c5.groupby("activation", sort=False).first().reset_index()
    fig, axes = axes_grid(1, len(d), 3.0 * len(d), 3.0)
    colors = series_palette(res.cfg["c5"]["degrees"])
    for ax, (_, r) in zip(axes[0], d.iterrows()):
        ax.plot(r.x, r.y, color="k", lw=2, label="net")
        for deg, color in colors.items():
            ax.plot(r.x, r[f"fit_{deg}"], ls="--", color=color, label=f"degree {deg}")
        ax.set_title(LABELS[r.activation])
        ax.set_xlabel("x")
    axes[0, 0].set_ylabel(f"output at epoch {res.cfg['c5']['epochs']}")
    axes[0, -1].legend(fontsize="small")
    return fig


def plot_heatmap_row(mats: dict[str, np.ndarray]):
    """One cosine-similarity heat map per entry {title: normalized input weights}, clustering order (an empty
    figure for no entries)."""
    if not mats:
        return Figure(figsize=(2.4, 2.6))
    fig, axes = axes_grid(1, len(mats), 2.2 * len(mats) + 0.8, 2.8)
    mesh = None
    for ax, (title, u) in zip(axes[0], mats.items()):
        mesh = _heat(ax, u, title)
    _cos_colorbar(fig, mesh, axes)
    return fig


def plot_c2(res):
    """C2: heat map of each layer's input weights at that layer's epoch (first seed)."""
    c2 = res.cfg["c2"]
    return plot_heatmap_row({f"layer {k}: {LABELS[a]}\nepoch {e}": res.c2_weights[k]
                             for k, (a, e) in enumerate(zip(c2["activations"], c2["epochs"]), start=1)
                             if k in res.c2_weights})


def plot_c4(res):
    """C4: heat map of the first seed's input weights on the data set (an empty figure when C4 did not run)."""
    return plot_heatmap_row({f"C4: {res.c4_data.split(' (')[0]}": res.c4_weights} if res.c4_weights is not None else {})


def plot_c6(res):
    """C6: direction of the initial-stage velocity of (w, b) (f ≈ 0; output weight a = +1, a < 0 reverses it) on
    a grid, the lines on which it is radial (dashed), and the neurons at ``c6.epoch`` (colour: sign of a_j)."""
    acts = [a for a in res.cfg["c5"]["activations"] if a in res.c6]
    fig, axes = axes_grid(1, len(acts), 3.1 * len(acts), 3.6)
    for ax, act in zip(axes[0], acts):
        c = res.c6[act]
        w = c["weights"]
        r = 1.15 * float(np.abs(w).max()) or 1.0
        g = np.linspace(-r, r, 17)
        gw, gb = np.meshgrid(g, g)
        v = velocity(act, c["x"], c["residual"], np.stack([gw.ravel(), gb.ravel()], 1))
        v = v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-300)
        ax.quiver(gw, gb, v[:, 0].reshape(gw.shape), v[:, 1].reshape(gw.shape), color="0.6", scale=25, width=0.004)
        for phi in c["lines"]:
            t = np.radians(phi)
            ax.plot([-r * np.cos(t), r * np.cos(t)], [-r * np.sin(t), r * np.sin(t)], "--", color="k", lw=0.8)
        for sign, colour, label in ((1, SERIES[0], "a_j > 0"), (-1, SERIES[1], "a_j < 0")):
            k = c["signs"] == sign
            ax.scatter(w[k, 0], w[k, 1], s=9, color=colour, label=label, zorder=3)
        ax.set_xlim(-r, r)
        ax.set_ylim(-r, r)
        ax.set_aspect("equal")
        ax.set_title(f"{LABELS[act]}: {len(c['lines'])} line(s)")
        ax.set_xlabel("w")
    axes[0, 0].set_ylabel("b")
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=2)
    return fig


def variants_table(res) -> pd.DataFrame:
    """C2 (lines per layer), C3 (ω = 5 vs 2), C4 (data set) and C6 (field and neuron lines): mean [min–max]
    over seeds, against the paper."""
    cfg, rows = res.cfg, []
    v = res.variants if "experiment" in res.variants else pd.DataFrame({"experiment": []})
    part = {e: v[v.experiment == e].dropna(axis=1, how="all") for e in ("c2", "c3", "c4", "c6")}

    def cell(d, col):
        return f"{d[col].mean():.1f} [{int(d[col].min())}–{int(d[col].max())}]"

    for layer, d in (part["c2"].groupby("layer") if len(part["c2"]) else ()):
        act = d.activation.iloc[0]
        rows.append({"experiment": "C2", "case": f"layer {int(layer)}, {LABELS[act]}, epoch {int(d.step.iloc[0])}",
                     "paper": f"{PAPER_P[act]} line(s)", "lines": cell(d, "lines"), "directions": cell(d, "directions")})
    for freq, d in (part["c3"].groupby("frequency", sort=False) if len(part["c3"]) else ()):
        rows.append({"experiment": "C3" if freq != 5.0 else "C1 (same filter)",
                     "case": f"{LABELS[cfg['c3']['activation']]}, sin({freq:g}x + 1), ‖u‖ ≥ {cfg['c3']['min_norm']:g}",
                     "paper": "3 directions, two opposite" if freq != 5.0 else "3 lines",
                     "lines": cell(d, "lines"), "directions": cell(d, "directions")})
    d = part["c4"]
    if len(d):
        rows.append({"experiment": "C4", "case": f"{res.c4_data}, {LABELS[cfg['c4']['activation']]}",
                     "paper": "one line (MNIST)", "lines": cell(d, "lines"), "directions": cell(d, "directions")})
    for act, d in (part["c6"].groupby("activation", sort=False) if len(part["c6"]) else ()):
        p = PAPER_P[act]
        rows.append({"experiment": "C6", "case": f"{LABELS[act]}, initial field; neurons at epoch {cfg['c6']['epoch']}",
                     "paper": "—" if p is None else f"{p} stable line(s)",
                     "lines": f"field {d.field_lines.mean():.1f}, neurons {cell(d, 'lines')}", "directions": ""})
    return pd.DataFrame(rows).set_index(["experiment", "case"]) if rows else pd.DataFrame()


def sensitivity_table(res, experiment: str) -> pd.DataFrame:
    """C1 counted directions at the last epoch (mean [min–max] over seeds) with the book's setting and with the
    alternatives of ``experiment`` ("lr": learning rates, "epochs": longer training), one column per value, for
    the activations of its settings group (``lr_sensitivity``, ``epochs_sensitivity``)."""
    column, activations = experiment, res.cfg[f"{experiment}_sensitivity"]["activations"]
    c = res.counts
    base = c[(c.experiment == "c1") & (c.init == "small") & (c.step == res.cfg["c1"]["epochs"])]
    alt = c[(c.experiment == experiment) & (c.step == c.epochs)]
    d = pd.concat([base, alt])
    d = d[d.activation.isin(activations)]
    if d.empty:
        return pd.DataFrame()
    g = d.groupby(["activation", column], sort=False).directions
    cell = (g.mean().round(1).astype(str) + " [" + g.min().astype(int).astype(str) + "–"
            + g.max().astype(int).astype(str) + "]")
    table = cell.unstack(column)
    table.columns = [f"{column} {v:g}" for v in table.columns]
    table.index = [f"{LABELS[a]} (2p = {2 * PAPER_P[a]})" if PAPER_P[a] else LABELS[a] for a in table.index]
    return table


def fits_table(res) -> pd.DataFrame:
    """C5: relative RMS misfit of the least-squares polynomial fits, mean over seeds, one column per degree."""
    fits = res.c5_fits.pivot_table(index="activation", columns="degree", values="rel_error", aggfunc="mean")
    fits.columns = [f"degree {d}" for d in fits.columns]
    fits.index = [LABELS[a] for a in fits.index]
    fits.index.name = "activation"
    return fits


def settings_table(res, seed_list: list[int]) -> pd.DataFrame:
    """The settings of the run, one line per experiment."""
    cfg = res.cfg
    c1, c2, c3, c4, c5, c6, counting = (cfg[k] for k in ("c1", "c2", "c3", "c4", "c5", "c6", "counting"))
    return pd.Series({
        "C1 net": f"5–{c1['width']}–1, biases", "activations": ", ".join(c1["activations"]),
        "training points": c1["n_train"], "small init": f"N(0, {c1['small_std']}²) (variance)",
        "optimizer": f"Adam, lr {c1['lr']:g}, full batch, MSE", "epochs": c1["epochs"],
        "seeds": ", ".join(map(str, seed_list)),
        "counting": f"cos ≥ {counting['cos_threshold']}, clusters ≥ {counting['min_share']:.0%} of the neurons",
        "ε, Sobol points": f"{cfg['eps_rank']['eps']:g}, {cfg['eps_rank']['quadrature_n']}",
        "C5": f"1–{c5['width']}–1, var {c5['std']}², lr {c5['lr']:g}, {c5['epochs']} epochs, {c5['n_train']} points",
        "C2": f"3–{c2['width']}×5–1 residual, var {c2['std']}², lr {c2['lr']:g}, epochs {c2['epochs']}",
        "C3": f"{c3['activation']}, sin({c3['frequency']:g}x + 1), drop ‖u‖ < {c3['min_norm']:g}",
        "C4": f"{res.c4_data or 'not run'}, {c4['width']} neurons, var {c4['std']}², lr {c4['lr']:g}, "
              f"{c4['epochs']} epochs",
        "C6": f"C5 nets at epoch {c6['epoch']}, lines at cos ≥ {c6['cos_threshold']}",
        "γ sweep": ", ".join(f"{g:g}" for g in cfg["sweep"]["gammas"]) + " for " + ", ".join(cfg["sweep"]["activations"]),
        "seconds of the training runs (sum)": round(res.timings["total"], 1),
    }, name="setting").to_frame()
