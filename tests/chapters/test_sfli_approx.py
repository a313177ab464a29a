"""Chapter 6 (SFLI for function approximation): the units, paired initializations, the aggregation's rules
(best learning rate, censoring, ratios) on synthetic curves, the one-line script, and a tiny run end to end."""
import math
import pickle

import numpy as np
import pandas as pd
import pytest
import torch

from figure_checks import assert_book_figure
from sfli.experiments.sfli_approx import CHAPTER, plots, summary
from sfli.experiments.sfli_approx.runs import OneLine, Run, TARGETS, build, run_unit, split_cell, units
from sfli.train import torch_threads

TINY = CHAPTER.config("smoke", n_seeds=1, cells=["sines1d/tanh"], net={"width": 8, "depth": 2},
                      train={"steps": 20, "lrs": [1e-3, 3e-3], "n_log": 4, "record_every": 10},
                      sensitivity={"factors": [0.5, 1.0], "placements": ["random", "quasi"]}, one_line={"steps": 5})


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    with torch_threads(1):
        yield


def test_units_are_distinct_picklable_and_cover_the_grid():
    us = units(TINY, [0])
    assert len(us) == len(set(us))
    assert pickle.loads(pickle.dumps(us)) == us
    main = [u for u in us if isinstance(u, Run) and u.factor == 1.0 and u.placement == "random"]
    assert {(u.method, u.lr) for u in main} == {(m, lr) for m in TINY["methods"] for lr in (1e-3, 3e-3)}
    assert OneLine(True, 0) in us and OneLine(False, 0) in us
    with pytest.raises(ValueError, match="unknown target"):
        units({**TINY, "cells": ["nope/tanh"]}, [0])
    with pytest.raises(ValueError, match="unknown activation"):
        split_cell("sines1d/swish")
    with pytest.raises(ValueError, match="must include 'sfli'"):
        units({**TINY, "methods": ["xavier_normal"]}, [0])


def test_sfli_and_xavier_differ_only_in_the_first_layer_and_rff_embeds():
    sfli, xavier = build(Run("sines2d/tanh", "sfli", 1e-3, 0), 16, 3), build(Run("sines2d/tanh", "xavier_normal", 3e-3, 0), 16, 3)
    a, b = dict(sfli.named_parameters()), dict(xavier.named_parameters())
    assert not torch.equal(a["hidden.0.weight"], b["hidden.0.weight"])
    assert all(torch.equal(a[k], b[k]) for k in a if not k.startswith("hidden.0."))
    rff = build(Run("sines2d/tanh", "rff", 1e-3, 0), 16, 3)
    assert rff[0].B.shape == (2, 8) and rff(torch.zeros(3, 2)).shape == (3, 1)
    wide = build(Run("sines2d/tanh", "rff", 1e-3, 0, factor=2.0), 16, 3)
    assert torch.allclose(wide[0].B, 2 * rff[0].B)  # the factor scales the same draw
    sharp = build(Run("sines2d/tanh", "sfli", 1e-3, 0, factor=2.0), 16, 3)
    assert torch.allclose(sharp.first.weight, 2 * sfli.first.weight)
    with pytest.raises(ValueError, match="ReLU-family"):
        build(Run("sines1d/relu", "sfli", 1e-3, 0, factor=2.0), 16, 3)


def _curve(errors, band=None, steps=(0, 10, 20, 30), seconds=(0.0, 1.0, 2.0, 3.0)):
    frame = pd.DataFrame({"step": steps, "error": errors, "seconds": seconds, "hidden_1": [4] * 4,
                          "hidden_2": [3] * 4})
    for b in range(4):
        frame[f"band_{b}"] = band if band is not None and b == 3 else [0.0] * 4
    return frame


def test_first_reach_censors_at_the_budget():
    assert summary.first_reach([0, 10, 20], [1.0, 0.5, 0.05], 0.1, 99) == 20
    assert summary.first_reach([0, 10, 20], [1.0, 0.5, 0.2], 0.1, 99) == 99
    assert summary.ratio(math.inf, math.inf) == 1.0 and summary.ratio(30.0, 10.0) == 3.0


def test_aggregation_takes_the_best_learning_rate_and_compares_with_the_best_baseline():
    cfg = CHAPTER.config("smoke", n_seeds=1, cells=["sines1d/tanh"], net={"depth": 2},
                         train={"steps": 30, "lrs": [1e-3, 1e-2]}, levels=[0.1], band_level=0.1,
                         methods=["sfli", "xavier_normal", "kaiming_normal"],
                         sensitivity={"factors": [1.0], "placements": ["random"]})
    fast, slow, never = [1, 0.5, 0.05, 0.01], [1, 0.5, 0.2, 0.08], [1, 0.9, 0.8, 0.7]
    runs = {
        Run("sines1d/tanh", "sfli", 1e-3, 0): _curve(never, band=never),      # worse learning rate for SFLI
        Run("sines1d/tanh", "sfli", 1e-2, 0): _curve(fast, band=fast),
        Run("sines1d/tanh", "xavier_normal", 1e-3, 0): _curve(slow, band=slow),
        Run("sines1d/tanh", "xavier_normal", 1e-2, 0): _curve(never, band=never),
        Run("sines1d/tanh", "kaiming_normal", 1e-3, 0): _curve(never, band=never),
        Run("sines1d/tanh", "kaiming_normal", 1e-2, 0): _curve(never, band=never),
    }
    results = {u: {"curves": c, "diverged": False, "train_seconds": 3.0, "record_seconds": 0.1} for u, c in runs.items()}
    results[OneLine(False, 0)] = {"final_error": 0.5, "seconds": 1.0}
    results[OneLine(True, 0)] = {"final_error": 0.25, "seconds": 1.0}
    result = summary.aggregate(cfg, [0], results)
    s = result.summary.set_index("method")
    assert s.loc["sfli", "best_lr"] == 1e-2 and s.loc["xavier_normal", "best_lr"] == 1e-3
    c = result.comparisons.iloc[0]
    assert c.speedup == 30 / 20  # Xavier reaches 0.1 only at the end (step 30); SFLI at 20
    assert c.error_ratio == pytest.approx(0.08 / 0.01)
    assert c.band_speedup == 30 / 20  # Xavier's top band never converges: censored at 30
    assert c.rank_ratio == 1.0 and c.best_baseline == "xavier_normal"
    m = result.metrics
    assert m["sines1d/tanh/speedup"] == 1.5 and m["cells/share_speedup"] == 1.0
    assert m["one_line/error_ratio"] == 2.0
    assert math.isnan(m["sines1d/tanh/speedup_vs_rff"])  # no RFF among the methods


def test_a_diverged_run_counts_as_infinitely_wrong():
    cfg = CHAPTER.config("smoke", n_seeds=1, cells=["sines1d/tanh"], net={"depth": 2}, train={"steps": 30})
    curves = _curve([1, 0.5, 0.05, 0.01]).assign(cell="sines1d/tanh", method="sfli", lr=1e-3, seed=0, factor=1.0,
                                                  placement="random", diverged=True)
    row = summary.run_table(curves, cfg).iloc[0]
    assert math.isinf(row.final_error)


def test_one_line_script_runs_and_sfli_changes_it():
    from sfli.experiments.sfli_approx import one_line

    plain, with_sfli = one_line.train(False, steps=3), one_line.train(True, steps=3)
    assert 0 < plain < 10 and 0 < with_sfli < 10 and plain != with_sfli


def test_tiny_chapter_end_to_end():
    result = CHAPTER.run(TINY, seed=0)
    assert CHAPTER.check_metrics(result.metrics, TINY) == []
    assert set(result.summary.method) == set(TINY["methods"])
    band = result.curves.dropna(subset=["band_0"])
    assert len(band) == len(result.curves) and (band.band_0 >= 0).all()
    for fig in (plots.error_curves(result, "step"), plots.error_curves(result, "seconds"),
                plots.band_heatmaps(result, "sines1d/tanh"), plots.high_band_curves(result, ["sines1d/tanh"], 0.1),
                plots.speedup_bars(result), plots.rank_figure(result, "sines1d/tanh"),
                plots.sensitivity_figure(result, TINY["sensitivity"]["factors"])):
        assert_book_figure(fig)
    assert len(plots.summary_table(result, TINY["levels"])) == len(TINY["methods"])
    verdicts = {v.claim.id: v.status for v in CHAPTER.verdicts(result.metrics, "smoke")}
    assert verdicts["approx-accelerates-sines1d-tanh"] in ("holds", "fails")


def test_every_target_has_a_probe_or_says_it_has_none():
    for name, t in TARGETS.items():
        assert (t.band_grid > 0) == (t.dim <= 2) and (not t.band_grid or len(t.band_edges) >= 3)
