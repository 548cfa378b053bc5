"""`python -m cnam_dsl` is the `cnam` command."""

import sys

from .cli import main

if __name__ == "__main__":  # not when a worker process (multiprocessing's spawn) imports it again
    sys.exit(main())
