"""Progress bars on long runs: shown in a terminal or an interactive notebook, quiet in tests and pipelines."""
from __future__ import annotations

import os
import sys
from typing import Iterable, TypeVar

T = TypeVar("T")
QUIET_ENV = "SFLI_QUIET"  #: set to 1 to silence progress bars


def _quiet() -> bool:
    if os.environ.get(QUIET_ENV, "") not in ("", "0"):
        return True
    if "pytest" in sys.modules or os.environ.get("SFLI_RUN_ID"):  # tests, or a papermill run of the pipeline
        return True
    return not (sys.stderr.isatty() or "ipykernel" in sys.modules)  # a terminal or an interactive notebook


def progress(iterable: Iterable[T], desc: str = "", total: int | None = None) -> Iterable[T]:
    """``tqdm`` over ``iterable`` unless quiet (``SFLI_QUIET=1``, under pytest, or inside ``sfli book``)."""
    if _quiet():
        return iterable
    from tqdm.auto import tqdm  # imported here: tqdm.auto warns at import in kernels without ipywidgets

    return tqdm(iterable, desc=desc, total=total, leave=False)
