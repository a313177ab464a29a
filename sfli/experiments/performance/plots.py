"""The appendix's figure and display tables; they read a :class:`~.runs.Result` or benchmark rows. The figure is
``seaborn.barplot`` in the book's theme, built without pyplot."""
from __future__ import annotations

import math

import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure

from ...plotting import series_palette
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
    ok = pd.DataFrame([{**r, "config": config_key(r)} for r in result.rows if "ms" in r],
                      columns=["config", "variant", "ms"])
    configs, variants = list(dict.fromkeys(ok.config)), list(dict.fromkeys(ok.variant))
    fig = Figure(figsize=(8, 0.55 * len(configs) * max(len(variants), 2) / 2 + 1.2))
    ax = fig.add_subplot()
    if len(ok):
        sns.barplot(ok, x="ms", y="config", hue="variant", order=configs, hue_order=variants, orient="h",
                    palette=series_palette(variants), saturation=1, errorbar=None, ax=ax)
        sns.move_legend(ax, "lower center", bbox_to_anchor=(0.5, 1.0), ncol=len(variants), title=None, frameon=False)
    ax.tick_params(axis="y", labelsize="small")
    ax.set_xscale("log")
    if len(ok):  # bars start at a round decade, so their lengths compare
        ax.set_xlim(10 ** math.floor(math.log10(ok.ms.min())), 1.3 * ok.ms.max())
    ax.set(xlabel="ms per training step (median)", ylabel="problem/net/points")
    return fig
