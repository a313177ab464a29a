r"""Chapter 2's tables and metrics from its units (:func:`aggregate`), and the summaries they use.

* ratio to baseline b (one layer): geometric mean over all (activation, d, width, seed) cells of
  max(r_SFLI, 1) / max(r_b, 1); win rate: fraction of (activation, d, width) cells whose seed-mean r_SFLI > r_b.
* "same hidden layers": the same for "sfli+b" against b (for b = Xavier normal, SFLI itself), where only the first
  layer differs.
* γ sweep: a point is resolved if the finer quadrature moves its ranks by at most ``RESOLVED_TOL``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .runs import (
    FIGURE_METHODS, ON, QUASI, TRANSITION_DIMS, Cell, FigureLayer, GammaSweep, Output, QuadCheck, Transitions, Unit,
    refined, unit_seconds,
)

RESOLVED_TOL = 0.05  #: a γ-sweep point is resolved if the finer quadrature moves its ranks by ≤ 5 %
LAYERS = ("first", "last")


@dataclass
class Result:
    """Tables of the chapter (pandas DataFrames) and the flat ``metrics`` the record stores."""

    ranks: pd.DataFrame  # activation, dim, width, method, seed, first, last  (one row per net)
    ratios: pd.DataFrame  # baseline, first/last _ratio and _win_rate, last_ratio_same_hidden, last_win_rate_same_hidden
    ratios_by_group: pd.DataFrame  # activation, dim, baseline, first_ratio, last_ratio
    gamma: pd.DataFrame  # activation, dim, width, seed, multiplier, gamma, first, last, resolved
    gamma_check: pd.DataFrame  # activation, dim, multiplier, nodes, first, last, nodes_fine, first_fine, last_fine
    placement: pd.DataFrame  # activation, dim, width, seed, first, last (quasi − random), first_rel, last_rel
    quad_check: pd.DataFrame  # activation, dim, width, method, nodes, first, last, nodes_fine, first_fine, last_fine
    neurons: pd.DataFrame  # method, neuron, x, value  (first layer, d = 1, tanh)
    transitions: pd.DataFrame  # method, neuron, w1, w2, b  (first layer, d = 2, tanh)
    transition_stats: pd.DataFrame  # method, dim, inside_fraction, through_center_fraction
    metrics: dict[str, float | int] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)  # seconds in the units of each kind


# ---------------------------------------------------------------- summaries

def log_ratio(ranks: pd.DataFrame, num: str, den: str, layer: str) -> pd.Series:
    """log(max(r_num, 1) / max(r_den, 1)) per (activation, dim, width, seed) cell, indexed by the cell."""
    r = ranks.pivot_table(index=["activation", "dim", "width", "seed"], columns="method", values=layer)
    return np.log(r[num].clip(lower=1)) - np.log(r[den].clip(lower=1))


def win_rate(ranks: pd.DataFrame, num: str, den: str, layer: str) -> float:
    """Fraction of (activation, dim, width) cells where the seed-mean rank of ``num`` is strictly above ``den``'s."""
    means = ranks.pivot_table(index=["activation", "dim", "width"], columns="method", values=layer, aggfunc="mean")
    return float((means[num] > means[den]).mean())


def ratio_tables(ranks: pd.DataFrame, baselines: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per baseline: geometric-mean ratio and win rate, first and last layer (also with the same hidden layers,
    where measured); and the ratios per (activation, dim)."""
    methods, rows, group_rows = set(ranks.method), [], []
    for b in baselines:
        row: dict[str, object] = {"baseline": b}
        for layer in LAYERS:
            row[f"{layer}_ratio"] = float(np.exp(log_ratio(ranks, "sfli", b, layer).mean()))
            row[f"{layer}_win_rate"] = win_rate(ranks, "sfli", b, layer)
        same = "sfli" if b == "xavier_normal" else ON + b
        row["last_ratio_same_hidden"] = (float(np.exp(log_ratio(ranks, same, b, "last").mean()))
                                         if same in methods else math.nan)
        row["last_win_rate_same_hidden"] = win_rate(ranks, same, b, "last") if same in methods else math.nan
        rows.append(row)
        per = {layer: np.exp(log_ratio(ranks, "sfli", b, layer).groupby(["activation", "dim"]).mean())
               for layer in LAYERS}
        group_rows += [{"activation": a, "dim": d, "baseline": b, "first_ratio": float(v),
                        "last_ratio": float(per["last"][(a, d)])} for (a, d), v in per["first"].items()]
    return pd.DataFrame(rows), pd.DataFrame(group_rows)


def losses(ranks: pd.DataFrame, baseline: str = "kaiming_normal", layer: str = "last") -> pd.DataFrame:
    """The (activation, d, width) cells where SFLI's seed-mean rank is not above ``baseline``'s (with "sfli+b"
    where measured)."""
    means = ranks.pivot_table(index=["activation", "dim", "width"], columns="method", values=layer)
    cols = ["sfli", *([ON + baseline] if ON + baseline in means else []), baseline]
    return means.loc[means["sfli"] <= means[baseline], cols]


def placement_differences(ranks: pd.DataFrame) -> pd.DataFrame:
    """r(quasi) − r(random) and its relative size (r(quasi) − r(random)) / max(r(random), 1) per
    (activation, dim, width, seed), first and last layer (paired nets)."""
    key = ["activation", "dim", "width", "seed"]
    quasi = ranks[ranks.method == QUASI].set_index(key)[["first", "last"]]
    rand = ranks[ranks.method == "sfli"].set_index(key)[["first", "last"]].loc[quasi.index]
    diff = quasi - rand
    rel = (diff / rand.clip(lower=1)).add_suffix("_rel")
    return pd.concat([diff, rel], axis=1).reset_index()


def best_multiplier(gamma: pd.DataFrame, activation: str, layer: str) -> float:
    """The multiplier c of the largest mean (over dims and seeds) rank among the resolved ones (all if none is);
    among ties the one nearest c = 1 (in log)."""
    g = gamma[gamma.activation == activation]
    ok = g.groupby("multiplier").resolved.all()
    mean = g.groupby("multiplier")[layer].mean()
    mean = mean[ok] if ok.any() else mean
    best = mean[mean == mean.max()].index.to_numpy()
    return float(best[np.argmin(np.abs(np.log(best)))])


# ---------------------------------------------------------------- tables from the units

def _quad_check(cfg: dict, ranks: pd.DataFrame, seed: int, results: dict[Unit, Output]) -> pd.DataFrame:
    """Ranks at the largest width, and again with the nodes per axis × ``quad_check.factor``."""
    width, rows = max(cfg["widths"]), []
    for dim in cfg["dims"]:
        n = cfg["nodes"][dim - 1]
        n_fine = refined(n, cfg["quad_check"]["factor"])
        for act in cfg["activations"]:
            for method in cfg["quad_check"]["methods"]:
                coarse = ranks[(ranks.activation == act) & (ranks.dim == dim) & (ranks.width == width)
                               & (ranks.method == method) & (ranks.seed == seed)].iloc[0]
                f1, l1 = results[QuadCheck(act, dim, width, method, seed, n_fine)].value
                rows.append({"activation": act, "dim": dim, "width": width, "method": method, "nodes": n,
                             "first": int(coarse["first"]), "last": int(coarse["last"]), "nodes_fine": n_fine,
                             "first_fine": f1, "last_fine": l1})
    return pd.DataFrame(rows)


def _gamma_sweep(cfg: dict, seed_list: list[int], results: dict[Unit, Output]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The γ sweep, and its first seed against the finer quadrature (× ``gamma.check_factor`` nodes per axis)."""
    g, rows, check = cfg["gamma"], [], []
    for act in g["activations"]:
        for dim in g["dims"]:
            n = cfg["nodes"][dim - 1]
            n_fine = refined(n, g["check_factor"])
            for s in seed_list:
                rows += results[GammaSweep(act, dim, g["width"], s, n)].value
            coarse = results[GammaSweep(act, dim, g["width"], seed_list[0], n)].value
            for c, r in zip(coarse, results[GammaSweep(act, dim, g["width"], seed_list[0], n_fine)].value):
                check.append({"activation": act, "dim": dim, "multiplier": r["multiplier"], "nodes": n,
                              "first": c["first"], "last": c["last"], "nodes_fine": n_fine,
                              "first_fine": r["first"], "last_fine": r["last"]})
    gamma, check = pd.DataFrame(rows), pd.DataFrame(check)
    change = np.maximum((check.first_fine - check["first"]).abs() / check.first_fine.clip(lower=1),
                        (check.last_fine - check["last"]).abs() / check.last_fine.clip(lower=1))
    check["resolved"] = change <= RESOLVED_TOL
    gamma = gamma.merge(check[["activation", "dim", "multiplier", "resolved"]], on=["activation", "dim", "multiplier"])
    return gamma, check


def _transition_stats(cfg: dict, seed_list: list[int], results: dict[Unit, Output]) -> pd.DataFrame:
    rows = []
    for method in ["sfli", *cfg["baselines"]]:
        for dim in TRANSITION_DIMS:
            inside, center = zip(*(results[Transitions(method, dim, cfg["transitions"]["width"], s)].value
                                   for s in seed_list))
            rows.append({"method": method, "dim": dim, "inside_fraction": float(np.mean(inside)),
                         "through_center_fraction": float(np.mean(center))})
    return pd.DataFrame(rows)


def aggregate(cfg: dict, seed_list: list[int], results: dict[Unit, Output]) -> Result:
    """Every table and metric of the chapter from its units' outputs ``{unit: Output}``."""
    first = seed_list[0]
    ranks = pd.DataFrame([row for a in cfg["activations"] for d in cfg["dims"] for m in cfg["widths"]
                          for s in seed_list for row in results[Cell(a, d, m, s)].value])
    quad = _quad_check(cfg, ranks, first, results)
    gamma, gamma_check = _gamma_sweep(cfg, seed_list, results)
    pictures = {method: results[FigureLayer(method, cfg["figure"]["width"], first)].value for method in FIGURE_METHODS}
    neurons = pd.DataFrame([row for n, _, _ in pictures.values() for row in n])
    lines = pd.DataFrame([row for _, l, _ in pictures.values() for row in l])
    stats = _transition_stats(cfg, seed_list, results)
    ratios, by_group = ratio_tables(ranks, cfg["baselines"])
    placement = (placement_differences(ranks) if cfg["placement"]
                 else pd.DataFrame(columns=["first", "last", "first_rel", "last_rel"]))
    res = Result(ranks, ratios, by_group, gamma, gamma_check, placement, quad, neurons, lines, stats,
                 timings=unit_seconds(results))
    res.metrics = metrics(res, cfg, {method: rank for method, (_, _, rank) in pictures.items()})
    return res


def metrics(res: Result, cfg: dict, figure_ranks: dict[str, int]) -> dict[str, float | int]:
    """The flat metrics of the record (names declared in the package's ``METRICS``)."""
    m: dict[str, float | int] = {}
    for row in res.ratios.to_dict("records"):
        b = row["baseline"]
        for layer in LAYERS:
            m[f"{layer}_layer_ratio/{b}"] = row[f"{layer}_ratio"]
            m[f"{layer}_layer_win_rate/{b}"] = row[f"{layer}_win_rate"]
        if not math.isnan(row["last_ratio_same_hidden"]):
            m[f"same_hidden/last_layer_ratio/{b}"] = row["last_ratio_same_hidden"]
            m[f"same_hidden/last_layer_win_rate/{b}"] = row["last_win_rate_same_hidden"]
    for b in cfg["baselines"]:
        for layer in LAYERS:
            for act, v in np.exp(log_ratio(res.ranks, "sfli", b, layer).groupby("activation").mean()).items():
                m[f"{layer}_layer_ratio/{act}/{b}"] = float(v)
    sfli = res.ranks[res.ranks.method == "sfli"].groupby(["activation", "dim", "width"])["first"].mean()
    m["sfli_first_layer_full_rank_fraction"] = float((sfli == sfli.index.get_level_values("width")).mean())
    full = res.ranks[res.ranks.width == max(cfg["widths"])]
    for method, v in full.groupby("method")[["first", "last"]].mean().iterrows():
        m[f"rank_at_max_width/first/{method}"] = float(v["first"])
        m[f"rank_at_max_width/last/{method}"] = float(v["last"])
    if len(res.placement):
        for layer in LAYERS:
            m[f"placement/quasi_minus_random/{layer}"] = float(res.placement[layer].mean())
            m[f"placement/quasi_minus_random_rel/{layer}"] = float(res.placement[f"{layer}_rel"].mean())
            for dim, v in res.placement.groupby("dim")[layer].mean().items():
                m[f"placement/quasi_minus_random/{layer}/d{dim}"] = float(v)
            for dim, v in res.placement.groupby("dim")[f"{layer}_rel"].mean().items():
                m[f"placement/quasi_minus_random_rel/{layer}/d{dim}"] = float(v)
    for act in cfg["gamma"]["activations"]:
        mean = res.gamma[res.gamma.activation == act].groupby("multiplier")[["first", "last"]].mean()
        for layer in LAYERS:
            m[f"gamma_sweep/best_multiplier/{act}/{layer}"] = best_multiplier(res.gamma, act, layer)
            m[f"gamma_sweep/default_over_max/{act}/{layer}"] = (  # NaN when the sweep leaves out c = 1
                float(mean.loc[1.0, layer] / mean[layer].max()) if 1.0 in mean.index else math.nan)
    m["gamma_sweep/resolved_fraction"] = float(res.gamma_check.resolved.mean())
    qc = res.quad_check
    for kind in LAYERS:
        qc = qc.assign(**{f"d_{kind}": (qc[f"{kind}_fine"] - qc[kind]).abs()})
    m["quadrature_check/max_abs_change"] = int(max(qc.d_first.max(), qc.d_last.max()))
    m["quadrature_check/max_rel_change"] = float(max((qc.d_first / qc.first_fine.clip(lower=1)).max(),
                                                     (qc.d_last / qc.last_fine.clip(lower=1)).max()))
    stats = res.transition_stats.groupby("method")[["inside_fraction", "through_center_fraction"]].mean()
    for method, row in stats.iterrows():
        m[f"transitions/inside_fraction/{method}"] = float(row.inside_fraction)
        m[f"transitions/through_center_fraction/{method}"] = float(row.through_center_fraction)
    for method, r in figure_ranks.items():
        m[f"neurons_1d/first_rank/{method}"] = r
    m["n_nets"] = int(len(res.ranks) + len(res.gamma) + len(res.gamma_check) + len(res.quad_check))
    m.update({f"time/{k}_s": round(v, 3) for k, v in res.timings.items()})
    return m
