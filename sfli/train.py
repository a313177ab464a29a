r"""The book's one training loop: full-batch gradient descent that records loss, error and ε-ranks.

At every recorded step (log-spaced ∪ every ``record_every`` steps ∪ the last) the history stores the training
loss, the relative L² error ‖u − u*‖ / ‖u*‖ on a fixed quadrature of Ω, the ε-rank of EVERY hidden layer on the
same quadrature, and the wall time. The time spent recording is measured separately (``record_seconds``).
A non-finite loss stops training with :class:`DivergenceError`, which names the step and learning rate and
carries the history so far. Seeds fix the training points; the caller's generator fixes the model.
"""
from __future__ import annotations

import contextlib
import math
import time
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import pandas as pd
import torch
from torch import nn

from .domain import Box
from .eps_rank import DEFAULT_EPS, gram_spectrum, rank_from_spectrum
from .features import hidden_features
from .progress import progress
from .quadrature import quadrature

OPTIMIZERS = ("adam", "sgd")


@contextlib.contextmanager
def torch_threads(n: int):
    """Use ``n`` torch threads inside the block (0: leave the setting alone). One thread is as fast for these
    small nets and does not collapse when other jobs share the CPU (two threads on a busy 2-core machine were
    measured 50× slower)."""
    if n <= 0:
        yield
        return
    old = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(old)


class Problem(Protocol):
    box: Box

    def exact(self, x: torch.Tensor) -> torch.Tensor: ...

    def points(self, generator: torch.Generator, dtype: torch.dtype = ...) -> dict[str, torch.Tensor]: ...

    def loss(self, model: nn.Module, points: dict[str, torch.Tensor]) -> torch.Tensor: ...


@dataclass
class History:
    """What :func:`fit` records; ``ranks[layer][i]`` belongs to ``step[i]``."""

    step: list[int] = field(default_factory=list)
    loss: list[float] = field(default_factory=list)
    error: list[float] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)  # training wall time so far (recording excluded)
    ranks: dict[str, list[int]] = field(default_factory=dict)
    record_seconds: float = 0.0  # wall time spent recording: error, features, Gram matrices, eigenvalues
    train_seconds: float = 0.0  # wall time of the optimization steps
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def record_share(self) -> float:
        """Share of the total wall time spent recording (error and ε-ranks)."""
        total = self.record_seconds + self.train_seconds
        return self.record_seconds / total if total > 0 else 0.0

    def frame(self) -> pd.DataFrame:
        """One row per recorded step: step, loss, error, seconds, and one ε-rank column per hidden layer."""
        return pd.DataFrame({"step": self.step, "loss": self.loss, "error": self.error,
                             "seconds": self.seconds, **self.ranks})

    def to_dict(self) -> dict[str, Any]:
        return {"step": self.step, "loss": self.loss, "error": self.error, "seconds": self.seconds,
                "ranks": self.ranks, "record_seconds": self.record_seconds, "train_seconds": self.train_seconds,
                "meta": self.meta}


class DivergenceError(RuntimeError):
    """Training produced a non-finite loss; ``history`` holds everything recorded before."""

    def __init__(self, step: int, lr: float, loss: float, history: History) -> None:
        super().__init__(f"training diverged at step {step} (loss = {loss}) with learning rate {lr:g}; "
                         f"try a smaller learning rate. The history up to step {history.step[-1] if history.step else 0} "
                         "is kept in this exception's .history")
        self.step, self.lr, self.history = step, lr, history


def record_steps(steps: int, n_log: int = 60, every: int = 0) -> list[int]:
    """0, ``n_log`` log-spaced steps in [1, steps], multiples of ``every`` (0: none), and ``steps``."""
    if not isinstance(steps, int) or steps < 1:
        raise ValueError(f"steps must be a positive integer, got {steps!r}")
    marks = {0, steps}
    if n_log > 0:
        marks |= {int(round(s)) for s in np.geomspace(1, steps, n_log)}
    if every > 0:
        marks |= set(range(every, steps + 1, every))
    return sorted(marks)


def make_optimizer(model: nn.Module, name: str, lr: float) -> torch.optim.Optimizer:
    if not (isinstance(lr, (int, float)) and math.isfinite(lr) and lr > 0):
        raise ValueError(f"lr must be a positive number, got {lr!r}")
    if name == "adam":
        return torch.optim.Adam(model.parameters(), lr=lr)
    if name == "sgd":
        return torch.optim.SGD(model.parameters(), lr=lr)
    raise ValueError(f"unknown optimizer {name!r}; valid: {', '.join(OPTIMIZERS)}")


def fit(
    model: nn.Module,
    problem: Problem,
    *,
    steps: int,
    lr: float = 1e-3,
    optimizer: str = "adam",
    decay: float = 1.0,
    decay_every: int = 1000,
    seed: int = 0,
    eps: float = DEFAULT_EPS,
    quadrature_n: int = 256,
    n_log: int = 60,
    record_every: int = 0,
    track_ranks: bool = True,
) -> History:
    """Train ``model`` on ``problem`` for ``steps`` full-batch steps; returns the :class:`History`.

    The learning rate is lr·decay^⌊step/decay_every⌋. ε-ranks (threshold ``eps``) of every hidden layer are
    computed on a fixed ``quadrature(problem.box, quadrature_n)`` grid, in float64.
    """
    dtype, device = next(model.parameters()).dtype, next(model.parameters()).device
    generator = torch.Generator().manual_seed(seed)  # on the CPU: the same points on every device
    points = {k: v.to(device) for k, v in problem.points(generator, dtype).items()}
    x_q, w_q = quadrature(problem.box, quadrature_n)
    x_q, w_q = x_q.to(device=device, dtype=dtype), w_q.to(device)
    u_q = problem.exact(x_q).to(torch.float64)  # on the device, like the features
    norm = math.sqrt(float((w_q * u_q[:, 0] ** 2).sum())) or 1.0
    opt = make_optimizer(model, optimizer, lr)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=decay_every, gamma=decay)
    marks = set(record_steps(steps, n_log, record_every))
    history = History(meta={"steps": steps, "lr": lr, "optimizer": optimizer, "decay": decay,
                            "decay_every": decay_every, "seed": seed, "eps": eps, "quadrature_n": quadrature_n,
                            "quadrature_points": int(x_q.shape[0]), "dtype": str(dtype)})

    def record(step: int, loss: float) -> None:
        started = time.perf_counter()
        with torch.no_grad():
            u = model(x_q).to(torch.float64)
        history.step.append(step)
        history.loss.append(loss)
        history.error.append(math.sqrt(float((w_q * (u - u_q)[:, 0] ** 2).sum())) / norm)
        history.seconds.append(history.train_seconds)
        if track_ranks:
            for name, feats in hidden_features(model, x_q).items():
                rank = rank_from_spectrum(gram_spectrum(feats, w_q), eps)
                history.ranks.setdefault(name, []).append(rank)
        history.record_seconds += time.perf_counter() - started

    model.train()
    for step in progress(range(steps + 1), desc="training", total=steps + 1):
        started = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        loss = problem.loss(model, points)
        value = float(loss.detach())
        if not math.isfinite(value):
            history.train_seconds += time.perf_counter() - started
            raise DivergenceError(step, opt.param_groups[0]["lr"], value, history)
        history.train_seconds += time.perf_counter() - started
        if step in marks:  # recorded before the update: the parameters after ``step`` updates, and their loss
            record(step, value)
        if step < steps:
            started = time.perf_counter()
            loss.backward()
            opt.step()
            sched.step()
            history.train_seconds += time.perf_counter() - started
    return history
