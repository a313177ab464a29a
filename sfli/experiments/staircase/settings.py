"""Chapter 3's settings per profile, as data (every value is our choice; the paper's are unknown).

Top level: ``eps`` (the book's ε for every recorded ε-rank), ``optimizer`` and ``n_log`` (log-spaced early records)
of every training run, ``threads`` (torch threads while training; 0: leave as is), ``n_seeds``; the S1 grid
``depths`` × ``widths``; ``activations`` (S3), ``placements`` of SFLI's first layer (S4), ``resnet`` (S7 on/off).
Groups:

* ``regression`` — the 1-D fit (S1–S4, S7, sensitivity): target ``frequencies``, ``n_train`` points,
  ``quadrature_n`` Gauss nodes for the ε-ranks and the error, Adam at ``lr`` for ``steps`` full-batch steps, ranks
  recorded every ``record_every`` steps; ``levels``: the loss levels of "steps to reach";
* ``main`` — the main net (S2–S4, S7): ``depth`` × ``width``;
* ``sens`` — the ε sensitivity: the small S1 net ``depth`` × ``width`` re-trained at each ε of ``eps`` (the book's
  ε first);
* ``alignment`` — windows of ±``k`` recorded intervals around a rank jump; the local null over
  ``local_shifts`` shifts (:func:`.analysis.alignment`);
* ``pinn`` — S5, the 2-D Poisson PINN: ``sfli.problems.Poisson2D`` sizes, the net, its training and ``levels``
  (``quadrature_n`` nodes per axis);
* ``rfm`` — S6, ``sfli.rfm.solve`` arguments (``scales`` swept) and ``eps_list``, the further ε at which the
  random features' ε-ranks are counted.
"""
from __future__ import annotations

from ...eps_rank import DEFAULT_EPS

_COMMON = {"eps": DEFAULT_EPS, "optimizer": "adam", "n_log": 40, "threads": 1, "resnet": True,
           "activations": ["tanh", "relu", "elu", "cos"], "placements": ["random", "quasi"]}
_REGRESSION = {"frequencies": [1, 2, 4, 8], "n_train": 256, "quadrature_n": 256, "lr": 1e-3}
_SENS_EPS = [DEFAULT_EPS, 1e-2, 1e-4]
_RFM = {"n_features": 900, "subdomains": 3, "activations": ["tanh", "cos"], "problem": "poisson",
        "eps_list": [1e-2, 1e-4]}

SETTINGS: dict[str, dict] = {
    "smoke": {**_COMMON, "n_seeds": 2, "n_log": 10, "depths": [2], "widths": [12],
              "regression": {**_REGRESSION, "steps": 300, "record_every": 20, "levels": [0.5, 1e-3]},
              "main": {"depth": 2, "width": 12},
              "sens": {"depth": 2, "width": 12, "eps": list(_SENS_EPS)},
              "alignment": {"k": 1, "local_shifts": 3},
              "pinn": {"width": 12, "depth": 2, "n_interior": 64, "n_boundary": 32, "steps": 60, "lr": 1e-3,
                       "record_every": 20, "quadrature_n": 12, "levels": [100.0, 30.0]},
              "rfm": {**_RFM, "n_features": 90, "scales": [1.0], "quadrature_n": 24}},
    "ci": {**_COMMON, "n_seeds": 3, "depths": [2, 4], "widths": [25, 50],
           "regression": {**_REGRESSION, "steps": 5000, "record_every": 50, "levels": [1e-2, 1e-3]},
           "main": {"depth": 4, "width": 50},
           "sens": {"depth": 2, "width": 25, "eps": list(_SENS_EPS)},
           "alignment": {"k": 1, "local_shifts": 10},
           "pinn": {"width": 32, "depth": 2, "n_interior": 512, "n_boundary": 128, "steps": 1500, "lr": 1e-3,
                    "record_every": 50, "quadrature_n": 32, "levels": [1.0, 0.3]},
           "rfm": {**_RFM, "scales": [1.0, 3.0], "quadrature_n": 64}},
    "paper": {**_COMMON, "n_seeds": 10, "threads": 0, "depths": [2, 4], "widths": [25, 50, 100],
              "activations": ["tanh", "relu", "elu", "cos", "sin", "gelu"],
              "regression": {**_REGRESSION, "quadrature_n": 512, "steps": 20000, "record_every": 100,
                             "levels": [1e-2, 1e-3, 1e-4]},
              "main": {"depth": 4, "width": 50},
              "sens": {"depth": 2, "width": 25, "eps": list(_SENS_EPS)},
              "alignment": {"k": 1, "local_shifts": 10},
              "pinn": {"width": 64, "depth": 3, "n_interior": 2048, "n_boundary": 512, "steps": 10000,
                       "lr": 1e-3, "record_every": 100, "quadrature_n": 48, "levels": [1.0, 0.1, 0.01]},
              "rfm": {**_RFM, "scales": [0.5, 1.0, 2.0, 4.0, 8.0], "quadrature_n": 96}},
}
