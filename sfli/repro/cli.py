"""``sfli`` command line: build the book, check claims, regress numbers against the references.

    sfli book [--profile ci] [--only NAME ...] [--force] [--no-html]
    sfli claims [--profile ci]
    sfli regress [--profile ci]
    sfli bless [--profile ci] [--only NAME ...]
"""
from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

from . import claims, pipeline, records, regression
from .profiles import DEFAULT_PROFILE, PROFILES


def _say(message: str) -> None:
    print(message, flush=True)


def _sections(profile: str, results: Path, root: Path) -> dict[str, list[claims.Verdict]]:
    """Verdicts from the fresh records of ``profile``, and from the committed records of the other profiles."""
    sections = {f"Profile `{profile}` (this build)": claims.evaluate_all(claims.load_records(results, profile), profile)}
    for other in PROFILES:
        committed = claims.load_records(root / "records", other)
        if other != profile and committed and other != "smoke":
            sections[f"Profile `{other}` (committed records)"] = claims.evaluate_all(committed, other)
    return sections


def _report_claims(verdicts: list[claims.Verdict]) -> list[str]:
    failures = []
    for v in verdicts:
        if v.blocking:
            failures.append(f"claim {v.claim.id} must hold at {v.profile} but is '{v.status}' "
                            f"({v.claim.metric} = {v.value}, needs {v.claim.op} {v.claim.threshold})")
    return failures


def cmd_book(args: argparse.Namespace) -> int:
    root = pipeline.root_dir()
    results = records.results_dir()
    names = args.only or pipeline.book_notebooks(root)
    problems: list[str] = []
    start = time.perf_counter()
    for i, name in enumerate(names, 1):
        _say(f"[{i}/{len(names)}] {name} ({args.profile}) …")
        try:
            out = pipeline.run_notebook(name, args.profile, results=results, force=args.force,
                                        progress=sys.stdout.isatty())
        except ValueError as err:
            out = pipeline.Outcome(name, "failed", error=str(err))
        if out.status == "failed":
            problems.append(f"notebook {name} failed: {out.error}")
            _say(f"      FAILED after {out.seconds:.1f} s: {out.error}")
        else:
            _say(f"      {out.status}" + (f" in {out.seconds:.1f} s" if out.status == "ran" else " (record is current)"))

    sections = _sections(args.profile, results, root)
    this_build = next(iter(sections.values()))
    problems += _report_claims(this_build)
    held = sum(v.status == "holds" for v in this_build)
    _say(f"claims at {args.profile}: {held}/{len(this_build)} hold; "
         f"{sum(v.blocking for v in this_build)} must-hold failures")

    ref_dir = root / "records"
    if (ref_dir / args.profile).is_dir():
        ran = [n for n in names if (results / args.profile / f"{n}.json").exists()]
        diffs = regression.regress(args.profile, results, ref_dir, ran)
        problems += [f"regression: {d}" for d in diffs]
        _say(f"regression against records/{args.profile}: {len(diffs)} differences")

    if not args.no_html:
        _say("building the HTML with Jupyter Book …")
        stage = pipeline.stage_book(args.profile, results, claims.render_page(sections), root)
        ok, log = pipeline.build_html(stage, root)
        if ok:
            _say(f"book built: {root / '_build' / 'html' / 'index.html'}")
        else:
            tail = "\n".join(line for line in log.splitlines() if "WARNING" in line or "ERROR" in line)
            problems.append("jupyter-book build failed:\n" + (tail or log[-3000:]))
    _say(f"done in {time.perf_counter() - start:.0f} s")
    return _finish(problems)


def cmd_claims(args: argparse.Namespace) -> int:
    verdicts = claims.evaluate_all(claims.load_records(records.results_dir(), args.profile), args.profile)
    for v in verdicts:
        must = "must" if v.profile in v.claim.must_hold else "    "
        _say(f"{v.status:>13}  {must}  {v.claim.id:<40} {v.claim.metric} = {claims._fmt(v.value)}")
    return _finish(_report_claims(verdicts))


def cmd_regress(args: argparse.Namespace) -> int:
    root = pipeline.root_dir()
    names = args.only or pipeline.book_notebooks(root)
    diffs = regression.regress(args.profile, records.results_dir(), root / "records", names)
    return _finish([f"regression: {d}" for d in diffs])


def cmd_bless(args: argparse.Namespace) -> int:
    """Copy fresh records into records/<profile>/ — the new references (review the diff before committing)."""
    root = pipeline.root_dir()
    names = args.only or pipeline.book_notebooks(root)
    target = root / "records" / args.profile
    target.mkdir(parents=True, exist_ok=True)
    problems = []
    for name in names:
        source = records.results_dir() / args.profile / f"{name}.json"
        if source.exists():
            shutil.copy2(source, target / source.name)
            _say(f"blessed {source} → {target / source.name}")
        else:
            problems.append(f"no record for {name} at {args.profile}; run `sfli book --profile {args.profile} --only {name}`")
    return _finish(problems)


def _finish(problems: list[str]) -> int:
    if problems:
        _say("\nFAILED:")
        for p in problems:
            _say(f"  - {p}")
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="sfli", description="Build and check the sfli-book.")
    sub = parser.add_subparsers(dest="command", required=True)

    def add(name: str, func, help_: str, only: bool = True) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_)
        p.add_argument("--profile", choices=PROFILES, default=DEFAULT_PROFILE,
                       help=f"run profile (default {DEFAULT_PROFILE})")
        if only:
            p.add_argument("--only", nargs="+", metavar="NAME", help="only these notebooks (names without .ipynb)")
        p.set_defaults(func=func)
        return p

    book = add("book", cmd_book, "run the notebooks (cached), check claims and regressions, build the HTML")
    book.add_argument("--force", action="store_true", help="re-run notebooks even when their record is current")
    book.add_argument("--no-html", action="store_true", help="run and check only; do not build the HTML")
    add("claims", cmd_claims, "evaluate the claims against the records", only=False)
    add("regress", cmd_regress, "compare the records with the committed references")
    add("bless", cmd_bless, "make the current records the committed references")
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
