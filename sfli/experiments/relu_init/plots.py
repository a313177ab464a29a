"""Figures and display tables of the ReLU-initialization chapter; each takes the chapter's
:class:`~.summary.Result`. Figures are plain ``matplotlib.figure.Figure`` objects in the book theme: one colour per
scheme (:func:`sfli.plotting.method_color`), spreads over seeds with :func:`sfli.plotting.seeds_band`."""
from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from ...meanfield import order_chaos_boundaries, relu_correlation_map, relu_correlations, relu_fixed_point
from ...plotting import (REFERENCE, SEQUENTIAL_CMAP, axes_grid, geometric_mean, method_color, method_label,
                         seeds_band)
from .data import TARGET_LABELS

#: Collapse rates according to a summary of arXiv:1903.06733 [secondary; approximate]
SECONDARY = {"1-D targets, He": "92–94 %", "1-D targets, RAI": "29–33 %", "2-D target, He": "76.8 %",
             "2-D target, RAI": "9.6 %", "|x|, depth 10, width 2, symmetric": "> 90 %"}


def _method(key: str) -> str:
    return key.split("_k")[0].removesuffix("_he")


def color(key: str) -> str:
    """The book colour of a scheme key (a variant takes its method's colour)."""
    return method_color(_method(key))


def label(key: str) -> str:
    """How the chapter names a scheme key: the method's label, with the variant."""
    base = method_label(_method(key))
    if key.endswith("_he") and key.startswith("lps"):
        return base + ", He norm"
    return base + (f", k = {key.split('_k')[1]}" if "_k" in key else "")



def _legend(fig: Figure, ax) -> None:
    handles, labels = ax.get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=min(len(labels), 4))


def plot_born_dead(res) -> Figure:
    """Born-dead probability against depth, one panel per width: each scheme with its 95 % Wilson band, and the
    exact bounds of symmetric zero-bias nets (grey)."""
    bd = res.born_dead
    widths = sorted(bd.width.unique())
    ncols = min(3, len(widths))
    fig, axes = axes_grid(-(-len(widths) // ncols), ncols, 3.3 * ncols, 2.6 * -(-len(widths) // ncols) + 0.6,
                      sharex=True, sharey=True)
    for ax, width in zip(axes.flat, widths):
        d = bd[bd.width == width]
        first = d[d.scheme == d.scheme.iloc[0]]
        ax.fill_between(first.depth, first.theory_lo, first.theory_hi, color=REFERENCE, alpha=0.35, lw=0,
                        label="exact bounds, symmetric zero-bias")
        for key, s in d.groupby("scheme", sort=False):
            ax.plot(s.depth, s.p, color=color(key), label=label(key), lw=1.5)
            ax.fill_between(s.depth, s.lo, s.hi, color=color(key), alpha=0.2, lw=0)
        ax.set_title(f"width {width}")
        ax.set(ylim=(-0.02, 1.02))
    for ax in axes.flat[len(widths):]:
        ax.axis("off")
    for ax in axes[:, 0]:
        ax.set_ylabel("P(born dead)")
    for ax in axes[-1]:
        ax.set_xlabel("depth L (hidden layers)")
    _legend(fig, axes.flat[0])
    return fig


def plot_collapse(res) -> Figure:
    """Collapse rate after training per target and scheme, with 95 % Wilson intervals."""
    co = res.collapse
    targets = list(dict.fromkeys(co.target))
    keys = list(dict.fromkeys(co.scheme))
    fig, axes = axes_grid(1, 1, 7.2, 3.9)
    ax = axes[0, 0]
    width = 0.8 / len(keys)
    for j, key in enumerate(keys):
        d = co[co.scheme == key].set_index("target").reindex(targets)
        x = np.arange(len(targets)) + (j - (len(keys) - 1) / 2) * width
        ax.bar(x, d.rate, width, color=color(key), label=label(key), hatch="//" if key.endswith("_he") else None,
               edgecolor="white")
        ax.errorbar(x, d.rate, yerr=[d.rate - d.lo, d.hi - d.rate], fmt="none", ecolor="black", lw=0.8, capsize=2)
    ax.set_xticks(np.arange(len(targets)), [TARGET_LABELS[t] for t in targets])
    ax.set(ylabel="share of runs collapsed", ylim=(0, 1.05), xlabel="target")
    _legend(fig, ax)
    return fig


def collapse_table(res) -> pd.DataFrame:
    """Collapse rate [95 % interval] per scheme (rows) and target (columns)."""
    co = res.collapse
    cells = {(label(r.scheme), TARGET_LABELS[r.target]): f"{100 * r.rate:.0f} % [{100 * r.lo:.0f}–{100 * r.hi:.0f}]"
             for _, r in co.iterrows()}
    frame = pd.Series(cells).unstack()[[TARGET_LABELS[t] for t in dict.fromkeys(co.target)]]
    frame = frame.reindex([label(k) for k in dict.fromkeys(co.scheme)])
    frame.index.name = "scheme"
    return frame


def collapse_sensitivity_table(res) -> pd.DataFrame:
    """Mean over the targets: collapsed at each threshold of std(f)/std(y), and near-constant at initialization."""
    co, thr = res.collapse, res.cfg["collapse"]
    cols = {f"< {t:g}": f"rate_t{t:g}" for t in thr["thresholds"]} | {f"< {thr['threshold']:g} (ours)": "rate"}
    cols = dict(sorted(cols.items(), key=lambda kv: float(kv[0].split()[1])))
    mean = co.groupby("scheme", sort=False)[[*cols.values(), "born_dead"]].mean()
    frame = pd.DataFrame({name: mean[col] for name, col in cols.items()})
    frame[f"< {thr['threshold']:g} at initialization"] = mean["born_dead"]
    frame.index = [label(k) for k in frame.index]
    frame.index.name = "scheme"
    return frame


def secondary_table() -> pd.DataFrame:
    """The collapse rates a summary attributes to arXiv:1903.06733 [secondary]."""
    return pd.DataFrame({"setting": list(SECONDARY), "collapsed, according to a summary": list(SECONDARY.values())})


def plot_map(res) -> Figure:
    """Left: the correlation map c → c' (mean field, lines) against one simulated wide layer (dots, mean ± 2 s.e.
    over the draws), per k. Right: c_l against depth by the mean field from c0."""
    mc, mf = res.map_check, res.cfg["meanfield"]
    fig, axes = axes_grid(1, 2, 9.0, 3.6)
    ax, ax2 = axes[0]
    c = np.linspace(-1, 1, 201)
    ax.plot(c, c, color=REFERENCE, ls=":", lw=1, label="c' = c")
    shades = dict(zip(sorted(mf["ks"], reverse=True), np.linspace(0.0, 0.75, len(mf["ks"]))))
    cmap = __import__("matplotlib").colormaps[SEQUENTIAL_CMAP]
    for k in mf["ks"]:
        col = cmap(shades[k])
        ax.plot(c, relu_correlation_map(c, k), color=col, lw=1.5, label=f"k = {k:g}")
        d = mc[mc.k == k]
        ax.errorbar(d.c, d.simulated, yerr=2 * d["sem"], fmt="o", ms=4, color=col, mfc="white")
        depth = np.arange(0, mf["depth"] + 1)
        ax2.plot(depth, relu_correlations(mf["c0"], k, mf["depth"]), color=col, lw=1.5, label=f"k = {k:g}")
        ax2.axhline(relu_fixed_point(k), color=col, ls="--", lw=0.8)
    ax.set(xlabel="correlation c of the layer's pre-activations", ylabel="c' after one layer",
           title="map: mean field (lines), simulated (dots)")
    ax2.set(xlabel="layer l", ylabel="c_l (mean field)", title=f"from c0 = {mf['c0']:g}; dashed: c*(k)")
    ax.legend(fontsize="small")
    return fig


def plot_correlations(res) -> Figure:
    """c_l against depth in finite-width nets of each scheme (mean and min–max over nets), one panel per width, with
    the mean field of He (k = 0) and of the chapter's k (black)."""
    cr, mf = res.correlations, res.cfg["meanfield"]
    widths = sorted(cr.width.unique())
    fig, axes = axes_grid(1, len(widths), 4.4 * len(widths), 3.5, sharey=True)
    depth = np.arange(1, mf["depth"] + 1)
    for ax, width in zip(axes[0], widths):
        for key, d in cr[cr.width == width].groupby("scheme", sort=False):
            seeds_band(ax, d, "depth", "c", color=color(key), label=label(key), marker=None)
        for k, ls in ((0.0, ":"), (res.cfg["k"], "--")):
            ax.plot(depth, relu_correlations(mf["c0"], k, mf["depth"] - 1), color="black", ls=ls, lw=1,
                    label=f"mean field, k = {k:g}")
        ax.set(title=f"width {width}", xlabel="layer l", ylabel="correlation c_l of two inputs")
    _legend(fig, axes[0, 0])
    return fig


def plot_phase(res) -> Figure:
    """The mean-field phase diagram at σ_b² > 0: the correlation c after many layers on the (σ_w², k) plane; the
    order-to-chaos line σ_w² = 2 and the line σ_w² = 2π/(π + k) beyond which q diverges."""
    ph = res.phase
    s2, ks = ph["sigma_w2"], ph["k"]
    c = np.where(s2[None, :] < 2 * np.pi / (np.pi + ks[:, None]), ph["c"], np.nan)  # grey where q diverges
    fig, axes = axes_grid(1, 1, 6.0, 4.0)
    ax = axes[0, 0]
    mesh = ax.pcolormesh(s2, ks, c, cmap=SEQUENTIAL_CMAP, vmin=0, vmax=1, shading="nearest")
    fig.colorbar(mesh, ax=ax, label="c after many layers")
    order, unbounded = order_chaos_boundaries(ks)
    ax.plot(order, ks, color="white", lw=1.5, ls="--")
    ax.plot(unbounded, ks, color="black", lw=1.5)
    ax.text(1.4, -0.5, "ordered\nc → 1", color="black", ha="center", va="center")
    ax.text(2.45, -0.85, "chaotic\nc* < 1", color="white", ha="center", va="center", fontsize="small")
    ax.text(3.5, -0.2, "q → ∞", color="black", ha="center", va="center")
    ax.set(xlabel="σ_w² (weight variance × fan-in)", ylabel="k (row correlation × (N − 1))",
           title=f"σ_b² = {res.cfg['meanfield']['phase_sigma_b2']:g}; grey: q diverges")
    ax.set_facecolor("#dddddd")
    return fig


def plot_teacher(res) -> Figure:
    """Teacher–student training loss against steps (geometric mean and min–max over seeds) per scheme."""
    t = res.teacher[res.teacher.step > 0]
    fig, axes = axes_grid(1, 1, 6.4, 4.0)
    ax = axes[0, 0]
    for key, d in t.groupby("scheme", sort=False):
        seeds_band(ax, d, "step", "loss", color=color(key), label=label(key), estimator=geometric_mean,
                   marker=None, ls="--" if "_k" in key else "-")
    ax.axhline(res.cfg["teacher"]["level"], color=REFERENCE, ls=":", lw=1)
    ax.set(xscale="log", yscale="log", xlabel="Adam step", ylabel="training loss (MSE, teacher output variance 1)")
    ax.legend(fontsize="small")
    return fig


def teacher_table(res) -> pd.DataFrame:
    """Final loss (geometric mean over seeds) and the median step at which the loss reaches the level."""
    m, steps = res.metrics, res.cfg["teacher"]["steps"]
    keys = list(dict.fromkeys(res.teacher.scheme))
    he = m.get("teacher/kaiming_normal/steps_to_level")
    from .summary import steps_to_level
    reach = steps_to_level(res.teacher, res.cfg["teacher"]["level"], steps).groupby("scheme").median()
    geo = res.teacher[res.teacher.step == steps].groupby("scheme").loss.agg(geometric_mean)
    rows = []
    for key in keys:
        r = float(reach[key])
        rows.append({"scheme": label(key), "final loss": float(geo[key]),
                     f"steps to loss {res.cfg['teacher']['level']:g}": f"> {steps}" if r > steps else int(r),
                     "speed-up over He": (he / r) if he is not None and r <= steps and he <= steps else None})
    return pd.DataFrame(rows)


def plot_digits(res) -> Figure:
    """Training loss per epoch (mean and min–max over seeds) on the data set: deep-narrow and shallow-wide."""
    dg = res.digits
    archs = list(dict.fromkeys(dg.arch))
    names = {"deep": "depth {0}, width {1}".format(*res.cfg["digits"]["deep"]),
             "wide": "depth {0}, width {1}".format(*res.cfg["digits"]["wide"])}
    fig, axes = axes_grid(1, len(archs), 4.4 * len(archs), 3.5, sharey=True)
    for ax, arch in zip(axes[0], archs):
        for key, d in dg[dg.arch == arch].groupby("scheme", sort=False):
            seeds_band(ax, d, "epoch", "loss", color=color(key), label=label(key), marker=None)
        ax.set(title=names[arch], xlabel="epoch", ylabel="training loss (cross-entropy)")
    for ax in axes[0]:  # after every band: the panels share y
        ax.set_yscale("log")
    _legend(fig, axes[0, 0])
    return fig


def accuracy_table(res) -> pd.DataFrame:
    """Test accuracy per architecture and scheme: mean [min–max] over seeds."""
    rows = []
    for (arch, key), d in res.accuracy.groupby(["arch", "scheme"], sort=False):
        rows.append({"architecture": arch, "scheme": label(key), "seeds": len(d),
                     "test accuracy": f"{100 * d.acc.mean():.1f} % [{100 * d.acc.min():.1f}–{100 * d.acc.max():.1f}]"})
    return pd.DataFrame(rows)


def settings_table(res) -> pd.DataFrame:
    """The chapter's settings at this profile, one row per experiment."""
    c = res.cfg
    bd, co, mf, te, dg = c["born_dead"], c["collapse"], c["meanfield"], c["teacher"], c["digits"]
    rows = [
        ("1. born dead", f"widths {bd['widths']}, depth ≤ {bd['depth']}, {bd['n_nets']} nets per cell, "
                         f"{bd['n_grid']} points of [−√3, √3]"),
        ("2. collapse", f"depth {co['depth']}, width {co['width']} (2-D: {co['width_2d']}), {co['n_runs']} runs per "
                        f"cell, full-batch Adam lr {co['lr']:g}, {co['steps']} steps, {co['n_train']} points"),
        ("3. mean field", f"k ∈ {mf['ks']}, one layer {mf['n_in']} → {mf['n_out']} × {mf['draws']}; depth "
                          f"{mf['depth']}, widths {mf['widths']}, {mf['n_nets']} nets"),
        ("4. teacher–student", f"input dim {te['dim']}, depth {te['depth']}, width {te['width']}, {te['n_train']} "
                               f"points, Adam lr {te['lr']:g}, {te['steps']} steps, {c['n_seeds']} seeds"),
        ("5. data set", f"{dg['dataset']}: depth/width {dg['deep']} and {dg['wide']}, {dg['epochs']} epochs, "
                        f"batch {dg['batch']}, Adam lr {dg['lr']:g}"),
        ("anti-correlation", f"k = {c['k']:g}"),
    ]
    return pd.DataFrame(rows, columns=["experiment", "settings"])


def born_dead_table(res) -> pd.DataFrame:
    """Born-dead share at the largest depth [95 % interval], one column per width, with the exact bounds."""
    bd = res.born_dead
    last = bd[bd.depth == bd.depth.max()]
    rows = {label(key): {f"width {int(r.width)}": f"{100 * r.p:.1f} % [{100 * r.lo:.1f}–{100 * r.hi:.1f}]"
                         for _, r in d.iterrows()} for key, d in last.groupby("scheme", sort=False)}
    first = last[last.scheme == last.scheme.iloc[0]]
    rows["exact bounds, symmetric zero-bias"] = {f"width {int(r.width)}": f"{100 * r.theory_lo:.1f}–"
                                                 f"{100 * r.theory_hi:.1f} %" for _, r in first.iterrows()}
    frame = pd.DataFrame.from_dict(rows, orient="index")
    frame.index.name = f"scheme (depth {int(bd.depth.max())})"
    return frame
