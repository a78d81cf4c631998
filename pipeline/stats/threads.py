"""BLAS on one thread for the products that do not gain from more.

The reliability statistics multiply an n x k item matrix by itself (k items, a few dozen at
most). OpenBLAS splits such a product over every core; the result is k x k, too small to
share, and on a busy machine the threads wait for each other: at 100,000 participants the
pairwise moments took 1.57 s of CPU on two threads and 0.15 s on one. Limiting the threads
changes no number (each element is the same dot product, summed in the same order).
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from functools import cache, wraps
from typing import ParamSpec, TypeVar

from threadpoolctl import ThreadpoolController

__all__ = ["one_blas_thread", "single_threaded_blas"]

P = ParamSpec("P")
R = TypeVar("R")


@cache
def _controller() -> ThreadpoolController:
    """The thread pools of the libraries loaded by the first use (numpy's OpenBLAS among
    them); built once, since scanning the loaded libraries costs a millisecond."""
    return ThreadpoolController()


def one_blas_thread() -> AbstractContextManager[object]:
    """A context in which BLAS calls run on one thread (restored on leaving)."""
    return _controller().limit(limits=1, user_api="blas")


def single_threaded_blas(function: Callable[P, R]) -> Callable[P, R]:
    """Decorate a function whose matrix products are small enough to run on one thread."""

    @wraps(function)
    def on_one_thread(*args: P.args, **kwargs: P.kwargs) -> R:
        with one_blas_thread():
            return function(*args, **kwargs)

    return on_one_thread
