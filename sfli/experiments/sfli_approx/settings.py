"""Chapter 6's settings per profile, as data. Every value is our choice [ours]: the paper's benchmarks are unknown.

* ``cells`` — the (target, activation) pairs compared, as ``"target/activation"``; targets in :data:`.runs.TARGETS`.
* ``methods`` — the initializations: ``"sfli"`` (SFLI first layer, Xavier normal elsewhere), the plain baselines
  (``"xavier_normal"``, ``"kaiming_normal"``, ``"pytorch_default"``: every layer) and ``"rff"`` (a random Fourier
  feature embedding at the input, Xavier normal MLP on top).
* ``net`` — MLP ``width`` × ``depth`` (hidden layers); ``train`` — full-batch ``optimizer`` for ``steps`` steps at
  each learning rate of ``lrs`` (the best per cell and method is taken: lowest median final error over the
  seeds), records log-spaced (``n_log``) and every ``record_every`` steps.
* ``levels`` — relative L² error levels of "steps (and seconds) to reach"; the claims use the first.
  ``band_level`` — a frequency band has converged when its band error first falls below it.
* ``sensitivity`` — on one cell at learning rate ``lr``: SFLI's γ (random placement) and the RFF scale times each
  of ``factors``; SFLI's ``placements`` at the default γ.
* ``one_line`` — the plain PyTorch script with and without ``apply_sfli`` (:mod:`.one_line`).
"""
from __future__ import annotations

from typing import Any

from ..settings import derive
from ...eps_rank import DEFAULT_EPS

METHODS = ["sfli", "xavier_normal", "kaiming_normal", "pytorch_default", "rff"]

# ci: two seeds, so that the chapter runs in under six minutes on two cores (issue 13); three took 414 s.
_BASE: dict[str, Any] = {
    "n_seeds": 2,
    "threads": 1,
    "eps": DEFAULT_EPS,
    "cells": ["sines1d/tanh", "sines1d/sin", "sines1d/relu", "sines1d/gelu", "step1d/tanh", "sines2d/tanh",
              "sines4d/tanh"],
    "methods": list(METHODS),
    "net": {"width": 64, "depth": 3},
    "train": {"optimizer": "adam", "steps": 1000, "lrs": [1e-3, 3e-3], "n_log": 20, "record_every": 50},
    "levels": [0.1, 0.03],
    "band_level": 0.1,
    "sensitivity": {"cell": "sines1d/tanh", "factors": [0.25, 0.5, 1.0, 2.0, 4.0], "placements": ["random", "quasi"],
                    "lr": 1e-3},
    "one_line": {"steps": 1000, "lr": 1e-3},
}



_ALL_CELLS = [f"{t}/{a}" for t in ("sines1d", "bump1d", "step1d", "sines2d", "sines4d")
              for a in ("tanh", "sin", "relu", "gelu")]

SETTINGS: dict[str, dict[str, Any]] = {
    "smoke": derive(_BASE, cells=["sines1d/tanh", "sines2d/tanh"], net={"width": 16},
                      train={"steps": 60, "n_log": 6, "record_every": 20},
                      sensitivity={"factors": [0.5, 1.0]},
                      one_line={"steps": 60}),
    "ci": derive(_BASE),
    "paper": derive(_BASE, n_seeds=5, threads=0, cells=_ALL_CELLS, net={"width": 128, "depth": 4},
                      train={"steps": 10000, "lrs": [3e-4, 1e-3, 3e-3], "n_log": 40, "record_every": 200},
                      levels=[0.1, 0.03, 0.01],
                      sensitivity={"factors": [0.125, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0]},
                      one_line={"steps": 5000}),
}
