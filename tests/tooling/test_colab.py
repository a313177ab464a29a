"""Colab, verified as far as this machine allows.

The simulation (marked ``colab``; ``pytest -m colab`` runs only it, ``-m "not colab"`` leaves it out): a wheel built
from the checkout's files (what Colab's install cell builds from the repository), a fresh virtual environment with
the pinned torch, that wheel with its dependencies, papermill and ipykernel, and every notebook run by papermill at
``-p profile smoke`` from a folder outside the repository that holds nothing but the notebooks. Each must finish,
write its figures and record under that folder (``./sfli-results/``), run on the fresh environment's interpreter
and package, and write nothing into the repository. Without the package registry it skips, saying so.

The unit tests beside it: the repository URL has one source of truth (``_config.yml`` ``repository.url``) that
every notebook's install cell follows; ``sfli set-repository`` switches them at once (on a copy of the checkout);
the appendix says why it shows no committed record outside a checkout.
"""
import os
import re
import shutil
import subprocess
import sys
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest
import torch

from sfli.experiments import performance
from sfli.experiments.records import SCRATCH, project_root, read_record, write_json_atomic
from sfli.repro import cli, colab

ROOT = Path(__file__).resolve().parents[2]
URL = colab.configured(ROOT)["url"]
FORK = "https://github.com/someone/sfli-fork"

# --------------------------------------------------------------------------------------------- the repository URL


def test_every_install_cell_installs_from_the_configured_repository():
    assert colab.mismatches(ROOT) == [], "\n".join(colab.mismatches(ROOT))


def _checkout_copy(tmp_path: Path) -> Path:
    """The files ``sfli set-repository`` reads and writes, copied: a checkout as far as it can tell."""
    root = tmp_path / "checkout"
    (root / "sfli").mkdir(parents=True)
    for name in ("_config.yml", "_toc.yml"):
        shutil.copy2(ROOT / name, root / name)
    shutil.copytree(ROOT / "notebooks", root / "notebooks", ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    assert project_root(root) == root
    return root


def _edit_install_cell(path: Path, spec: str) -> None:
    """Make the notebook install from ``spec`` (a URL, with ``@branch`` or not)."""
    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        cell.source = colab.INSTALL.sub(lambda m: m["head"] + spec, cell.source)
    nbformat.write(notebook, path)


def test_a_mismatch_names_the_notebook_and_both_urls(tmp_path):
    root = _checkout_copy(tmp_path)
    _edit_install_cell(root / "notebooks" / "02_sfli_init.ipynb", FORK)
    problems = colab.mismatches(root)
    assert len(problems) == 1
    assert problems[0].startswith("notebooks/02_sfli_init.ipynb: installs from " + FORK)
    assert URL in problems[0] and "sfli set-repository" in problems[0]


def test_a_pinned_branch_must_be_the_configured_one(tmp_path):
    root = _checkout_copy(tmp_path)
    _edit_install_cell(root / "notebooks" / "01_eps_rank.ipynb", URL + "@main")
    assert colab.mismatches(root) == []
    _edit_install_cell(root / "notebooks" / "01_eps_rank.ipynb", URL + "@dev")
    assert colab.mismatches(root) == ["notebooks/01_eps_rank.ipynb: installs from branch dev, but _config.yml "
                                      "repository.branch is main"]


def test_set_repository_switches_the_buttons_and_every_install_cell(tmp_path, monkeypatch, capsys):
    root = _checkout_copy(tmp_path)
    _edit_install_cell(root / "notebooks" / "03_staircase.ipynb", URL + "@main")  # a pinned branch stays
    before = {p.name: p.read_text() for p in [root / "_config.yml", *colab.notebooks(root)]}
    monkeypatch.chdir(root)
    assert cli.main(["set-repository", FORK + ".git/"]) == 0  # normalized: no .git, no trailing slash
    assert f"{1 + len(colab.notebooks(root))} file(s) changed" in capsys.readouterr().out
    assert colab.configured(root) == {"url": FORK, "branch": "main"}
    assert colab.mismatches(root) == []
    for path in [root / "_config.yml", *colab.notebooks(root)]:  # only the URL changed, formatting kept
        assert path.read_text() == before[path.name].replace(URL, FORK), path.name
    assert {spec for path in colab.notebooks(root) for spec in colab.install_specs(path)} == {(FORK, ""),
                                                                                              (FORK, "@main")}
    assert cli.main(["set-repository", FORK]) == 0
    assert "0 file(s) changed" in capsys.readouterr().out
    assert colab.configured(ROOT)["url"] == URL  # the checkout itself is untouched


@pytest.mark.parametrize("url", ["https://gitlab.com/someone/sfli-fork", "github.com/someone/sfli-fork",
                                 "https://github.com/someone"])
def test_set_repository_refuses_what_colab_cannot_open(tmp_path, monkeypatch, capsys, url):
    root = _checkout_copy(tmp_path)
    config = (root / "_config.yml").read_text()
    monkeypatch.chdir(root)
    assert cli.main(["set-repository", url]) == 2
    assert "Colab opens notebooks from GitHub only" in capsys.readouterr().out
    assert (root / "_config.yml").read_text() == config and colab.mismatches(root) == []


def test_set_repository_outside_a_checkout_says_so(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(colab, "project_root", lambda: None)
    assert cli.main(["set-repository", FORK]) == 2
    assert "not inside a checkout of sfli-book" in capsys.readouterr().out


# ------------------------------------------------------------------ the appendix's committed record, outside a checkout


def test_outside_a_checkout_the_appendix_says_the_committed_record_is_not_at_hand(monkeypatch, tmp_path):
    monkeypatch.setattr(performance, "project_root", lambda: None)
    assert performance.committed_record("paper") is None
    note = performance.missing_record_note("paper")
    assert "outside a checkout" in note and "records/paper/05_performance.json" in note
    assert "has been committed yet" not in note

    monkeypatch.setattr(performance, "project_root", lambda: tmp_path)  # a checkout without a GPU record
    assert performance.committed_record("paper") is None
    assert performance.missing_record_note("paper").startswith("**No GPU record has been committed yet**")
    record = {"name": "05_performance", "profile": "paper", "params": {}, "seeds": [0], "metrics": {},
              "provenance": {}, "tables": {"rows": []}}
    write_json_atomic(tmp_path / "records" / "paper" / "05_performance.json", record)
    assert performance.committed_record("paper")["tables"] == {"rows": []}


# ------------------------------------------------------------------------------------------------- the simulation

NETWORK = re.compile(r"NewConnectionError|Max retries exceeded|Temporary failure in name resolution|Name or service "
                     r"not known|Network is unreachable|ConnectTimeout|Connection refused|ProxyError|Could not fetch URL")
SKIP_DIRS = {".git", "_build", "__pycache__", ".pytest_cache", ".ipynb_checkpoints", "node_modules"}
OUTPUT_SUFFIXES = {".json", ".png", ".svg", ".pkl", ".whl"}  #: what a notebook run or a wheel build writes
OUTPUT_DIRS = {SCRATCH, "build", "dist"}
TORCH = f"torch=={torch.__version__.split('+')[0]}"  #: the torch of the test's own environment (the pinned CPU build)
NOTEBOOKS = sorted(p.stem for p in (ROOT / "notebooks").glob("*.ipynb"))


def _run(args: list, cwd: Path, env: dict | None = None, timeout: int = 900) -> subprocess.CompletedProcess:
    return subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


def _pip(python: Path, args: list, cwd: Path, env: dict | None = None) -> None:
    """pip, failing with its output; a skip, with the reason, when the package registry cannot be reached."""
    proc = _run([python, "-m", "pip", *args, "--timeout", "30", "--retries", "2"], cwd, env)
    if proc.returncode != 0:
        output = proc.stdout + proc.stderr
        if hit := NETWORK.search(output):
            pytest.skip(f"the Colab simulation needs the package registry, which is unreachable here ({hit[0]})")
        pytest.fail(f"pip {' '.join(map(str, args[:3]))} … failed:\n{output[-4000:]}")


def _snapshot(root: Path) -> dict[str, tuple[int, int]]:
    """(mtime, size) of every file of the checkout outside git's folder, virtual environments and caches."""
    files = {}
    for folder, dirs, names in os.walk(root):
        dirs[:] = [d for d in dirs if d not in SKIP_DIRS and not (Path(folder, d) / "pyvenv.cfg").exists()]
        for name in names:
            path = Path(folder, name)
            try:
                stat = path.stat()
            except OSError:  # gone while walking
                continue
            files[str(path.relative_to(root))] = (stat.st_mtime_ns, stat.st_size)
    return files


def _written_by_the_run(before: dict, after: dict, sandbox: Path) -> list[str]:
    """Files of the checkout that the simulation created or changed. Edits of sources (others may be at work in the
    same checkout) do not count; in the book's ``results/`` only a record made by the simulation's interpreter does
    (``sfli book`` may be writing there alongside)."""
    leaked = []
    for name in sorted(p for p in after if before.get(p) != after[p]):
        path = Path(name)
        if path.parts[0] == "results":
            record = ROOT / path
            if path.suffix == ".json" and record.is_file() and str(sandbox) in record.read_text(errors="replace"):
                leaked.append(name)
        elif (path.suffix in OUTPUT_SUFFIXES or (path.suffix == ".ipynb" and name not in before)
              or any(p in OUTPUT_DIRS or p.endswith(".egg-info") for p in path.parts)):
            leaked.append(name)
    return leaked


def _source_copy(target: Path) -> Path:
    """The checkout's files as a fresh clone would have them (tracked, plus new files git does not ignore), so the
    wheel build writes its build/ and *.egg-info there, not into the checkout."""
    listed = _run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], ROOT)
    assert listed.returncode == 0, f"not a git checkout: {listed.stderr}"
    for name in filter(None, listed.stdout.split("\0")):
        if (ROOT / name).is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, target / name)
    return target


def _clean_env(sandbox: Path, venv: Path) -> dict:
    """The machine's environment without the book's, Python's and Jupyter's settings; Jupyter, IPython and
    matplotlib keep their files in the sandbox, as on a fresh runtime."""
    drop = ("SFLI_", "PYTHON", "VIRTUAL_ENV", "JUPYTER", "IPYTHON", "MPLCONFIGDIR", "CONDA_PREFIX")
    env = {k: v for k, v in os.environ.items() if not k.startswith(drop)}
    path = [p for p in env.get("PATH", "").split(os.pathsep) if p and not Path(p).is_relative_to(ROOT)]
    env["PATH"] = os.pathsep.join([str(venv / "bin"), *path])
    for key, sub in (("JUPYTER_DATA_DIR", "jupyter/data"), ("JUPYTER_CONFIG_DIR", "jupyter/config"),
                     ("JUPYTER_RUNTIME_DIR", "jupyter/runtime"), ("IPYTHONDIR", "ipython"), ("MPLCONFIGDIR", "mpl")):
        (sandbox / "home" / sub).mkdir(parents=True, exist_ok=True)
        env[key] = str(sandbox / "home" / sub)
    return env


@pytest.fixture(scope="module")
def colab_run(tmp_path_factory):
    """Build, install and run every notebook once; what the tests below look at."""
    sandbox = tmp_path_factory.mktemp("colab").resolve()
    assert not sandbox.is_relative_to(ROOT)
    before, seconds, start = _snapshot(ROOT), {}, time.perf_counter()

    source = _source_copy(sandbox / "source")
    _pip(Path(sys.executable), ["wheel", "--no-deps", "-q", "-w", sandbox / "wheels", source], sandbox)
    (wheel,) = (sandbox / "wheels").glob("sfli_book-*.whl")
    seconds["wheel"] = time.perf_counter() - start

    venv = sandbox / "venv"
    made = _run([sys.executable, "-m", "venv", venv], sandbox)
    assert made.returncode == 0, made.stderr
    env = _clean_env(sandbox, venv)
    python = venv / "bin" / "python"
    # --no-compile: byte-compiling torch at install time doubles the install; imports compile what they use
    _pip(python, ["install", "-q", "--no-compile", TORCH], sandbox, env)  # Colab comes with torch
    _pip(python, ["install", "-q", "--no-compile", wheel, "papermill", "ipykernel"], sandbox, env)
    seconds["install"] = time.perf_counter() - start - seconds["wheel"]

    run = sandbox / "run"  # nothing but the notebooks
    run.mkdir()
    names = [p.stem for p in sorted((source / "notebooks").glob("*.ipynb"))]
    for name in names:
        shutil.copy2(source / "notebooks" / f"{name}.ipynb", run)
    where = _run([python, "-c", "import sfli; print(sfli.__file__)"], run, env)
    (sandbox / "executed").mkdir()

    def execute(name: str) -> tuple[subprocess.CompletedProcess, float]:
        t0 = time.perf_counter()
        proc = _run([venv / "bin" / "papermill", f"{name}.ipynb", sandbox / "executed" / f"{name}.ipynb",
                     "-p", "profile", "smoke", "-k", "python3", "--no-progress-bar"], run, env, timeout=900)
        return proc, time.perf_counter() - t0

    # two notebooks at a time (independent kernels, each writing under its own chapter's name): the machine's
    # two cores, which one smoke notebook — mostly kernel start and imports — leaves half idle
    with ThreadPoolExecutor(max_workers=2) as pool:
        done = dict(zip(names, pool.map(execute, names)))
    procs = {name: proc for name, (proc, _) in done.items()}
    seconds.update({name: t for name, (_, t) in done.items()})
    seconds["total"] = time.perf_counter() - start
    print("\nColab simulation, seconds: " + ", ".join(f"{k} {v:.0f}" for k, v in seconds.items()))
    return {"sandbox": sandbox, "source": source, "wheel": wheel, "venv": venv, "run": run, "names": names,
            "procs": procs, "package": where.stdout.strip(), "seconds": seconds,
            "written": _written_by_the_run(before, _snapshot(ROOT), sandbox)}


@pytest.mark.colab
def test_the_wheel_holds_every_file_of_the_package(colab_run):
    source = colab_run["source"]
    package = {str(p.relative_to(source)) for p in (source / "sfli").rglob("*")
               if p.is_file() and "__pycache__" not in p.parts}
    with zipfile.ZipFile(colab_run["wheel"]) as wheel:
        missing = sorted(package - set(wheel.namelist()))
    assert not missing, f"the wheel lacks {missing}: declare them as package data in pyproject.toml"


@pytest.mark.colab
def test_the_notebooks_import_the_installed_package_not_the_checkout(colab_run):
    assert Path(colab_run["package"]).is_relative_to(colab_run["venv"]), colab_run["package"]
    assert sorted(p.name for p in colab_run["run"].iterdir()) == sorted([*(f"{n}.ipynb" for n in colab_run["names"]),
                                                                          SCRATCH])


@pytest.mark.colab
@pytest.mark.parametrize("name", NOTEBOOKS)
def test_the_notebook_runs_outside_the_repository(colab_run, name):
    assert name in colab_run["names"], f"no notebook {name}; the notebooks: {colab_run['names']}"
    proc = colab_run["procs"][name]
    assert proc.returncode == 0, f"papermill {name} at smoke failed:\n{(proc.stdout + proc.stderr)[-4000:]}"
    results = colab_run["run"] / SCRATCH / "smoke"
    record = read_record(results / f"{name}.json")
    assert record["profile"] == "smoke" and record["figures"]
    for stem in record["figures"]:
        png = results / "figures" / name / f"{stem}.png"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", png
    provenance = record["provenance"]
    assert provenance["executable"] == str(colab_run["venv"] / "bin" / "python")
    assert provenance["git"] == {"commit": None, "dirty": None}  # not a checkout
    assert provenance["versions"]["torch"].split("+")[0] == TORCH.split("==")[1]


@pytest.mark.colab
def test_the_simulation_writes_nothing_into_the_repository(colab_run):
    assert colab_run["written"] == [], f"written into {ROOT}: {colab_run['written']}"
