r"""The book's one training loop: full-batch gradient descent that records loss, error and ε-ranks.

At every recorded step (log-spaced ∪ every ``record_every`` steps ∪ the last) the history stores the training
loss, the relative L² error ‖u − u*‖ / ‖u*‖ on a fixed quadrature of Ω, the ε-rank of EVERY hidden layer on the
same quadrature, and the wall time. The time spent recording is measured separately (``record_seconds``).
A non-finite loss stops training with :class:`DivergenceError`, which names the step and learning rate and
carries the history so far. Seeds fix the training points; the caller's generator fixes the model.
"""
from __future__ import annotations

import contextlib
import inspect
import math
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Protocol

import numpy as np
import pandas as pd
import torch
from torch import nn

from .derivatives import ENGINES, resolve_engine
from .domain import Box
from .eps_rank import DEFAULT_EPS, gram_spectrum, rank_from_spectrum
from .features import hidden_features
from .progress import progress
from .step import COMPILE_MIN_STEPS, MODES, make_step
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
    probes: dict[str, list[float]] = field(default_factory=dict)  # what ``fit``'s probe returned, per name
    record_seconds: float = 0.0  # wall time spent recording: error, features, Gram matrices, eigenvalues
    train_seconds: float = 0.0  # wall time of the optimization steps
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def record_share(self) -> float:
        """Share of the total wall time spent recording (error and ε-ranks)."""
        total = self.record_seconds + self.train_seconds
        return self.record_seconds / total if total > 0 else 0.0

    def frame(self) -> pd.DataFrame:
        """One row per recorded step: step, loss, error, seconds, one ε-rank column per hidden layer and one
        column per probe value."""
        return pd.DataFrame({"step": self.step, "loss": self.loss, "error": self.error,
                             "seconds": self.seconds, **self.ranks, **self.probes})

    def to_dict(self) -> dict[str, Any]:
        return {"step": self.step, "loss": self.loss, "error": self.error, "seconds": self.seconds,
                "ranks": self.ranks, "probes": self.probes, "record_seconds": self.record_seconds, "train_seconds": self.train_seconds,
                "meta": self.meta}


#: The divergence rule: a run diverges when its loss is not finite, or when the recorded loss exceeds
#: DIVERGE_FACTOR × its initial value at DIVERGE_RECORDS recorded steps in a row. (Adam at lr = 1e6 ends with a
#: finite loss 1e6 times its start; no run of the book's chapters ever exceeds its initial loss at all.)
DIVERGE_FACTOR = 1e3
DIVERGE_RECORDS = 3


class DivergenceError(RuntimeError):
    """Training diverged (see :data:`DIVERGE_FACTOR`); ``history`` holds everything recorded before, and
    ``history.meta["diverged"]`` says why."""

    def __init__(self, step: int, lr: float, loss: float, history: History, why: str = "") -> None:
        why = why or f"loss = {loss}"
        super().__init__(f"training diverged at step {step} ({why}) with learning rate {lr:g}; "
                         f"try a smaller learning rate. The history up to step {history.step[-1] if history.step else 0} "
                         "is kept in this exception's .history")
        self.step, self.lr, self.history = step, lr, history
        history.meta["diverged"] = {"step": step, "why": why, "lr": lr}


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


def _loss_with_engine(model: nn.Module, problem: Problem, engine: str):
    """``points ↦ loss`` with the resolved derivative engine for problems whose loss takes one, and its name."""
    if engine != "auto" and engine not in ENGINES:
        raise ValueError(f"unknown derivative engine {engine!r}; valid: auto, {', '.join(ENGINES)}")
    try:
        takes_engine = "engine" in inspect.signature(problem.loss).parameters
    except (TypeError, ValueError):  # a loss without a signature: no engine
        takes_engine = False
    if not takes_engine:
        return (lambda points: problem.loss(model, points)), "none"
    used = resolve_engine(model, engine)
    return (lambda points: problem.loss(model, points, engine=used)), used


def _step_mode(requested: str, decay: float, device: torch.device, steps: int) -> str:
    """The step mode ``fit`` asks :func:`sfli.step.make_step` for: graph modes only without a decay."""
    if requested not in MODES:
        raise ValueError(f"unknown step_mode {requested!r}; valid: {', '.join(MODES)}")
    if decay == 1.0:
        return requested
    if "graph" in requested:
        raise ValueError(f"step_mode={requested!r} bakes the learning rate into a CUDA graph: it cannot decay "
                         f"(decay={decay}); use 'eager' or 'compile'")
    if requested == "auto":
        return "compile" if device.type == "cuda" and steps >= COMPILE_MIN_STEPS else "eager"
    return requested


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
    engine: str = "auto",
    step_mode: str = "auto",
    probe: Callable[[nn.Module], Mapping[str, float]] | None = None,
) -> History:
    """Train ``model`` on ``problem`` for ``steps`` full-batch steps; returns the :class:`History`.

    The learning rate is lr·decay^⌊step/decay_every⌋. ε-ranks (threshold ``eps``) of every hidden layer are
    computed on a fixed ``quadrature(problem.box, quadrature_n)`` grid, in float64. ``engine`` names the
    derivative engine of problems whose loss takes one (the PDEs; see :func:`sfli.derivatives.resolve_engine`:
    ``"auto"`` is the forward engine where the model supports it); ``history.meta["engine"]`` is the one used
    (``"none"`` for problems without derivatives). ``step_mode`` is how each step runs (:func:`sfli.step.make_step`:
    eager on a CPU; on CUDA a captured whole-step graph where possible); ``meta["step_mode"]`` and
    ``meta["step_reason"]`` record it. A learning-rate decay rules out the graph modes (they bake the rate in).
    ``probe(model)``, if given, is called at every recorded step and its ``{name: value}`` kept in
    ``history.probes`` (e.g. :class:`sfli.spectral.BandError`, the error per frequency band); its time counts as
    recording.
    """
    loss_fn, engine_used = _loss_with_engine(model, problem, engine)
    dtype, device = next(model.parameters()).dtype, next(model.parameters()).device
    generator = torch.Generator().manual_seed(seed)  # on the CPU: the same points on every device
    points = {k: v.to(device) for k, v in problem.points(generator, dtype).items()}
    x_q, w_q = quadrature(problem.box, quadrature_n)
    x_q, w_q = x_q.to(device=device, dtype=dtype), w_q.to(device)
    u_q = problem.exact(x_q).to(torch.float64)  # on the device, like the features
    norm = math.sqrt(float((w_q * u_q[:, 0] ** 2).sum())) or 1.0
    opt = make_optimizer(model, optimizer, lr)
    mode = _step_mode(step_mode, decay, device, steps)
    fast = make_step(model, loss_fn, opt, points, mode=mode, steps=steps)  # holds its own copy of the points
    marks = set(record_steps(steps, n_log, record_every))
    history = History(meta={"steps": steps, "lr": lr, "optimizer": optimizer, "decay": decay,
                            "decay_every": decay_every, "seed": seed, "eps": eps, "quadrature_n": quadrature_n,
                            "quadrature_points": int(x_q.shape[0]), "dtype": str(dtype),
                            "engine": engine_used, "step_mode": fast.mode, "step_reason": fast.reason})

    def record(step: int) -> None:  # the loss of this step is appended once it is known
        started = time.perf_counter()
        with torch.no_grad():
            u = model(x_q).to(torch.float64)
        history.step.append(step)
        history.error.append(math.sqrt(float((w_q * (u - u_q)[:, 0] ** 2).sum())) / norm)
        history.seconds.append(history.train_seconds)
        if track_ranks:
            for name, feats in hidden_features(model, x_q).items():
                rank = rank_from_spectrum(gram_spectrum(feats, w_q), eps)
                history.ranks.setdefault(name, []).append(rank)
        if probe is not None:
            for name, value in probe(model).items():
                history.probes.setdefault(name, []).append(float(value))
        history.record_seconds += time.perf_counter() - started

    check_every = 1 if device.type == "cpu" else 50  # reading the loss syncs a GPU: check now and then
    model.train()
    for step in progress(range(steps + 1), desc=f"training [{engine_used} engine, {fast.mode}]", total=steps + 1):
        if step in marks:  # before the update: the parameters after ``step`` updates (their loss follows)
            record(step)
        started = time.perf_counter()
        loss = fast() if step < steps else loss_fn(fast.points).detach()  # fast(): the loss BEFORE its update
        if step in marks or step == steps or step % check_every == 0:
            value = float(loss)
            if not math.isfinite(value):
                history.train_seconds += time.perf_counter() - started
                if step in marks:  # keep only the steps before the divergence
                    for column in (history.step, history.error, history.seconds, *history.ranks.values(),
                                   *history.probes.values()):
                        column.pop()
                raise DivergenceError(step, opt.param_groups[0]["lr"], value, history)
            if step in marks:
                history.loss.append(value)
                grown = [v > DIVERGE_FACTOR * history.loss[0] for v in history.loss[-DIVERGE_RECORDS:]]
                if len(grown) == DIVERGE_RECORDS and all(grown) and history.loss[0] > 0:
                    history.train_seconds += time.perf_counter() - started
                    raise DivergenceError(step, opt.param_groups[0]["lr"], value, history,
                                          f"loss {value:.3g} > {DIVERGE_FACTOR:g} × its initial {history.loss[0]:.3g} "
                                          f"at {DIVERGE_RECORDS} recorded steps in a row")
        if step < steps and decay != 1.0 and (step + 1) % decay_every == 0:  # = StepLR(decay_every, decay)
            for group in opt.param_groups:
                group["lr"] = group["lr"] * decay
        history.train_seconds += time.perf_counter() - started
    return history
