"""Chapter 8's settings per profile, as data. Every value is our choice [ours]: the paper's PDE benchmarks and
training settings are unknown (../shared/papers/sfli.md).

* ``n_seeds`` seeds for the main comparison; the side studies (γ sweep, placements, learning-rate grid, one line)
  use the first ``side_seeds`` of them (a budget choice at ``ci``).
* ``problems`` — the PDEs (keys of :data:`.runs.PROBLEMS`); ``archs`` — the nets (``"mlp"``, ``"modified_mlp"``,
  ``"pirate"``); ``inits`` — ``"sfli"`` (SFLI where ``apply_sfli`` puts it, Xavier normal elsewhere) and the
  plain baselines ``"xavier_normal"`` (jaxpi's, the book's default) and ``"pytorch_default"`` (every layer).
* ``net`` — ``width``; ``depth`` hidden layers of the MLP and modified MLP; ``blocks`` residual blocks of
  PirateNet (3 dense layers each) with a random Fourier embedding of scale ``fourier_scale`` and random weight
  factorization ``rwf`` = (mean, std) (jaxpi's PirateNet; ``[]`` for none).
* ``points`` — collocation points per term (:mod:`sfli.pdes`), drawn once per seed (``sampling``).
* ``pde`` — the problems' parameters: the high frequency k of the multi-scale Poisson solution
  (``poisson_wave``), the y-frequency a₂ of the Helmholtz solution (``helmholtz_a2``), the final times T of
  Allen–Cahn and Burgers (``allen_cahn_T``, ``burgers_T``). At ``ci`` the easier variants k = 4, a₂ = 2 and
  T = 0.25 for Allen–Cahn fit the budget (measured before the runs: with k = 8 and a₂ = 4 no initialization gets
  below relative error 1 in 500 steps); ``paper`` has the standard k = 8, a₂ = 4, T = 1.
* ``train`` — full-batch ``optimizer`` for ``steps`` steps at learning rate ``lr`` (the same for every
  initialization within a comparison), multiplied by ``decay`` every ``decay_every`` steps; records at log-spaced
  steps (``n_log``) and every ``record_every``; error and ε-ranks on a Gauss–Legendre grid of ``quadrature_n``²
  points. ``derivative_order`` — the k of SFLI's default γ in the main runs (:func:`sfli.init.default_gamma`).
* ``levels`` — relative L² error levels of "steps (and seconds) to reach"; the claims use the first.
* ``gamma`` — the γ sweep on ``arch`` for every problem: γ = factor × γ_0 (γ_0 the k = 0 default) for each of
  ``factors``, and each ``orders`` rule γ_k at factor 1.
* ``placement`` — SFLI's ``where=`` options (:data:`sfli.placement.WHERE`) on PirateNet on ``problem``.
* ``lr_grid`` — every init at each of ``lrs`` on ``problem`` × ``arch``.
* ``one_line`` — the plain PirateNet script with and without ``apply_sfli`` (:mod:`.one_line`).
* ``picture`` — points per axis of the solution / reference / error heat maps.
"""
from __future__ import annotations

from typing import Any

from ...eps_rank import DEFAULT_EPS
from ..settings import derive

PROBLEM_NAMES = ["poisson", "helmholtz", "allen_cahn", "burgers"]
ARCHS = ["mlp", "modified_mlp", "pirate"]
INITS = ["sfli", "xavier_normal", "pytorch_default"]

_BASE: dict[str, Any] = {
    "n_seeds": 2,
    "side_seeds": 2,
    "threads": 1,
    "eps": DEFAULT_EPS,
    "problems": list(PROBLEM_NAMES),
    "archs": list(ARCHS),
    "inits": list(INITS),
    "net": {"width": 32, "depth": 2, "blocks": 1, "fourier_scale": 1.0, "rwf": [1.0, 0.1]},
    "points": {"n_interior": 256, "n_boundary": 64, "n_initial": 64, "sampling": "random"},
    "pde": {"poisson_wave": 4.0, "helmholtz_a2": 2.0, "allen_cahn_T": 0.25, "burgers_T": 1.0},
    "train": {"optimizer": "adam", "steps": 400, "lr": 1e-3, "decay": 1.0, "decay_every": 1000, "n_log": 10,
              "record_every": 100, "quadrature_n": 32, "derivative_order": 2},
    "levels": [0.5, 0.1],
    "gamma": {"arch": "mlp", "factors": [0.1, 1.0, 10.0], "orders": [2]},
    "placement": {"problem": "helmholtz", "where": ["first", "encoders", "embedding"]},
    "lr_grid": {"problem": "helmholtz", "arch": "mlp", "lrs": [3e-4, 1e-3, 3e-3]},
    "one_line": {"steps": 400, "lr": 1e-3},
    "picture": 48,
}

SETTINGS: dict[str, dict[str, Any]] = {
    "smoke": derive(_BASE, problems=["helmholtz", "burgers"], archs=["mlp", "pirate"],
                    net={"width": 8}, points={"n_interior": 32, "n_boundary": 16, "n_initial": 16},
                    train={"steps": 12, "n_log": 3, "record_every": 6, "quadrature_n": 8},
                    placement={"where": ["first", "embedding"]},
                    lr_grid={"lrs": [1e-3, 3e-3]}, one_line={"steps": 5}, picture=8),
    "ci": derive(_BASE),
    "paper": derive(_BASE, n_seeds=5, side_seeds=3, threads=0, net={"width": 256, "depth": 4, "blocks": 3},
                    points={"n_interior": 8192, "n_boundary": 512, "n_initial": 512},
                    pde={"poisson_wave": 8.0, "helmholtz_a2": 4.0, "allen_cahn_T": 1.0},
                    train={"steps": 20000, "decay": 0.9, "decay_every": 2000, "n_log": 40, "record_every": 500,
                           "quadrature_n": 128},
                    levels=[0.1, 0.01],
                    gamma={"factors": [0.03, 0.1, 0.3, 1.0, 3.0, 10.0, 30.0], "orders": [1, 2]},
                    lr_grid={"lrs": [1e-4, 3e-4, 1e-3, 3e-3]}, one_line={"steps": 20000}, picture=128),
}
