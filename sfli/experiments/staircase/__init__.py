"""Chapter 3 — ε-rank and the staircase phenomenon (Yang, Zhao, Zhu, arXiv:2412.05144): experiments S1–S7 with
SFLI as the structured first layer.

Units: every distinct training run (:class:`.runs.Spec`) and every random-feature solve of S6
(:class:`.runs.FeatureSpec`); compute: :mod:`.runs` (units, one run, aggregation), :mod:`.analysis` (alignment and
the other numbers of a history), :mod:`.metrics`; the record's tables: :mod:`.tables`; figures: :mod:`.plots`;
settings: :mod:`.settings`; claims: :mod:`.claims`.
"""
from __future__ import annotations

from typing import Iterable, Mapping

from ..chapter import Chapter, Metric
from . import runs
from .claims import CLAIMS
from .metrics import (
    ALIGNMENT, BASE, ENDPOINTS, FEATURE_RATIOS, FEATURES, LAYER_FAMILIES, LEVELS, RFM_METHODS, S4_METHODS, S5_INITS,
    S7_ARCHS, SENS, STATS, TRAINING, VERSUS,
)
from .settings import SETTINGS
from .tables import alignment_table, init_table


def record_tables(result: runs.Result) -> dict[str, list[dict]]:
    """The tables the record keeps: alignment per group, S4 and S5 per first layer, every solve and every run."""
    return {
        "alignment": alignment_table(result).reset_index().to_dict("records"),
        "s4": init_table(result, "s4").reset_index().to_dict("records"),
        "s5": init_table(result, "s5").reset_index().to_dict("records"),
        "rfm": result.rfm.to_dict("records"),
        "runs": result.runs.to_dict("records"),
    }


def _stats(prefix: str, names: Iterable[str], where: str, over: Mapping[str, str] | None = None,
           when: str = "") -> list[Metric]:
    """The statistics ``names`` (:data:`.metrics.STATS`) of a group of runs, declared under ``prefix``."""
    return [Metric(f"{prefix}/{n}", f"{STATS[n][0]} — {where}", over=dict(over or {}), when=when) for n in names]


def _training(prefix: str, where: str, levels: str, versus: bool) -> list[Metric]:
    """S4/S5 summaries of one first layer; ``levels``: the dotted setting of the loss levels."""
    out = _stats(prefix, TRAINING, where)
    out += [Metric(f"{prefix}/{n}", f"{d} — {where}", over={"level": levels}) for n, d in LEVELS.items()]
    if versus:
        out += [Metric(f"{prefix}/{n}", f"{d} — {where}", over={"level": levels} if "{level" in n else {})
                for n, d in VERSUS.items()]
    return out


def _features(prefix: str, over: Mapping[str, str], where: str) -> list[Metric]:
    """S6 per activation (and scale): ε-ranks and error of each method, and the partition-of-unity ratios."""
    out = [Metric(f"{prefix}/{method}/{n}", f"{d}, {method} — {where}",
                  over={**over, "eps": "rfm.eps_list"} if "{eps" in n else dict(over))
           for method in RFM_METHODS for n, d in FEATURES.items()]
    return out + [Metric(f"{prefix}/{n}", f"{d} — {where}", over=dict(over)) for n, d in FEATURE_RATIOS.items()]


_S1 = {"depth": "depths", "width": "widths"}
_LEVELS = {"s4": "regression.levels", "s5": "pinn.levels"}

METRICS: tuple[Metric, ...] = (
    # S1: the staircase
    *_stats("s1/d{depth}_w{width}", (*ALIGNMENT, *ENDPOINTS), "S1 net of that depth and width", over=_S1),
    *_stats("s1", ALIGNMENT, "every S1 run"),
    Metric("s1/align_lift_min", "smallest lift of a single S1 run"),
    Metric("s1/spearman_max", "largest Spearman correlation (loss, last-layer ε-rank) of a single S1 run"),
    Metric("s1/n_runs", "number of S1 runs"),
    # S2: every hidden layer of the main net
    Metric("s2/monotone_fraction", STATS["monotone_fraction"][0] + " — main net"),
    Metric("s2/monotone_fraction_min", "the same, smallest over seeds"),
    *(Metric(f"s2/{f}", "ε-rank of each hidden layer at the start / end — main net") for f in LAYER_FAMILIES),
    # S3: activations
    *_stats("s3/{act}", (*ALIGNMENT, *ENDPOINTS, "monotone_fraction"), "main net with that activation",
            over={"act": "activations"}),
    Metric("s3/align_lift_min", "smallest mean lift over the activations"),
    Metric("s3/aligned_fraction", "fraction of the S3 runs whose share exceeds the coverage"),
    Metric("s3/spearman_max", "largest mean Spearman correlation over the activations"),
    # S4 (regression) and S5 (Poisson PINN): a structured first layer against Xavier normal
    *_training(f"s4/{BASE}", "S4, Xavier normal", _LEVELS["s4"], versus=False),
    *(m for method in S4_METHODS for m in _training(f"s4/{method}", f"S4, {method}", _LEVELS["s4"], versus=True)),
    *(m for init in S5_INITS for m in _training(f"s5/{init}", f"S5, {init}", _LEVELS["s5"], versus=init != BASE)),
    # S6: random features
    *_features("s6/scale_{scale:g}/{act}", {"scale": "rfm.scales", "act": "rfm.activations"}, "S6 at that scale"),
    *_features("s6/{act}", {"act": "rfm.activations"}, "S6 at the first scale"),
    # S7: ResNet against MLP
    *(m for arch in S7_ARCHS for m in _stats(f"s7/{arch}", (*ENDPOINTS, *ALIGNMENT, "monotone_fraction"),
                                             f"S7, {arch}", when="resnet")),
    *(Metric(f"s7/{arch}/monotone_fraction_min", f"smallest over seeds of the monotone fraction — S7, {arch}",
             when="resnet") for arch in S7_ARCHS),
    *(Metric(f"s7/{arch}/{f}", f"ε-rank of each hidden layer at the start / end — S7, {arch}", when="resnet")
      for arch in S7_ARCHS for f in LAYER_FAMILIES),
    Metric("s7/final_loss_ratio", "final loss, MLP over ResNet", when="resnet"),
    # the ε sensitivity
    *_stats("sens/eps_{eps:g}", (*ALIGNMENT, *SENS), "small S1 net at that ε", over={"eps": "sens.eps"}),
    Metric("sens/final_loss_spread", "largest relative spread of the final loss over the ε re-runs of a seed "
                                     "(0: the same trajectory)"),
    # every run
    Metric("all/final_loss_rank_spearman", "Spearman correlation of the final loss with the final last-layer "
                                           "ε-rank, every regression run at the book's ε"),
    Metric("n_runs", "number of training runs"),
    Metric("n_diverged", "number of training runs that diverged"),
    # wall time (never regressed)
    Metric("time/record_share_max", "largest share of a run's wall time spent recording the error and ε-ranks"),
    Metric("time/record_share_mean", "mean share of a run's wall time spent recording"),
    *(Metric(f"time/train_{p}_s", f"seconds of training and recording, {p} runs") for p in ("regression", "pinn")),
    Metric("time/rfm_s", "seconds of the random-feature solves"),
    Metric("time/total_s", "seconds of every unit, summed"),
)

CHAPTER = Chapter(
    name="03_staircase", title="ε-rank and the staircase phenomenon", settings=SETTINGS, units=runs.units,
    run_unit=runs.run_unit, aggregate=runs.aggregate, metrics=METRICS, claims=CLAIMS, tables=record_tables,
)
