"""Chapter 1 as a chapter: its settings, units, metrics, figures (the ε-rank itself: tests/core/test_eps_rank.py)."""
from __future__ import annotations

import math
import pickle

import numpy as np
import pytest
from matplotlib.figure import Figure

from sfli.experiments.eps_rank import CHAPTER, checks, plots
from sfli.experiments.eps_rank.settings import SETTINGS
from sfli.experiments.settings import PROFILES, seeds
from sfli.experiments.units import UnitsFailed
from sfli.plotting import use_style



@pytest.fixture(scope="module")
def smoke():
    cfg = CHAPTER.config("smoke")
    return cfg, CHAPTER.run(cfg)


def test_smoke_metrics(smoke):
    cfg, result = smoke
    m = result.metrics
    assert m["hilbert/max_rank_error"] == 0
    assert m["hilbert/svd_max_rank_error"] == 0
    assert m["hilbert/max_rel_eig_error_above_1e-10"] < 1e-5
    assert 1e-17 < m["hilbert/eigh_first_unresolved"] < 1e-12  # the eigh floor ≈ u·λ_max
    assert m["legendre/rank_error"] == 0
    assert m["legendre/eps_rank"] == cfg["legendre"]["n"]
    assert m["legendre/max_eig_deviation"] < 1e-10
    assert m["duplicates/base_eps_rank"] == cfg["duplicates"]["width"]
    assert m["duplicates/base_lambda_min"] > cfg["eps"]
    assert m["duplicates/rank_deficit_error"] == 0
    assert m["near_duplicates/small_delta_rank_error"] == 0
    assert m["near_duplicates/full_rank"] == cfg["duplicates"]["width"] + cfg["near"]["q"]
    assert m["near_duplicates/eig_slope"] == pytest.approx(2.0, abs=0.05)
    assert m["sensitivity/float32_max_rank_diff"] == 0
    assert m["sensitivity/sfli/eps_rank_mean"] > m["sensitivity/xavier_normal/eps_rank_mean"]
    for init in cfg["sensitivity"]["inits"]:
        assert m[f"sensitivity/{init}/n_converged"] in cfg["sensitivity"]["nodes"]
    assert not any(k.startswith("time/") for k in m)  # smoke skips the timing
    assert all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in m.values())
    assert all(type(v) in (int, float) for v in m.values())  # plain Python numbers, not numpy


def test_smoke_tables(smoke):
    cfg, result = smoke
    assert len(result.hilbert_ranks) == (cfg["hilbert"]["kmax"] + 1) * len(cfg["eps_list"])
    assert (result.hilbert_ranks.eigh == result.hilbert_ranks.exact).all()
    assert set(result.sens_nodes.init) == set(cfg["sensitivity"]["inits"])
    assert sorted(result.sens_nodes.seed.unique()) == seeds(cfg)
    assert result.timing.empty


def test_plots_return_labelled_figures(smoke):
    use_style()
    _, result = smoke
    for name in [n for n in dir(plots) if n.startswith("plot_")]:
        fig = getattr(plots, name)(result)
        assert isinstance(fig, Figure), name
        for ax in fig.axes:
            assert ax.get_xlabel() and ax.get_ylabel(), name


def test_seed_changes_random_parts_only():
    cfg = CHAPTER.config("smoke", hilbert={"kmax": 3}, sensitivity={"nodes": [8, 16]}, near={"deltas": [1e-3, 1e-2]},
                         duplicates={"q": [0, 2]})
    a, b = CHAPTER.run(cfg, seed=0), CHAPTER.run(cfg, seed=5)
    assert a.metrics["hilbert/max_rank_error"] == b.metrics["hilbert/max_rank_error"] == 0
    assert sorted(b.duplicates.seed.unique()) == [5, 6]
    assert not a.near_duplicates.lam_min.equals(b.near_duplicates.lam_min)


def test_settings_profiles_and_overrides():
    assert set(SETTINGS) == set(PROFILES)
    assert all(set(c) == set(SETTINGS["ci"]) for c in SETTINGS.values())
    assert CHAPTER.config("smoke", n_seeds=3)["n_seeds"] == 3
    assert SETTINGS["smoke"]["n_seeds"] == 2  # overrides do not leak into the settings
    with pytest.raises(ValueError, match="smoke, ci, paper"):
        CHAPTER.config("nope")
    with pytest.raises(ValueError, match="valid settings"):
        CHAPTER.config("smoke", n_seed=3)
    with pytest.raises(UnitsFailed, match="ValueError: hilbert.nodes must exceed hilbert.kmax"):
        CHAPTER.run(CHAPTER.config("smoke", hilbert={"kmax": 80}))


def test_units_are_independent_picklable_and_order_free():
    cfg = CHAPTER.config("smoke", hilbert={"kmax": 3}, sensitivity={"nodes": [8, 16]}, near={"deltas": [1e-3]},
                         duplicates={"q": [0, 2]})
    units = CHAPTER.units(cfg, seeds(cfg))
    assert len(set(units)) == len(units) and pickle.loads(pickle.dumps(units)) == units
    forward = {u: CHAPTER.run_unit(u, cfg) for u in units}
    backward = {u: CHAPTER.run_unit(u, cfg) for u in reversed(units)}
    a, b = CHAPTER.aggregate(cfg, seeds(cfg), forward), CHAPTER.aggregate(cfg, seeds(cfg), backward)
    assert {k: v for k, v in a.metrics.items() if not k.startswith("time/")} == \
        {k: v for k, v in b.metrics.items() if not k.startswith("time/")}


def test_hilbert_exact_helper_and_n_converged():
    np.testing.assert_allclose(checks.hilbert_exact(2), [(4 + math.sqrt(13)) / 6, (4 - math.sqrt(13)) / 6])
    import pandas as pd
    table = pd.DataFrame({"init": "a", "seed": [0] * 4 + [1] * 4, "N": [4, 8, 16, 32] * 2,
                          "eps_rank": [4, 6, 5, 5, 4, 5, 6, 6]})
    assert checks.n_converged(table, "a") == 16  # seed 0 settles at 16, seed 1 at 8
