"""Colab: the one repository URL that the book's Colab buttons and the notebooks' install cells point at.

The source of truth is ``repository.url`` in ``_config.yml``. Jupyter Book builds every chapter's Colab button
from it (``https://colab.research.google.com/github/OWNER/NAME/blob/<repository.branch>/notebooks/….ipynb``), and
the first code cell of every notebook installs the package on Colab from the same URL::

    %pip install -q "sfli-book @ git+https://github.com/OWNER/NAME"

:func:`mismatches` names every notebook whose install cell points elsewhere (a test runs it);
``sfli set-repository URL`` (:func:`set_repository`) switches the config and every install cell at once — what a
fork runs. Colab opens notebooks from GitHub only, so the URL must be ``https://github.com/OWNER/NAME``.
"""
from __future__ import annotations

import argparse
import re
from pathlib import Path

import nbformat
import yaml

from ..experiments.records import project_root

CONFIG = "_config.yml"
#: the package spec of the install cell; group ``url`` is the repository, ``ref`` an optional ``@branch``
INSTALL = re.compile(r"(?P<head>sfli-book @ git\+)(?P<url>[^\s\"'@]+)(?P<ref>@[^\s\"'#]+)?")
GITHUB = re.compile(r"https://github\.com/[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+")
_URL_LINE = re.compile(r"^(?P<key>[ \t]+url:[ \t]*)(?P<value>[^\s#]+)(?P<rest>.*)$")


def normalize(url: str) -> str:
    """``url`` without a trailing ``/`` or ``.git`` (Jupyter Book would put ``.git`` into the Colab link)."""
    url = url.strip().rstrip("/")
    return url[:-4] if url.endswith(".git") else url


def check_url(url: str) -> str:
    """The normalized URL; ValueError unless it is a GitHub repository (the only host Colab opens)."""
    clean = normalize(url)
    if not GITHUB.fullmatch(clean):
        raise ValueError(f"{url!r} is not a GitHub repository URL: Colab opens notebooks from GitHub only; "
                         "give https://github.com/OWNER/NAME")
    return clean


def configured(root: Path) -> dict[str, str]:
    """``repository`` of ``_config.yml``: its ``url`` and ``branch``."""
    config = yaml.safe_load((root / CONFIG).read_text()) or {}
    repo = config.get("repository") or {}
    if not repo.get("url"):
        raise ValueError(f"{root / CONFIG} sets no repository.url")
    return {"url": str(repo["url"]), "branch": str(repo.get("branch", "main"))}


def notebooks(root: Path) -> list[Path]:
    return sorted((root / "notebooks").glob("*.ipynb"))


def install_specs(path: Path) -> list[tuple[str, str]]:
    """``(url, ref)`` of every ``sfli-book @ git+…`` in the notebook's code cells (ref: "" or the ``@…`` part)."""
    notebook = nbformat.read(path, as_version=4)
    return [(m["url"], m["ref"] or "") for cell in notebook.cells if cell.cell_type == "code"
            for m in INSTALL.finditer(cell.source)]


def mismatches(root: Path) -> list[str]:
    """One line per notebook whose install cell disagrees with ``_config.yml`` (or that has none)."""
    repo = configured(root)
    want = normalize(repo["url"])
    problems = []
    for path in notebooks(root):
        name = path.relative_to(root)
        specs = install_specs(path)
        if not specs:
            problems.append(f"{name}: no install cell (`%pip install -q \"sfli-book @ git+{want}\"`)")
        for url, ref in specs:
            if normalize(url) != want:
                problems.append(f"{name}: installs from {url}, but {CONFIG} repository.url is {repo['url']} "
                                "(`sfli set-repository URL` sets both)")
            elif ref and ref[1:] != repo["branch"]:
                problems.append(f"{name}: installs from branch {ref[1:]}, but {CONFIG} repository.branch is "
                                f"{repo['branch']}")
    return problems


def _set_config_url(text: str, url: str) -> str:
    """``text`` of ``_config.yml`` with ``repository.url`` set to ``url``; the rest (comments too) as it was."""
    lines = text.splitlines(keepends=True)
    inside = False
    for i, line in enumerate(lines):
        if re.match(r"^repository:\s*(#.*)?$", line.rstrip("\n")):
            inside = True
        elif inside and line.strip() and not line[0].isspace():
            break
        elif inside and (m := _URL_LINE.match(line.rstrip("\n"))):
            lines[i] = f"{m['key']}{url}{m['rest']}" + ("\n" if line.endswith("\n") else "")
            return "".join(lines)
    raise ValueError(f"{CONFIG} has no `url:` line under `repository:`")


def set_repository(root: Path, url: str) -> list[Path]:
    """Point ``_config.yml``'s ``repository.url`` and every notebook's install cell at ``url``; the files changed.

    Only the URL changes: a pinned ``@branch`` in an install cell, every other cell and all formatting stay."""
    url = check_url(url)
    changed = []
    config = root / CONFIG
    text = config.read_text()
    new = _set_config_url(text, url)
    if yaml.safe_load(new)["repository"]["url"] != url:
        raise ValueError(f"could not set repository.url in {config}")
    if new != text:
        config.write_text(new)
        changed.append(config)
    for path in notebooks(root):
        notebook = nbformat.read(path, as_version=4)
        edited = False
        for cell in notebook.cells:
            source = INSTALL.sub(lambda m: f"{m['head']}{url}{m['ref'] or ''}", cell.source)
            if source != cell.source:
                cell.source, edited = source, True
        if edited:
            nbformat.write(notebook, path)
            changed.append(path)
    return changed


def cmd_set_repository(args: argparse.Namespace) -> int:
    """``sfli set-repository URL``: run inside the checkout to change."""
    root = project_root()
    if root is None:
        print("sfli set-repository: not inside a checkout of sfli-book (no _toc.yml next to sfli/ here or above)")
        return 2
    try:
        changed = set_repository(root, args.url)
    except ValueError as err:
        print(f"sfli set-repository: {err}")
        return 2
    for path in changed:
        print(f"  {path.relative_to(root)}")
    repo = configured(root)
    print(f"repository.url is {repo['url']} ({len(changed)} file(s) changed): the Colab buttons open the notebooks of "
          f"its branch {repo['branch']!r} (repository.branch in {CONFIG}), whose first cell installs from it.")
    return 0
