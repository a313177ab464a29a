"""Figures of chapter 3 (the staircase phenomenon) and its display table of S6; each takes the chapter's
:class:`~.runs.Result`.

Staircases are drawn seed by seed (an average over seeds would smear the steps into a slope); comparisons of
methods are drawn as the mean over seeds with a min–max band (losses: geometric mean), with
:func:`~sfli.plotting.seeds_band`; scatter plots of runs are ``seaborn.scatterplot``. Figures are built without
pyplot (``matplotlib.figure.Figure``), so nothing stays open between calls.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure

from ...plotting import (BROWN, GREEN, METHOD_COLORS, METHOD_LABELS, ORANGE, PURPLE, REFERENCE, VERMILLION, axes_grid,
                         geometric_mean, seeds_band, series_palette)
from .metrics import BASE, S7_ARCHS, layer_columns, main_spec, s1_runs, select, sens_runs
from .tables import FIRST_LAYER_LABELS

if TYPE_CHECKING:  # pragma: no cover
    from .runs import Result

#: the methods' book colours; the Xavier MLP (tanh) in Xavier normal's colour, the other nets and activations
#: in their own, fixed for the chapter
COLORS = {**METHOD_COLORS, "mlp": ORANGE, "tanh": ORANGE, "resmlp": PURPLE,
          "relu": VERMILLION, "elu": GREEN, "cos": BROWN}
LABELS = {**METHOD_LABELS, **FIRST_LAYER_LABELS, "mlp": "MLP", "resmlp": "ResNet (ResMLP)",
          "tanh": "tanh, Xavier (all sizes)", "relu": "ReLU, Xavier", "elu": "ELU, Xavier", "cos": "cos, Xavier"}
_MARKERS = "osD^v<>phX*"



def _curves(result: Result, runs: pd.DataFrame) -> pd.DataFrame:
    return result.curves[result.curves.run.isin(runs.run)]


def _seed_panels(result: Result, groups: list[tuple[str, pd.DataFrame]], suptitle: str,
                 same_rank_axis: bool = False) -> Figure:
    """Columns: groups of runs; top row the loss (log), bottom row the last-layer ε-rank, one line per seed."""
    fig, axes = axes_grid(2, len(groups), 2.9 * len(groups) + 0.6, 5.0, sharex="col")
    if same_rank_axis:
        for ax in axes[1, 1:]:
            ax.sharey(axes[1, 0])
    colors = series_palette(sorted(pd.concat([runs.seed for _, runs in groups]).unique()))
    for j, (title, runs) in enumerate(groups):
        top, bottom = axes[0, j], axes[1, j]
        for row in runs.sort_values("seed").itertuples():
            cur = result.curves[result.curves.run == row.run]
            top.plot(cur.step, cur.loss, color=colors[row.seed], lw=1.1, label=f"seed {row.seed}")
            bottom.step(cur.step, cur[f"hidden_{row.depth}"], where="post", color=colors[row.seed], lw=1.1)
        top.set_yscale("log")
        top.set_title(title)
        bottom.set_xlabel("iteration")
    axes[0, 0].set_ylabel("training loss")
    axes[1, 0].set_ylabel("ε-rank, last hidden layer")
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=len(labels))
    fig.suptitle(suptitle)
    return fig


def plot_staircase(result: Result) -> Figure:
    """S1: loss and last-layer ε-rank vs iteration for every depth × width (tanh, Xavier normal), per seed."""
    s1 = s1_runs(result.runs, result.cfg)
    groups = [(f"depth {d}, width {w}", r) for (d, w), r in s1.groupby(["depth", "width"])]
    return _seed_panels(result, groups, f"Loss and ε-rank (ε = {result.cfg['eps']:g}) of the last hidden layer, "
                                        "tanh MLP, one line per seed")


def plot_activations(result: Result) -> Figure:
    """S3: the main net with each activation, per seed."""
    cfg = result.cfg
    groups = [(act, select(result.runs, **main_spec(cfg, activation=act))) for act in cfg["activations"]]
    return _seed_panels(result, groups, f"Activations: depth {cfg['main']['depth']}, width {cfg['main']['width']}, "
                                        "Xavier normal, one line per seed")


def plot_eps_sensitivity(result: Result) -> Figure:
    """The small S1 net re-trained at each ε (same trajectories; only the rank threshold changes)."""
    cfg, sens = result.cfg, result.cfg["sens"]
    groups = [(f"ε = {e:g}", sens_runs(result.runs, cfg, e)) for e in sorted(sens["eps"], reverse=True)]
    return _seed_panels(result, groups, f"Sensitivity to ε: depth {sens['depth']}, width {sens['width']} "
                                        "(the same training runs; only the threshold differs)", same_rank_axis=True)


def _group_label(row) -> str:
    if row.eps != row.cfg_eps:
        return f"ε = {row.eps:g} (d{row.depth}, w{row.width})"
    if row.activation != "tanh":
        return f"{row.activation} (d{row.depth}, w{row.width})"
    return f"tanh, d{row.depth}, w{row.width}"


def plot_alignment(result: Result) -> Figure:
    """Share of the log-loss decrease near ε-rank jumps against two baselines, one point per run.

    Left: against the coverage of the windows (chance under a random circular offset; dotted: share = coverage).
    Right: against the local null (the same windows shifted by a few intervals). Above the diagonal: aligned.
    Runs: every Xavier-initialized MLP on the regression problem (S1, S3 and the ε sensitivity).
    """
    runs = select(result.runs, problem="regression", arch="mlp", init=BASE).assign(cfg_eps=result.cfg["eps"])
    runs = runs.assign(group=[_group_label(r) for r in runs.itertuples()])
    groups = list(dict.fromkeys(runs.group))
    style = {"hue": "group", "style": "group", "hue_order": groups, "style_order": groups,
             "palette": series_palette(groups), "markers": {g: _MARKERS[i % len(_MARKERS)] for i, g in enumerate(groups)}}
    fig, axes = axes_grid(1, 2, 10.0, 4.6)
    for ax, col, xlabel in ((axes[0, 0], "align_coverage", "coverage of the windows (chance share)"),
                            (axes[0, 1], "align_local_null", "share with the windows shifted (local null)")):
        ax.plot([0, 1], [0, 1], ls=":", color=REFERENCE, lw=1)
        sns.scatterplot(runs, x=col, y="align_share", ax=ax, s=30, alpha=0.85, legend=ax is axes[0, 1], **style)
        ax.set(xlim=(0, 1), ylim=(0, 1), xlabel=xlabel, ylabel="share of the log-loss decrease near a rank jump",
               aspect="equal")
    sns.move_legend(axes[0, 1], "upper left", bbox_to_anchor=(1.02, 1.0), title=None)
    fig.suptitle("Do loss drops coincide with ε-rank jumps? One point per run")
    return fig


def _layer_panel(ax, result: Result, runs: pd.DataFrame, title: str) -> None:
    cur = _curves(result, runs)
    cols = [c for c in layer_columns(cur) if not cur[c].isna().all()]
    for col, color in series_palette(cols).items():
        seeds_band(ax, cur, "step", col, label=f"layer {col.split('_')[1]}", color=color, marker=None, lw=1.3)
    ax.set(xlabel="iteration", ylabel="ε-rank", title=title)


def plot_layer_ranks(result: Result) -> Figure:
    """S2: the ε-rank of every hidden layer of the main MLP over training (mean over seeds, min–max band)."""
    cfg = result.cfg
    fig, axes = axes_grid(1, 1, 6.0, 3.8)
    _layer_panel(axes[0, 0], result, select(result.runs, **main_spec(cfg)),
                 f"tanh MLP, depth {cfg['main']['depth']}, width {cfg['main']['width']}, ε = {cfg['eps']:g}")
    axes[0, 0].legend()
    return fig


def _compare(ax, result: Result, groups: list[tuple[str, pd.DataFrame]], column: str, log: bool) -> None:
    """One band per group of runs: the mean over seeds (geometric on a log axis) and the min–max."""
    for key, runs in groups:
        if runs.empty:
            continue
        seeds_band(ax, _curves(result, runs), "step", column, label=LABELS.get(key, key), color=COLORS.get(key),
                   estimator=geometric_mean if log else "mean", marker=None, lw=1.4)
    if log:
        ax.set_yscale("log")
    ax.set_xlabel("iteration")


def _init_comparison(result: Result, groups, levels, title: str, error: bool) -> Figure:
    depth = int(groups[0][1].depth.iloc[0])
    panels = [("loss", "training loss", True)] + ([("error", "relative L² error", True)] if error else []) + [
        (f"hidden_{depth}", "ε-rank, last hidden layer", False), ("hidden_1", "ε-rank, first hidden layer", False)]
    ncols = 2 if len(panels) == 4 else len(panels)  # four panels as 2 × 2, so the text stays readable
    nrows = len(panels) // ncols
    fig, axes = axes_grid(nrows, ncols, 3.4 * ncols, 3.1 * nrows + 0.6)
    for ax, (col, label, log) in zip(axes.ravel(), panels):
        _compare(ax, result, groups, col, log)
        ax.set_ylabel(label)
    for lvl in levels:
        axes[0, 0].axhline(lvl, ls="--", color=REFERENCE, lw=0.8)
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=len(labels))
    fig.suptitle(title)
    return fig


def plot_sfli(result: Result) -> Figure:
    """S4: SFLI first layer (random and quasi placement) vs Xavier normal on the main net (mean, min–max band;
    dashed: the loss levels of "steps to reach")."""
    cfg = result.cfg
    groups = [(BASE, select(result.runs, **main_spec(cfg)))]
    groups += [("sfli_quasi" if p == "quasi" else "sfli", select(result.runs, **main_spec(cfg, init="sfli"),
                                                                  placement=p)) for p in cfg["placements"]]
    return _init_comparison(result, groups, cfg["regression"]["levels"], f"Structured first layer vs random: depth "
                            f"{cfg['main']['depth']}, width {cfg['main']['width']}, tanh", error=False)


def plot_pinn(result: Result) -> Figure:
    """S5: the Poisson PINN, SFLI first layer vs Xavier normal (mean, min–max band)."""
    p = result.cfg["pinn"]
    runs = select(result.runs, problem="poisson", depth=p["depth"], width=p["width"])
    groups = [(BASE, select(runs, init=BASE)), ("sfli", select(runs, init="sfli"))]
    return _init_comparison(result, groups, p["levels"], f"2-D Poisson PINN: depth {p['depth']}, width "
                            f"{p['width']}, tanh", error=True)


def plot_resnet(result: Result) -> Figure:
    """S7: ResNet vs MLP — loss (geometric mean, band) and the ε-rank of every hidden layer of each."""
    cfg = result.cfg
    groups = [(arch, select(result.runs, **main_spec(cfg, arch=arch))) for arch in S7_ARCHS]
    fig, axes = axes_grid(1, 3, 11.0, 3.8)
    _compare(axes[0, 0], result, groups, "loss", log=True)
    axes[0, 0].set_ylabel("training loss")
    axes[0, 0].legend()
    for ax, (arch, runs) in zip(axes[0, 1:], groups):
        _layer_panel(ax, result, runs, LABELS[arch])
    axes[0, 2].legend()
    axes[0, 2].sharey(axes[0, 1])
    fig.suptitle(f"ResNet vs MLP: depth {cfg['main']['depth']}, width {cfg['main']['width']}, tanh")
    return fig


def plot_rfm(result: Result) -> Figure:
    """S6: Gram spectra (first seed) of the 900 random features, partition of unity vs global ELM, and the
    ε-rank against the error for every seed (first scale)."""
    cfg, spec, table = result.cfg, result.spectra, result.rfm
    acts = list(dict.fromkeys(spec.activation))
    fig, axes = axes_grid(1, len(acts) + 1, 3.5 * (len(acts) + 1), 3.8)
    labels = {"elm": "global ELM", "pou": "partition of unity"}
    colors = series_palette(labels.values())
    for ax, act in zip(axes[0], acts):
        for method, g in spec[spec.activation == act].groupby("method"):
            v = g.sort_values("index").eigenvalue.to_numpy()
            ax.plot(np.arange(1, len(v) + 1), np.clip(v, 1e-18, None), color=colors[labels[method]],
                    label=labels[method])
        ax.axhline(cfg["eps"], ls="--", color=REFERENCE, lw=0.8, label=f"ε = {cfg['eps']:g}")
        ax.set(yscale="log", xscale="log", xlabel="index", ylabel="Gram eigenvalue", title=f"{act} features")
    axes[0, 0].legend()
    ax = axes[0, -1]
    first = table[table.scale == cfg["rfm"]["scales"][0]]
    first = first.assign(features=first.method.map(labels))
    sns.scatterplot(first, x="eps_rank", y="error", hue="features", style="activation", palette=colors,
                    markers={a: "o" if a == "tanh" else "s" for a in first.activation.unique()}, s=30, ax=ax)
    ax.set(yscale="log", xlabel=f"ε-rank (ε = {cfg['eps']:g})", ylabel="relative L² error",
           title="ε-rank and error, every seed")
    ax.legend(fontsize="small")
    fig.suptitle(f"Random features for the 2-D Poisson problem: {cfg['rfm']['n_features']} features")
    return fig


def plot_loss_vs_rank(result: Result) -> Figure:
    """Final loss against final last-layer ε-rank, every regression run at the default ε."""
    runs = select(result.runs, problem="regression", eps=result.cfg["eps"])
    kinds = [r.method if r.method != BASE else (r.arch if r.arch != "mlp" else r.activation) for r in runs.itertuples()]
    runs = runs.assign(kind=[LABELS.get(k, k) for k in kinds])
    order = list(dict.fromkeys(runs.kind))
    fallback = series_palette(order)
    palette = {LABELS.get(k, k): COLORS.get(k, fallback[LABELS.get(k, k)]) for k in kinds}
    fig, axes = axes_grid(1, 1, 6.4, 4.2)
    ax = axes[0, 0]
    sns.scatterplot(runs, x="rank_last_final", y="loss_final", hue="kind", style="kind", hue_order=order,
                    style_order=order, palette=palette, markers={k: _MARKERS[i % len(_MARKERS)] for i, k in
                                                                 enumerate(order)}, s=30, ax=ax)
    ax.set(yscale="log", xlabel="final ε-rank, last hidden layer", ylabel="final training loss",
           title=f"Final loss and final ε-rank (ε = {result.cfg['eps']:g}), every regression run")
    ax.legend(title=None, fontsize="small")
    return fig


# ---------------------------------------------------------------- display tables

def rfm_table(result: Result) -> pd.DataFrame:
    """S6: ε-rank (at each ε) and relative L² error per activation, scale and method (means; errors geometric)."""
    t = result.rfm
    eps_cols = [c for c in t.columns if c.startswith("eps_rank")]
    agg = t.groupby(["activation", "scale", "method"]).agg(
        **{c.replace("eps_rank_", "ε-rank, ε = ") if c != "eps_rank" else f"ε-rank, ε = {result.cfg['eps']:g}":
           (c, "mean") for c in eps_cols},
        error=("error", lambda v: float(np.exp(np.log(v).mean()))), seconds=("seconds", "mean"))
    return agg.rename(columns={"error": "rel. L² error", "seconds": "solve time (s)"})
