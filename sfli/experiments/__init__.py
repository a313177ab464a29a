"""The book's chapters, one package each (``sfli/experiments/<chapter>/``), on one protocol.

Shared by every chapter: :mod:`.chapter` (the protocol: :class:`~.chapter.Chapter`, declared metrics, the
notebook's setup call), :mod:`.settings` (profiles, settings as data), :mod:`.claims` (claims and verdicts),
:mod:`.records` (the record a notebook writes), :mod:`.seeding` (seeded generators). A chapter package exposes
``CHAPTER``; :func:`chapters` lists them all. Notebooks import from here and from the core ``sfli``; never from
``sfli.repro`` (the book's tooling, outside every notebook's cache key).
"""
from __future__ import annotations

import importlib
import pkgutil
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .chapter import Chapter


def chapters() -> dict[str, "Chapter"]:
    """Every chapter package's ``CHAPTER``, by notebook name."""
    out = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        if info.ispkg:
            chapter = getattr(importlib.import_module(f"{__name__}.{info.name}"), "CHAPTER", None)
            if chapter is not None:
                out[chapter.name] = chapter
    return out
