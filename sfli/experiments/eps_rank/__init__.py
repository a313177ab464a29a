"""Chapter 1 — the ε-rank: checks with exact answers (Hilbert, Legendre, duplicates) and its sensitivity to
the quadrature and to ε. Compute: :mod:`.checks`; figures: :mod:`.plots`; settings: :mod:`.settings`."""
from __future__ import annotations

from ..chapter import Chapter, Metric
from . import checks
from .claims import CLAIMS
from .settings import SETTINGS


def _tables(result: checks.Result) -> dict:
    summary = lambda df, by: df.groupby(by, sort=False).eps_rank.mean().reset_index()  # noqa: E731
    return {
        "hilbert_ranks": result.hilbert_ranks.to_dict("records"),
        "legendre": result.legendre.to_dict("records"),
        "duplicates": summary(result.duplicates, ["q", "expected"]).to_dict("records"),
        "near_duplicates": result.near_duplicates.groupby("delta")[["eps_rank", "lam_min", "lam_q"]].mean()
                           .reset_index().to_dict("records"),
        "sensitivity_nodes": summary(result.sens_nodes, ["init", "N"]).to_dict("records"),
        "sensitivity_eps": summary(result.sens_eps, ["init", "eps"]).to_dict("records"),
        "timing": result.timing.to_dict("records"),
    }


METRICS = (
    Metric("hilbert/max_rank_error", "largest |computed − exact| ε-rank of the monomials, eigh"),
    Metric("hilbert/svd_max_rank_error", "the same with svd"),
    Metric("hilbert/max_rel_eig_error_above_1e-10", "largest relative eigenvalue error of eigh above 1e-10"),
    Metric("hilbert/*_first_unresolved", "largest exact eigenvalue a method misses by > 1 % (when one does)"),
    Metric("legendre/max_eig_deviation", "largest |λ − 1| of the Legendre Gram matrix with enough nodes"),
    Metric("legendre/eps_rank", "ε-rank of the Legendre features at the most nodes"),
    Metric("legendre/rank_error", "largest |r_ε − min(n, N)| over N and ε"),
    Metric("duplicates/base_eps_rank", "ε-rank of the base layer"),
    Metric("duplicates/base_lambda_min", "smallest eigenvalue of the base layer"),
    Metric("duplicates/default_gamma_lambda_min", "the same at the default γ"),
    Metric("duplicates/rank_deficit_error", "largest |r_ε − (n − q)| with q exact copies"),
    Metric("near_duplicates/small_delta_rank_error", "largest |r_ε − n| at the smallest δ"),
    Metric("near_duplicates/large_delta_rank_mean", "mean r_ε at the largest δ"),
    Metric("near_duplicates/full_rank", "n + q"),
    Metric("near_duplicates/eig_slope", "log–log slope of λ_min against δ (2: the δ² law)"),
    Metric("sensitivity/float32_max_rank_diff", "largest |r_ε(float32) − r_ε(float64)|"),
    Metric("sensitivity/{init}/n_converged", "smallest N from which r_ε no longer changes",
           over={"init": "sensitivity.inits"}),
    Metric("sensitivity/{init}/eps_rank_mean", "mean r_ε at the largest N", over={"init": "sensitivity.inits"}),
    Metric("time/*", "seconds of eigh and svd, and their ratio (timing part; not at smoke)"),
    Metric("timing/rank_diff", "difference of the ε-ranks of the timed methods", when="timing.width"),
)

CHAPTER = Chapter(
    name="01_eps_rank", title="ε-rank", settings=SETTINGS, units=checks.units, run_unit=checks.run_unit,
    aggregate=checks.aggregate, metrics=METRICS, claims=CLAIMS, tables=_tables,
    parallel=False,  # its units time the code: run side by side they would measure each other
)
