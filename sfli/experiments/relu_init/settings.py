"""The ReLU-initialization chapter's settings per profile, as data. Every value is ours [ours] unless its comment
says otherwise: the papers' own settings are not known to us (../shared/papers/relu-inits.md)."""
from __future__ import annotations

from typing import Any

from ..settings import derive

_METHODS = ["kaiming_normal", "rai", "lps", "anticorrelated", "anticorrelated_rai"]

_BASE: dict[str, Any] = {
    "n_seeds": 8,  # nets per scheme in the teacher–student and data-set runs (batched in one unit)
    "threads": 1,
    "methods": list(_METHODS),
    "k": -0.5,  # the anti-correlation of the anti-correlated and combined schemes [ours]
    # 1. Born dead: n_nets fresh nets per (scheme, width), in units of `chunk`, input x ∈ [−√3, √3] on n_grid points;
    # a net of depth L is born dead when one of its first L hidden layers is constant on the grid.
    "born_dead": {"widths": [2, 3, 4, 6, 8, 10], "depth": 50, "n_nets": 1000, "chunk": 1000, "n_grid": 64},
    # 2. Collapse after training: n_runs nets per (target, scheme), full-batch Adam at lr for `steps` steps on n_train
    # grid points; collapsed when std(f)/std(target) on n_eval points is below `threshold` (also shown at
    # `thresholds`). Width 2 for the 1-D targets [secondary: depth 10, width 2 for |x|], width_2d for the 2-D one.
    "collapse": {"targets": ["abs", "xsin5x", "step_sin", "abs2d"], "depth": 10, "width": 2, "width_2d": 4,
                 "n_runs": 100, "chunk": 100, "n_train": 32, "n_eval": 256, "steps": 1000, "lr": 1e-3,
                 "threshold": 1e-2, "thresholds": [1e-3, 1e-1], "lps_he": True},
    # 3. Mean field: the one-layer map simulated at width n_in → n_out for each k at n_c correlations (mean of `draws`); c_l through
    # `depth` layers of each width for every scheme (n_nets nets, inputs of correlation c0); the phase diagram.
    "meanfield": {"ks": [0.0, -0.25, -0.5, -1.0], "n_c": 9, "n_in": 1000, "n_out": 1000, "draws": 64, "depth": 50,
                  "widths": [10, 128], "n_nets": 8, "c0": 0.2, "phase_sigma_b2": 0.1, "phase_n": 61},
    # 4. Teacher–student: x ~ N(0, I_dim), the teacher a He net of the same shape (output standardized), full-batch
    # Adam; `level`: the loss the speed-up is measured at; `ks`: the anti-correlation's sensitivity.
    "teacher": {"dim": 10, "depth": 20, "width": 32, "n_train": 128, "steps": 600, "lr": 1e-3, "level": 0.1,
                "ks": [-1.0]},
    # 5. A data set: deep-narrow (depth 50, width 10) [secondary] for every scheme, shallow-wide (depth 2, width
    # 1024) [secondary] for `wide_methods`; mini-batch Adam; "digits" ships with scikit-learn, "mnist" downloads.
    "digits": {"dataset": "digits", "n_train": 0, "deep": [50, 10], "wide": [2, 1024],
               "wide_methods": ["kaiming_normal", "rai"], "wide_seeds": 2, "epochs": 20, "batch": 128, "lr": 1e-3},
}



SETTINGS: dict[str, dict[str, Any]] = {
    "smoke": derive(_BASE, n_seeds=2,
                      born_dead={"widths": [2, 4], "depth": 12, "n_nets": 64, "chunk": 64, "n_grid": 32},
                      collapse={"targets": ["abs", "abs2d"], "n_runs": 16, "chunk": 16, "steps": 100, "n_eval": 64},
                      meanfield={"ks": [0.0, -0.5], "n_c": 5, "draws": 32, "depth": 12,
                                 "widths": [16], "n_nets": 2, "phase_n": 11},
                      teacher={"depth": 6, "width": 16, "n_train": 64, "steps": 60, "ks": []},
                      digits={"n_train": 256, "deep": [8, 10], "wide": [2, 64], "wide_seeds": 1, "epochs": 2}),
    "ci": derive(_BASE),
    "paper": derive(_BASE, n_seeds=20, threads=0,
                      born_dead={"depth": 100, "n_nets": 10000, "chunk": 2500, "n_grid": 128},
                      collapse={"n_runs": 1000, "chunk": 250, "n_train": 128, "steps": 10000, "n_eval": 1024},
                      meanfield={"n_in": 2000, "n_out": 2000, "draws": 256, "depth": 100, "widths": [10, 256, 1024],
                                 "n_nets": 32, "phase_n": 121},
                      teacher={"depth": 50, "width": 100, "n_train": 1024, "steps": 5000, "ks": [-0.25, -0.75, -1.0]},
                      digits={"dataset": "mnist", "wide_methods": list(_METHODS), "wide_seeds": 5, "epochs": 20}),
}
