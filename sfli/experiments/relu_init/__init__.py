"""Chapter 7 — initializations for deep ReLU networks: RAI (Lu, Shin, Su, Karniadakis, arXiv:1903.06733), LPS (Chen,
Hao, He, arXiv:2109.00125; our reconstruction) and anti-correlated weights (Singh, Sreejith, arXiv:2103.12499).
Units: :mod:`.runs` (nets side by side: :mod:`.nets`; targets and data sets: :mod:`.data`); tables and metrics:
:mod:`.summary`; figures: :mod:`.plots`; settings: :mod:`.settings`; claims: :mod:`.claims`."""
from __future__ import annotations

from typing import Any

from ..chapter import Chapter, Metric
from . import runs, summary
from .claims import CLAIMS
from .settings import SETTINGS

_M = {"method": "methods"}
_MW = {**_M, "width": "born_dead.widths"}
_MT = {**_M, "target": "collapse.targets"}

METRICS = (
    Metric("born_dead/{method}/w{width}/depth_max", "share of nets born dead at the largest depth", over=_MW),
    Metric("born_dead/{method}/depth_max_mean", "born-dead share at the largest depth, mean over widths", over=_M),
    Metric("born_dead/theory_agreement", "share of He/anti-correlated cells whose interval meets the exact bounds"),
    Metric("born_dead/ratio_rai_he", "born-dead share at the largest depth, RAI over He"),
    Metric("born_dead/ratio_lps_he", "born-dead share at the largest depth, LPS over He"),
    Metric("collapse/{target}/{method}/rate", "share of runs collapsed after training", over=_MT),
    Metric("collapse/*/born_dead", "share of runs constant at initialization"),
    Metric("collapse/*/rate_t*", "collapse share at the other thresholds"),
    Metric("collapse/*lps_he*", "LPS with He's row norm (the scale alternative)"),
    Metric("collapse/{method}/rate_mean", "collapse share, mean over the targets", over=_M),
    Metric("collapse/{method}/rate_1d_mean", "collapse share, mean over the 1-D targets", over=_M),
    Metric("collapse/ratio_rai_he", "mean collapse share, RAI over He"),
    Metric("collapse/ratio_lps_he", "mean collapse share, LPS over He"),
    Metric("meanfield/map_max_abs_dev", "largest |simulated − mean-field| correlation after one layer"),
    Metric("corr/{method}/w{width}/c_last", "seed-mean correlation at the largest depth",
           over={**_M, "width": "meanfield.widths"}),
    Metric("corr/distance_ratio_anti_he", "(1 − c) at the largest depth and width, anti-correlated over He"),
    Metric("corr/anti_dev_fixed_point", "|c anti-correlated − c*(k)| at the largest depth and width"),
    Metric("corr/he_theory_c_last", "mean-field correlation of He nets at the largest depth"),
    Metric("teacher/{method}/final_loss", "final training loss, geometric mean over seeds", over=_M),
    Metric("teacher/{method}/steps_to_level", "median step at which the loss reaches teacher.level", over=_M),
    Metric("teacher/anticorrelated_k*", "the anti-correlated scheme at other k"),
    Metric("teacher/loss_ratio_anti_he", "final loss, anti-correlated over He"),
    Metric("teacher/loss_ratio_combined_anti", "final loss, combined over anti-correlated"),
    Metric("teacher/speedup_anti_he", "steps to the level, He over anti-correlated"),
    Metric("teacher/speedup_combined_he", "steps to the level, He over combined"),
    Metric("teacher/speedup_combined_anti", "steps to the level, anti-correlated over combined"),
    Metric("digits/deep/{method}/test_acc", "deep-narrow test accuracy, seed mean", over=_M),
    Metric("digits/wide/{method}/test_acc", "shallow-wide test accuracy, seed mean",
           over={"method": "digits.wide_methods"}),
    Metric("digits/deep/acc_gain_rai_he", "deep-narrow test accuracy, RAI minus He"),
    Metric("digits/wide/acc_gap_rai_he", "shallow-wide |test accuracy RAI − He|"),
    Metric("time/*", "seconds of the units (summed)"),
)


def tables(result: summary.Result) -> dict[str, Any]:
    """The tables the record keeps: born dead at the largest depth, collapse rates, the map check, accuracies."""
    bd = result.born_dead
    last = bd[bd.depth == bd.depth.max()].drop(columns=["depth"])
    return {"born_dead": last.to_dict("records"), "collapse": result.collapse.to_dict("records"),
            "map_check": result.map_check.to_dict("records"),
            "accuracy": result.accuracy.groupby(["arch", "scheme"]).acc.mean().reset_index().to_dict("records")}


CHAPTER = Chapter(
    name="07_relu_init", title="Initializations for deep ReLU networks", settings=SETTINGS, units=runs.units,
    run_unit=runs.run_unit, aggregate=summary.aggregate, metrics=METRICS, claims=CLAIMS, tables=tables,
)
