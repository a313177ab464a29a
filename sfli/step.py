r"""A fast full-batch training step, whatever computes the loss (nested autograd or a forward-mode engine).

``make_step(model, loss_fn, optimizer, points, mode)`` returns a :class:`Step`; each ``step()`` does one update
(zero the gradients, loss, backward, ``optimizer.step()``) and returns the loss BEFORE the update, detached —
what :func:`sfli.train.fit` records. The modes:

* ``"eager"`` — plain PyTorch, one kernel launch per operation.
* ``"compile"`` — ``torch.compile`` of ``loss_fn`` (forward and, through AOTAutograd, its backward); the
  optimizer step stays eager. Nested autograd (``create_graph=True``) is not supported by ``torch.compile``.
* ``"graph"`` (CUDA only) — the WHOLE step (forward, backward, ``optimizer.step()``) captured once in a
  ``torch.cuda.CUDAGraph`` and replayed: one launch per step. Adam/AdamW are switched to ``capturable=True``.
* ``"compile+graph"`` (CUDA only) — the compiled loss captured with backward and optimizer in one graph.
* ``"auto"`` — on the CPU always ``"eager"``: compiling takes ~20 s on the 2-core build machine (3–15 s with
  Inductor's disk cache) and saves ~10 ms of ~36 per step (forward engine, 1024 points, MLP 4×128), so it pays
  off only past ~2000 steps; ask for it by name.
  On CUDA ``"graph"``, or ``"compile+graph"`` when the hint ``steps`` ≥ :data:`COMPILE_MIN_STEPS`; if that
  fails it falls back (``"compile+graph"`` → ``"graph"`` → ``"compile"`` → ``"eager"``) with one warning.
  ``step.mode`` is the mode in use and ``step.reason`` says why.

Compiled and graph modes run ``warmup`` steps when built (compilation happens there, and a CUDA graph needs
its warm-up on a side stream) and then restore the parameters and the optimizer state IN PLACE, so the first
``step()`` starts from the model you passed, as eager would. Optimizer state that did not exist before is
zeroed, which is Adam's/AdamW's fresh state (not SGD's with momentum and dampening > 0).

The points' keys, shapes and dtypes are fixed when the step is built: :meth:`Step.set_points` copies new
collocation points into the same buffers (a captured graph reads those addresses). Explicitly requested
modes that cannot work raise ``RuntimeError``; only ``"auto"`` falls back. In graph modes the learning rate is
baked into the graph: schedules need ``lr`` as a tensor updated in place.
"""
from __future__ import annotations

import contextlib
import warnings
from typing import Callable

import torch
from torch import Tensor, nn

MODES = ("auto", "eager", "compile", "graph", "compile+graph")
#: "auto" on CUDA compiles only when at least this many steps are announced. Estimate: compiling costs
#: ~20–40 s, and compile+graph saves ~1 ms/step over graph alone (H100, MLP 4×128, 8192 points).
COMPILE_MIN_STEPS = 20_000
LossFn = Callable[[dict[str, Tensor]], Tensor]


class Step:
    """One training step; call it. ``mode``: the mode in use; ``reason``: why; ``points``: the live buffers."""

    def __init__(self, run: Callable[[], Tensor], mode: str, reason: str, points: dict[str, Tensor]) -> None:
        self._run, self.mode, self.reason, self.points = run, mode, reason, points

    def __call__(self) -> Tensor:
        """One update; returns the loss before it (a detached tensor on the model's device; no host sync)."""
        return self._run()

    def set_points(self, points: dict[str, Tensor]) -> None:
        """Copy new points into the step's buffers (same keys, shapes and dtypes as at construction)."""
        if set(points) != set(self.points):
            raise ValueError(f"points must have the keys {sorted(self.points)}, got {sorted(points)}")
        for key, value in points.items():
            buffer = self.points[key]
            if value.shape != buffer.shape or value.dtype != buffer.dtype:
                raise ValueError(f"points[{key!r}] must be {tuple(buffer.shape)} {buffer.dtype}, "
                                 f"got {tuple(value.shape)} {value.dtype}")
        with torch.no_grad():
            for key, value in points.items():
                self.points[key].copy_(value)

    def __repr__(self) -> str:
        return f"Step(mode={self.mode!r}, reason={self.reason!r})"


# ---------------------------------------------------------------- state snapshot (for warm-up)

def _snapshot(model: nn.Module, opt: torch.optim.Optimizer) -> tuple[list[Tensor], dict]:
    tensors = [t.detach().clone() for t in model.state_dict(keep_vars=True).values()]
    state = {p: {k: v.detach().clone() if isinstance(v, Tensor) else v for k, v in s.items()}
             for p, s in opt.state.items()}
    return tensors, state


def _restore(model: nn.Module, opt: torch.optim.Optimizer, saved: tuple[list[Tensor], dict]) -> None:
    """Put the snapshot back in place (same tensor objects: a captured graph keeps reading them)."""
    tensors, state = saved
    with torch.no_grad():
        for live, old in zip(model.state_dict(keep_vars=True).values(), tensors):
            live.copy_(old)
        for p, live_state in opt.state.items():
            old_state = state.get(p, {})
            for key, value in live_state.items():
                if isinstance(value, Tensor):
                    value.copy_(old_state[key]) if key in old_state else value.zero_()
                elif key in old_state:
                    live_state[key] = old_state[key]


def _make_capturable(opt: torch.optim.Optimizer) -> list[bool]:
    """Set ``capturable=True`` where the optimizer knows the flag; move its step counters to the device."""
    before = []
    for group in opt.param_groups:
        before.append(bool(group.get("capturable", False)))
        if "capturable" in group and not group["capturable"]:
            group["capturable"] = True
            for p in group["params"]:
                step = opt.state.get(p, {}).get("step")
                if isinstance(step, Tensor) and step.device != p.device:
                    opt.state[p]["step"] = step.to(p.device)
    return before


def _reset_capturable(opt: torch.optim.Optimizer, before: list[bool]) -> None:
    for group, flag in zip(opt.param_groups, before):
        if "capturable" in group:
            group["capturable"] = flag


# ---------------------------------------------------------------- the modes

def _update(loss_fn: LossFn, opt: torch.optim.Optimizer, points: dict[str, Tensor]) -> Tensor:
    opt.zero_grad(set_to_none=True)
    loss = loss_fn(points)
    loss.backward()
    opt.step()
    return loss.detach()


def _eager(loss_fn: LossFn, opt: torch.optim.Optimizer, points: dict[str, Tensor]) -> Callable[[], Tensor]:
    return lambda: _update(loss_fn, opt, points)


def _compiled(model: nn.Module, loss_fn: LossFn, opt: torch.optim.Optimizer, points: dict[str, Tensor],
              warmup: int) -> Callable[[], Tensor]:
    compiled = torch.compile(loss_fn, dynamic=False)
    saved = _snapshot(model, opt)
    try:
        for _ in range(max(warmup, 1)):  # compiles here, so failures (e.g. double backward) surface now
            _update(compiled, opt, points)
    finally:
        _restore(model, opt, saved)
    return lambda: _update(compiled, opt, points)


def _graphed(model: nn.Module, loss_fn: LossFn, opt: torch.optim.Optimizer, points: dict[str, Tensor],
             warmup: int) -> Callable[[], Tensor]:
    """Whole-step capture, following the "whole network capture" recipe of the PyTorch CUDA-graph docs."""
    devices = {p.device.type for p in model.parameters()} | {t.device.type for t in points.values()}
    if devices != {"cuda"} or not torch.cuda.is_available():
        raise RuntimeError(f"CUDA-graph modes need the model and the points on CUDA, found {sorted(devices)}")
    flags = _make_capturable(opt)
    saved = _snapshot(model, opt)
    try:
        side = torch.cuda.Stream()
        side.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(side):  # warm-up: lazy state, cuBLAS workspaces, compilation
            for _ in range(max(warmup, 1)):
                _update(loss_fn, opt, points)
        torch.cuda.current_stream().wait_stream(side)
        torch.cuda.synchronize()
        _restore(model, opt, saved)
        graph = torch.cuda.CUDAGraph()
        opt.zero_grad(set_to_none=True)  # backward allocates .grad from the graph's private pool
        with torch.cuda.graph(graph):
            static_loss = loss_fn(points)
            static_loss.backward()
            opt.step()
    except Exception:
        with contextlib.suppress(Exception):  # keep the capture error, not a follow-up one
            torch.cuda.synchronize()
        _restore(model, opt, saved)
        opt.zero_grad(set_to_none=True)
        _reset_capturable(opt, flags)
        raise
    loss = static_loss.detach()

    def run() -> Tensor:
        graph.replay()
        return loss.clone()  # the static buffer is overwritten by the next replay

    run.graph = graph  # type: ignore[attr-defined]  # keep it alive with the step
    return run


def _build(mode: str, model: nn.Module, loss_fn: LossFn, opt: torch.optim.Optimizer,
           points: dict[str, Tensor], warmup: int) -> Callable[[], Tensor]:
    if mode == "eager":
        return _eager(loss_fn, opt, points)
    if mode == "compile":
        return _compiled(model, loss_fn, opt, points, warmup)
    if mode == "graph":
        return _graphed(model, loss_fn, opt, points, warmup)
    # compile+graph: compile (and warm) on the default stream first, then capture the compiled function
    if not torch.cuda.is_available() or next(model.parameters()).device.type != "cuda":
        raise RuntimeError("CUDA-graph modes need the model and the points on CUDA")
    compiled = torch.compile(loss_fn, dynamic=False)
    saved = _snapshot(model, opt)
    try:
        _update(compiled, opt, points)
    finally:
        _restore(model, opt, saved)
    return _graphed(model, compiled, opt, points, warmup)


def first_line(error: BaseException, limit: int = 160) -> str:
    """``Type: first line of the message`` (at most ``limit`` characters of it), for reasons and reports."""
    lines = str(error).splitlines()
    return f"{type(error).__name__}: {lines[0][:limit] if lines else ''}"


def make_step(
    model: nn.Module,
    loss_fn: LossFn,
    optimizer: torch.optim.Optimizer,
    points: dict[str, Tensor],
    mode: str = "auto",
    *,
    steps: int | None = None,
    warmup: int = 3,
) -> Step:
    """A :class:`Step` training ``model`` (whose parameters ``optimizer`` holds) on ``loss_fn(points)``.

    ``loss_fn`` takes the points dict and returns a scalar loss, e.g.
    ``lambda pts: problem.loss(model, pts)``. ``points`` is copied into the step's own buffers.
    ``steps``: how many steps the caller means to run (``"auto"`` compiles on CUDA only past
    :data:`COMPILE_MIN_STEPS`). ``warmup``: steps run and undone while building compiled and graph modes.
    """
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}; valid: {', '.join(MODES)}")
    if steps is not None and (not isinstance(steps, int) or steps < 0):
        raise ValueError(f"steps must be a non-negative integer or None, got {steps!r}")
    buffers = {k: v.detach().clone() for k, v in points.items()}
    if mode != "auto":
        return Step(_build(mode, model, loss_fn, optimizer, buffers, warmup), mode, "requested", buffers)

    device = next(model.parameters()).device
    if device.type != "cuda":
        return Step(_eager(loss_fn, optimizer, buffers), "eager",
                    f"{device.type}: eager (torch.compile pays off only past thousands of steps on a CPU; "
                    "ask for mode='compile' by name)", buffers)
    big = steps is not None and steps >= COMPILE_MIN_STEPS
    why = f"steps={steps} {'≥' if big else '<'} COMPILE_MIN_STEPS={COMPILE_MIN_STEPS}"
    candidates = ["compile+graph", "graph", "compile"] if big else ["graph"]
    failures = []
    for candidate in candidates:
        try:
            run = _build(candidate, model, loss_fn, optimizer, buffers, warmup)
        except Exception as error:  # noqa: BLE001 - any failure to compile or capture means: try the next
            failures.append(f"{candidate} failed ({first_line(error)})")
            continue
        reason = "; ".join([f"cuda, {why}", *failures, f"using {candidate}"])
        if failures:
            warnings.warn(f"make_step: {reason}", RuntimeWarning, stacklevel=2)
        return Step(run, candidate, reason, buffers)
    reason = "; ".join([f"cuda, {why}", *failures, "using eager"])
    warnings.warn(f"make_step: {reason}", RuntimeWarning, stacklevel=2)
    return Step(_eager(loss_fn, optimizer, buffers), "eager", reason, buffers)
