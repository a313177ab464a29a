"""Chapter 2's settings per profile, as data.

The main grid: ``activations`` × ``dims`` × ``widths`` × ``n_seeds`` nets of ``depth`` hidden layers per method
(SFLI, every ``baselines`` entry, ``placement``: SFLI with quasi placement, ``sfli_on``: SFLI's first layer on the
hidden layers of these baselines); ε = ``eps``; ``nodes``: Gauss–Legendre nodes per axis for d = 1, 2, 3;
``device``: "cpu", "cuda" or "auto". Groups:

* ``quad_check`` — the largest width recomputed with ``factor`` × the nodes per axis, for ``methods``;
* ``gamma`` — the γ sweep: γ = c·γ_default for c in ``multipliers``, SFLI nets of ``width`` for ``activations``
  × ``dims``; its first seed recomputed with ``check_factor`` × the nodes per axis;
* ``figure`` — the 1-D and 2-D pictures of the first layer: ``width`` neurons, ``points`` plot points;
* ``transitions`` — the hyperplane statistics: ``width`` neurons per layer.
"""
from __future__ import annotations

from ...eps_rank import DEFAULT_EPS
from ...init import BASELINES

_MULTIPLIERS = [float(2.0**k) for k in range(-5, 6)]  # 1/32 … 32

SETTINGS: dict[str, dict] = {
    "smoke": {
        "activations": ["tanh", "relu"], "dims": [1, 2], "widths": [16, 32], "depth": 4, "n_seeds": 1,
        "eps": DEFAULT_EPS, "nodes": [256, 24, 12], "baselines": list(BASELINES), "placement": True,
        "sfli_on": ["kaiming_normal"], "device": "cpu",
        "quad_check": {"factor": 1.5, "methods": ["sfli"]},
        "gamma": {"activations": ["tanh", "relu"], "dims": [1], "width": 32, "multipliers": [0.125, 1.0, 8.0],
                  "check_factor": 1.5},
        "figure": {"width": 16, "points": 201},
        "transitions": {"width": 128},
    },
    "ci": {
        "activations": ["tanh", "sin", "relu", "gelu"], "dims": [1, 2, 3], "widths": [16, 32, 64, 128, 256, 512],
        "depth": 4, "n_seeds": 2, "eps": DEFAULT_EPS, "nodes": [2048, 48, 16], "baselines": list(BASELINES),
        "placement": True, "sfli_on": ["kaiming_normal"], "device": "cpu",
        "quad_check": {"factor": 1.5, "methods": ["sfli", "kaiming_normal"]},
        "gamma": {"activations": ["tanh", "sin", "relu", "gelu"], "dims": [1, 2], "width": 128,
                  "multipliers": _MULTIPLIERS, "check_factor": 1.5},
        "figure": {"width": 16, "points": 401},
        "transitions": {"width": 512},
    },
    "paper": {
        "activations": ["tanh", "sigmoid", "sin", "relu", "gelu", "gaussian"], "dims": [1, 2, 3],
        "widths": [16, 32, 64, 128, 256, 512, 1024, 2048], "depth": 4, "n_seeds": 10, "eps": DEFAULT_EPS,
        "nodes": [8192, 128, 40], "baselines": list(BASELINES), "placement": True,
        "sfli_on": ["pytorch_default", "xavier_uniform", "kaiming_uniform", "kaiming_normal", "small_gaussian"],
        "device": "auto",
        "quad_check": {"factor": 1.5, "methods": ["sfli", "kaiming_normal", "pytorch_default"]},
        "gamma": {"activations": ["tanh", "sigmoid", "sin", "relu", "gelu", "gaussian"], "dims": [1, 2, 3],
                  "width": 256, "multipliers": [float(2.0 ** (k / 2)) for k in range(-10, 11)], "check_factor": 1.5},
        "figure": {"width": 16, "points": 801},
        "transitions": {"width": 2048},
    },
}
