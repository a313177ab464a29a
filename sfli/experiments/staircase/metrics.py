"""The flat metrics of chapter 3 (the staircase phenomenon), computed from ``Result.runs`` and ``Result.rfm``.

Naming: ``s1/…`` … ``s7/…`` per experiment, ``sens/…`` for the ε sensitivity, ``tracking/…`` for the cost of
recording the ε-ranks, ``time/…`` for wall times (not regressed). Means are over seeds; losses and errors are
geometric means; "steps to a level" is the median over seeds with a run that never reaches the level counted
as the full budget (so a lower bound when ``reached_…`` < 1).
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy.stats import spearmanr

from .staircase_analysis import censored_median, geomean

if TYPE_CHECKING:  # pragma: no cover
    from .staircase import Result

BASE = "xavier_normal"


def select(runs: pd.DataFrame, **where) -> pd.DataFrame:
    """Rows of ``runs`` matching every ``column=value``."""
    mask = np.ones(len(runs), dtype=bool)
    for col, value in where.items():
        mask &= runs[col].to_numpy() == value
    return runs[mask]


def main_spec(cfg: dict, **changes) -> dict:
    """The filter (for :func:`select`) of the main net's runs (tanh MLP, Xavier normal, ε = cfg["eps"])."""
    base = {"problem": "regression", "arch": "mlp", "activation": "tanh", "depth": cfg["main_depth"],
            "width": cfg["main_width"], "init": BASE, "eps": cfg["eps"]}
    return {**base, **changes}


def s1_runs(runs: pd.DataFrame, cfg: dict) -> pd.DataFrame:
    """The S1 grid: tanh MLPs of every configured depth × width, Xavier normal, ε = cfg["eps"]."""
    r = select(runs, problem="regression", arch="mlp", activation="tanh", init=BASE, eps=cfg["eps"])
    return r[r.depth.isin(cfg["depths"]) & r.width.isin(cfg["widths"])]


def layer_columns(curves: pd.DataFrame) -> list[str]:
    return sorted((c for c in curves.columns if c.startswith("hidden_")), key=lambda c: int(c.split("_")[1]))


def _alignment_summary(r: pd.DataFrame, prefix: str) -> dict[str, float]:
    return {
        f"{prefix}/align_lift": float(r.align_lift.mean()),
        f"{prefix}/align_share": float(r.align_share.mean()),
        f"{prefix}/align_coverage": float(r.align_coverage.mean()),
        f"{prefix}/align_local_null": float(r.align_local_null.mean()),
        f"{prefix}/aligned_fraction": float((r.align_share > r.align_coverage).mean()),
        f"{prefix}/beats_local_fraction": float((r.align_share > r.align_local_null).mean()),
        f"{prefix}/align_corr": float(r.align_corr.mean()),
        f"{prefix}/spearman": float(r.spearman.mean()),
        f"{prefix}/n_jumps": float(r.align_n_jumps.mean()),
    }


def _training_summary(r: pd.DataFrame, prefix: str, levels: list[float]) -> dict[str, float]:
    m = {f"{prefix}/final_loss": geomean(r.loss_final), f"{prefix}/final_error": geomean(r.error_final),
         f"{prefix}/initial_rank_last": float(r.rank_last_0.mean()),
         f"{prefix}/initial_rank_first": float(r.rank_first_0.mean()),
         f"{prefix}/final_rank_last": float(r.rank_last_final.mean()),
         f"{prefix}/initial_rank_share": float((r.rank_last_0 / r.rank_last_max.clip(lower=1)).mean()),
         f"{prefix}/monotone_fraction": float(r.depth_monotone.mean()),
         f"{prefix}/n_jumps": float(r.align_n_jumps.mean()), f"{prefix}/diverged": int(r.diverged.sum())}
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


def metrics(res: Result, cfg: dict) -> dict[str, float | int]:
    runs, m = res.runs, {}
    levels, pinn_levels = cfg["levels"], cfg["pinn"]["levels"]
    # S1: the staircase, every depth × width
    s1 = s1_runs(runs, cfg)
    for (d, w), r in s1.groupby(["depth", "width"]):
        prefix = f"s1/d{d}_w{w}"
        m.update(_alignment_summary(r, prefix))
        m[f"{prefix}/final_loss"] = geomean(r.loss_final)
        m[f"{prefix}/final_rank_last"] = float(r.rank_last_final.mean())
        m[f"{prefix}/initial_rank_last"] = float(r.rank_last_0.mean())
    m.update(_alignment_summary(s1, "s1"))
    m["s1/align_lift_min"] = float(s1.align_lift.min())
    m["s1/spearman_max"] = float(s1.spearman.max())
    m["s1/n_runs"] = int(len(s1))
    # S2: every hidden layer of the main net
    m.update(_layer_ranks(res, select(runs, **main_spec(cfg)), "s2"))
    # S3: activations
    lifts, spearmans = [], []
    s3_all = []
    for act in cfg["activations"]:
        r = select(runs, **main_spec(cfg, activation=act))
        s3_all.append(r)
        m.update(_alignment_summary(r, f"s3/{act}"))
        m[f"s3/{act}/final_loss"] = geomean(r.loss_final)
        m[f"s3/{act}/final_rank_last"] = float(r.rank_last_final.mean())
        m[f"s3/{act}/initial_rank_last"] = float(r.rank_last_0.mean())
        m[f"s3/{act}/monotone_fraction"] = float(r.depth_monotone.mean())
        lifts.append(m[f"s3/{act}/align_lift"])
        spearmans.append(m[f"s3/{act}/spearman"])
    s3 = pd.concat(s3_all)
    m["s3/align_lift_min"] = float(np.min(lifts))
    m["s3/aligned_fraction"] = float((s3.align_share > s3.align_coverage).mean())
    m["s3/spearman_max"] = float(np.max(spearmans))
    # S4: structured first layer (SFLI) vs Xavier, regression
    m.update(_training_summary(select(runs, **main_spec(cfg)), f"s4/{BASE}", levels))
    for pl in cfg["placements"]:
        method = "sfli_quasi" if pl == "quasi" else "sfli"
        m.update(_training_summary(select(runs, **main_spec(cfg, init="sfli"), placement=pl), f"s4/{method}", levels))
        _versus(m, "s4", method, levels)
    # S5: the Poisson PINN
    p = cfg["pinn"]
    pinn = select(runs, problem="poisson", depth=p["depth"], width=p["width"])
    for init in (BASE, "sfli"):
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
                for e in cfg["eps_list"]:
                    m[f"{prefix}/{method}/eps_rank_{e:g}"] = float(g[f"eps_rank_{e:g}"].mean())
            m[f"{prefix}/rank_ratio"] = m[f"{prefix}/pou/eps_rank"] / max(m[f"{prefix}/elm/eps_rank"], 1.0)
            m[f"{prefix}/error_ratio"] = m[f"{prefix}/pou/error"] / m[f"{prefix}/elm/error"]
    # S7: ResNet vs MLP
    if cfg["resnet"]:
        for arch in ("mlp", "resmlp"):
            r = select(runs, **main_spec(cfg, arch=arch))
            m[f"s7/{arch}/final_loss"] = geomean(r.loss_final)
            m[f"s7/{arch}/final_rank_last"] = float(r.rank_last_final.mean())
            m[f"s7/{arch}/initial_rank_last"] = float(r.rank_last_0.mean())
            m.update(_layer_ranks(res, r, f"s7/{arch}"))
            m.update(_alignment_summary(r, f"s7/{arch}"))
        m["s7/final_loss_ratio"] = m["s7/mlp/final_loss"] / m["s7/resmlp/final_loss"]
    # sensitivity to ε: the small S1 net at each ε
    for e in [cfg["eps"], *cfg["eps_list"]]:
        r = select(runs, problem="regression", arch="mlp", activation="tanh", init=BASE, eps=e,
                   depth=cfg["sens_depth"], width=cfg["sens_width"])
        m.update(_alignment_summary(r, f"sens/eps_{e:g}"))
        m[f"sens/eps_{e:g}/final_rank_last"] = float(r.rank_last_final.mean())
        m[f"sens/eps_{e:g}/initial_rank_last"] = float(r.rank_last_0.mean())
    sens = select(runs, problem="regression", arch="mlp", activation="tanh", init=BASE, depth=cfg["sens_depth"],
                  width=cfg["sens_width"])
    sens = sens[sens.eps.isin([cfg["eps"], *cfg["eps_list"]])]
    spread = sens.groupby("seed").loss_final.agg(lambda v: (v.max() - v.min()) / v.min())
    m["sens/final_loss_spread"] = float(spread.max())  # 0: re-training at another ε reproduced the trajectory
    # across all regression runs: is a small final loss reached only with a high final ε-rank?
    reg = select(runs, problem="regression", eps=cfg["eps"])
    m["all/final_loss_rank_spearman"] = (float(spearmanr(np.log(reg.loss_final), reg.rank_last_final).statistic)
                                         if len(reg) > 2 else math.nan)
    m["tracking/record_share_max"] = float(runs.record_share.max())
    m["tracking/record_share_mean"] = float(runs.record_share.mean())
    m["n_runs"] = int(len(runs))
    m["n_diverged"] = int(runs.diverged.sum())
    m.update({f"time/{k}_s": round(v, 3) for k, v in res.timings.items()})
    return m
