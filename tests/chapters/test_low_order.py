"""Chapter 9 (low-order reformulations): the units and their sharing, paired initializations, the paths through
the (n, m) grid, the slope and speed-up rules on synthetic data, the exactness check, and a tiny run end to end
(every declared metric, figures and tables)."""
import math
import pickle

import matplotlib
import numpy as np
import pandas as pd
import pytest
import torch

from figure_checks import assert_book_figure
from sfli.experiments.low_order import CHAPTER, plots, runs, summary
from sfli.experiments.low_order.runs import Check, Cost, Train, build, check_exact, problem_of, units
from sfli.train import torch_threads

matplotlib.use("Agg")
TINY = CHAPTER.config("smoke", poisson={"steps": 6}, grid={"ns": [8, 16, 32], "widths": [2, 4], "steps": 4},
                      biharmonic={"steps": 4, "cost_dims": [2, 3]}, quadrature={"gauss": 6, "qmc": 64})


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    with torch_threads(1):
        yield


def test_units_are_distinct_picklable_and_shared_between_parts():
    us = units(TINY, [0, 1])
    assert len(us) == len(set(us)) and pickle.loads(pickle.dumps(us)) == us
    trains = [u for u in us if isinstance(u, Train)]
    # part 4's default runs are part 1's and part 3's: once each
    p = TINY["poisson"]
    ritz = [u for u in trains if u.formulation == "ritz" and u.seed == 0 and u.dim == 2 and u.width == p["width"]]
    assert {u.init for u in ritz} == {"default", "sfli"} and len(ritz) == 2
    grid = {(u.n, u.width) for u in trains if u.formulation == "mim" and u.steps == TINY["grid"]["steps"]}
    assert grid == {(n, m) for n in TINY["grid"]["ns"] for m in TINY["grid"]["widths"]}
    assert {u.dim for u in us if isinstance(u, Cost)} == {2, 3} and Check(2) in us
    with pytest.raises(ValueError, match="unknown formulations"):
        units({**TINY, "poisson": {**TINY["poisson"], "methods": ["galerkin"]}}, [0])
    with pytest.raises(ValueError, match="unknown solver"):
        units({**TINY, "sfli": {"solvers": ["nope"]}}, [0])


def test_each_equation_has_its_solution_and_part_3_every_rate():
    us = [u for u in units(TINY, [0]) if isinstance(u, Train)]
    assert {u.solution for u in us if u.equation == "poisson"} == {TINY["solution"]} == {"plane_waves"}
    assert {u.solution for u in us if u.equation == "biharmonic"} == {TINY["biharmonic"]["solution"]} == {"gaussian"}
    b = TINY["biharmonic"]
    part3 = {(u.dim, u.formulation, u.lr) for u in us if u.equation == "biharmonic" and u.init == "default"}
    assert part3 == {(d, f, lr) for d in b["dims"] for f in b["formulations"] for lr in b["lrs"]}
    bih = next(u for u in us if u.equation == "biharmonic")
    assert type(problem_of(bih, TINY).solution).__name__ == "Gaussian"


def test_the_exactness_check_uses_each_equations_solution(monkeypatch):
    seen = set()
    make = runs.make_problem

    def spy(equation, formulation, **kw):
        seen.add((equation, kw["solution"]))
        return make(equation, formulation, **kw)

    monkeypatch.setattr(runs, "make_problem", spy)
    assert max(runs.run_unit(Check(2), TINY)["losses"].values()) < 1e-16
    assert seen == {("poisson", "plane_waves"), ("biharmonic", "gaussian")}


def test_best_rate_takes_the_lowest_mean_error_and_the_smaller_rate_on_a_tie():
    t = pd.DataFrame({"dim": [2, 2, 2, 2, 4, 4], "formulation": ["a", "a", "b", "b", "a", "a"],
                      "lr": [3e-3, 1e-3, 1e-3, 3e-3, 3e-3, 1e-3], "error": [0.5, 0.5, math.nan, 0.2, math.inf, 9.0]})
    out = summary.best_rate(t)
    assert out[out.best][["dim", "formulation", "lr"]].values.tolist() == [[2, "a", 1e-3], [2, "b", 3e-3],
                                                                         [4, "a", 1e-3]]
    assert len(out) == len(t)


def test_sfli_and_default_differ_only_in_the_first_layer():
    unit = Train("poisson", "mim", 2, 8, 16, 4, 1e-3, "default", 0)
    problem = problem_of(unit, TINY)
    a = dict(build(unit, problem, 2).named_parameters())
    b = dict(build(Train(*[*unit.__dict__.values()][:7], "sfli", 0), problem, 2).named_parameters())
    first = [k for k in a if k.startswith("hidden.0.")]
    assert first and all(not torch.equal(a[k], b[k]) for k in first if k.endswith("weight"))
    assert all(torch.equal(a[k], b[k]) for k in a if k not in first)
    assert build(unit, problem, 2)(torch.zeros(3, 2)).shape == (3, 3)  # u and p_1, p_2
    with pytest.raises(ValueError, match="unknown init"):
        build(Train(*[*unit.__dict__.values()][:7], "he", 0), problem, 2)


@pytest.mark.parametrize("equation, formulation, order", [("poisson", "pinn", 2), ("poisson", "ritz", 1),
                                                          ("poisson", "mim", 1), ("biharmonic", "direct", 4),
                                                          ("biharmonic", "second_order", 2),
                                                          ("biharmonic", "first_order", 1)])
def test_sfli_takes_the_gamma_rule_of_the_formulations_derivative_order(equation, formulation, order):
    """The first layer's scale is γ_k of the formulation's highest derivative order (the README's PINN line)."""
    from sfli.init import default_gamma

    unit = Train(equation, formulation, 2, 16, 16, 4, 1e-3, "sfli", 0)
    problem = problem_of(unit, TINY)
    assert problem.derivative_order == order
    weight = dict(build(unit, problem, 2).named_parameters())["hidden.0.weight"].detach()
    directions = weight / weight.norm(dim=1, keepdim=True)  # tanh: W_i = γ a_i with |a_i| = 1
    gamma = (weight / directions)[:, 0].mean().item()
    assert gamma == pytest.approx(default_gamma("tanh", 16, problem.box, derivative_order=order), rel=1e-5)


def test_paths_through_the_grid():
    cfg = CHAPTER.config("ci")
    paths = summary.path_points(cfg)
    assert paths["n_prop_m"] == [(64, 8), (128, 16), (256, 32)]
    assert paths["n_prop_m2"] == [(64, 8), (256, 16), (1024, 32)]
    assert paths["n_fixed"] == [(1024, 8), (1024, 16), (1024, 32)]
    assert paths["m_fixed"] == [(n, 32) for n in (64, 128, 256, 512, 1024)]


def test_slope_and_interval_on_a_known_rate():
    x = np.log(np.repeat([8.0, 16.0, 32.0], 2))
    y = -1.5 * x + np.tile([0.01, -0.01], 3)
    s, lo, hi = summary.slope(x, y)
    assert s == pytest.approx(-1.5, abs=1e-12) and lo < -1.5 < hi and hi < 0
    assert all(math.isnan(v) for v in summary.slope(np.ones(3), y[:3]))


def test_speedup_censoring_rules():
    assert summary.speedup(10.0, False, 2.0, False) == 1.0  # both miss: a tie, whatever the per-step cost
    assert summary.speedup(10.0, True, 20.0, False) == 0.5 and summary.speedup(10.0, True, 2.0, False) == 1.0
    assert summary.speedup(10.0, False, 2.0, True) == 5.0 and summary.speedup(10.0, True, 5.0, True) == 2.0
    assert summary.first_reach([0, 5, 10], [1.0, 0.5, 0.05], 0.1, 99) == 10
    assert summary.first_reach([0, 5, 10], [1.0, 0.5, 0.2], 0.1, 99) == 99


def test_every_residual_vanishes_at_the_exact_solution_and_not_off_it():
    losses = check_exact(3, "plane_waves")
    assert set(losses) == {"poisson/pinn", "poisson/mim", "biharmonic/direct", "biharmonic/second_order",
                           "biharmonic/first_order"}
    assert max(losses.values()) < 1e-16
    assert max(check_exact(2, "gaussian").values()) < 1e-16


def test_a_tiny_run_end_to_end():
    result = CHAPTER.run(TINY)
    assert CHAPTER.check_metrics(result.metrics, TINY) == []
    assert set(result.rates.path) == set(summary.PATHS)
    assert result.metrics["check/max_loss_exact"] < 1e-16
    verdicts = {v.claim.id: v for v in CHAPTER.verdicts(result.metrics, "smoke")}
    assert not verdicts["exact-residuals-vanish"].blocking
    assert all(v.status in ("holds", "fails", "not run") for v in verdicts.values())
    mim = result.poisson[(result.poisson.formulation == "mim")]
    assert {"u", "grad_u", "lap_u", "p", "div_p"} <= set(mim.quantity)
    assert (result.sfli_comparisons.rank_ratio > 0).all()
    best = result.biharmonic[result.biharmonic.best]
    assert len(best) == len(TINY["biharmonic"]["dims"]) * len(TINY["biharmonic"]["formulations"])
    assert len(result.biharmonic) == len(best) * len(TINY["biharmonic"]["lrs"])
    assert {result.metrics[f"biharmonic/d2/{f}/lr"] for f in TINY["biharmonic"]["formulations"]} <= set(
        TINY["biharmonic"]["lrs"])
    assert set(plots.biharmonic_curves(result, TINY).groupby(["dim", "formulation"]).lr.nunique()) == {1}
    for fig in (plots.derivative_bars(result), plots.grid_figure(result, TINY), plots.biharmonic_figure(result, TINY),
                plots.sfli_figure(result, TINY)):
        assert_book_figure(fig)
    for table in (plots.derivative_table(result), plots.rates_table(result), plots.biharmonic_table(result),
                  plots.cost_table(result), plots.sfli_table(result)):
        assert len(table)
