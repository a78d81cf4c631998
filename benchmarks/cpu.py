"""CPU seconds as the benchmarks count them: this process and every finished process it has
reaped (a notebook's kernel, Dask workers after their cluster closed, their study hosts)."""

from __future__ import annotations

import resource


def cpu_seconds() -> float:
    """User plus system CPU seconds of this process and of its reaped children."""
    own, children = (resource.getrusage(who) for who in (resource.RUSAGE_SELF,
                                                         resource.RUSAGE_CHILDREN))  # fmt: skip
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime
