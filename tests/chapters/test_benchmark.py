"""The step benchmark (the appendix's benchmark module, benchmarks/step.py) stays runnable; its table and record
are right."""
import importlib.util
import json
from pathlib import Path

import pytest
import torch

from sfli.experiments.performance import benchmark as bench
from sfli.experiments.performance import jax_reference


def test_benchmark_rows_and_table():
    rows = bench.run(["heat1d"], ["mlp4x128"], [32], ["autograd-eager", "forward-eager", "forward-graph"],
                     torch.device("cpu"), repeats=2, warmup=1, use_jax=False, log=lambda line: None)
    assert [r["variant"] for r in rows] == ["autograd-eager", "forward-eager"]  # graph: CUDA only
    assert rows[0]["first_loss"] == pytest.approx(rows[1]["first_loss"], rel=1e-5)
    assert rows[0]["flops"] == 6.0 * (2 * 128 + 3 * 128 * 128 + 128) * (5 * 32 + 8 + 8)
    rows.append({**rows[0], "variant": "jax-forward", "ms": rows[0]["ms"] / 2})
    failed = {"problem": "heat1d", "net": "mlp4x128", "points": 32, "variant": "forward-compile", "error": "boom"}
    table = bench.render_table({"rows": rows + [failed]})
    lines = table.splitlines()
    assert lines[0].startswith("| problem |") and len(lines) == 2 + 4
    assert "| autograd-eager |" in lines[2] and "| 1.00 | 2.00 |" in lines[2]
    assert "failed: boom" in lines[-1]


def test_jax_reference_engines_agree():
    """The JAX reference (only where jax is installed): vmap(hessian) and the forward jet give the same loss."""
    pytest.importorskip("jax")
    for net, problem in (("mlp", "heat1d"), ("modified_mlp", "poisson2d")):
        a, b = (jax_reference.time_step(net, problem, d, width=16, depth=2, n=32, repeats=2, warmup=1)
                for d in jax_reference.DERIVATIVES)
        assert a["first_loss"] == pytest.approx(b["first_loss"], rel=1e-5)
        assert a["last_loss"] == pytest.approx(b["last_loss"], rel=1e-4) and a["last_loss"] < a["first_loss"]


def test_command_line_writes_a_record(tmp_path, capsys):
    path = Path(__file__).resolve().parents[2] / "benchmarks" / "step.py"
    spec = importlib.util.spec_from_file_location("step_cli", path)
    cli = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(cli)
    out = tmp_path / "bench.json"
    cli.main(["--problems", "poisson2d", "--nets", "mlp4x128", "--points", "32", "--repeats", "2", "--warmup", "1",
              "--variants", "autograd-eager", "forward-eager", "--no-jax", "--threads", "1", "--out", str(out)])
    record = json.loads(out.read_text())
    assert [r["variant"] for r in record["rows"]] == ["autograd-eager", "forward-eager"]
    assert record["provenance"]["versions"]["torch"] == torch.__version__
    assert "| poisson2d | mlp4x128 | 32 | forward-eager |" in capsys.readouterr().out


def test_jax_reference_imports_without_jax():
    assert jax_reference.available() in (True, False)
    assert jax_reference.DERIVATIVES == ("hessian", "forward")


def test_seed_draws_the_weights_and_points():
    run = lambda seed: bench.run(["poisson2d"], ["mlp4x128"], [32], ["autograd-eager"], torch.device("cpu"),  # noqa: E731
                                 repeats=1, warmup=0, use_jax=False, log=lambda line: None, seed=seed)
    assert run(0)[0]["first_loss"] == run(0)[0]["first_loss"] != run(1)[0]["first_loss"]
