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
