"""The appendix's figure and display tables; they read a :class:`~.runs.Result` or benchmark rows."""
from __future__ import annotations

import math

import pandas as pd
from matplotlib.figure import Figure

from ...plotting import PALETTE
from . import benchmark
from .runs import Result, config_key


def agreement_table(result: Result) -> pd.DataFrame:
    """Largest relative difference per net (rows) and activation (columns), over u, ∇u and ∂²u, as text."""
    table = result.agreement.pivot_table(index="net", columns="activation", values="max_rel_diff", aggfunc="max")
    return table.map(lambda v: f"{v:.1e}")


def run_settings(result: Result) -> pd.DataFrame:
    """Where and how the speed was measured: device, threads, repeats and the wall time."""
    cfg = result.cfg
    return pd.Series({"device": result.device, "torch threads": cfg["threads"] or "all",
                      "repeats, warm-up": f"{cfg['speed']['repeats']}, {cfg['speed']['warmup']}",
                      "wall time (s)": round(sum(result.timings.values()), 1)}, name="setting").to_frame()


def speed_table(rows: list[dict]) -> pd.DataFrame:
    """:func:`.benchmark.table_rows` as a DataFrame (rounded), indexed by configuration and variant."""
    table = pd.DataFrame(benchmark.table_rows(rows)).set_index(["problem", "net", "points", "variant"])
    rounded = table.round({"ms/step": 2, "build s": 1, "t/t_ref": 2, "t/t_jax": 2, "GFLOP/s": 1})
    return rounded.dropna(axis=1, how="all")


def plot_speed(result: Result) -> Figure:
    """ms per training step (log scale) per configuration, one bar per variant; failed variants left out."""
    ok = [r for r in result.rows if "ms" in r]
    configs = list(dict.fromkeys(config_key(r) for r in ok))
    variants = list(dict.fromkeys(r["variant"] for r in ok))
    fig = Figure(figsize=(8, 0.55 * len(configs) * max(len(variants), 2) / 2 + 1.2))
    ax = fig.add_subplot()
    height = 0.8 / max(len(variants), 1)
    for k, variant in enumerate(variants):
        ms = {config_key(r): r["ms"] for r in ok if r["variant"] == variant}
        ys = [i + k * height for i, c in enumerate(configs) if c in ms]
        ax.barh(ys, [ms[c] for c in configs if c in ms], height=height, color=PALETTE[k % len(PALETTE)],
                label=variant)
    ax.set_yticks([i + 0.4 - height / 2 for i in range(len(configs))], configs, fontsize=8)
    ax.invert_yaxis()
    ax.set_xscale("log")
    if ok:  # bars start at a round decade, so their lengths compare
        ax.set_xlim(10 ** math.floor(math.log10(min(r["ms"] for r in ok))), 1.3 * max(r["ms"] for r in ok))
    ax.set_xlabel("ms per training step (median)")
    ax.legend(fontsize=8, ncol=max(len(variants), 1), loc="lower center", bbox_to_anchor=(0.5, 1.0), frameon=False)
    return fig
