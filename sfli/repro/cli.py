"""``sfli`` command line: build the book, check claims, regress numbers against the references.

    sfli book [--profile ci] [--only NAME ...] [--force] [--no-html] [--workers [N] | --scheduler ADDRESS]
    sfli claims [--profile ci]
    sfli regress [--profile ci] [--only NAME ...]
    sfli bless [--profile ci] [--only NAME ...]
    sfli set-repository URL          (a fork: the Colab buttons and every notebook's install cell)
"""
from __future__ import annotations

import argparse
import logging
import os
import shutil
import signal
import sys
import time
from pathlib import Path

from ..experiments.claims import Verdict, fmt
from ..experiments.records import RESULTS_ENV, RecordError, read_record
from ..experiments.settings import DEFAULT_PROFILE, PROFILES
from . import ledger, pipeline, regression
from . import colab


def _say(message: str) -> None:
    print(message, flush=True)


def _results() -> Path:
    """The book's results folder: ``$SFLI_RESULTS`` (tests) or ``<checkout>/results``."""
    return Path(os.environ[RESULTS_ENV]) if os.environ.get(RESULTS_ENV) else pipeline.root_dir() / "results"


def _blocking(verdicts: list[Verdict]) -> list[str]:
    return [f"claim {v.claim.id} must hold at {v.profile} but is '{v.status}' "
            f"({v.claim.metric} = {fmt(v.value)}, needs {v.claim.criterion})" for v in verdicts if v.blocking]


def _sections(profile: str, results: Path, root: Path) -> tuple[dict[str, list[Verdict]], list[str]]:
    """Verdicts of every chapter from this build's records, and from the committed records of the other
    non-smoke profiles; plus the lines naming unreadable records."""
    chapters = ledger.book_chapters(pipeline.book_notebooks(root))
    names = [c.name for c in chapters]
    fresh = ledger.load_records(results, profile, names)
    sections = {f"Profile `{profile}` (this build)": ledger.verdicts(chapters, fresh.by_name, profile)}
    problems = list(fresh.problems)
    for other in PROFILES:
        if other in (profile, "smoke"):
            continue
        committed = ledger.load_records(root / "records", other, names)
        problems += committed.problems
        if committed.by_name:
            sections[f"Profile `{other}` (committed records)"] = ledger.verdicts(chapters, committed.by_name, other)
    return sections, problems


def _interrupt(signum: int, frame: object) -> None:
    """Ctrl-C: silence the kernel client's and asyncio's late complaints about the kernel we stop, then stop."""
    logging.disable(logging.CRITICAL)
    raise KeyboardInterrupt


def cmd_book(args: argparse.Namespace) -> int:
    results = _results()
    try:
        previous = signal.signal(signal.SIGINT, _interrupt)
    except ValueError:  # not the main thread: leave Ctrl-C as it is
        previous = None
    try:
        with pipeline.BookLock(results, args.profile) as lock:
            if lock.taken_over:
                _say(lock.taken_over)
            return _book(args, results)
    except pipeline.LockError as err:
        _say(f"sfli book: {err}")
        return 1
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)


def _book(args: argparse.Namespace, results: Path) -> int:
    root = pipeline.root_dir()
    everything = pipeline.book_notebooks(root)
    chapters = ledger.book_chapters(args.only or everything)
    problems: list[str] = []
    start = time.perf_counter()
    for i, ch in enumerate(chapters, 1):
        _say(f"[{i}/{len(chapters)}] {ch.name} ({args.profile}) …")
        try:
            out = pipeline.run_notebook(ch, args.profile, results=results, force=args.force,
                                        progress=sys.stdout.isatty(), workers=args.workers or 0,
                                        scheduler=args.scheduler or "")
        except KeyboardInterrupt:
            _say(f"\ninterrupted during {ch.name}; finished notebooks kept")
            return 130
        except ValueError as err:
            out = pipeline.Outcome(ch.name, "failed", error=str(err))
        if out.status == "failed":
            problems.append(f"notebook {ch.name} failed: {out.error}")
            _say(f"      FAILED after {out.seconds:.1f} s: {out.error}")
        elif out.status == "ran":
            _say(f"      ran in {out.seconds:.1f} s" + (f" ({out.note})" if out.note not in ("", "no record") else "")
                 + (f"; {out.units}" if out.units else ""))
        else:
            _say("      cached (record is current)")

    fresh = ledger.load_records(results, args.profile, [c.name for c in chapters])
    problems += fresh.problems
    checked = ledger.verdicts(chapters, fresh.by_name, args.profile)
    problems += _blocking(checked)
    _say(f"claims of {'these notebooks' if args.only else 'the book'} at {args.profile}: "
         f"{sum(v.status == 'holds' for v in checked)}/{len(checked)} hold; "
         f"{sum(v.blocking for v in checked)} must-hold failures")

    if (root / "records" / args.profile).is_dir():
        diffs = regression.regress(args.profile, results, root / "records",
                                   [c for c in chapters if c.name in fresh.by_name])
        problems += [f"regression: {d}" for d in diffs]
        _say(f"regression against records/{args.profile}: {len(diffs)} differences")

    if not args.no_html:
        stale = {c.name: why for c in ledger.book_chapters(everything)
                 if (why := pipeline.staleness(c, args.profile, None, results))}
        target = pipeline.html_dir(args.profile, root)
        if args.only and stale:
            _say(f"HTML not rebuilt ({target.relative_to(root)} left as it was): at {args.profile}, "
                 + "; ".join(f"{n}: {why}" for n, why in stale.items())
                 + f". Run `sfli book --profile {args.profile}` for the whole book.")
        else:
            _say("building the HTML with Jupyter Book …")
            sections, unreadable = _sections(args.profile, results, root)
            stage = pipeline.stage_book(args.profile, results, ledger.render_page(sections, unreadable), root)
            ok, log = pipeline.build_html(stage, args.profile, root)
            if ok:
                _say(f"book built: {(target / 'index.html').relative_to(root)}")
            else:
                tail = "\n".join(line for line in log.splitlines() if "WARNING" in line or "ERROR" in line)
                problems.append("jupyter-book build failed (the previous HTML is kept):\n" + (tail or log[-3000:]))
    _say(f"done in {time.perf_counter() - start:.0f} s")
    return _finish(problems)


def cmd_claims(args: argparse.Namespace) -> int:
    chapters = ledger.book_chapters(pipeline.book_notebooks())
    recs = ledger.load_records(_results(), args.profile, [c.name for c in chapters])
    verdicts = ledger.verdicts(chapters, recs.by_name, args.profile)
    for v in verdicts:
        must = "must" if v.must_hold else "    "
        _say(f"{v.status:>13}  {must}  {v.claim.id:<40} {v.claim.metric} = {fmt(v.value)}")
    return _finish(recs.problems + _blocking(verdicts))


def cmd_regress(args: argparse.Namespace) -> int:
    root = pipeline.root_dir()
    chapters = ledger.book_chapters(args.only or pipeline.book_notebooks(root))
    diffs = regression.regress(args.profile, _results(), root / "records", chapters)
    return _finish([f"regression: {d}" for d in diffs])


def cmd_bless(args: argparse.Namespace) -> int:
    """Copy fresh records into records/<profile>/ — the new references (review the diff before committing)."""
    root = pipeline.root_dir()
    target = root / "records" / args.profile
    target.mkdir(parents=True, exist_ok=True)
    problems = []
    for name in args.only or pipeline.book_notebooks(root):
        source = _results() / args.profile / f"{name}.json"
        try:
            read_record(source)
        except RecordError as err:
            problems.append(f"{err}; run `sfli book --profile {args.profile} --only {name}`")
            continue
        shutil.copy2(source, target / source.name)
        _say(f"blessed {name} → records/{args.profile}/{source.name}")
    return _finish(problems)


def _finish(problems: list[str]) -> int:
    if problems:
        _say("\nFAILED:")
        for p in problems:
            _say(f"  - {p}")
        return 1
    return 0


DEFAULT_WORKERS = os.cpu_count() or 1


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of worker processes ≥ 1, got {text!r}")
    return value


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="sfli", description="Build and check the sfli-book.")
    sub = top.add_subparsers(dest="command", required=True)

    def add(name: str, func, help_: str, only: bool = True) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_)
        p.add_argument("--profile", choices=PROFILES, default=DEFAULT_PROFILE,
                       help=f"run profile (default {DEFAULT_PROFILE})")
        if only:
            p.add_argument("--only", nargs="+", metavar="NAME", help="only these notebooks (names without .ipynb)")
        p.set_defaults(func=func)
        return p

    book = add("book", cmd_book, "run the notebooks (cached), check claims and regressions, build the HTML")
    book.add_argument("--force", action="store_true", help="re-run notebooks even when their record is current, and their units even when cached")
    book.add_argument("--no-html", action="store_true", help="run and check only; do not build the HTML")
    where = book.add_mutually_exclusive_group()
    where.add_argument("--workers", type=_positive, nargs="?", const=DEFAULT_WORKERS, metavar="N",
                       help="run each notebook's units on N local Dask worker processes, one torch thread each "
                            f"(N omitted: {DEFAULT_WORKERS}, the number of cores here); default: serially")
    where.add_argument("--scheduler", metavar="ADDRESS",
                       help="run the units on a running Dask scheduler, e.g. tcp://10.0.0.5:8786 (see the README "
                            "for a Slurm/PBS cluster through dask-jobqueue)")
    add("claims", cmd_claims, "evaluate the claims against the records", only=False)
    add("regress", cmd_regress, "compare the records with the committed references")
    add("bless", cmd_bless, "make the current records the committed references")
    fork = sub.add_parser("set-repository", help="point the Colab buttons (_config.yml repository.url) and every "
                          "notebook's install cell at URL, e.g. a fork")
    fork.add_argument("url", metavar="URL", help="https://github.com/OWNER/NAME")
    fork.set_defaults(func=colab.cmd_set_repository)
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.func(args)
    except BrokenPipeError:  # `sfli claims | head`: the reader left; say nothing more
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141
    except ValueError as err:  # an unknown notebook name and the like: one line, not a traceback
        _say(f"sfli {args.command}: {err}")
        return 2


if __name__ == "__main__":
    sys.exit(main())
