"""A solver backend that never answers in time (for the web server's time limit on solver work): importable by
the server's worker processes."""

from __future__ import annotations

import time

from cnam_dsl.solve.backend import Backend


class Stuck(Backend):
    """Every query takes an hour: what the most expensive question looks like to the server."""

    def check(self, solver, assumptions=()):
        time.sleep(3600)
        raise AssertionError("unreachable")
