"""Each portfolio study in a process of its own, stopped at a time limit.

A study that never finishes (an export that makes a step run for hours, a bug) must not hold
up a funder's portfolio: each study gets ``limit`` seconds, after which its process is killed
and reaped and the study is listed as failed, naming the limit.

Dask worker processes are daemonic, and :mod:`multiprocessing` refuses to start children from
a daemonic process. So each worker thread starts, with :mod:`subprocess`, one *study host*
(:func:`serve`, in ``python -c``): an ordinary process that imports the pipeline once
and runs a small simulated study (so that what a study loads on first use is loaded), and
then, for each study it is sent, forks a child that evaluates that study alone. The host
waits for the child's row until the limit; a child past it is killed with its process group
and reaped (no zombie is left), and the host answers "timed out". Forking the warm host costs
milliseconds, where a fresh interpreter per study would import pandas, scipy and the statistics
stack again (about 4 s of CPU, several times a small study's own work).

The worker itself only relays: the study's evaluation is named to it as text
(:data:`EVALUATE_STUDY`) and imported by the host, so a Dask worker does not load the
statistics stack a second time (about 300 MB and 4 s of CPU per worker).

Where the operating system has no ``fork`` (Windows), the host evaluates each study itself and
the worker enforces the limit by killing the whole host and starting a new one.

The host and the worker talk through length-prefixed pickles on the host's standard input and
output (both ends are this package; nothing else writes to these pipes).
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import importlib
import json
import os
import pickle
import queue
import select
import signal
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from typing import Any, BinaryIO

__all__ = [
    "EVALUATE_STUDY",
    "TIMED_OUT",
    "StudyHost",
    "close_hosts",
    "evaluate_isolated",
    "evaluate_with_limit",
    "run_with_limit",
    "serve",
]

#: The evaluation of one study, as ``module:function`` for the host to import.
EVALUATE_STUDY = "pipeline.portfolio.evaluate:evaluate_study"
#: What a new host runs once before its first study (a small simulated study, in itself).
WARM_UP = "pipeline.portfolio.evaluate:warm_up"

#: What :func:`run_with_limit` and :meth:`StudyHost.run` return for a study over its limit.
TIMED_OUT = "timed out"
#: How long a new host may take to import the pipeline before it is given up on (seconds).
STARTUP_LIMIT = 600.0
#: Extra seconds the worker waits beyond a study's limit for the host's answer: the host
#: enforces the limit itself when it can fork, and must have time to kill and report.
_GRACE = 30.0
_CAN_FORK = hasattr(os, "fork")
#: How a host starts: with the worker's module path (its one argument), then serving.
_BOOT = (
    "import json, sys; sys.path[:] = json.loads(sys.argv[1]); "
    "from pipeline.portfolio.isolate import serve; serve()"
)
_HEADER = struct.Struct("!Q")


# --------------------------------------------------------------------------- framing


def _send(stream: BinaryIO, value: object) -> None:
    data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_HEADER.pack(len(data)) + data)
    stream.flush()


def _read_exactly(stream: BinaryIO, size: int) -> bytes:
    chunks, left = [], size
    while left:
        chunk = stream.read(left)
        if not chunk:
            raise EOFError("the other end of the study host's pipe closed")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _receive(stream: BinaryIO) -> Any:
    (size,) = _HEADER.unpack(_read_exactly(stream, _HEADER.size))
    return pickle.loads(_read_exactly(stream, size))  # our own host's answer


# --------------------------------------------------------------------------- in the host


def _kill_group(pid: int) -> None:
    """Kill the study process and anything it started (its process group)."""
    for kill in (lambda: os.killpg(pid, signal.SIGKILL), lambda: os.kill(pid, signal.SIGKILL)):
        try:
            kill()
        except (ProcessLookupError, PermissionError):
            continue


def _read_until(fd: int, deadline: float) -> bytes | None:
    """Everything written to ``fd`` until its writer closes it, or None at the deadline."""
    chunks = []
    while True:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            return None
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def _child(write_fd: int, evaluate: Callable[..., Any], args: tuple) -> None:
    """The forked study process: evaluate, hand the pickled row to the host, exit."""
    status = 1
    try:
        os.setpgid(0, 0)  # its own group, so a kill reaches whatever it starts
        data = pickle.dumps(evaluate(*args), protocol=pickle.HIGHEST_PROTOCOL)
        with os.fdopen(write_fd, "wb") as out:
            out.write(data)
        status = 0
    finally:
        os._exit(status)  # no atexit handlers, no flushing of the host's buffers


def run_with_limit(evaluate: Callable[..., Any], args: tuple, limit: float) -> Any:
    """``evaluate(*args)`` in a forked process of its own, killed after ``limit`` seconds.

    Returns
    -------
    The function's result; :data:`TIMED_OUT` when the limit passed (the process and its group
    were killed and the process reaped); a :class:`ChildProcessError` when the process ended
    without a result (it crashed or was killed from outside).
    """
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child's coverage is not collected
        os.close(read_fd)
        _child(write_fd, evaluate, args)
    os.close(write_fd)
    with contextlib.suppress(OSError):  # as the child does: whichever runs first wins the race
        os.setpgid(pid, pid)
    try:
        data = _read_until(read_fd, time.monotonic() + limit)
    finally:
        os.close(read_fd)
    if data is None:
        _kill_group(pid)
    _, status = os.waitpid(pid, 0)  # reaped here: no zombie stays behind
    if data is None:
        return TIMED_OUT
    if not data:
        return ChildProcessError(_ended(status))
    return pickle.loads(data)  # written by our own forked child


def _ended(status: int) -> str:
    if os.WIFSIGNALED(status):
        return f"the study's process was ended by signal {os.WTERMSIG(status)}"
    return f"the study's process exited with status {os.waitstatus_to_exitcode(status)}"


def _resolve(evaluate: Callable[..., Any] | str) -> Callable[..., Any]:
    """A function, or the function a ``module:function`` text names."""
    if callable(evaluate):
        return evaluate
    module, name = evaluate.split(":")
    return getattr(importlib.import_module(module), name)


def serve() -> None:
    """A study host: warm up, then one request in, one answer out, until the worker closes
    the pipe (its standard input and output)."""
    requests = os.fdopen(os.dup(0), "rb")
    answers = os.fdopen(os.dup(1), "wb")
    # Anything a study prints goes to standard error, never into the answers' pipe.
    os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
    os.dup2(2, 1)
    # Imported and run once before any study: every forked one starts from a warm process.
    # A warm-up that fails costs only speed; each study then reports its own problems.
    with contextlib.suppress(Exception):
        _resolve(WARM_UP)()
    gc.freeze()  # the collector of a forked study leaves the shared pages unwritten, uncopied
    _send(answers, "ready")
    while True:
        try:
            named, args, limit = _receive(requests)
        except EOFError:
            return
        evaluate = _resolve(named)
        # Without fork the worker stops this whole host at the limit.
        answer = run_with_limit(evaluate, args, limit) if _CAN_FORK else evaluate(*args)
        try:
            _send(answers, answer)
        except OSError:  # the worker is gone (a portfolio stopped by Ctrl+C): so is the host
            return


# --------------------------------------------------------------------------- in the worker


class StudyHost:
    """A study host process seen from the worker that started it."""

    def __init__(self) -> None:
        # The host imports what the worker can: the worker's module path (tests' too).
        self.process = subprocess.Popen(
            [sys.executable, "-c", _BOOT, json.dumps(sys.path)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            start_new_session=_CAN_FORK,  # its own group: a kill reaches its studies too
        )
        self._answers: queue.Queue[Any] = queue.Queue()
        threading.Thread(target=self._read_answers, daemon=True).start()
        ready = self._answer(STARTUP_LIMIT)
        if ready != "ready":
            self.close()
            raise ChildProcessError(f"the study host did not start ({ready!r})")

    def _read_answers(self) -> None:
        try:
            while True:
                self._answers.put(_receive(self.process.stdout))
        except (EOFError, OSError, pickle.UnpicklingError) as error:
            self._answers.put(EOFError(f"the study host stopped ({error})"))

    def _answer(self, timeout: float) -> Any:
        try:
            return self._answers.get(timeout=timeout)
        except queue.Empty:
            return TIMED_OUT

    def run(self, evaluate: Callable[..., Any] | str, args: tuple, limit: float) -> Any:
        """The host's answer for one study: its row, :data:`TIMED_OUT` or an exception."""
        _send(self.process.stdin, (evaluate, args, limit))
        answer = self._answer(limit + _GRACE if _CAN_FORK else limit)
        if answer == TIMED_OUT or isinstance(answer, EOFError):
            self.close()  # a host that did not answer in time is not trusted again
        return answer

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def close(self) -> None:
        """Stop the host (and any study it runs) and reap it."""
        if self.alive:
            if _CAN_FORK:
                _kill_group(self.process.pid)
            else:
                self.process.kill()
        self.process.wait()
        for stream in (self.process.stdin, self.process.stdout):
            with contextlib.suppress(OSError):
                stream.close()


_local = threading.local()
_hosts: list[StudyHost] = []


def _host() -> StudyHost:
    """This worker thread's host, started on first use or after the last one was stopped."""
    host = getattr(_local, "host", None)
    if host is None or not host.alive:
        host = StudyHost()
        _local.host = host
        _hosts.append(host)
    return host


@atexit.register
def close_hosts() -> None:
    """Stop and reap this process's study hosts (a portfolio's end leaves none running)."""
    while _hosts:
        _hosts.pop().close()


def evaluate_with_limit(evaluate: Callable[..., Any] | str, args: tuple, limit: float) -> Any:
    """``evaluate(*args)`` in a study process of its own (see the module's notes), stopped
    after ``limit`` seconds: its result, :data:`TIMED_OUT` or the exception that ended it.
    ``evaluate`` may be a ``module:function`` text, imported by the host only."""
    try:
        return _host().run(evaluate, args, limit)
    except (OSError, ChildProcessError, EOFError) as error:
        return error


def evaluate_isolated(
    study_file: str,
    options: tuple,
    limit: float,
    evaluate: Callable[..., dict[str, Any]] | str | None = None,
) -> dict[str, Any]:
    """The Dask task of one study: ``evaluate_study(study_file, *options)`` in a process of
    its own, stopped after ``limit`` seconds.

    A study past its limit, or whose process dies, comes back as a failed row saying so;
    ``evaluate`` stands in for ``evaluate_study`` (tests give one that hangs).
    """
    start = time.perf_counter()
    answer = evaluate_with_limit(evaluate or EVALUATE_STUDY, (study_file, *options), limit)
    if isinstance(answer, dict):
        return answer
    return _failed_row(study_file, answer, limit, seconds=time.perf_counter() - start)


def _failed_row(study_file: str, answer: object, limit: float, *, seconds: float) -> dict:
    # Imported here, on a failure only: a worker that relays studies stays without pandas.
    from pathlib import Path

    from pipeline.portfolio.discover import failed_row
    from pipeline.portfolio.report import report_words

    words = report_words("en")
    if isinstance(answer, str) and answer == TIMED_OUT:
        problem = words["study_time_limit"].format(study=study_file, limit=limit)
    else:
        reason = f"{type(answer).__name__}: {answer}"
        problem = words["study_process_failed"].format(study=study_file, reason=reason)
    return failed_row(Path(study_file), problem, seconds=seconds)
