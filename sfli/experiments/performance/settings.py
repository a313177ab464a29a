"""The appendix's settings per profile, as data. Groups:

* ``agreement`` — the float64 check of the forward engine against nested autograd: ``activations`` (one unit
  each) and the number of random ``points``;
* ``speed`` — the step benchmark's grid ``problems × nets × points`` (one unit per configuration) and its
  ``variants`` (:data:`.benchmark.VARIANTS`; CUDA-only ones are skipped on a CPU); compiled variants only for
  ``compile_only`` = [problem, net, points] (compiling costs ~20 s per configuration on the 2-core CPU;
  [] = everywhere); the median of ``repeats`` steps after ``warmup``; ``jax``: add the JAX reference rows when
  jax is installed; ``target``: measure the book's target configuration (:data:`.runs.TARGET`, added to the grid
  if missing) and record its ``time/target/…`` metrics — on only at ``paper``, the profile run on a GPU.

``threads``: torch threads (0: all). One seed (no ``n_seeds``): it draws the agreement check's weights and points
and the benchmarked nets' weights and points.
"""
from __future__ import annotations

from . import benchmark

_AGREEMENT = {"activations": ["tanh", "sin", "gelu", "softplus", "relu"], "points": 64}
_SPEED = {"problems": ["poisson2d", "heat1d"], "nets": ["mlp4x128", "modified_mlp4x128", "pirate2x128"],
          "points": [1024], "variants": ["autograd-eager", "forward-eager", "forward-compile"],
          "compile_only": ["poisson2d", "mlp4x128", 1024], "repeats": 20, "warmup": 3, "jax": False,
          "target": False}

SETTINGS: dict[str, dict] = {
    "smoke": {"threads": 1,
              "agreement": {**_AGREEMENT, "activations": ["tanh", "relu"], "points": 16},
              "speed": {**_SPEED, "problems": ["poisson2d"], "nets": ["mlp4x128"], "points": [128],
                        "variants": ["autograd-eager", "forward-eager"], "compile_only": [], "repeats": 3,
                        "warmup": 1}},
    "ci": {"threads": 1, "agreement": dict(_AGREEMENT), "speed": dict(_SPEED)},
    "paper": {"threads": 0, "agreement": dict(_AGREEMENT),
              "speed": {**_SPEED, "nets": list(benchmark.NETS), "points": [1024, 8192],
                        "variants": list(benchmark.VARIANTS), "compile_only": [], "repeats": 200, "warmup": 10,
                        "jax": True, "target": True}},
}
