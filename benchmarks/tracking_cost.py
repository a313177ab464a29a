"""What ε-rank tracking costs the training loop: recorded time / training time, per configuration.

    python benchmarks/tracking_cost.py [--steps 3000]

Prints, for the staircase chapter's net sizes, the wall time of training without recording (the reference),
with recording at the default schedule, and the ratio. The staircase chapter reports the share it measured
(`time/record_share_max`, claim staircase-recording-cost: ≤ 20 %, a wall time, reported only).
"""
from __future__ import annotations

import argparse

import torch

from sfli.nets import MLP
from sfli.problems import Poisson2D, Regression, sine_sum
from sfli.train import fit


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=3000)
    args = parser.parse_args()
    cases = [
        ("1-D fit, MLP 2×25", Regression(sine_sum((1, 2, 4, 8)), [(-1, 1)], n_train=256), 1, 25, 2, args.steps),
        ("1-D fit, MLP 4×50", Regression(sine_sum((1, 2, 4, 8)), [(-1, 1)], n_train=256), 1, 50, 4, args.steps),
        ("Poisson PINN, MLP 4×50", Poisson2D(n_interior=512, n_boundary=128), 2, 50, 4, args.steps // 5),
    ]
    print(f"{'case':<26}{'steps':>7}{'train s':>10}{'record s':>10}{'record/train':>14}")
    for label, problem, d, width, depth, steps in cases:
        model = MLP(d, width, depth, 1, "tanh", generator=torch.Generator().manual_seed(0))
        quad_n = 256 if d == 1 else 32
        h = fit(model, problem, steps=steps, lr=1e-3, quadrature_n=quad_n, n_log=60, record_every=steps // 30)
        print(f"{label:<26}{steps:>7}{h.train_seconds:>10.2f}{h.record_seconds:>10.2f}"
              f"{h.record_seconds / h.train_seconds:>14.3f}")


if __name__ == "__main__":
    main()
