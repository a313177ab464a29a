"""Chapter 3 (the staircase phenomenon): the alignment and monotonicity metrics on synthetic histories with
known answers, and the experiment at the smoke profile."""
import math

import numpy as np
import pytest

from sfli.claims import CLAIMS
from sfli.experiments import staircase as exp
from sfli.experiments.staircase_analysis import (
    alignment, censored_median, depth_monotone_fraction, rank_loss_spearman, steps_to_level, windows,
)

EVERY = 10
N = 100  # intervals


def staircase(jump_at: list[int], drop_at: list[int], n: int = N, factor: float = 10.0):
    """Steps 0, 10, …, 10n; the rank rises by 1 in the intervals ``jump_at``, the loss falls ×``factor`` in the
    intervals ``drop_at`` and is flat elsewhere (interval i ends at step 10 i)."""
    steps = np.arange(n + 1) * EVERY
    rank = 1 + np.array([sum(j <= i for j in jump_at) for i in range(n + 1)])
    loss = np.array([factor ** -sum(d <= i for d in drop_at) for i in range(n + 1)], dtype=float)
    return steps, loss, rank


def test_windows_cover_k_intervals_each_side():
    jumps = np.zeros(10, dtype=bool)
    jumps[[0, 5]] = True
    assert windows(jumps, 1).tolist() == [1, 1, 0, 0, 1, 1, 1, 0, 0, 0]
    assert windows(jumps, 0).tolist() == jumps.tolist()


def test_perfectly_aligned_staircase():
    steps, loss, rank = staircase(jump_at=[10, 40, 70], drop_at=[10, 40, 70])
    a = alignment(steps, loss, rank, every=EVERY, k=1)
    assert a["n_jumps"] == 3
    assert a["share"] == pytest.approx(1.0)
    assert a["coverage"] == pytest.approx(9 / N)  # 3 jumps × 3 intervals
    assert a["lift"] == pytest.approx(N / 9)
    assert a["local_null"] == pytest.approx(0.0)  # shifted windows miss every drop
    assert a["corr"] == pytest.approx(1.0)
    assert a["log_decrease"] == pytest.approx(3 * math.log(10))


def test_drops_one_interval_off_still_count_within_k():
    steps, loss, rank = staircase(jump_at=[10, 40, 70], drop_at=[11, 39, 71])
    assert alignment(steps, loss, rank, every=EVERY, k=1)["share"] == pytest.approx(1.0)
    assert alignment(steps, loss, rank, every=EVERY, k=0)["share"] == pytest.approx(0.0)


def test_unrelated_drops_and_jumps():
    steps, loss, rank = staircase(jump_at=[10, 20, 30], drop_at=[60, 75, 90])
    a = alignment(steps, loss, rank, every=EVERY, k=1)
    assert a["share"] == 0.0 and a["lift"] == 0.0
    assert a["corr"] < 0


def test_random_placement_has_lift_near_one_on_average():
    rng = np.random.default_rng(0)
    lifts = []
    for _ in range(300):
        jumps, drops = rng.choice(N, 8, replace=False) + 1, rng.choice(N, 8, replace=False) + 1
        steps, loss, rank = staircase(list(jumps), list(drops))
        lifts.append(alignment(steps, loss, rank, every=EVERY, k=1)["lift"])
    assert 0.85 < np.mean(lifts) < 1.15


def test_alignment_uses_record_low_loss_and_record_high_rank_on_the_grid():
    steps, loss, rank = staircase(jump_at=[10, 40], drop_at=[10, 40])
    spiky_loss, flicker = loss.copy(), rank.copy()
    spiky_loss[60] = 1e3  # an Adam spike, and its recovery, are not drops
    flicker[80] -= 1  # the rank dipping below ε for one record is not a jump back up
    a = alignment(steps, spiky_loss, flicker, every=EVERY, k=1)
    assert a["share"] == pytest.approx(1.0) and a["n_jumps"] == 2
    # extra off-grid records (log-spaced early steps) are ignored
    steps2 = np.concatenate([[0, 1, 3, 7], steps[1:]])
    loss2 = np.concatenate([[loss[0], 1e-9, 1e-9, 1e-9], loss[1:]])
    rank2 = np.concatenate([[rank[0], 50, 50, 50], rank[1:]])
    assert alignment(steps2, loss2, rank2, every=EVERY, k=1) == alignment(steps, loss, rank, every=EVERY, k=1)


def test_alignment_degenerate_cases():
    steps = np.arange(5) * EVERY
    flat = alignment(steps, np.ones(5), np.ones(5), every=EVERY)
    assert math.isnan(flat["share"]) and math.isnan(flat["lift"]) and flat["n_jumps"] == 0
    no_jump = alignment(steps, np.geomspace(1, 1e-3, 5), np.ones(5), every=EVERY)
    assert no_jump["share"] == 0.0 and no_jump["coverage"] == 0.0 and math.isnan(no_jump["lift"])
    with pytest.raises(ValueError, match="two recorded steps"):
        alignment([0], [1.0], [1], every=EVERY)


def test_rank_loss_spearman():
    steps, loss, rank = staircase(jump_at=[10, 40, 70], drop_at=[10, 40, 70])
    assert rank_loss_spearman(steps, loss, rank, every=EVERY) == pytest.approx(-1.0)
    assert math.isnan(rank_loss_spearman(steps, loss, np.ones_like(rank), every=EVERY))


def test_depth_monotone_fraction():
    ranks = np.array([[1, 2, 3], [3, 3, 3], [2, 1, 5], [4, 5, 4]])
    assert depth_monotone_fraction(ranks) == pytest.approx(0.5)
    assert depth_monotone_fraction(np.sort(np.random.default_rng(1).integers(0, 9, (20, 4)), axis=1)) == 1.0
    with pytest.raises(ValueError, match="at least two layers"):
        depth_monotone_fraction(np.ones((5, 1)))


def test_steps_to_level_and_censoring():
    assert steps_to_level([0, 10, 20], [1.0, 0.1, 0.01], 0.1) == 10
    assert math.isnan(steps_to_level([0, 10], [1.0, 0.5], 0.1))
    assert censored_median([10.0, math.nan, 30.0], cap=100.0) == 30.0


def test_unknown_profile_names_the_valid_ones():
    with pytest.raises(ValueError, match="unknown profile 'nope'; valid profiles: smoke, ci, paper"):
        exp.config("nope")


def test_specs_share_runs_between_experiments():
    cfg = exp.config("ci")
    specs = exp.specs(cfg, [0])
    assert len(specs) == len(set(specs))
    main = exp.Spec(depth=cfg["main_depth"], width=cfg["main_width"], seed=0)
    assert specs.count(main) == 1  # S1 grid, S2, S3 (tanh), S4 baseline and S7 (MLP) are one run


def test_paper_profile_is_constructed_and_runs_tiny():
    cfg = exp.config("paper")
    assert cfg["n_seeds"] >= 5 and max(cfg["widths"]) > max(exp.config("ci")["widths"])
    tiny = exp.config("paper", n_seeds=1, steps=20, record_every=10, n_log=3, depths=[2], widths=[6],
                      main_depth=2, main_width=6, sens_width=6, activations=["tanh", "relu"],
                      quadrature_n=32, threads=1,
                      pinn={**cfg["pinn"], "width": 6, "depth": 2, "n_interior": 16, "n_boundary": 8, "steps": 10,
                            "record_every": 5, "quadrature_n": 6},
                      rfm={**cfg["rfm"], "n_features": 18, "scales": [1.0], "quadrature_n": 12})
    res = exp.run(tiny)
    assert res.metrics["n_runs"] == len(res.runs) > 0


@pytest.fixture(scope="module")
def smoke():
    return exp.run(exp.config("smoke"))


def test_smoke_run_returns_every_claim_metric(smoke):
    metrics = smoke.metrics
    for claim in (c for c in CLAIMS if c.record == exp.NAME):
        assert claim.metric in metrics, claim.id
        assert isinstance(metrics[claim.metric], (int, float)), claim.id
    assert all(isinstance(v, (int, float)) for v in metrics.values())
    assert metrics["tracking/record_share_max"] <= 0.5


def test_smoke_tables_and_figures(smoke):
    assert set(smoke.runs.method) == {"xavier_normal", "sfli", "sfli_quasi"}
    assert {"run", "step", "loss", "error", "hidden_1"} <= set(smoke.curves.columns)
    assert set(smoke.rfm.method) == {"elm", "pou"}
    for name in ("plot_staircase", "plot_activations", "plot_eps_sensitivity", "plot_alignment",
                 "plot_layer_ranks", "plot_sfli", "plot_pinn", "plot_resnet", "plot_rfm", "plot_loss_vs_rank"):
        fig = getattr(exp, name)(smoke)
        assert fig.axes, name
    assert len(exp.alignment_table(smoke)) >= 2
    assert set(exp.init_table(smoke, "s4").index) == {"Xavier normal", "SFLI, random", "SFLI, quasi (deterministic)"}
    assert len(exp.init_table(smoke, "s5")) == 2
    assert len(exp.rfm_table(smoke)) == 4
