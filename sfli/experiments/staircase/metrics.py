"""The flat metrics of chapter 3 (the staircase phenomenon), computed from ``Result.runs`` and ``Result.rfm``.

Naming: ``s1/…`` … ``s7/…`` per experiment, ``sens/…`` for the ε sensitivity, ``time/…`` for wall times and
wall-time shares (shown, never regressed). Means are over seeds; losses and errors are geometric means; "steps to
a level" is the median over seeds with a run that never reaches the level counted as the full budget (so a lower
bound when ``reached_…`` < 1). The statistics of a group of runs are declared once, in :data:`STATS`; the
chapter's metric declaration (``METRICS`` in the package) is built from the same names.
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING, Callable, Iterable, Mapping

import numpy as np
import pandas as pd
from scipy.stats import spearmanr

from .analysis import censored_median, geomean

if TYPE_CHECKING:  # pragma: no cover
    from .runs import Result

BASE = "xavier_normal"
S4_METHODS = ("sfli", "sfli_quasi")  #: SFLI's first layer with placement "random" and "quasi"
S5_INITS = (BASE, "sfli")
S7_ARCHS = ("mlp", "resmlp")
RFM_METHODS = ("elm", "pou")  #: S6: the global extreme learning machine and the partition of unity

#: Statistics of a group of runs (rows of ``Result.runs``): name → (description, value).
STATS: dict[str, tuple[str, Callable[[pd.DataFrame], float]]] = {
    "align_lift": ("lift = share / coverage (1: loss drops unrelated to rank jumps)",
                   lambda r: float(r.align_lift.mean())),
    "align_share": ("share of the log-loss decrease within the windows around ε-rank jumps",
                    lambda r: float(r.align_share.mean())),
    "align_coverage": ("share of the time axis the windows cover (the chance share)",
                       lambda r: float(r.align_coverage.mean())),
    "align_local_null": ("share with the windows shifted by a few intervals (the local null)",
                         lambda r: float(r.align_local_null.mean())),
    "aligned_fraction": ("fraction of runs whose share exceeds the coverage",
                         lambda r: float((r.align_share > r.align_coverage).mean())),
    "beats_local_fraction": ("fraction of runs whose share exceeds the local null",
                             lambda r: float((r.align_share > r.align_local_null).mean())),
    "align_corr": ("Pearson correlation over intervals of the log-loss decrease with the rank increase",
                   lambda r: float(r.align_corr.mean())),
    "spearman": ("Spearman correlation of the loss with the last-layer ε-rank over the recorded steps",
                 lambda r: float(r.spearman.mean())),
    "n_jumps": ("number of last-layer ε-rank jumps", lambda r: float(r.align_n_jumps.mean())),
    "final_loss": ("final training loss (geometric mean)", lambda r: geomean(r.loss_final)),
    "final_error": ("final relative L² error (geometric mean)", lambda r: geomean(r.error_final)),
    "initial_rank_last": ("last-layer ε-rank at initialization", lambda r: float(r.rank_last_0.mean())),
    "initial_rank_first": ("first-layer ε-rank at initialization", lambda r: float(r.rank_first_0.mean())),
    "final_rank_last": ("last-layer ε-rank at the end", lambda r: float(r.rank_last_final.mean())),
    "initial_rank_share": ("r_ε(0) / max_t r_ε(t) of the last layer",
                           lambda r: float((r.rank_last_0 / r.rank_last_max.clip(lower=1)).mean())),
    "monotone_fraction": ("share of recorded steps where r_ε never decreases from a layer to the next",
                          lambda r: float(r.depth_monotone.mean())),
    "diverged": ("number of runs that diverged", lambda r: int(r.diverged.sum())),
}
ALIGNMENT = ("align_lift", "align_share", "align_coverage", "align_local_null", "aligned_fraction",
             "beats_local_fraction", "align_corr", "spearman", "n_jumps")
ENDPOINTS = ("final_loss", "final_rank_last", "initial_rank_last")
SENS = ("final_rank_last", "initial_rank_last")  #: besides the alignment, per ε of the sensitivity
TRAINING = ("final_loss", "final_error", "initial_rank_last", "initial_rank_first", "final_rank_last",
            "initial_rank_share", "monotone_fraction", "n_jumps", "diverged")
#: per level of "steps to reach": name template → description
LEVELS = {"steps_to_{level:g}": "iterations to reach the loss level (median over seeds, censored at the budget)",
          "reached_{level:g}": "fraction of runs that reach the loss level"}
#: a structured first layer over Xavier normal (the ratio is > 1 when SFLI is better, except the rank: higher)
VERSUS = {"initial_rank_ratio": "last-layer ε-rank at initialization, SFLI over Xavier normal",
          "final_loss_ratio": "final loss, Xavier normal over SFLI", "final_error_ratio": "final error, Xavier "
          "normal over SFLI", "steps_ratio_{level:g}": "iterations to the loss level, Xavier normal over SFLI"}
LAYER_FAMILIES = ("initial_rank/hidden_*", "final_rank/hidden_*")  #: ε-rank of every hidden layer (seed means)
#: S6, per activation and method (seed means; the error geometric)
FEATURES = {"eps_rank": "ε-rank of the Gram matrix at the book's ε", "error": "relative L² error",
            "eps_rank_{eps:g}": "ε-rank of the Gram matrix at that ε"}
FEATURE_RATIOS = {"rank_ratio": "ε-rank, partition of unity over global ELM",
                  "error_ratio": "relative L² error, partition of unity over global ELM"}


def stats(r: pd.DataFrame, prefix: str, names: Iterable[str]) -> dict[str, float]:
    """The statistics ``names`` of the runs ``r``, as ``prefix/name``."""
    return {f"{prefix}/{name}": STATS[name][1](r) for name in names}


def select(runs: pd.DataFrame, **where) -> pd.DataFrame:
    """Rows of ``runs`` matching every ``column=value``."""
    mask = np.ones(len(runs), dtype=bool)
    for col, value in where.items():
        mask &= runs[col].to_numpy() == value
    return runs[mask]


def main_spec(cfg: Mapping, **changes) -> dict:
    """The filter (for :func:`select`) of the main net's runs (tanh MLP, Xavier normal, ε = cfg["eps"])."""
    base = {"problem": "regression", "arch": "mlp", "activation": "tanh", "depth": cfg["main"]["depth"],
            "width": cfg["main"]["width"], "init": BASE, "eps": cfg["eps"]}
    return {**base, **changes}


def sens_runs(runs: pd.DataFrame, cfg: Mapping, eps: float) -> pd.DataFrame:
    """The small S1 net (``sens``) trained at ``eps``."""
    return select(runs, problem="regression", arch="mlp", activation="tanh", init=BASE, eps=eps,
                  depth=cfg["sens"]["depth"], width=cfg["sens"]["width"])


def s1_runs(runs: pd.DataFrame, cfg: Mapping) -> pd.DataFrame:
    """The S1 grid: tanh MLPs of every configured depth × width, Xavier normal, ε = cfg["eps"]."""
    r = select(runs, problem="regression", arch="mlp", activation="tanh", init=BASE, eps=cfg["eps"])
    return r[r.depth.isin(cfg["depths"]) & r.width.isin(cfg["widths"])]


def layer_columns(curves: pd.DataFrame) -> list[str]:
    return sorted((c for c in curves.columns if c.startswith("hidden_")), key=lambda c: int(c.split("_")[1]))


def _training_summary(r: pd.DataFrame, prefix: str, levels: list[float]) -> dict[str, float]:
    m = stats(r, prefix, TRAINING)
    for lvl in levels:
        col = r[f"steps_to_{lvl:g}"]
        m[f"{prefix}/steps_to_{lvl:g}"] = censored_median(col, float(r.steps.max()))
        m[f"{prefix}/reached_{lvl:g}"] = float(col.notna().mean())
    return m


def _versus(m: dict, prefix: str, method: str, levels: list[float]) -> None:
    """Ratios of ``method`` against the Xavier baseline, from the summaries already in ``m``."""
    a, b = f"{prefix}/{method}", f"{prefix}/{BASE}"
    m[f"{a}/initial_rank_ratio"] = m[f"{a}/initial_rank_last"] / max(m[f"{b}/initial_rank_last"], 1.0)
    m[f"{a}/final_loss_ratio"] = m[f"{b}/final_loss"] / m[f"{a}/final_loss"]
    m[f"{a}/final_error_ratio"] = m[f"{b}/final_error"] / m[f"{a}/final_error"]
    for lvl in levels:
        m[f"{a}/steps_ratio_{lvl:g}"] = m[f"{b}/steps_to_{lvl:g}"] / max(m[f"{a}/steps_to_{lvl:g}"], 1.0)


def _layer_ranks(res: Result, r: pd.DataFrame, prefix: str) -> dict[str, float]:
    """Initial and final ε-rank of every hidden layer (seed means) and the depth-monotone fraction."""
    cur = res.curves[res.curves.run.isin(r.run)]
    m = {f"{prefix}/monotone_fraction": float(r.depth_monotone.mean()),
         f"{prefix}/monotone_fraction_min": float(r.depth_monotone.min())}
    first = cur.groupby("run").head(1)
    final = cur.groupby("run").tail(1)
    for col in layer_columns(cur):
        if first[col].notna().all():
            m[f"{prefix}/initial_rank/{col}"] = float(first[col].mean())
            m[f"{prefix}/final_rank/{col}"] = float(final[col].mean())
    return m


def metrics(res: Result, cfg: Mapping) -> dict[str, float | int]:
    runs, m = res.runs, {}
    levels, pinn_levels = cfg["regression"]["levels"], cfg["pinn"]["levels"]
    # S1: the staircase, every depth × width
    s1 = s1_runs(runs, cfg)
    for (d, w), r in s1.groupby(["depth", "width"]):
        m.update(stats(r, f"s1/d{d}_w{w}", (*ALIGNMENT, *ENDPOINTS)))
    m.update(stats(s1, "s1", ALIGNMENT))
    m["s1/align_lift_min"] = float(s1.align_lift.min())
    m["s1/spearman_max"] = float(s1.spearman.max())
    m["s1/n_runs"] = int(len(s1))
    # S2: every hidden layer of the main net
    m.update(_layer_ranks(res, select(runs, **main_spec(cfg)), "s2"))
    # S3: activations
    s3 = {act: select(runs, **main_spec(cfg, activation=act)) for act in cfg["activations"]}
    for act, r in s3.items():
        m.update(stats(r, f"s3/{act}", (*ALIGNMENT, *ENDPOINTS, "monotone_fraction")))
    s3_all = pd.concat(s3.values())
    m["s3/align_lift_min"] = float(np.min([m[f"s3/{act}/align_lift"] for act in s3]))
    m["s3/aligned_fraction"] = STATS["aligned_fraction"][1](s3_all)
    m["s3/spearman_max"] = float(np.max([m[f"s3/{act}/spearman"] for act in s3]))
    # S4: structured first layer (SFLI) vs Xavier, regression
    m.update(_training_summary(select(runs, **main_spec(cfg)), f"s4/{BASE}", levels))
    for pl in cfg["placements"]:
        method = "sfli_quasi" if pl == "quasi" else "sfli"
        m.update(_training_summary(select(runs, **main_spec(cfg, init="sfli"), placement=pl), f"s4/{method}", levels))
        _versus(m, "s4", method, levels)
    # S5: the Poisson PINN
    p = cfg["pinn"]
    pinn = select(runs, problem="poisson", depth=p["depth"], width=p["width"])
    for init in S5_INITS:
        m.update(_training_summary(select(pinn, init=init), f"s5/{init}", pinn_levels))
    _versus(m, "s5", "sfli", pinn_levels)
    # S6: random features, partition of unity vs global ELM
    scales = cfg["rfm"]["scales"]
    for (act, scale), r in res.rfm.groupby(["activation", "scale"]):
        prefixes = [f"s6/scale_{scale:g}/{act}"] + ([f"s6/{act}"] if scale == scales[0] else [])
        for prefix in prefixes:
            for method, g in r.groupby("method"):
                m[f"{prefix}/{method}/eps_rank"] = float(g.eps_rank.mean())
                m[f"{prefix}/{method}/error"] = geomean(g.error)
                for e in cfg["rfm"]["eps_list"]:
                    m[f"{prefix}/{method}/eps_rank_{e:g}"] = float(g[f"eps_rank_{e:g}"].mean())
            m[f"{prefix}/rank_ratio"] = m[f"{prefix}/pou/eps_rank"] / max(m[f"{prefix}/elm/eps_rank"], 1.0)
            m[f"{prefix}/error_ratio"] = m[f"{prefix}/pou/error"] / m[f"{prefix}/elm/error"]
    # S7: ResNet vs MLP
    if cfg["resnet"]:
        for arch in S7_ARCHS:
            r = select(runs, **main_spec(cfg, arch=arch))
            m.update(stats(r, f"s7/{arch}", (*ENDPOINTS, *ALIGNMENT)))
            m.update(_layer_ranks(res, r, f"s7/{arch}"))
        m["s7/final_loss_ratio"] = m["s7/mlp/final_loss"] / m["s7/resmlp/final_loss"]
    # sensitivity to ε: the small S1 net at each ε
    for e in cfg["sens"]["eps"]:
        m.update(stats(sens_runs(runs, cfg, e), f"sens/eps_{e:g}", (*ALIGNMENT, *SENS)))
    sens = pd.concat([sens_runs(runs, cfg, e) for e in cfg["sens"]["eps"]])
    spread = sens.groupby("seed").loss_final.agg(lambda v: (v.max() - v.min()) / v.min())
    m["sens/final_loss_spread"] = float(spread.max())  # 0: re-training at another ε reproduced the trajectory
    # across all regression runs: is a small final loss reached only with a high final ε-rank?
    reg = select(runs, problem="regression", eps=cfg["eps"])
    m["all/final_loss_rank_spearman"] = (float(spearmanr(np.log(reg.loss_final), reg.rank_last_final).statistic)
                                         if len(reg) > 2 else math.nan)
    m["n_runs"] = int(len(runs))
    m["n_diverged"] = int(runs.diverged.sum())
    # wall time: the share of each run's time spent recording the error and the ε-ranks, and seconds per kind
    m["time/record_share_max"] = float(runs.record_share.max())
    m["time/record_share_mean"] = float(runs.record_share.mean())
    m.update({f"time/{k}_s": round(v, 3) for k, v in res.timings.items()})
    return m
