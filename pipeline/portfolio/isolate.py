"""Portfolio studies in a process apart from the worker's, each stopped at a time limit.

A study that never finishes (an export that makes a step run for hours, a bug) must not hold
up a funder's portfolio: each study gets ``limit`` seconds, after which its process is killed
and reaped and the study is listed as failed, naming the limit.

Dask worker processes are daemonic, and :mod:`multiprocessing` refuses to start children from
a daemonic process. So each worker thread starts, with :mod:`subprocess`, one *study host*
(:func:`serve`, in ``python -c``): an ordinary process that imports the pipeline once
and runs a small simulated study (so that what a study loads on first use is loaded), and
then forks a study process (:class:`StudyRunner`) that evaluates the studies it is sent, one
after another. The host waits for each study's row until the limit; a study process past it
is killed with its process group and reaped (no zombie is left), the host answers "timed
out", and the next study gets a fresh fork. A study process ends after
:data:`RUNNER_STUDIES` studies, or when one makes it die; the host then forks another.
Forking the warm host costs milliseconds, where a fresh interpreter would import pandas,
scipy and the statistics stack again (about 4 s of CPU, several times a small study's own
work); serving many studies from one fork spares each study the fork's first touches of the
memory it shares with the host (about 0.16 s of CPU each).

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
    "StudyRunner",
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
#: Studies one forked study process evaluates before the host forks a fresh one: enough to
#: spread the cost of a fork's first touches of shared memory, few enough that what one
#: study leaves in its process (memory not given back) does not pile up.
RUNNER_STUDIES = 100
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


def _frame_until(fd: int, deadline: float) -> bytes | None:
    """One length-prefixed frame read from ``fd``: its bytes, ``b""`` when the writer closed
    the pipe first, or None at the deadline."""
    data = b""
    size = None
    while size is None or len(data) < _HEADER.size + size:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            return None
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            return b""
        data += chunk
        if size is None and len(data) >= _HEADER.size:
            (size,) = _HEADER.unpack(data[: _HEADER.size])
    return data[_HEADER.size :]


def _serve_studies(requests_fd: int, answers_fd: int) -> None:
    """The forked study process: evaluate each study it is sent, hand each row back, and exit
    when the host closes the requests' pipe."""
    status = 1
    try:
        os.setpgid(0, 0)  # its own group, so a kill reaches whatever it starts
        requests, answers = os.fdopen(requests_fd, "rb"), os.fdopen(answers_fd, "wb")
        while True:
            try:
                named, args = _receive(requests)
            except EOFError:
                status = 0
                break
            _send(answers, _resolve(named)(*args))
            _close_figures()
    finally:
        os._exit(status)  # no atexit handlers, no flushing of the host's buffers


def _close_figures() -> None:
    """Close the figures a study left open (one that failed while drawing its article kit):
    the process serves the next study, and pyplot would keep them all."""
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None:
        pyplot.close("all")


class StudyRunner:
    """A study process forked from a warm one, evaluating studies one after another, each
    within its own time limit.

    Forking a warm process is cheap, but the fork's first touches of the memory it shares
    copy pages (reference counts are written): about 0.16 s of CPU, a third of a small
    study's evaluation when each study had a process of its own. So one forked process
    serves ``studies`` studies and then ends; a study past its limit or a process that dies
    ends it at once, and the next study gets a fresh fork.
    """

    def __init__(self, studies: int, *, inherited: tuple[int, ...] = ()) -> None:
        requests_read, requests_write = os.pipe()
        answers_read, answers_write = os.pipe()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child's coverage is not collected
            # Not the host's pipes to its worker: those end with the host alone.
            for fd in (requests_write, answers_read, *inherited):
                os.close(fd)
            _serve_studies(requests_read, answers_write)
        os.close(requests_read)
        os.close(answers_write)
        with contextlib.suppress(OSError):  # as the child does: whichever runs first wins
            os.setpgid(pid, pid)
        self.pid, self.left = pid, studies
        self._requests = os.fdopen(requests_write, "wb")
        self._answers = answers_read

    @property
    def open(self) -> bool:
        """Whether the process takes studies: not ended, nor found dead between studies (a
        study is then not sent to it and blamed for its death)."""
        if self._answers is not None and os.waitpid(self.pid, os.WNOHANG)[0]:
            with contextlib.suppress(OSError):
                self._requests.close()
            os.close(self._answers)
            self._answers = None  # ended and reaped by the look
        return self._answers is not None

    def run(self, evaluate: Callable[..., Any] | str, args: tuple, limit: float) -> Any:
        """``evaluate(*args)`` in this process, stopped after ``limit`` seconds: its result,
        :data:`TIMED_OUT` (the process and its group were killed and reaped) or a
        :class:`ChildProcessError` (the process ended without a result). After either, or
        after its last study, the runner is closed."""
        try:
            _send(self._requests, (evaluate, args))
            data = _frame_until(self._answers, time.monotonic() + limit)
        except OSError:  # the process is gone: reaped below, its status said
            data = b""
        if data:
            self.left -= 1
            if self.left <= 0:
                self.close()
            return pickle.loads(data)  # written by our own forked process
        if data is None:
            _kill_group(self.pid)
        status = self._reap()
        return TIMED_OUT if data is None else ChildProcessError(_ended(status))

    def _reap(self) -> int:
        with contextlib.suppress(OSError):
            self._requests.close()
        os.close(self._answers)
        self._answers = None
        _, status = os.waitpid(self.pid, 0)  # reaped here: no zombie stays behind
        return status

    def close(self) -> None:
        """End the process (it exits when its requests' pipe closes) and reap it."""
        if self.open:
            self._reap()

    def stop(self) -> None:
        """Kill the process and its group (whatever study it runs) and reap it."""
        if self.open:
            _kill_group(self.pid)
            self._reap()


def run_with_limit(evaluate: Callable[..., Any], args: tuple, limit: float) -> Any:
    """``evaluate(*args)`` in a forked process of its own, killed after ``limit`` seconds.

    Returns
    -------
    The function's result; :data:`TIMED_OUT` when the limit passed (the process and its group
    were killed and the process reaped); a :class:`ChildProcessError` when the process ended
    without a result (it crashed or was killed from outside).
    """
    runner = StudyRunner(1)
    try:
        return runner.run(evaluate, args, limit)
    finally:
        runner.close()


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
    runner: StudyRunner | None = None
    try:
        while True:
            try:
                named, args, limit = _receive(requests)
            except EOFError:
                return
            if _CAN_FORK:
                if runner is None or not runner.open:
                    inherited = (requests.fileno(), answers.fileno())
                    runner = StudyRunner(RUNNER_STUDIES, inherited=inherited)
                answer = runner.run(named, args, limit)
            else:  # the worker stops this whole host at the limit
                answer = _resolve(named)(*args)
            try:
                _send(answers, answer)
            except OSError:  # the worker is gone (a portfolio stopped by Ctrl+C): so is the host
                return
    finally:
        if runner is not None:  # the study process ends with its host's requests
            runner.stop()


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

    def close(self, *, wait: float = 0.0) -> None:
        """Stop the host (and any study it runs) and reap it; given ``wait`` seconds, a host
        first may end by itself, stopping its study process, when its requests end."""
        if self.alive and wait > 0:
            with contextlib.suppress(OSError):
                self.process.stdin.close()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=wait)
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
        _hosts.pop().close(wait=_GRACE)


def evaluate_with_limit(evaluate: Callable[..., Any] | str, args: tuple, limit: float) -> Any:
    """``evaluate(*args)`` in a study process forked by this thread's host (see the module's
    notes), stopped after ``limit`` seconds: its result, :data:`TIMED_OUT` or the exception
    that ended it. ``evaluate`` may be a ``module:function`` text, imported by the host only."""
    try:
        return _host().run(evaluate, args, limit)
    except (OSError, ChildProcessError, EOFError, ValueError) as error:
        # ValueError: the host's pipe was closed under this thread (a portfolio stopping)
        return error


def evaluate_isolated(
    study_file: str,
    options: tuple,
    limit: float,
    evaluate: Callable[..., dict[str, Any]] | str | None = None,
) -> dict[str, Any]:
    """The Dask task of one study: ``evaluate_study(study_file, *options)`` in a study
    process, stopped after ``limit`` seconds.

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
    from pipeline.portfolio.report import reasons

    if isinstance(answer, str) and answer == TIMED_OUT:
        problems = reasons("study_time_limit", study=study_file, limit=limit)
    else:
        reason = f"{type(answer).__name__}: {answer}"
        problems = reasons("study_process_failed", study=study_file, reason=reason)
    return failed_row(Path(study_file), problems, seconds=seconds)
