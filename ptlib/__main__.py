# SPDX-License-Identifier: GPL-2.0-only
"""``python -m ptlib``: the ``ptlib`` command (``demo`` when no subcommand is given)."""
import sys

from .cli import main

sys.exit(main())
