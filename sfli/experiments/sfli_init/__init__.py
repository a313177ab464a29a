"""Chapter 2 — SFLI at initialization: the ε-rank of the first and the last hidden layer of a deep MLP, SFLI
against every baseline, and the γ, placement and hidden-layer ablations. Nets and units: :mod:`.runs`; tables
and metrics: :mod:`.summaries`; figures: :mod:`.plots`; settings: :mod:`.settings`; claims: :mod:`.claims`."""
from __future__ import annotations

from ..chapter import Chapter, Metric
from . import runs, summaries
from .claims import CLAIMS
from .settings import SETTINGS

_B = {"b": "baselines"}
_ACT_B = {"act": "activations", "b": "baselines"}
_GAMMA_ACT = {"act": "gamma.activations"}
_DIM = {"dim": "dims"}


def tables(result: summaries.Result) -> dict:
    """The tables the record keeps."""
    out = {
        "ratios": result.ratios.to_dict("records"),
        "ratios_by_group": result.ratios_by_group.to_dict("records"),
        "quadrature_check": result.quad_check.to_dict("records"),
        "gamma_check": result.gamma_check.to_dict("records"),
        "transition_stats": result.transition_stats.to_dict("records"),
    }
    if "kaiming_normal" in set(result.ranks.method):
        out["losses_vs_kaiming_normal_last"] = summaries.losses(result.ranks).reset_index().to_dict("records")
    return out


METRICS = (
    *(m for layer in summaries.LAYERS for m in (
        Metric(f"{layer}_layer_ratio/{{b}}", f"r_SFLI / r_b, {layer} hidden layer (geometric mean over cells)",
               over=_B),
        Metric(f"{layer}_layer_win_rate/{{b}}", f"share of (activation, d, m) cells where SFLI's seed-mean rank of "
               f"the {layer} layer is above b's", over=_B),
        Metric(f"{layer}_layer_ratio/{{act}}/{{b}}", f"the {layer}-layer ratio for one activation", over=_ACT_B),
        Metric(f"rank_at_max_width/{layer}/sfli", f"mean {layer}-layer rank at the largest width"),
        Metric(f"rank_at_max_width/{layer}/{{b}}", "the same for baseline b", over=_B),
        Metric(f"rank_at_max_width/{layer}/{runs.QUASI}", "the same for quasi placement", when="placement"),
        Metric(f"rank_at_max_width/{layer}/{runs.ON}{{b}}", "the same for SFLI on b's hidden layers",
               over={"b": "sfli_on"}),
        Metric(f"placement/quasi_minus_random/{layer}", f"mean r(quasi) − r(random), {layer} layer",
               when="placement"),
        Metric(f"placement/quasi_minus_random_rel/{layer}", "the same relative to r(random)", when="placement"),
        Metric(f"placement/quasi_minus_random/{layer}/d{{dim}}", "the same per input dimension", over=_DIM,
               when="placement"),
        Metric(f"placement/quasi_minus_random_rel/{layer}/d{{dim}}", "relative, per input dimension", over=_DIM,
               when="placement"),
        Metric(f"gamma_sweep/best_multiplier/{{act}}/{layer}", f"the c of the largest resolved {layer}-layer rank",
               over=_GAMMA_ACT),
        Metric(f"gamma_sweep/default_over_max/{{act}}/{layer}", f"{layer}-layer rank at c = 1 over the sweep's "
               "largest (NaN without c = 1)", over=_GAMMA_ACT),
    )),
    *(m for kind in ("ratio", "win_rate") for m in (
        Metric(f"same_hidden/last_layer_{kind}/{{b}}", "last layer, SFLI vs Xavier normal: the nets share their "
               "hidden layers", over=_B, among={"b": ("xavier_normal",)}),
        Metric(f"same_hidden/last_layer_{kind}/{{b}}", "last layer, SFLI on b's hidden layers vs b", over=_B,
               among={"b": "sfli_on"}),
    )),
    Metric("sfli_first_layer_full_rank_fraction", "share of (activation, d, m) cells where SFLI's first layer has "
           "r_ε = m"),
    Metric("gamma_sweep/resolved_fraction", "share of γ-sweep points whose ranks move ≤ 5 % on the finer quadrature"),
    Metric("quadrature_check/max_abs_change", "largest |Δr_ε| at the largest width on the finer quadrature"),
    Metric("quadrature_check/max_rel_change", "the same relative to the finer rank"),
    *(Metric(f"transitions/{kind}/{m}", f"{kind.replace('_', ' ')} of the first-layer hyperplanes", over=over)
      for kind in ("inside_fraction", "through_center_fraction") for m, over in (("sfli", {}), ("{b}", _B))),
    *(Metric(f"neurons_1d/first_rank/{m}", "ε-rank of the pictured 1-D first layer") for m in runs.FIGURE_METHODS),
    Metric("n_nets", "nets built"),
    Metric("time/*", "seconds in the units of each kind (sweep, quad_check, gamma_sweep, other) and their total"),
)

CHAPTER = Chapter(
    name="02_sfli_init", title="SFLI at initialization", settings=SETTINGS, units=runs.units,
    run_unit=runs.run_unit, aggregate=summaries.aggregate, metrics=METRICS, claims=CLAIMS, tables=tables,
)
