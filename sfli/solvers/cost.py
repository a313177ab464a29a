"""Cost of one training step of a solver problem: time (median over steps) and memory (CUDA: peak allocated;
CPU: the bytes of the distinct storages the autograd graph saves for backward — the part that grows with the
formulation). Used by benchmarks/low_order_cost.py and chapter 9."""
from __future__ import annotations

import statistics
import time

import torch

from ..nets import MLP
from ..train import make_optimizer


def graph_bytes(loss_fn) -> tuple[torch.Tensor, int]:
    """The loss, and the bytes of the distinct storages saved for backward while it is computed (inner graphs
    included: each storage is held until the end, so a freed one's address cannot be reused and miscounted —
    keyed by address alone, the count depended on the allocator's reuse and changed from run to run)."""
    seen: dict[int, tuple[torch.UntypedStorage, int]] = {}

    def pack(t: torch.Tensor) -> torch.Tensor:
        storage = t.untyped_storage()
        seen.setdefault(storage.data_ptr(), (storage, storage.nbytes()))
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        loss = loss_fn()
    return loss, sum(nbytes for _, nbytes in seen.values())


def step_cost(problem, width: int, depth: int, steps: int, engine: str = "forward",
              device: torch.device | str = "cpu", warmup: int = 2) -> tuple[float, float]:
    """(median seconds per step, memory in MiB) of loss + backward + Adam on an MLP for ``problem``."""
    device = torch.device(device)
    model = MLP(problem.dim, width, depth, problem.out_dim, generator=torch.Generator().manual_seed(0)).to(device)
    pts = {k: v.to(device) for k, v in problem.points(torch.Generator().manual_seed(0)).items()}
    opt = make_optimizer(model, "adam", 1e-3)

    def step() -> None:
        opt.zero_grad(set_to_none=True)
        problem.loss(model, pts, engine=engine).backward()
        opt.step()

    for _ in range(warmup):
        step()
    times = []
    for _ in range(steps):
        if device.type == "cuda":
            torch.cuda.synchronize()
        started = time.perf_counter()
        step()
        if device.type == "cuda":
            torch.cuda.synchronize()
        times.append(time.perf_counter() - started)
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats()
        step()
        memory = torch.cuda.max_memory_allocated()
    else:
        _, memory = graph_bytes(lambda: problem.loss(model, pts, engine=engine))
    return statistics.median(times), memory / 2**20
