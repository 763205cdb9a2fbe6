"""Run the command line with ``python -m corridors``."""

import sys

from .cli import main

sys.exit(main())
