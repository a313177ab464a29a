"""The chapter's targets and data sets.

Collapse targets [secondary: the targets of Lu, Su, Karniadakis, arXiv:1808.04947, as a summary gives them]:
|x|, x·sin(5x), 1{x>0} + 0.2 sin(5x) on [−√3, √3] and (|x1 + x2|, |x1 − x2|) on [−√3, √3]² [ours: the domain,
unit variance per input coordinate]. Data sets: scikit-learn's 8×8 digits (ships with the package) or MNIST
(downloaded through ``sklearn.datasets.fetch_openml``).
"""
from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
import torch

TARGETS = ("abs", "xsin5x", "step_sin", "abs2d")
TARGET_LABELS = {"abs": "|x|", "xsin5x": "x·sin(5x)", "step_sin": "1{x>0} + 0.2 sin(5x)",
                 "abs2d": "(|x₁+x₂|, |x₁−x₂|)"}
DATASETS = ("digits", "mnist")
HALF = math.sqrt(3.0)


def target_dims(name: str) -> tuple[int, int]:
    """(d_in, d_out) of a target."""
    if name not in TARGETS:
        raise ValueError(f"unknown target {name!r}; valid: {', '.join(TARGETS)}")
    return (2, 2) if name == "abs2d" else (1, 1)


def target(name: str, x: torch.Tensor) -> torch.Tensor:
    """The target's values (n, d_out) at ``x`` (n, d_in)."""
    target_dims(name)
    if name == "abs":
        return x.abs()
    if name == "xsin5x":
        return x * torch.sin(5 * x)
    if name == "step_sin":
        return (x > 0).to(x.dtype) + 0.2 * torch.sin(5 * x)
    return torch.cat([(x[:, :1] + x[:, 1:]).abs(), (x[:, :1] - x[:, 1:]).abs()], 1)


def grid(d_in: int, n: int, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """About ``n`` equispaced points of [−√3, √3]^d_in (a tensor grid of ⌈n^(1/d)⌉ points per side)."""
    side = torch.linspace(-HALF, HALF, max(2, math.ceil(n ** (1.0 / d_in))), dtype=dtype)
    return torch.cartesian_prod(*([side] * d_in)).reshape(-1, d_in)


@lru_cache(maxsize=2)
def load_dataset(name: str, n_train: int = 0) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor, str]:
    """(x_train, y_train, x_test, y_test, description): features standardized on the training split, labels as
    class indices; ``n_train`` > 0 keeps the first ``n_train`` training samples. "digits": 1 797 images of 8×8,
    a fixed 80/20 split; "mnist": 60 000 + 10 000 images of 28×28 (a download)."""
    if name not in DATASETS:
        raise ValueError(f"unknown data set {name!r}; valid: {', '.join(DATASETS)}")
    if name == "digits":
        from sklearn.datasets import load_digits
        from sklearn.model_selection import train_test_split

        x, y = load_digits(return_X_y=True)
        x_tr, x_te, y_tr, y_te = train_test_split(x, y, test_size=0.2, random_state=0, stratify=y)
        what = "scikit-learn's 8×8 digits (ships with scikit-learn): 1 437 training, 360 test images"
    else:
        from sklearn.datasets import fetch_openml

        try:
            x, y = fetch_openml("mnist_784", version=1, return_X_y=True, as_frame=False)
        except Exception as err:  # no network, no cache: say what to do instead
            raise RuntimeError(f"MNIST could not be downloaded ({type(err).__name__}: {err}); run the chapter on "
                               "scikit-learn's digits instead: digits={'dataset': 'digits'} (it ships with "
                               "scikit-learn and needs no download)") from err
        y = y.astype(int)
        x_tr, x_te, y_tr, y_te = x[:60000], x[60000:], y[:60000], y[60000:]
        what = "MNIST (OpenML mnist_784): 60 000 training, 10 000 test images"
    if n_train:
        x_tr, y_tr = x_tr[:n_train], y_tr[:n_train]
    mean, std = x_tr.mean(0), x_tr.std(0) + 1e-8
    f = lambda a: torch.tensor((a - mean) / std, dtype=torch.float32)  # noqa: E731
    return f(x_tr), torch.tensor(np.asarray(y_tr), dtype=torch.long), f(x_te), \
        torch.tensor(np.asarray(y_te), dtype=torch.long), what
