"""``python -m sfli.repro`` = the ``sfli`` command."""
import sys

from .cli import main

sys.exit(main())
