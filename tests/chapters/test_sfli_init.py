"""Chapter 2 (SFLI at initialization): the nets, the hyperplane test, the summaries on tables with known answers,
the units (distinct, picklable, independent of order), and the chapter at the smoke profile."""
import itertools
import math
import pickle

import numpy as np
import pandas as pd
import pytest
import torch

import sfli
from sfli.activations import FAMILIES
from sfli.experiments.sfli_init import CHAPTER, runs, summaries, tables
from sfli.init import BASELINES, default_gamma, sfli_

HYPERPLANE_ACTIVATIONS = [*FAMILIES["sigmoidal"], *FAMILIES["relu"], *FAMILIES["radial"]]
BOXES = {1: [(-0.5, 2.0)], 2: [(0.0, 1.0), (-3.0, 1.0)], 3: [(-1.0, 1.0), (2.0, 2.5), (-4.0, 0.0)]}


# ---------------------------------------------------------------- nets and hyperplanes

@pytest.mark.parametrize("placement", ["random", "quasi"])
@pytest.mark.parametrize("activation", HYPERPLANE_ACTIVATIONS)
@pytest.mark.parametrize("d", [1, 2, 3])
def test_meets_box_agrees_with_the_corners(activation, placement, d):
    """The closed form (centre ± support function) says every SFLI hyperplane cuts the box, as the corners do."""
    lin = sfli_(torch.nn.Linear(d, 64, dtype=torch.float64), BOXES[d], activation, placement=placement,
                generator=torch.Generator().manual_seed(3))
    corners = torch.tensor(list(itertools.product(*BOXES[d])), dtype=torch.float64)
    values = (corners @ lin.weight.detach().T + lin.bias.detach()).T
    assert (values.min(dim=1).values < 0).all() and (values.max(dim=1).values > 0).all()
    assert runs.meets_box(lin.weight.detach(), lin.bias.detach(), sfli.as_box(BOXES[d])).all()


def test_meets_box_detects_a_plane_outside():
    w = torch.tensor([[1.0, 0.0], [1.0, 1.0], [0.0, 2.0]], dtype=torch.float64)
    b = torch.tensor([0.5, -3.0, 0.0], dtype=torch.float64)  # x1 = −0.5 (in); x1 + x2 = 3 (out); x2 = 0 (in)
    assert runs.meets_box(w, b, runs.domain(2)).tolist() == [True, False, True]


def test_sfli_first_layer_rank_beats_xavier_in_1d_tanh():
    x, w = sfli.quadrature([(-1, 1)], 512)
    ranks = {m: runs.layer_ranks(runs.build_net(m, "tanh", 1, 32, 4, seed=0), x, w, 1e-3)
             for m in ("sfli", "xavier_normal")}
    assert ranks["xavier_normal"][0] <= 2  # zero bias, 1-D: tanh(w_i x) are all close to multiples of tanh(x)
    assert ranks["sfli"][0] > 4 * ranks["xavier_normal"][0]


def test_build_net_pairs_sfli_with_xavier_normal():
    s, x = runs.build_net("sfli", "tanh", 2, 16, 3, 0), runs.build_net("xavier_normal", "tanh", 2, 16, 3, 0)
    assert s.first.weight.dtype == torch.float64
    assert not torch.equal(s.first.weight, x.first.weight)
    for p, q in zip([*s.hidden[1:].parameters(), *s.output.parameters()],
                    [*x.hidden[1:].parameters(), *x.output.parameters()]):
        assert torch.equal(p, q)
    q = runs.build_net("sfli_quasi", "tanh", 1, 8, 2, 0)
    assert torch.equal(torch.sign(q.first.weight[:, 0]), torch.tensor([1.0, -1.0] * 4, dtype=torch.float64))
    with pytest.raises(ValueError, match="unknown method"):
        runs.build_net("sfli+nope", "tanh", 1, 8, 2, 0)


def test_reference_gamma_matches_the_layer():
    net = runs.build_net("sfli", "relu", 2, 32, 2, 0)
    g = runs.reference_gamma("relu", 32, net.first)
    assert torch.allclose(net.first.weight.norm(dim=1), torch.full((32,), g, dtype=torch.float64))
    assert runs.reference_gamma("tanh", 32, net.first) == default_gamma("tanh", 32, runs.domain(2))


def test_ratio_and_win_rate_definitions():
    ranks = pd.DataFrame([
        # activation, dim, width, method, seed, first, last
        ("tanh", 1, 8, "sfli", 0, 8, 4), ("tanh", 1, 8, "b", 0, 2, 0),
        ("tanh", 1, 8, "sfli", 1, 6, 4), ("tanh", 1, 8, "b", 1, 6, 8),
        ("tanh", 1, 16, "sfli", 0, 4, 2), ("tanh", 1, 16, "b", 0, 4, 2),
        ("tanh", 1, 16, "sfli", 1, 4, 2), ("tanh", 1, 16, "b", 1, 4, 2),
    ], columns=["activation", "dim", "width", "method", "seed", "first", "last"])
    first = np.exp(summaries.log_ratio(ranks, "sfli", "b", "first").mean())
    assert first == pytest.approx((4 * 1 * 1 * 1) ** 0.25)
    last = np.exp(summaries.log_ratio(ranks, "sfli", "b", "last").mean())  # rank 0 counts as 1
    assert last == pytest.approx((4 * 0.5 * 1 * 1) ** 0.25)
    assert summaries.win_rate(ranks, "sfli", "b", "first") == 0.5  # width 8: 7 > 4; width 16: tie is not a win
    assert summaries.win_rate(ranks, "sfli", "b", "last") == 0.0  # width 8: 4 = 4
    # the losses: cells where SFLI's seed-mean rank is not above b's (ties included)
    assert summaries.losses(ranks, "b", "last").index.tolist() == [("tanh", 1, 8), ("tanh", 1, 16)]


# ---------------------------------------------------------------- settings and units

def test_config_rejects_unknown_settings_and_profiles():
    assert CHAPTER.config("ci", widths=[16, 32])["widths"] == [16, 32]
    assert CHAPTER.config("ci", gamma={"width": 8})["gamma"]["width"] == 8
    with pytest.raises(ValueError, match="unknown setting"):
        CHAPTER.config("smoke", width=3)
    with pytest.raises(ValueError, match="unknown setting 'gamma.widths'"):
        CHAPTER.config("smoke", gamma={"widths": [8]})
    with pytest.raises(ValueError, match="unknown profile"):
        CHAPTER.config("huge")
    for profile in ("smoke", "ci", "paper"):
        cfg = CHAPTER.config(profile)
        assert len(cfg["nodes"]) == 3 and set(cfg["dims"]) <= {1, 2, 3}
        assert 1.0 in cfg["gamma"]["multipliers"]
        assert set(cfg["baselines"]) == set(BASELINES) and set(cfg["sfli_on"]) <= set(BASELINES)


@pytest.mark.parametrize("profile", ["smoke", "ci", "paper"])
def test_units_are_distinct_and_picklable(profile):
    cfg = CHAPTER.config(profile)
    seed_list = list(range(cfg["n_seeds"]))
    units = CHAPTER.units(cfg, seed_list)
    assert len(set(units)) == len(units)
    assert pickle.loads(pickle.dumps(units)) == units
    n_cells = len(cfg["activations"]) * len(cfg["dims"]) * len(cfg["widths"]) * len(seed_list)
    assert sum(isinstance(u, runs.Cell) for u in units) == n_cells
    assert {u.kind for u in units} == set(runs.KINDS)


def test_units_do_not_depend_on_order_or_global_state():
    cfg = CHAPTER.config("smoke", widths=[8], dims=[1], activations=["tanh"], gamma={"dims": [1]})
    units = CHAPTER.units(cfg, [0, 1])
    picked = [next(u for u in units if isinstance(u, kind)) for kind in
              (runs.Cell, runs.QuadCheck, runs.GammaSweep, runs.FigureLayer, runs.Transitions)]
    picked.append([u for u in units if isinstance(u, runs.Cell)][-1])  # seed 1
    torch.manual_seed(0)
    forward = [runs.run_unit(u, cfg).value for u in picked]
    torch.manual_seed(123)
    torch.rand(7)
    backward = [runs.run_unit(u, cfg).value for u in reversed(picked)][::-1]
    assert forward == backward
    assert forward[0] != forward[-1], "the two seeds must give different nets"


# ---------------------------------------------------------------- the chapter at the smoke profile

@pytest.fixture(scope="module")
def smoke():
    return CHAPTER.run(CHAPTER.config("smoke"))


def test_smoke_run_has_every_declared_metric(smoke):
    cfg, m = CHAPTER.config("smoke"), smoke.metrics
    assert CHAPTER.check_metrics(m, cfg) == []
    for b in BASELINES:
        for name in ("first_layer_ratio", "last_layer_ratio", "first_layer_win_rate", "last_layer_win_rate"):
            assert math.isfinite(m[f"{name}/{b}"])
        for act in cfg["activations"]:
            assert m[f"first_layer_ratio/{act}/{b}"] > 0
        assert 0 <= m[f"first_layer_win_rate/{b}"] <= 1 and m[f"first_layer_ratio/{b}"] > 0
    for act in cfg["gamma"]["activations"]:
        for layer in ("first", "last"):
            assert m[f"gamma_sweep/best_multiplier/{act}/{layer}"] in cfg["gamma"]["multipliers"]
    for key in ("placement/quasi_minus_random/first", "placement/quasi_minus_random/last",
                "same_hidden/last_layer_ratio/kaiming_normal", "quadrature_check/max_rel_change",
                "transitions/inside_fraction/sfli", "sfli_first_layer_full_rank_fraction"):
        assert math.isfinite(m[key])
    assert all(isinstance(v, (int, float)) for v in m.values()), "metrics must be a flat dict of numbers"
    assert m["transitions/inside_fraction/sfli"] == 1.0
    assert m["transitions/through_center_fraction/xavier_normal"] == 1.0  # zero bias: every plane through 0
    assert m["quadrature_check/max_rel_change"] <= 0.05


def test_declared_metrics_at_ci_cover_the_claims():
    names = CHAPTER.metric_names(CHAPTER.config("ci"))
    assert all(c.metric in names for c in CHAPTER.claims)
    assert not any(c.must_hold for c in CHAPTER.claims if c.source != "book"), "a paper's claims are findings"
    assert {c.id for c in CHAPTER.claims if c.must_hold} == {"sfli-transitions-inside", "sfli-quadrature-converged"}


def test_smoke_tables_are_consistent(smoke):
    cfg = CHAPTER.config("smoke")
    n_methods = 1 + len(cfg["baselines"]) + 1 + len(cfg["sfli_on"])
    assert len(smoke.ranks) == len(cfg["activations"]) * len(cfg["dims"]) * len(cfg["widths"]) * n_methods
    assert (smoke.ranks[["first", "last"]].to_numpy() <= smoke.ranks[["width"]].to_numpy()).all()
    # SFLI and SFLI on He-normal hidden layers share the first layer exactly
    key = ["activation", "dim", "width", "seed"]
    a = smoke.ranks[smoke.ranks.method == "sfli"].set_index(key)["first"]
    b = smoke.ranks[smoke.ranks.method == "sfli+kaiming_normal"].set_index(key)["first"]
    assert a.equals(b.loc[a.index])
    # multiplier 1 of the γ sweep is the main sweep's SFLI net
    g = smoke.gamma[smoke.gamma.multiplier == 1.0]
    for row in g.itertuples():
        main = smoke.ranks[(smoke.ranks.method == "sfli") & (smoke.ranks.activation == row.activation)
                           & (smoke.ranks.dim == row.dim) & (smoke.ranks.width == row.width)
                           & (smoke.ranks.seed == row.seed)]
        assert (int(main["first"].iloc[0]), int(main["last"].iloc[0])) == (row.first, row.last)
    assert set(tables(smoke)) == {"ratios", "ratios_by_group", "losses_vs_kaiming_normal_last", "quadrature_check",
                                  "gamma_check", "transition_stats"}


def test_smoke_run_is_reproducible(smoke):
    again = CHAPTER.run(CHAPTER.config("smoke"))
    pd.testing.assert_frame_equal(smoke.ranks, again.ranks)
    pd.testing.assert_frame_equal(smoke.gamma, again.gamma)
    assert {k: v for k, v in smoke.metrics.items() if not k.startswith("time/")} == \
           {k: v for k, v in again.metrics.items() if not k.startswith("time/")}
