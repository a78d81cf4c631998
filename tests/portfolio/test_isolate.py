"""Study processes with a time limit: a hanging study is killed and reaped, a crashing one
is reported, and studies run in a process forked by a warm host, one fork serving many."""

from __future__ import annotations

import os
import time
from pathlib import Path

from pipeline.portfolio import isolate


def _hangs(pid_file: str) -> dict:
    """A study that never finishes: says who it is, then waits far past any limit."""
    Path(pid_file).write_text(str(os.getpid()), encoding="utf-8")
    time.sleep(3600)
    return {}


def _whoami() -> dict:
    return {"pid": os.getpid(), "parent": os.getppid()}


def _crashes() -> dict:
    os._exit(3)


def _gone(pid: int) -> bool:
    """No process, not even a zombie waiting to be reaped, has this id."""
    return not Path(f"/proc/{pid}").exists()


def test_a_study_past_its_limit_is_killed_and_reaped(tmp_path):
    pid_file = tmp_path / "pid"
    start = time.monotonic()
    answer = isolate.run_with_limit(_hangs, (str(pid_file),), 1.0)
    took = time.monotonic() - start
    assert answer == isolate.TIMED_OUT
    assert 1.0 <= took < 10  # stopped at the limit, not after the hour-long sleep
    assert _gone(int(pid_file.read_text(encoding="utf-8")))


def test_a_study_whose_process_dies_is_reported_not_raised():
    answer = isolate.run_with_limit(_crashes, (), 30.0)
    assert isinstance(answer, ChildProcessError)
    assert "exited with status 3" in str(answer)


def test_studies_run_in_a_process_forked_by_one_host():
    try:
        first = isolate.evaluate_with_limit(_whoami, (), 60.0)
        second = isolate.evaluate_with_limit(_whoami, (), 60.0)
        assert isinstance(first, dict) and isinstance(second, dict)
        assert os.getpid() not in {first["pid"], second["pid"]}
        host = first["parent"]
        assert second["parent"] == host != os.getpid()  # forked by one warm host
        assert first["pid"] == second["pid"]  # one fork serves study after study
    finally:
        isolate.close_hosts()
    assert _gone(host) and _gone(first["pid"])  # the host and its study process were reaped


def test_a_study_process_serves_its_studies_then_ends():
    runner = isolate.StudyRunner(2)
    first, second = (runner.run(_whoami, (), 60.0) for _ in range(2))
    assert first["pid"] == second["pid"] == runner.pid and first["parent"] == os.getpid()
    assert not runner.open and _gone(runner.pid)  # ended and reaped after its last study


def test_a_study_past_its_limit_ends_its_study_process(tmp_path):
    runner = isolate.StudyRunner(10)
    assert isinstance(runner.run(_whoami, (), 60.0), dict)
    assert runner.run(_hangs, (str(tmp_path / "pid"),), 1.0) == isolate.TIMED_OUT
    assert not runner.open and _gone(runner.pid)
    crashed = isolate.StudyRunner(10)
    assert isinstance(crashed.run(_crashes, (), 30.0), ChildProcessError)
    assert not crashed.open and _gone(crashed.pid)


def test_a_hanging_study_does_not_stop_the_host(tmp_path):
    try:
        answer = isolate.evaluate_with_limit(_hangs, (str(tmp_path / "pid"),), 1.0)
        assert answer == isolate.TIMED_OUT
        assert _gone(int((tmp_path / "pid").read_text(encoding="utf-8")))
        assert isinstance(isolate.evaluate_with_limit(_whoami, (), 60.0), dict)
    finally:
        isolate.close_hosts()


def test_a_study_process_found_dead_between_studies_takes_no_study():
    import signal

    runner = isolate.StudyRunner(10)
    assert isinstance(runner.run(_whoami, (), 60.0), dict)
    os.kill(runner.pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while runner.open and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not runner.open and _gone(runner.pid)  # reaped by the look, not blamed on a study
