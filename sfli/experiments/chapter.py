"""The chapter protocol, defined once: what a chapter declares, how it runs, and the notebook's one setup call.

A chapter (a package ``sfli/experiments/<chapter>/``) declares a :class:`Chapter`:

* ``name`` — the notebook's name (``"03_staircase"``); the notebook never types it;
* ``settings`` — one dict per profile, settings grouped in nested dicts (:mod:`.settings`);
* ``units(cfg, seeds)`` — its distinct runs as hashable, picklable specs (frozen dataclasses), independent of
  each other; ``run_unit(unit, cfg)`` runs one; ``aggregate(cfg, seeds, results)`` turns ``{unit: result}`` into
  the chapter's result (tables and a flat ``metrics`` dict). Seeds come from the unit spec, never from order;
* ``metrics`` — the names of what it measures (:class:`Metric`); a record must hold exactly these;
* ``claims`` — what it tests (:class:`~.claims.Claim`); a claim must name a declared metric;
* ``tables(result)`` — the tables its record keeps.

The notebook calls ``ch = CHAPTER.setup(globals())`` once, after its ``parameters`` cell: the parameters are
checked (names, types, ranges) whichever way the notebook runs, the chapter runs, and ``ch`` holds the settings,
the result and the metrics, saves figures (``ch.figure``), glues numbers into the text (``ch.glue``), shows the
chapter's claims (``ch.claims_table()``) and writes the record (``ch.finish()``).
"""
from __future__ import annotations

import ast
import fnmatch
import itertools
import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Hashable, Mapping, Sequence

from ..progress import progress
from ..train import torch_threads
from .claims import Claim, Verdict, evaluate, fmt
from .records import RESULTS_ENV, Run
from .settings import PROFILES, check_profile, config, seeds, setting
from .units import Executor, UnitCache, run_units

WALL_TIME = "time/"  #: metrics under this prefix are wall times or their shares: shown, never regressed


class ParameterError(ValueError):
    """A notebook parameter that is unknown, of the wrong type or out of range. In a notebook it prints as one
    line, not a traceback."""

    def _render_traceback_(self) -> list[str]:  # IPython shows this instead of the traceback
        return [f"ParameterError: {self}"]


@dataclass(frozen=True)
class Param:
    """A notebook parameter: its type, and the valid values (``choices``) or the smallest one (``minimum``)."""

    type: type
    help: str = ""
    choices: tuple[Any, ...] = ()
    minimum: float | None = None

    def check(self, name: str, value: Any) -> Any:
        kind = self.type.__name__
        if isinstance(value, bool) and self.type is not bool or not isinstance(value, self.type):
            raise ParameterError(f"parameter {name!r} must be {kind}"
                                 + (f" ({self.help})" if self.help else "") + f", got {type(value).__name__} {value!r}")
        if self.choices and value not in self.choices:
            raise ParameterError(f"parameter {name!r} = {value!r} is not valid; valid: "
                                 + ", ".join(map(str, self.choices)))
        if self.minimum is not None and value < self.minimum:
            raise ParameterError(f"parameter {name!r} = {value!r} is out of range; it must be ≥ {self.minimum:g}")
        return value


PARAMETERS: dict[str, Param] = {
    "profile": Param(str, "smoke | ci | paper", choices=PROFILES),
    "seed": Param(int, "the first seed; the profile sets how many", minimum=0),
}


def _as_list(value: Any) -> list[Any]:
    """A setting's values: a list or tuple as it is, a single value as a one-element list."""
    return list(value) if isinstance(value, (list, tuple)) else [value]


@dataclass(frozen=True)
class Metric:
    """A declared metric. ``name`` may hold ``{placeholders}``, one per entry of ``over`` (placeholder → dotted
    setting whose list of values it takes — a single value counts as a list of one — e.g. ``{"act": "activations"}``; a format spec such as ``{level:g}``
    applies). A name with ``*`` declares a family of detail metrics (regressed, never claimed). ``when``: the
    dotted setting that switches the metric on ("" = always). ``among`` limits a placeholder to some values of
    its list (a tuple, or the dotted path of another setting's list). ``atol``: an absolute regression tolerance
    for a metric at round-off level, whose relative change means nothing (0: the default tolerance)."""

    name: str
    description: str = ""
    over: Mapping[str, str] = field(default_factory=dict)
    when: str = ""
    among: Mapping[str, tuple[Any, ...] | str] = field(default_factory=dict)
    atol: float = 0.0

    @property
    def family(self) -> bool:
        return "*" in self.name

    def names(self, cfg: Mapping[str, Any]) -> list[str]:
        """The concrete names at settings ``cfg``."""
        if self.when and not setting(cfg, self.when):
            return []
        allowed = {k: set(setting(cfg, v) if isinstance(v, str) else v) for k, v in self.among.items()}
        keys = list(self.over)
        values = [[v for v in _as_list(setting(cfg, self.over[k])) if k not in allowed or v in allowed[k]]
                  for k in keys]
        return [self.name.format(**dict(zip(keys, combo))) for combo in itertools.product(*values)]


@dataclass(frozen=True)
class Part:
    """A unit that is one named part of a chapter, run over ``seeds`` (for chapters whose work is a few
    independent computations rather than many training runs)."""

    name: str
    seeds: tuple[int, ...] = ()


class _Text(str):
    """A string whose ``repr`` is itself, so that glued text reads without quotes."""

    def __repr__(self) -> str:
        return str(self)


@dataclass(frozen=True)
class Chapter:
    """One chapter of the book; see the module docstring."""

    name: str
    title: str
    settings: Mapping[str, Mapping[str, Any]]
    units: Callable[[Mapping[str, Any], list[int]], Sequence[Hashable]]
    run_unit: Callable[[Hashable, Mapping[str, Any]], Any]
    aggregate: Callable[[Mapping[str, Any], list[int], Mapping[Hashable, Any]], Any]
    metrics: tuple[Metric, ...]
    claims: tuple[Claim, ...] = ()
    tables: Callable[[Any], Mapping[str, Any]] = lambda result: {}
    parameters: Mapping[str, Param] = field(default_factory=lambda: dict(PARAMETERS))
    parallel: bool = True  #: False for a chapter whose units measure wall time: they run one at a time

    def __post_init__(self) -> None:
        if missing := set(PROFILES) - set(self.settings):
            raise ValueError(f"chapter {self.name}: no settings for profiles {sorted(missing)}")
        object.__setattr__(self, "claims", tuple(replace(c, record=self.name) for c in self.claims))
        per_profile = {p: self.metric_names(config(self.settings, p)) for p in PROFILES}
        for c in self.claims:
            if not any(c.metric in names for names in per_profile.values()):
                raise ValueError(f"chapter {self.name}: claim {c.id} names metric {c.metric!r}, which the chapter "
                                 "does not declare at any profile")
            if bad := [p for p in c.must_hold if c.metric not in per_profile[p]]:
                raise ValueError(f"claim {c.id} must hold at {', '.join(bad)}, where chapter {self.name} does not "
                                 f"compute {c.metric!r}")

    # ---------------------------------------------------------------- settings and metrics

    def config(self, profile: str, **overrides: Any) -> dict[str, Any]:
        """The settings of ``profile`` with validated ``overrides`` (groups take dicts)."""
        return config(self.settings, profile, **overrides)

    def metric_names(self, cfg: Mapping[str, Any]) -> set[str]:
        """The concrete metric names the chapter produces at settings ``cfg`` (families excluded)."""
        return {n for m in self.metrics if not m.family for n in m.names(cfg)}

    def check_metrics(self, metrics: Mapping[str, Any], cfg: Mapping[str, Any]) -> list[str]:
        """What is wrong with ``metrics`` against the declaration (empty: nothing)."""
        declared = self.metric_names(cfg)
        families = [m.name for m in self.metrics if m.family and (not m.when or setting(cfg, m.when))]
        problems = [f"declared metric {k!r} missing" for k in sorted(declared - set(metrics))]
        problems += [f"metric {k!r} is not declared" for k in sorted(set(metrics) - declared)
                     if not any(fnmatch.fnmatchcase(k, f) for f in families)]
        return problems

    def metric_atol(self, name: str, cfg: Mapping[str, Any]) -> float:
        """The declared absolute regression tolerance of metric ``name`` (0 when none is declared)."""
        for m in self.metrics:
            if m.atol and (fnmatch.fnmatchcase(name, m.name) if m.family else name in m.names(cfg)):
                return m.atol
        return 0.0

    def measures(self, claim: Claim, profile: str) -> bool:
        """Whether the chapter computes ``claim``'s metric at ``profile`` (its default settings)."""
        return claim.metric in self.metric_names(self.config(profile))

    def verdicts(self, metrics: Mapping[str, Any] | None, profile: str,
                 record: Mapping[str, Any] | None = None) -> list[Verdict]:
        return [evaluate(c, metrics, profile, self.measures(c, profile), record) for c in self.claims]

    # ---------------------------------------------------------------- running

    def run(self, cfg: Mapping[str, Any], seed: int = 0, executor: Executor | None = None,
            cache: UnitCache | None = None, report: dict[str, Any] | None = None) -> Any:
        """Every unit of the chapter at settings ``cfg``, from the unit cache or run by ``executor`` (both from
        the environment by default: see :mod:`.units`), aggregated. ``report`` receives what ran where."""
        seed_list = seeds(cfg, seed)
        units = list(self.units(cfg, seed_list))
        if len(set(units)) != len(units):
            raise ValueError(f"chapter {self.name}: its units are not distinct")
        executor = executor or Executor.from_env()
        if not self.parallel:  # timings of units running side by side would measure each other
            executor = Executor()
        cache = cache or UnitCache.from_env(self.name, cfg)
        threads = int(cfg.get("threads", 0))
        with torch_threads(threads):
            try:
                outputs = run_units(self.run_unit, units, cfg, cache, executor, threads,
                                    progress=lambda it, desc, n: progress(it, desc=f"{self.name} {desc}", total=n))
            finally:
                if report is not None:
                    report.update({"units": len(units), "from_cache": cache.hits, "stale": cache.stale,
                                   "executor": executor.describe(), "unreadable": list(cache.problems)})
            return self.aggregate(cfg, seed_list, outputs)

    def setup(self, namespace: Mapping[str, Any], **overrides: Any) -> "Session":
        """Check the notebook's parameters (read from its ``namespace``: call with ``globals()``), run the chapter
        and return the :class:`Session` the notebook's cells use."""
        params = self.read_parameters(namespace)
        cfg = self.config(params["profile"], **overrides)
        return Session(self, params, cfg)

    def read_parameters(self, namespace: Mapping[str, Any]) -> dict[str, Any]:
        """The declared parameters from ``namespace``, checked; ParameterError for an unknown or invalid one.

        Unknown names are found in the cells that set parameters (IPython's input history ``In``: the
        ``parameters`` cell and papermill's injected ``# Parameters`` cell), so a typo such as
        ``-p sed 3`` fails instead of being ignored."""
        valid = ", ".join(self.parameters)
        unknown = [k for k in _parameter_names(namespace.get("In")) if k not in self.parameters]
        if unknown:
            raise ParameterError(f"{self.name} has no parameter {unknown[0]!r}; its parameters: {valid}")
        if missing := [k for k in self.parameters if k not in namespace]:
            raise ParameterError(f"{self.name}: parameter {missing[0]!r} is not set; its parameters: {valid}")
        params = {k: p.check(k, namespace[k]) for k, p in self.parameters.items()}
        check_profile(params["profile"])
        return params


def _parameter_names(history: Any) -> list[str]:
    """Names assigned at the top level of the parameter cells in IPython's input history (papermill's injected
    cell starts with ``# Parameters``; the notebook's own assigns ``profile``)."""
    if not isinstance(history, list):
        return []
    names: list[str] = []
    for source in history[:-1]:  # the last entry is the cell calling setup
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        assigned = [t.id for node in tree.body for t in (
            node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) else [])
            if isinstance(t, ast.Name)]
        if source.lstrip().startswith("# Parameters") or "profile" in assigned:
            names += [n for n in assigned if n not in names]
    return names


class Session:
    """What a notebook holds after ``CHAPTER.setup(globals())``: ``cfg``, ``result``, ``metrics`` (``m``)."""

    def __init__(self, chapter: Chapter, params: Mapping[str, Any], cfg: dict[str, Any]) -> None:
        from ..plotting import use_style

        use_style()
        self.chapter, self.params, self.cfg = chapter, dict(params), cfg
        self.profile, self.seed = params["profile"], params["seed"]
        self.seeds = seeds(cfg, self.seed)
        self.run = Run(chapter.name, self.profile, params={**cfg, **self.params}, seeds=self.seeds)
        self.units: dict[str, Any] = {}
        self.result = chapter.run(cfg, seed=self.seed, report=self.units)
        for problem in self.units["unreadable"]:
            print(f"warning: {problem}")
        self.metrics: dict[str, Any] = dict(self.result.metrics)
        self.m = self.metrics

    def figure(self, fig, stem: str):
        """Save ``fig`` (PNG and SVG, with the record) and return it, to be shown once as the cell's result."""
        import matplotlib.pyplot as plt

        self.run.savefig(fig, stem)
        if plt.fignum_exists(getattr(fig, "number", -1)):  # a pyplot figure: do not let the inline backend show it too
            plt.close(fig)
        return fig

    @staticmethod
    def glue(name: str, value: Any) -> None:
        """Make ``value`` available to the text as ``{glue:text}`name```; a no-op outside the book build.

        A string is glued as its text (myst-nb shows a value's ``repr``, which would quote it), a NumPy scalar as
        the Python number it holds (its NumPy 2 ``repr``, ``np.float64(…)``, defeats a format spec such as
        ``:.2g``)."""
        try:
            from myst_nb import glue
        except ImportError:  # e.g. on Colab: the numbers are in the tables and the record
            return
        if hasattr(value, "item") and getattr(value, "shape", None) == ():  # a NumPy (or 0-d torch) scalar
            value = value.item()
        glue(name, _Text(value) if isinstance(value, str) else value, display=False)

    @staticmethod
    def table(frame, digits: int = 3, percent=(), caption: str | None = None):
        """Show ``frame`` as the book shows every table (:func:`sfli.experiments.display.table`)."""
        from .display import table

        return table(frame, digits, percent, caption)

    def claims_frame(self):
        """The chapter's claims with the measured value and verdict at this profile (a DataFrame)."""
        import pandas as pd

        rows = [{"verdict": v.status, "claim": v.claim.id, "source": f"{v.claim.source} {v.claim.tag}",
                 "measured": fmt(v.value), "needs": v.claim.criterion, "must hold": "yes" if v.must_hold else "no"}
                for v in self.chapter.verdicts(self.metrics, self.profile)]
        return pd.DataFrame(rows)

    def claims_table(self):
        """The chapter's claims table as the book shows it."""
        return self.table(self.claims_frame())

    def finish(self) -> None:
        """Check the metrics against the chapter's declaration and write the record (its path: ``record_path``).
        Outside ``sfli book`` it says where the record went (a scratch folder, never the book's results)."""
        if problems := self.chapter.check_metrics(self.metrics, self.cfg):
            raise ValueError(f"chapter {self.chapter.name}: its metrics do not match its declaration: "
                             + "; ".join(problems[:10]) + (" …" if len(problems) > 10 else ""))
        path = self.record_path = self.run.finish(self.metrics, self.chapter.tables(self.result), units=self.units)
        if not os.environ.get(RESULTS_ENV):
            shown = path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path.name
            print(f"record written to {shown} (a scratch copy: `sfli book` writes the book's records)")
