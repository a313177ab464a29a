"""Tests of the condensation chapter: multiplicities, the new activations, the orientation count."""
import math

import numpy as np
import pytest
import torch

from sfli.experiments import condensation as exp
from sfli.experiments.condensation_acts import ACTS, PAPER_P, Act, multiplicity, x2tanh, xtanh


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
    c = exp.count_orientations(u, 0.9, 0.05)
    assert c["directions"] == 2 * n_lines + n_single
    assert c["lines"] == n_lines + n_single
    assert len(dirs) * 10 / len(u) <= c["share"] <= (len(dirs) * 10 + 3) / len(u)  # a noise row may join


def test_no_condensation_for_random_directions():
    u = _clusters([np.ones(12)], per=0, m_noise=50)
    assert exp.count_orientations(u, 0.9, 0.05)["directions"] == 0


def test_config_rejects_unknown():
    with pytest.raises(ValueError):
        exp.config("ci", nope=1)
    assert exp.config("smoke")["n_seeds"] == 2


def test_smoke_run_condenses_tanh():
    cfg = exp.config("smoke", activations=["tanh"], c5=False, gammas=[3.0], quadrature_n=128)
    res = exp.run(cfg)
    m = res.metrics
    assert m["c1/tanh/small/lines_mean"] == 1.0
    assert m["c1/tanh/common/directions_mean"] <= 1
    assert m["c1/tanh/small/eps_rank_mean"] < m["c1/tanh/common/eps_rank_mean"]
    assert all(isinstance(v, (int, float)) for v in m.values())


# ---------------------------------------------------------------- C2, C3, C4, C6

from sfli.experiments import condensation_variants as var  # noqa: E402


def _c5_points(n=40, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = -1.0 + 2.5 * torch.rand(n, 1, generator=g)
    return x, exp.c5_target(x)


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
    cfg = exp.config("smoke", c2_epochs=[1, 2])
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
    u = exp.normalized_input_weights(lin, min_norm=0.04)
    assert u.shape == (2, 3)
    assert np.allclose(u[0], [0.6, 0.0, 0.8])


def test_sensitivity_tables_have_one_column_per_setting():
    cfg = exp.config("smoke", activations=["relu", "xtanh"], c2=False, c3=False, c4=False, c5=False, gammas=[],
                     lr_alternatives=[8e-4], epochs_alternatives=[30])
    res = exp.run(cfg)
    lr = exp.sensitivity_table(res, "lr", "lr", cfg["lr_activations"])
    assert list(lr.columns) == ["lr 0.001", "lr 0.0008"] and list(lr.index) == ["ReLU"]
    ep = exp.sensitivity_table(res, "epochs", "epochs", cfg["epochs_activations"])
    assert list(ep.columns) == ["epochs 100", "epochs 30"] and list(ep.index) == ["x·tanh (2p = 4)"]
    assert "epochs/xtanh/epochs_30/directions_mean" in res.metrics
    assert "lr/relu/lr_0.0008/directions_mean" in res.metrics
