"""Tests of the ReLU-initialization chapter: the batched nets, the born-dead bounds and intervals, the units
(distinct, picklable, independent of their order), a tiny run of every kind of unit and the declared metrics."""
import json
import math
import pickle
from pathlib import Path

import numpy as np
import pytest
import torch

from figure_checks import assert_book_figure
from sfli.experiments.relu_init import CHAPTER, plots, runs, summary
from sfli.experiments.relu_init.data import grid, load_dataset, target
from sfli.experiments.relu_init.nets import Scheme, first_dead_layer, forward, init_nets, train
from sfli.train import torch_threads


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    with torch_threads(1):
        yield


def _tiny_cfg():
    return CHAPTER.config("smoke", born_dead={"widths": [2], "depth": 6, "n_nets": 40, "chunk": 20},
                          collapse={"targets": ["abs", "abs2d"], "n_runs": 6, "chunk": 3, "steps": 10},
                          meanfield={"n_in": 200, "n_out": 200, "draws": 2, "depth": 5, "n_nets": 2, "phase_n": 5},
                          teacher={"depth": 3, "width": 8, "steps": 8, "ks": [-1.0]},
                          digits={"n_train": 64, "deep": [3, 10], "wide": [2, 16], "epochs": 1})


def test_batched_training_is_independent_per_net():
    """Nets trained side by side end where each trained alone ends."""
    gen = torch.Generator().manual_seed(0)
    x = grid(1, 16)
    y = target("xsin5x", x)
    params = init_nets(Scheme("kaiming_normal"), 3, 1, 4, 3, 1, x, gen)
    loss = lambda p: (forward(p, x) - y).square().mean(dim=(1, 2))  # noqa: E731
    together, hist = train(params, loss, 20, 1e-2, [0, 20])
    alone, _ = train([(w[1:2], b[1:2]) for w, b in params], loss, 20, 1e-2, [20])
    for (w, b), (w1, b1) in zip(together, alone):
        assert torch.allclose(w[1:2], w1, atol=1e-6) and torch.allclose(b[1:2], b1, atol=1e-6)
    assert hist[20].shape == (3,) and float(hist[20].sum()) < float(hist[0].sum())


def test_first_dead_layer_matches_the_direct_check():
    gen = torch.Generator().manual_seed(1)
    x = grid(1, 32, torch.float64)
    first = first_dead_layer(Scheme("kaiming_normal"), 200, 2, 8, x, gen)
    assert first.min() >= 1 and first.max() <= 9
    p = float((first <= 8).double().mean())
    lo, hi = summary.born_dead_bounds(2, 8)
    assert lo - 0.15 <= p <= hi + 0.15
    assert (first_dead_layer(Scheme("lps"), 50, 2, 8, x, gen) == 9).all()  # LPS cuts its data in every layer


def test_wilson_interval_and_bounds():
    lo, hi = summary.wilson(0, 100)
    assert lo == pytest.approx(0, abs=1e-12) and 0.03 < hi < 0.04
    lo, hi = summary.wilson(50, 100)
    assert lo == pytest.approx(0.404, abs=1e-3) and hi == pytest.approx(0.596, abs=1e-3)
    low, up = summary.born_dead_bounds(2, np.array([1, 10]))
    assert up[0] == pytest.approx(0.25) and low[0] == 0 and up[1] == pytest.approx(1 - 0.75**10)


def test_units_are_distinct_and_picklable():
    cfg = CHAPTER.config("ci")
    units = CHAPTER.units(cfg, list(range(cfg["n_seeds"])))
    assert len(set(units)) == len(units)
    kinds = {type(u).__name__ for u in units}
    assert kinds == {"BornDead", "Collapse", "MapCheck", "Correlations", "Teacher", "Digits", "Part"}
    for u in units:
        back = pickle.loads(pickle.dumps(u))
        assert back == u and hash(back) == hash(u)
    keys = {u.scheme.key for u in units if isinstance(u, runs.Teacher)}
    assert {"kaiming_normal", "anticorrelated", "anticorrelated_k-1"} <= keys


@pytest.fixture(scope="module")
def tiny_run():
    cfg = _tiny_cfg()
    return cfg, {u: CHAPTER.run_unit(u, cfg) for u in CHAPTER.units(cfg, [0, 1])}


def test_units_give_the_same_outputs_in_any_order(tiny_run):
    cfg, outputs = tiny_run
    units = list(outputs)
    picked = [units[0], next(u for u in units if isinstance(u, runs.Collapse) and u.scheme.method == "lps"),
              next(u for u in units if isinstance(u, runs.Teacher))]
    for u in reversed(picked):
        again = CHAPTER.run_unit(pickle.loads(pickle.dumps(u)), cfg)
        for key, value in outputs[u].items():
            if key != "seconds":
                assert np.array_equal(np.asarray(value), np.asarray(again[key])), (u, key)


def test_tiny_run_declares_its_metrics_and_plots(tiny_run):
    cfg, outputs = tiny_run
    res = summary.aggregate(cfg, [0, 1], outputs)
    shuffled = summary.aggregate(cfg, [0, 1], dict(reversed(list(outputs.items()))))
    assert {k: v for k, v in res.metrics.items() if not k.startswith("time/")} == \
        {k: v for k, v in shuffled.metrics.items() if not k.startswith("time/")}
    assert CHAPTER.check_metrics(res.metrics, cfg) == []
    assert all(isinstance(v, float) and not math.isnan(v) for v in res.metrics.values())
    assert set(CHAPTER.tables(res)) == {"born_dead", "collapse", "map_check", "accuracy"}
    for name in ("plot_born_dead", "plot_collapse", "plot_map", "plot_correlations", "plot_phase", "plot_teacher",
                 "plot_digits"):
        assert_book_figure(getattr(plots, name)(res), name)
    for name in ("collapse_table", "collapse_sensitivity_table", "teacher_table", "accuracy_table", "settings_table",
                 "born_dead_table"):
        assert len(getattr(plots, name)(res)), name


def test_digits_and_the_mnist_message(monkeypatch):
    x, y, x_te, y_te, what = load_dataset("digits", 100)
    assert x.shape == (100, 64) and y.dtype == torch.long and len(x_te) == 360
    import sklearn.datasets

    def offline(*args, **kwargs):
        raise OSError("no route to host")

    monkeypatch.setattr(sklearn.datasets, "fetch_openml", offline)
    load_dataset.cache_clear()
    with pytest.raises(RuntimeError, match="digits"):
        load_dataset("mnist")
    with pytest.raises(ValueError, match="valid: digits, mnist"):
        load_dataset("cifar")


def test_claims_follow_the_rules():
    assert {c.id for c in CHAPTER.claims if c.must_hold} == {"relu-book-meanfield-map", "relu-book-born-dead-theory"}
    assert all(c.source == "book" for c in CHAPTER.claims if c.must_hold)
    assert {c.source for c in CHAPTER.claims} == {"1903.06733", "2109.00125", "2103.12499", "book"}


@pytest.mark.parametrize("profile", ["smoke", "ci"])
def test_declaration_matches_the_committed_records(profile):
    path = Path(__file__).parents[2] / "records" / profile / "07_relu_init.json"
    record = json.loads(path.read_text())
    assert CHAPTER.check_metrics(record["metrics"], CHAPTER.config(profile)) == []
