"""Cost per training step of the biharmonic Δ²u = f as d grows: the direct PINN (four derivatives of the net)
vs LDLM's second-order system (−Δu = v, −Δv = f) vs its first-order system (p = ∇u, v = div p, q = ∇v,
div q = f) — time and memory per step, with ratios against the direct PINN.

    python benchmarks/low_order_cost.py [--dims 2 4 8] [--width 64] [--depth 3] [--points 512] [--steps 10]
                                        [--engine forward]

One step = loss, backward, Adam update, as :func:`sfli.train.fit` does it (eager), on an MLP of the given size
with the formulation's number of outputs (1, 2, 2d + 2), one torch thread. Time: the median over ``--steps``
steps after two warm-up steps. Memory: on CUDA the peak allocated during a step; on a CPU (no allocator
statistics) the bytes of the tensors the autograd graph saves for the backward pass (distinct storages) — the
part of the memory that grows with the formulation.

Measured on the 2-core build machine (busy with other jobs, niced: single times are noisy to ±50 %, the
ratios' order is not), ``--dims 2 4 8 --steps 5``, MLP 3×64, 512 interior + 128 boundary points, float32;
with the forward engine (the direct PINN: second-order jets, then Δ of Δu by two levels of autograd) and with
``--engine autograd`` (everything nested reverse mode):

    device cpu, MLP 3×64, 512 interior points, engine forward
      d formulation      ms/step  graph MiB  time ratio  memory ratio
      2 direct             115.4       30.4        1.00          1.00
      2 second_order        13.8        5.4        0.12          0.18
      2 first_order         13.6        2.8        0.12          0.09
      4 direct             214.6       79.4        1.00          1.00
      4 second_order        12.0        9.2        0.06          0.12
      4 first_order         17.0        4.3        0.08          0.05
      8 direct             462.6      243.6        1.00          1.00
      8 second_order        26.7       16.9        0.06          0.07
      8 first_order         14.0        7.4        0.03          0.03

    device cpu, MLP 3×64, 512 interior points, engine autograd
      d formulation      ms/step  graph MiB  time ratio  memory ratio
      2 direct             127.7       46.8        1.00          1.00
      2 second_order        26.5       10.5        0.21          0.23
      2 first_order         27.7        5.1        0.22          0.11
      4 direct             303.2      138.4        1.00          1.00
      4 second_order        49.8       19.1        0.16          0.14
      4 first_order         24.4        8.2        0.08          0.06
      8 direct            1266.8      465.9        1.00          1.00
      8 second_order        55.4       36.3        0.04          0.08
      8 first_order         62.0       14.7        0.05          0.03

The low-order systems cost 3–22 % of the direct PINN's time per step and 3–23 % of its graph memory, and the gap
widens with d (direct: ×4 time, ×8 memory from d = 2 to 8 with the forward engine; first-order system: about
flat in time, ×2.6 in memory). Cost per step only: the time to a fixed error is the chapter's measurement.
"""
from __future__ import annotations

import argparse

import torch

from sfli.solvers import BIHARMONIC
from sfli.solvers.cost import step_cost
from sfli.train import torch_threads


def measure(formulation: str, d: int, width: int, depth: int, points: int, steps: int, engine: str,
            device: torch.device) -> tuple[float, float]:
    """(median seconds per step, memory in MiB) of one formulation in d dimensions (:func:`sfli.solvers.cost.step_cost`)."""
    problem = BIHARMONIC[formulation](dim=d, n_interior=points, n_boundary=points // 4)
    return step_cost(problem, width, depth, steps, engine, device)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dims", type=int, nargs="+", default=[2, 4, 8])
    parser.add_argument("--width", type=int, default=64)
    parser.add_argument("--depth", type=int, default=3)
    parser.add_argument("--points", type=int, default=512)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--engine", default="forward", choices=["forward", "autograd"])
    args = parser.parse_args()
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    memory_kind = "peak MiB" if device.type == "cuda" else "graph MiB"
    print(f"device {device}, MLP {args.depth}×{args.width}, {args.points} interior points, engine {args.engine}")
    print(f"{'d':>3} {'formulation':<14}{'ms/step':>10}{memory_kind:>11}{'time ratio':>12}{'memory ratio':>14}")
    with torch_threads(1):
        for d in args.dims:
            base = None
            for formulation in ("direct", "second_order", "first_order"):
                seconds, mib = measure(formulation, d, args.width, args.depth, args.points, args.steps,
                                       args.engine, device)
                base = base or (seconds, mib)
                print(f"{d:>3} {formulation:<14}{1e3 * seconds:>10.1f}{mib:>11.1f}"
                      f"{seconds / base[0]:>12.2f}{mib / base[1]:>14.2f}", flush=True)


if __name__ == "__main__":
    main()
