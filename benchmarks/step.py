"""Command line of the step benchmark: times one PINN training step per derivative engine and step mode, prints
a markdown table with ratios against eager nested autograd (and JAX when installed), and writes a JSON record
with provenance. The benchmark itself is :mod:`sfli.experiments.performance.benchmark` (the appendix's).

    python benchmarks/step.py --quick                  # CPU-sized subset, < 3 minutes on 2 cores
    python benchmarks/step.py --device cuda --out results/step_benchmark.json
"""
from __future__ import annotations

import argparse
import os
import platform
import time
from pathlib import Path
from typing import Any

import torch

from sfli.experiments.performance import jax_reference
from sfli.experiments.performance.benchmark import NETS, PROBLEMS, VARIANTS, configure_precision, render_table, run
from sfli.experiments.records import provenance, write_json_atomic


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="1024 points, 20 repeats, no mlp4x256, compile and JAX only for mlp4x128 "
                             "(compile: poisson2d only); < 3 minutes on 2 idle CPU cores")
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--out", type=Path, default=None, help="write the JSON record here")
    parser.add_argument("--jax", action=argparse.BooleanOptionalAction, default=jax_reference.available(),
                        help="add the JAX reference rows (default: when jax is installed)")
    parser.add_argument("--problems", nargs="+", default=list(PROBLEMS), choices=PROBLEMS)
    parser.add_argument("--nets", nargs="+", default=None, choices=list(NETS), help="default: all (quick: 3)")
    parser.add_argument("--points", nargs="+", type=int, default=None, help="default 1024 8192 (quick: 1024)")
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=list(VARIANTS))
    parser.add_argument("--repeats", type=int, default=None, help="timed steps (default 200; quick: 20)")
    parser.add_argument("--warmup", type=int, default=None, help="untimed steps (default 10; quick: 3)")
    parser.add_argument("--threads", type=int, default=None,
                        help="torch threads, and XLA's when 1 (default: 1 on the CPU, as sfli.train; 0: leave)")
    args = parser.parse_args(argv)
    if args.jax and not jax_reference.available():
        parser.error("--jax: jax is not installed (pip install jax)")
    device = torch.device(args.device)
    threads = args.threads if args.threads is not None else (1 if device.type == "cpu" else 0)
    if threads > 0:
        torch.set_num_threads(threads)
    if threads == 1:  # before jax is first imported; one thread does not collapse when the CPU is shared
        os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1")
    configure_precision()
    points = args.points or ([1024] if args.quick else [1024, 8192])
    repeats = args.repeats or (20 if args.quick else 200)
    warmup = args.warmup if args.warmup is not None else (3 if args.quick else 10)
    nets_ = args.nets or ([n for n in NETS if n != "mlp4x256"] if args.quick else list(NETS))
    compile_only = ("poisson2d", "mlp4x128", points[0]) if args.quick else None
    started = time.perf_counter()
    rows = run(args.problems, nets_, points, args.variants, device, repeats, warmup, args.jax,
               compile_only, ["mlp4x128"] if args.quick else None)
    prov = provenance()
    prov["versions"]["jax"] = jax_reference.version()
    prov.update(host=platform.node(), torch_threads=torch.get_num_threads(), xla_flags=os.environ.get("XLA_FLAGS"),
                device=torch.cuda.get_device_name(device) if device.type == "cuda" else prov["device"])
    record = {"name": "step_benchmark", "rows": rows, "provenance": prov,
              "settings": {"quick": args.quick, "device": str(device), "repeats": repeats, "warmup": warmup,
                           "points": points, "precision": "fp32, no TF32, jax matmul precision highest",
                           "timed": "one step per sample incl. device sync; median",
                           "flops": "3·2·M·((1+2d)·N_int + N_rest), M = nn.Linear multiply-adds per point"},
              "wall_time_s": round(time.perf_counter() - started, 1)}
    print()
    print(render_table(record))
    print(f"\n{record['provenance']['device']}; torch {torch.__version__}, jax {prov['versions']['jax']}; "
          f"{record['wall_time_s']} s")
    if args.out is not None:
        write_json_atomic(args.out, record)
        print(f"wrote {args.out}")
    return record


if __name__ == "__main__":
    main()
