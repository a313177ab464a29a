"""Chapter 4 — condensation under small initialization (Zhou, Zhou, Luo, Zhang, Xu, arXiv:2105.11686): C1–C6 and
the bridge to the ε-rank. Units, runs and metrics: :mod:`.runs` (building blocks :mod:`.core`, :mod:`.acts`,
:mod:`.variants`); figures and display tables: :mod:`.plots`; settings: :mod:`.settings`; claims: :mod:`.claims`."""
from __future__ import annotations

from typing import Any

from ..chapter import Chapter, Metric
from . import runs
from .acts import ACTS, PAPER_P
from .claims import CLAIMS
from .runs import SFLI_ACTS
from .settings import SETTINGS

WITH_P = tuple(a for a, p in PAPER_P.items() if p is not None)  #: activations with a multiplicity (not ReLU)


_ACT = {"act": "c1.activations"}
_THR = {"thr": "counting.thresholds_extra"}
_C1 = {"directions_mean": "seed-mean count of orientations at the last epoch",
       "directions_min": "smallest count over the seeds", "directions_max": "largest count over the seeds",
       "lines_mean": "seed-mean count of lines (opposite orientations merged)",
       "share_mean": "seed-mean share of the neurons in counted orientations",
       "eps_rank_mean": "seed-mean ε-rank of the normalized first-layer neurons", "eps_rank_min": "smallest ε-rank",
       "eps_rank_max": "largest ε-rank"}
_2P = {"frac_at_most_2p": "share of seeds with at most 2p orientations", "frac_equal_2p": "share with exactly 2p"}


def _c1_metrics(init: str, acts: tuple[str, ...] | None) -> list[Metric]:
    """C1's metrics at ``init`` for C1's activations (only those in ``acts`` when given)."""
    only = {"act": acts} if acts is not None else {}
    out = [Metric(f"c1/{{act}}/{init}/{k}", f"C1, {init} init: {d}", over=_ACT, among=only) for k, d in _C1.items()]
    out.append(Metric(f"c1/{{act}}/{init}/directions_t{{thr:g}}_mean", f"C1, {init} init: seed-mean count at cos ≥ thr",
                     over={**_ACT, **_THR}, among=only))
    both = tuple(a for a in (acts or ACTS) if a in WITH_P)
    out += [Metric(f"c1/{{act}}/{init}/{k}", f"C1, {init} init: {d}", over=_ACT, among={"act": both})
            for k, d in _2P.items()]
    return out


METRICS = (
    *(Metric(f"multiplicity/{act}", f"numerical multiplicity of {act} (0: none)") for act in ACTS),
    *_c1_metrics("small", None), *_c1_metrics("common", None), *_c1_metrics("sfli", SFLI_ACTS),
    Metric("c1/{act}/small/eps_rank_0_mean", "C1, small init: seed-mean ε-rank at epoch 0", over=_ACT),
    Metric("c1/common/share_max", "largest seed-mean share clustered at common init, over the activations"),
    Metric("bridge/rank_ratio_common_small_min", "smallest ratio of the ε-ranks common / small, over the activations"),
    Metric("lr/{act}/lr_{lr:g}/directions_mean", "C1 rerun at another learning rate: seed-mean count",
          over={"act": "lr_sensitivity.activations", "lr": "lr_sensitivity.lrs"}, among={"act": "c1.activations"}),
    Metric("epochs/{act}/epochs_{epochs}/directions_mean", "C1 trained longer: seed-mean count",
          over={"act": "epochs_sensitivity.activations", "epochs": "epochs_sensitivity.epochs"},
          among={"act": "c1.activations"}),
    Metric("sweep/{act}/gamma_{gamma:g}/directions_mean", "γ sweep: seed-mean count",
           over={"act": "sweep.activations", "gamma": "sweep.gammas"}),
    Metric("sweep/{act}/gamma_{gamma:g}/eps_rank_mean", "γ sweep: seed-mean ε-rank",
           over={"act": "sweep.activations", "gamma": "sweep.gammas"}),
    *(Metric(f"c5/{{act}}/fit_{{deg}}/rel_error_{s}", f"C5: relative RMS misfit of the degree-deg fit, seed {s}",
             over={"act": "c5.activations", "deg": "c5.degrees"}, when="c5.enabled") for s in ("mean", "max")),
    Metric("c6/{act}/field_lines_mean", "C6: seed-mean number of radial lines of the initial field",
           over={"act": "c5.activations"}, when="c5.enabled"),
    Metric("c6/{act}/lines_mean", "C6: seed-mean number of lines the neurons sit on", over={"act": "c5.activations"},
           when="c5.enabled"),
    *(Metric(f"c6/{{act}}/frac_{k}_equal_p", f"C6: share of seeds with exactly p {k.replace('_', ' ')}",
            over={"act": "c5.activations"}, among={"act": WITH_P}, when="c5.enabled") for k in ("field_lines", "lines")),
    Metric("c6/frac_field_lines_equal_p_min", "C6: smallest share of seeds with p field lines", when="c5.enabled"),
    Metric("c6/frac_lines_equal_p_min", "C6: smallest share of seeds with neurons on p lines", when="c5.enabled"),
    Metric("c2/layer_*", "C2: per layer, seed-mean lines and share of seeds with at most p", when="c2.enabled"),
    Metric("c2/max_abs_dev_lines", "C2: largest |seed-mean lines − p| over the layers", when="c2.enabled"),
    Metric("c3/freq_*", "C3: seed-mean directions and lines at ω = 5 and ω = c3.frequency", when="c3.enabled"),
    Metric("c3/direction_ratio", "C3: seed-mean directions at c3.frequency over those at ω = 5", when="c3.enabled"),
    *(Metric(f"c4/{k}_mean", f"C4: seed-mean {k}", when="c4.enabled") for k in ("directions", "lines", "share")),
    Metric("time/*", "seconds of the training runs (summed)"),
)


def tables(result: runs.Result) -> dict[str, Any]:
    """The tables the record keeps: every C1 count, the C5 fit errors and the C2, C3, C4, C6 counts."""
    return {"counts": result.counts.to_dict("records"), "c5_fits": result.c5_fits.to_dict("records"),
            "variants": result.variants.to_dict("records")}


CHAPTER = Chapter(
    name="04_condensation", title="Condensation under small initialization", settings=SETTINGS, units=runs.units,
    run_unit=runs.run_unit, aggregate=runs.aggregate, metrics=METRICS, claims=CLAIMS, tables=tables,
)
