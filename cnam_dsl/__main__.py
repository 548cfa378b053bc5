"""`python -m cnam_dsl` is the `cnam` command."""

import sys

from .cli import main

sys.exit(main())
