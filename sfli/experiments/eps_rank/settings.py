"""Chapter 1's settings per profile, as data. Groups: one per check; ``eps`` is the book's ε (our choice)."""
from __future__ import annotations

import numpy as np

from ...eps_rank import DEFAULT_EPS

_COMMON = {"eps": DEFAULT_EPS, "eps_list": [1e-2, 1e-3, 1e-4, 1e-6, 1e-8, 1e-10]}

SETTINGS: dict[str, dict] = {
    "smoke": {**_COMMON, "n_seeds": 2,
              "hilbert": {"kmax": 14, "nodes": 64, "mp_dps": 60},
              "legendre": {"n": 16, "nodes": [4, 8, 12, 16, 32, 64]},
              "duplicates": {"width": 16, "nodes": 512, "q": [0, 1, 2, 4, 8], "gamma_factor": 4.0},
              "near": {"q": 2, "deltas": [1e-6, 1e-4, 1e-3, 1e-2, 3e-2, 1e-1, 3e-1], "fit_max": 1e-2},
              "sensitivity": {"width": 64, "nodes": [4, 8, 16, 32, 64, 128, 256, 512, 1024],
                              "inits": ["sfli", "xavier_normal", "pytorch_default"], "eps_decades": [-1, -8],
                              "eps_per_decade": 2},
              "timing": {"width": 0, "points": 0, "device": "auto"}},
    "ci": {**_COMMON, "n_seeds": 5,
           "hilbert": {"kmax": 24, "nodes": 64, "mp_dps": 60},
           "legendre": {"n": 64, "nodes": [8, 16, 32, 48, 64, 96, 128, 256]},
           "duplicates": {"width": 32, "nodes": 1024, "q": [0, 1, 2, 4, 8, 16], "gamma_factor": 4.0},
           "near": {"q": 4, "deltas": [float(d) for d in np.logspace(-6, -0.5, 12)], "fit_max": 1e-2},
           "sensitivity": {"width": 128, "nodes": [4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048],
                           "inits": ["sfli", "xavier_normal", "pytorch_default"], "eps_decades": [-1, -8],
                           "eps_per_decade": 4},
           "timing": {"width": 2048, "points": 100_000, "device": "auto"}},
    "paper": {**_COMMON, "n_seeds": 10,
              "hilbert": {"kmax": 29, "nodes": 64, "mp_dps": 80},
              "legendre": {"n": 256, "nodes": [32, 64, 128, 192, 256, 384, 512, 1024]},
              "duplicates": {"width": 64, "nodes": 2048, "q": [0, 1, 2, 4, 8, 16, 32], "gamma_factor": 4.0},
              "near": {"q": 8, "deltas": [float(d) for d in np.logspace(-6, -0.5, 23)], "fit_max": 1e-2},
              "sensitivity": {"width": 256, "nodes": [2**k for k in range(2, 13)],
                              "inits": ["sfli", "xavier_normal", "pytorch_default"], "eps_decades": [-1, -8],
                              "eps_per_decade": 4},
              "timing": {"width": 2048, "points": 100_000, "device": "auto"}},
}
