"""Chapter 8 (SFLI on PDE benchmarks): the units, paired initializations, γ choices and placements, the residual
check, the aggregation's rules on synthetic curves, the one-line script, and a tiny run end to end."""
import math
import pickle

import numpy as np
import pandas as pd
import pytest
import torch

from figure_checks import assert_book_figure
from sfli.experiments.sfli_pde import CHAPTER, plots, summary
from sfli.experiments.sfli_pde.metrics import aggregate
from sfli.experiments.sfli_pde.runs import (Check, OneLine, Run, build, make_problem, residual_check, run_unit,
                                            units)
from sfli.init import default_gamma
from sfli.train import torch_threads

TINY = CHAPTER.config("smoke", n_seeds=1, side_seeds=1, archs=["mlp", "modified_mlp", "pirate"],
                      train={"steps": 6, "n_log": 2, "record_every": 3}, gamma={"factors": [0.1, 1.0]},
                      one_line={"steps": 2})


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    with torch_threads(1):
        yield


def test_units_are_distinct_picklable_and_cover_the_grid():
    us = units(TINY, [0])
    assert len(us) == len(set(us)) and pickle.loads(pickle.dumps(us)) == us
    main = {(u.problem, u.arch, u.init) for u in us if isinstance(u, Run) and u.lr == 1e-3 and u.k == 2
            and u.factor == 1.0 and u.where == "first"}
    assert main >= {(p, a, i) for p in TINY["problems"] for a in TINY["archs"] for i in TINY["inits"]}
    sweep = {(u.problem, u.k, u.factor) for u in us if isinstance(u, Run) and u.arch == "mlp" and u.init == "sfli"}
    assert {(p, 0, f) for p in TINY["problems"] for f in (0.1, 1.0)} <= sweep
    assert {(u.where) for u in us if isinstance(u, Run) and u.arch == "pirate" and u.init == "sfli"} == \
        set(TINY["placement"]["where"])
    assert OneLine(True, 0) in us and OneLine(False, 0) in us and Check(("helmholtz",)) in us
    two = units(CHAPTER.config("smoke"), [0, 1])  # side studies on the first side_seeds seeds only
    assert {u.seed for u in two if isinstance(u, Run) and u.factor != 1.0} == {0, 1}
    one_side = units(CHAPTER.config("smoke", side_seeds=1), [0, 1])
    assert {u.seed for u in one_side if isinstance(u, Run) and u.factor != 1.0} == {0}


@pytest.mark.parametrize("bad, match", [
    ({"problems": ["nope"]}, "unknown problems"), ({"archs": ["resnet"]}, "unknown archs"),
    ({"inits": ["xavier_normal"]}, "must include 'sfli'"), ({"placement": {"where": ["everywhere"]}}, "placement.where"),
    ({"side_seeds": 5}, "side_seeds"), ({"levels": [2.0]}, "levels")])
def test_bad_settings_are_named(bad, match):
    with pytest.raises(ValueError, match=match):
        units(CHAPTER.config("smoke", **bad), [0, 1])


@pytest.mark.parametrize("arch", ["mlp", "modified_mlp", "pirate"])
def test_sfli_and_xavier_differ_only_where_sfli_acts(arch):
    problem = make_problem("helmholtz", TINY)
    sfli, xavier = build(Run("helmholtz", arch, "sfli", 1e-3, 0), TINY, problem), \
        build(Run("helmholtz", arch, "xavier_normal", 1e-3, 0), TINY, problem)
    a, b = dict(sfli.named_parameters()), dict(xavier.named_parameters())
    changed = {k.rsplit(".", 1)[0] for k in a if not torch.equal(a[k], b[k])}
    first = next(n for n, mod in sfli.named_modules() if mod is sfli.first)
    assert changed == {first}
    where = build(Run("helmholtz", "pirate", "sfli", 1e-3, 0, where="encoders"), TINY, problem)
    c = dict(where.named_parameters())
    assert not torch.equal(c["encoder_u.weight"], b["encoder_u.weight"]) if arch == "pirate" else True


def test_gamma_choices_scale_the_first_layer():
    problem = make_problem("helmholtz", TINY)
    w = TINY["net"]["width"]
    rule = build(Run("helmholtz", "mlp", "sfli", 1e-3, 0, k=0), TINY, problem).first.weight
    wide = build(Run("helmholtz", "mlp", "sfli", 1e-3, 0, k=0, factor=10.0), TINY, problem).first.weight
    k2 = build(Run("helmholtz", "mlp", "sfli", 1e-3, 0, k=2), TINY, problem).first.weight
    g0, g2 = default_gamma("tanh", w, problem.box, 0), default_gamma("tanh", w, problem.box, 2)
    assert torch.allclose(rule.norm(dim=1), torch.full((w,), g0), rtol=1e-5)
    assert torch.allclose(wide, 10 * rule, rtol=1e-5)
    assert torch.allclose(k2.norm(dim=1), torch.full((w,), g2), rtol=1e-5) and g2 < g0


def test_residual_check_is_round_off_and_sees_a_wrong_source():
    r = residual_check(("poisson", "helmholtz"))
    assert all(0 <= v < 1e-12 for v in r.values())
    from sfli.pdes import Helmholtz2D

    original = Helmholtz2D.source
    try:
        Helmholtz2D.source = lambda self, x: 1.01 * original(self, x)
        assert residual_check(("helmholtz",))["helmholtz"] > 1e-3
    finally:
        Helmholtz2D.source = original


def _curve(errors, steps=(0, 10, 20, 30), seconds=(0.0, 1.0, 2.0, 3.0), rank=4):
    return pd.DataFrame({"step": steps, "loss": errors, "error": errors, "seconds": seconds, "hidden_1": [rank] * 4,
                         "hidden_2": [rank - 1] * 4})


def test_aggregation_compares_sfli_with_the_best_plain_baseline():
    cfg = CHAPTER.config("smoke", n_seeds=1, side_seeds=1, problems=["helmholtz"], archs=["mlp"],
                         train={"steps": 30}, levels=[0.1], gamma={"factors": [1.0], "orders": [2]},
                         placement={"problem": "helmholtz", "where": ["first"]},
                         lr_grid={"problem": "helmholtz", "arch": "mlp", "lrs": [1e-3]})
    fast, slow, never = [1, 0.5, 0.05, 0.01], [1, 0.5, 0.2, 0.08], [1, 0.9, 0.8, 0.7]
    curves = {Run("helmholtz", "mlp", "sfli", 1e-3, 0): _curve(fast, rank=6),
              Run("helmholtz", "mlp", "sfli", 1e-3, 0, k=0): _curve(never),
              Run("helmholtz", "mlp", "xavier_normal", 1e-3, 0): _curve(slow),
              Run("helmholtz", "mlp", "pytorch_default", 1e-3, 0): _curve(never, rank=5),
              Run("helmholtz", "pirate", "sfli", 1e-3, 0): _curve(fast),
              Run("helmholtz", "pirate", "xavier_normal", 1e-3, 0): _curve(slow),
              Run("helmholtz", "pirate", "pytorch_default", 1e-3, 0): _curve(slow)}
    n = cfg["picture"] ** 2
    results = {u: {"curves": c, "diverged": False, "train_seconds": 3.0, "record_seconds": 0.1,
                   "solution": np.zeros(n, dtype=np.float32)} for u, c in curves.items()}
    results[OneLine(False, 0)] = {"final_error": 0.5, "seconds": 1.0}
    results[OneLine(True, 0)] = {"final_error": 0.25, "seconds": 1.0}
    results[Check(("helmholtz",))] = {"residual": {"helmholtz": 1e-16}}
    result = aggregate(cfg, [0], results)
    c = result.comparisons.set_index(["problem", "arch"]).loc[("helmholtz", "mlp")]
    assert c.speedup == 30 / 20  # Xavier reaches 0.1 only at the end (step 30): censoring at the budget is 30 too
    assert c.error_ratio == pytest.approx(0.08 / 0.01) and c.best_baseline == "xavier_normal"
    assert c.rank_ratio == pytest.approx(5 / 4) and c.rank_first_ratio == pytest.approx(6 / 5)  # last: 5 vs 3, 4
    m = result.metrics
    assert m["gamma/helmholtz/k0_x1/final_error"] == pytest.approx(0.7)
    assert m["gamma/k0_x1/geomean_ratio_to_baseline"] == pytest.approx(0.7 / 0.08)
    assert m["placement/first/final_error"] == pytest.approx(0.01)
    assert m["lr_grid/error_ratio_best"] == pytest.approx(8.0)
    assert m["one_line/error_ratio"] == 2.0 and m["cells/share_error_ratio"] == 1.0
    assert CHAPTER.check_metrics(m, cfg) == []


def test_a_diverged_run_counts_as_infinitely_wrong():
    curves = _curve([1, 0.5, 0.05, 0.01]).assign(problem="helmholtz", arch="mlp", init="sfli", lr=1e-3, seed=0, k=2,
                                                  factor=1.0, where="first", diverged=True)
    row = summary.run_table(curves, CHAPTER.config("smoke")).iloc[0]
    assert math.isinf(row.final_error)
    assert summary.ratio(math.inf, math.inf) == 1.0 and summary.first_reach([0, 10], [1.0, 0.5], 0.1, 99) == 99


def test_one_line_script_runs_and_sfli_changes_it():
    from sfli.experiments.sfli_pde import one_line

    plain, with_sfli = one_line.train(False, steps=2), one_line.train(True, steps=2)
    assert 0 < plain < 100 and 0 < with_sfli < 100 and plain != with_sfli


def test_tiny_chapter_end_to_end():
    result = CHAPTER.run(TINY, seed=0)
    assert CHAPTER.check_metrics(result.metrics, TINY) == []
    assert set(result.summary.init) == set(TINY["inits"]) and len(result.comparisons) == 2 * 3
    assert set(result.pictures["burgers"]) == {"reference", *(f"{a}/{i}" for a in TINY["archs"] for i in TINY["inits"])}
    figs = [plots.curves(result, TINY, y, x) for y in ("error", "loss") for x in ("step", "seconds")]
    figs += [plots.rank_figure(result), plots.speedup_bars(result), plots.gamma_figure(result, TINY),
             plots.placement_figure(result, "helmholtz"), plots.lr_figure(result),
             *(plots.heatmaps(result, TINY, p) for p in TINY["problems"])]
    for fig in figs:
        assert_book_figure(fig)
    assert len(plots.summary_table(result, TINY["levels"])) == len(result.summary)
    verdicts = {v.claim.id: v for v in CHAPTER.verdicts(result.metrics, "smoke")}
    assert verdicts["pde-residual-at-exact-helmholtz"].status == "holds"
    assert verdicts["pde-accelerates-helmholtz-mlp"].status in ("holds", "fails")
