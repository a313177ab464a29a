"""Tests of the condensation chapter: multiplicities, the new activations, the orientation count, C2–C6, and the
chapter's units (distinct, picklable, independent of their order)."""
import json
import math
import pickle
from pathlib import Path

import numpy as np
import pytest
import torch

from sfli.experiments.condensation import CHAPTER, core, plots, runs
from sfli.experiments.condensation import variants as var
from sfli.experiments.condensation.acts import ACTS, PAPER_P, Act, multiplicity, x2tanh, xtanh
from sfli.train import torch_threads


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    """One torch thread, as the chapter runs (small nets are many times slower on a busy machine otherwise)."""
    with torch_threads(1):
        yield


def test_activation_values():
    z = torch.tensor([-2.0, -0.5, 0.0, 0.5, 2.0], dtype=torch.float64)
    assert torch.allclose(xtanh(z), z * torch.tanh(z))
    assert torch.allclose(x2tanh(z), z * z * torch.tanh(z))
    assert float(xtanh(torch.tensor(1.0))) == pytest.approx(math.tanh(1.0))
    assert float(x2tanh(torch.tensor(2.0))) == pytest.approx(4 * math.tanh(2.0))
    assert torch.allclose(Act("x2tanh")(z), x2tanh(z))
    with pytest.raises(ValueError):
        Act("nope")


@pytest.mark.parametrize("name", list(ACTS))
def test_multiplicity_matches_paper(name):
    assert multiplicity(name) == PAPER_P[name]


def test_multiplicity_of_powers():
    assert multiplicity(lambda z: z ** 4 + z ** 5) == 4
    assert multiplicity(torch.sin) == 1


def _clusters(directions, per, m_noise=0, noise=0.02, seed=0):
    rng = np.random.default_rng(seed)
    rows = [d + noise * rng.standard_normal((per, len(d))) for d in directions]
    rows.append(rng.standard_normal((m_noise, len(directions[0]))))
    u = np.concatenate(rows)
    return u / np.linalg.norm(u, axis=1, keepdims=True)


@pytest.mark.parametrize("n_lines,n_single", [(1, 0), (2, 0), (3, 0), (2, 1)])
def test_count_known_clusters(n_lines, n_single):
    rng = np.random.default_rng(n_lines)
    q, _ = np.linalg.qr(rng.standard_normal((6, 6)))
    dirs = []
    for k in range(n_lines):
        dirs += [q[k], -q[k]]
    dirs += [q[n_lines + k] for k in range(n_single)]
    u = _clusters(dirs, per=10, m_noise=3)
    c = core.count_orientations(u, 0.9, 0.05)
    assert c["directions"] == 2 * n_lines + n_single
    assert c["lines"] == n_lines + n_single
    assert len(dirs) * 10 / len(u) <= c["share"] <= (len(dirs) * 10 + 3) / len(u)  # a noise row may join


def test_no_condensation_for_random_directions():
    u = _clusters([np.ones(12)], per=0, m_noise=50)
    assert core.count_orientations(u, 0.9, 0.05)["directions"] == 0


def test_config_rejects_unknown():
    with pytest.raises(ValueError, match="unknown setting 'nope'"):
        CHAPTER.config("ci", nope=1)
    with pytest.raises(ValueError, match="unknown setting 'c2.widht'"):
        CHAPTER.config("ci", c2={"widht": 3})
    assert CHAPTER.config("smoke")["n_seeds"] == 2
    assert CHAPTER.config("smoke", c2={"width": 6})["c2"]["lr"] == 2e-4


def test_smoke_run_condenses_tanh():
    cfg = CHAPTER.config("smoke", c1={"activations": ["tanh"]}, c5={"enabled": False}, sweep={"gammas": [3.0]},
                         eps_rank={"quadrature_n": 128})
    res = CHAPTER.run(cfg)
    m = res.metrics
    assert m["c1/tanh/small/lines_mean"] == 1.0
    assert m["c1/tanh/common/directions_mean"] <= 1
    assert m["c1/tanh/small/eps_rank_mean"] < m["c1/tanh/common/eps_rank_mean"]
    assert all(isinstance(v, (int, float)) for v in m.values())
    assert CHAPTER.check_metrics(m, cfg) == []


# ---------------------------------------------------------------- units


def _small_cfg():
    """Every kind of unit, each run briefly."""
    return CHAPTER.config("smoke", n_seeds=2, c1={"activations": ["tanh", "relu"], "epochs": 8},
                          eps_rank={"quadrature_n": 64}, sweep={"gammas": [3.0]},
                          lr_sensitivity={"lrs": [8e-4]}, epochs_sensitivity={"activations": ["tanh"], "epochs": [12]},
                          c5={"epochs": 20, "width": 12}, c6={"epoch": 10},
                          c2={"epochs": [6, 5, 5, 8, 8]}, c4={"epochs": 5, "n": 200})


def test_units_are_distinct_and_picklable():
    cfg = _small_cfg()
    units = CHAPTER.units(cfg, [0, 1])
    assert len(set(units)) == len(units)
    assert {type(u) for u in units} == {runs.C1Run, runs.C5Run, runs.C2Run, runs.C3Run, runs.C4Run}
    assert {u.experiment for u in units if isinstance(u, runs.C1Run)} == {"c1", "sweep", "lr", "epochs"}
    for u in units:
        back = pickle.loads(pickle.dumps(u))
        assert back == u and hash(back) == hash(u)
    with pytest.raises(ValueError, match="c6.epoch"):
        CHAPTER.units(CHAPTER.config("smoke", c6={"epoch": 500}), [0])


def _same(a, b):
    """Equal outputs (arrays compared exactly, NaN equal to NaN)."""
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, (np.ndarray, torch.Tensor)):
        return np.array_equal(np.asarray(a), np.asarray(b), equal_nan=True)
    if isinstance(a, float) and math.isnan(a):
        return isinstance(b, float) and math.isnan(b)
    return a == b


@pytest.fixture(scope="module")
def small_run():
    """Every unit of :func:`_small_cfg` run once, in the chapter's order."""
    cfg = _small_cfg()
    return cfg, {u: CHAPTER.run_unit(u, cfg) for u in CHAPTER.units(cfg, [0, 1])}


def test_units_give_the_same_outputs_in_any_order(small_run):
    cfg, outputs = small_run
    units = list(outputs)
    picked = [units[0], units[3], next(u for u in units if isinstance(u, runs.C1Run) and u.experiment == "sweep"),
              next(u for u in units if isinstance(u, runs.C5Run)), next(u for u in units if isinstance(u, runs.C2Run)),
              next(u for u in units if isinstance(u, runs.C4Run))]
    backward = {u: CHAPTER.run_unit(pickle.loads(pickle.dumps(u)), cfg) for u in reversed(picked)}
    fields = ("counts", "variants", "c5", "c5_fits", "weights", "c6", "data")
    for u in picked:
        assert all(_same(getattr(outputs[u], f), getattr(backward[u], f)) for f in fields), u


def test_aggregate_is_independent_of_the_order_of_results(small_run):
    cfg, outputs = small_run
    res = runs.aggregate(cfg, [0, 1], outputs)
    shuffled = runs.aggregate(cfg, [0, 1], dict(reversed(list(outputs.items()))))
    assert _same({k: v for k, v in res.metrics.items() if not k.startswith("time/")},
                 {k: v for k, v in shuffled.metrics.items() if not k.startswith("time/")})
    assert res.counts.equals(shuffled.counts) and res.variants.equals(shuffled.variants)
    assert CHAPTER.check_metrics(res.metrics, cfg) == []
    assert set(CHAPTER.tables(res)) == {"counts", "c5_fits", "variants"}


@pytest.mark.parametrize("profile", ["smoke", "ci"])
def test_declaration_matches_the_committed_records(profile):
    record = json.loads((Path(__file__).parents[2] / "records" / profile / "04_condensation.json").read_text())
    assert CHAPTER.check_metrics(record["metrics"], CHAPTER.config(profile)) == []


def test_claims_follow_the_rules():
    by_id = {c.id: c for c in CHAPTER.claims}
    assert len(by_id) == len(CHAPTER.claims) == 23
    assert {c.id for c in CHAPTER.claims if c.must_hold} == {f"cond-multiplicity-{a}" for a in ACTS if PAPER_P[a]}
    assert all(c.source == "book" and c.tag == "[ours]" for c in CHAPTER.claims if c.must_hold)
    relu, c4 = by_id["cond-c1-relu-three"], by_id["cond-c4-one-line"]
    assert relu.test(3.4) and not relu.test(0) and not relu.test(3.6)
    assert c4.test(1) and not c4.test(0) and not c4.test(2)
    assert all(c.note for c in CHAPTER.claims if c.origin == "measured")


# ---------------------------------------------------------------- C2, C3, C4, C6


def _c5_points(n=40, seed=0):
    return core.c5_data(n, seed)


@pytest.mark.parametrize("act,p", [("tanh", 1), ("xtanh", 2), ("x2tanh", 3)])
def test_initial_field_has_p_lines(act, p):
    x, y = _c5_points()
    assert len(var.field_lines(act, x, y, radius=1e-3)) == p


def test_xtanh_field_lines_are_eigenvectors():
    """Near 0, x·tanh has σ'(z) ≈ 2z, so θ̇ ≈ (4/n) M θ with M = Σ y_i x̃_i x̃_iᵀ: radial exactly on M's eigenvectors."""
    x, y = _c5_points(seed=3)
    xt = np.c_[x.numpy()[:, 0], np.ones(len(x))].astype(float)
    _, vecs = np.linalg.eigh((xt * y.numpy()).T @ xt)
    expected = sorted(np.degrees(np.arctan2(vecs[1], vecs[0])) % 180.0)
    got = var.field_lines("xtanh", x, y, radius=1e-4, n_angles=36000)
    assert np.allclose(got, expected, atol=0.05)


def test_velocity_is_minus_gradient():
    x, y = _c5_points(n=7)
    theta = np.array([[0.3, -0.2], [-0.1, 0.05]])
    v = var.velocity("tanh", x, y, theta)
    for k in range(2):
        th = torch.tensor(theta[k], dtype=torch.float64, requires_grad=True)
        z = x.double()[:, 0] * th[0] + th[1]
        # L = mean((y − a σ(z))²) with a = 1, around f ≈ 0: −∂L/∂θ at the residual r = y
        loss = -(2 * y.double()[:, 0] * torch.tanh(z)).mean()
        (g,) = torch.autograd.grad(loss, th)
        assert np.allclose(v[k], -g.numpy())


def test_residual_net_structure():
    net = var.ResidualNet(3, 6, ["tanh", "x2tanh", "sigmoid"])
    x = torch.randn(5, 3)
    assert net(x).shape == (5, 1)
    with torch.no_grad():  # zero weights in layer 2 and 3: h stays h₁ plus σ(0) terms
        for layer in net.layers[1:]:
            layer.weight.zero_()
            layer.bias.zero_()
        h1 = torch.tanh(net.layers[0](x))
        expected = net.output(h1 + 0.0 + 0.5)  # x²·tanh(0) = 0, sigmoid(0) = 1/2
        assert torch.allclose(net(x), expected)
    with pytest.raises(ValueError):
        var.ResidualNet(3, 6, [])


def test_c2_rejects_mismatched_epochs():
    cfg = CHAPTER.config("smoke", c2={"epochs": [1, 2]})
    with pytest.raises(ValueError, match="same length"):
        var.run_c2(cfg, 0)


def test_digits_ship_with_sklearn():
    x, y, what = var.load_dataset("digits", 100)
    assert x.shape == (100, 64) and y.shape == (100, 1)
    assert float(x.min()) >= 0.0 and float(x.max()) <= 1.0
    assert "ships with scikit-learn" in what
    with pytest.raises(ValueError, match="valid: digits, mnist"):
        var.load_dataset("cifar")


def test_mnist_without_network_says_what_to_do(monkeypatch):
    import sklearn.datasets

    def offline(*args, **kwargs):
        raise OSError("no route to host")

    monkeypatch.setattr(sklearn.datasets, "fetch_openml", offline)
    with pytest.raises(RuntimeError, match="digits"):
        var.load_dataset("mnist")


def test_normalized_input_weights_drops_small_neurons():
    lin = torch.nn.Linear(2, 3)
    with torch.no_grad():
        lin.weight.copy_(torch.tensor([[3.0, 0.0], [0.01, 0.0], [0.0, 1.0]]))
        lin.bias.copy_(torch.tensor([4.0, 0.0, 0.0]))
    u = core.normalized_input_weights(lin, min_norm=0.04)
    assert u.shape == (2, 3)
    assert np.allclose(u[0], [0.6, 0.0, 0.8])


def test_sensitivity_tables_have_one_column_per_setting():
    cfg = CHAPTER.config("smoke", c1={"activations": ["relu", "xtanh"]}, c2={"enabled": False},
                         c3={"enabled": False}, c4={"enabled": False}, c5={"enabled": False}, sweep={"gammas": []},
                         lr_sensitivity={"lrs": [8e-4]}, epochs_sensitivity={"epochs": [30]})
    res = CHAPTER.run(cfg)
    lr = plots.sensitivity_table(res, "lr")
    assert list(lr.columns) == ["lr 0.001", "lr 0.0008"] and list(lr.index) == ["ReLU"]
    ep = plots.sensitivity_table(res, "epochs")
    assert list(ep.columns) == ["epochs 100", "epochs 30"] and list(ep.index) == ["x·tanh (2p = 4)"]
    assert "epochs/xtanh/epochs_30/directions_mean" in res.metrics
    assert "lr/relu/lr_0.0008/directions_mean" in res.metrics
    assert CHAPTER.check_metrics(res.metrics, cfg) == []
