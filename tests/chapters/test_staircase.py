"""Chapter 3 (the staircase phenomenon): the alignment and monotonicity metrics on synthetic histories with
known answers, the chapter's units (distinct, picklable, independent of order), and the experiment at the smoke
profile."""
import math
import pickle

import numpy as np
import pandas as pd
import pytest
import torch

from sfli.experiments.staircase import CHAPTER, plots, runs, tables
from sfli.experiments.staircase.analysis import (
    alignment,
    censored_median,
    depth_monotone_fraction,
    rank_loss_spearman,
    steps_to_level,
    windows,
)
from sfli.experiments.units import Executor

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
        CHAPTER.config("nope")


def test_settings_are_grouped_and_checked():
    cfg = CHAPTER.config("ci", sens={"width": 12})
    assert cfg["sens"] == {**CHAPTER.config("ci")["sens"], "width": 12}
    with pytest.raises(ValueError, match="unknown setting 'sens_width'"):
        CHAPTER.config("ci", sens_width=12)


def test_specs_share_runs_between_experiments():
    cfg = CHAPTER.config("ci")
    specs = runs.specs(cfg, [0])
    assert len(specs) == len(set(specs))
    main = runs.Spec(depth=cfg["main"]["depth"], width=cfg["main"]["width"], eps=cfg["eps"], seed=0)
    assert specs.count(main) == 1  # S1 grid, S2, S3 (tanh), S4 baseline and S7 (MLP) are one run


def tiny(profile: str = "paper") -> dict:
    """A profile's settings shrunk to a run of seconds (every experiment, one seed)."""
    cfg = CHAPTER.config(profile)
    return CHAPTER.config(profile, n_seeds=1, n_log=3, depths=[2], widths=[6], main={"depth": 2, "width": 6},
                          sens={"width": 6}, activations=["tanh", "relu"], threads=1,
                          regression={"steps": 20, "record_every": 10, "quadrature_n": 32},
                          pinn={**cfg["pinn"], "width": 6, "depth": 2, "n_interior": 16, "n_boundary": 8,
                                "steps": 10, "record_every": 5, "quadrature_n": 6},
                          rfm={"n_features": 18, "scales": [1.0], "quadrature_n": 12})


def test_paper_profile_is_constructed_and_runs_tiny():
    cfg = CHAPTER.config("paper")
    assert cfg["n_seeds"] >= 5 and max(cfg["widths"]) > max(CHAPTER.config("ci")["widths"])
    small = tiny()
    res = CHAPTER.run(small)
    assert res.metrics["n_runs"] == len(res.runs) > 0
    assert CHAPTER.check_metrics(res.metrics, small) == []


def test_units_are_distinct_picklable_and_independent_of_order():
    cfg = tiny("smoke")
    units = list(CHAPTER.units(cfg, [0, 1]))
    assert len(units) == len(set(units))
    assert {type(u) for u in units} == {runs.Spec, runs.FeatureSpec}
    copies = pickle.loads(pickle.dumps(units))
    assert copies == units and [hash(u) for u in copies] == [hash(u) for u in units]
    few = [units[0], next(u for u in units if getattr(u, "problem", "") == "poisson"), units[-1]]

    def comparable(out):
        if isinstance(out, runs.RunOutput):
            return ({k: v for k, v in out.summary.items() if "seconds" not in k and k != "record_share"},
                    out.curves)
        return {k: v for k, v in out.row.items() if k != "seconds"}, pd.DataFrame({"spectrum": out.spectrum})

    in_order = [comparable(CHAPTER.run_unit(u, cfg)) for u in few]
    torch.manual_seed(12345)  # global RNG state must not matter
    reverse = [comparable(CHAPTER.run_unit(u, cfg)) for u in reversed(few)][::-1]
    for (row_a, frame_a), (row_b, frame_b) in zip(in_order, reverse):
        assert row_a == pytest.approx(row_b, nan_ok=True)
        pd.testing.assert_frame_equal(frame_a, frame_b)


def test_aggregation_does_not_depend_on_the_order_the_units_ran_in():
    cfg = tiny("smoke")
    serial = CHAPTER.run(cfg)
    class Backwards(Executor):
        def imap(self, run_unit, units, cfg, threads):
            for unit in list(units)[::-1]:
                yield unit, run_unit(unit, cfg)

    backwards = CHAPTER.run(cfg, executor=Backwards())
    keep = lambda m: {k: v for k, v in m.items() if not k.startswith("time/")}  # noqa: E731
    assert keep(backwards.metrics) == pytest.approx(keep(serial.metrics), nan_ok=True)
    pd.testing.assert_frame_equal(backwards.runs.drop(columns=["record_share", "train_seconds", "record_seconds"]),
                                  serial.runs.drop(columns=["record_share", "train_seconds", "record_seconds"]))


@pytest.fixture(scope="module")
def smoke():
    return CHAPTER.run(CHAPTER.config("smoke"))


def test_smoke_run_returns_every_claim_metric(smoke):
    metrics = smoke.metrics
    for claim in CHAPTER.claims:
        assert claim.metric in metrics, claim.id
        assert isinstance(metrics[claim.metric], (int, float)), claim.id
    assert all(isinstance(v, (int, float)) for v in metrics.values())
    assert CHAPTER.check_metrics(metrics, CHAPTER.config("smoke")) == []
    assert metrics["time/record_share_max"] <= 1.0


def test_claims_follow_the_rules():
    for claim in CHAPTER.claims:
        assert claim.record == "03_staircase" and claim.origin in ("paper", "principle", "measured")
        assert not claim.must_hold  # paper claims are findings; the book's only claim here is a wall-time share
        assert claim.note, claim.id


def test_smoke_tables_and_figures(smoke):
    assert set(smoke.runs.method) == {"xavier_normal", "sfli", "sfli_quasi"}
    assert {"run", "step", "loss", "error", "hidden_1"} <= set(smoke.curves.columns)
    assert set(smoke.rfm.method) == {"elm", "pou"}
    for name in ("plot_staircase", "plot_activations", "plot_eps_sensitivity", "plot_alignment",
                 "plot_layer_ranks", "plot_sfli", "plot_pinn", "plot_resnet", "plot_rfm", "plot_loss_vs_rank"):
        fig = getattr(plots, name)(smoke)
        assert fig.axes, name
    assert len(tables.alignment_table(smoke)) >= 2
    assert set(tables.init_table(smoke, "s4").index) == {"Xavier normal", "SFLI, random",
                                                          "SFLI, quasi (deterministic)"}
    assert len(tables.init_table(smoke, "s5")) == 2
    assert len(plots.rfm_table(smoke)) == 4
    assert set(CHAPTER.tables(smoke)) == {"alignment", "s4", "s5", "rfm", "runs"}
