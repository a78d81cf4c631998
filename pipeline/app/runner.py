"""A study's run in a background thread, so the page stays responsive: one run per study at a
time (a second click returns the run already going), its stages as they start, and its end (the
result, or the problems, or an unexpected failure logged for the developer)."""

from __future__ import annotations

import itertools
import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.errors import PkmEvalError, Problem
from pipeline.run import STAGES, StudyResult, run_study

__all__ = ["Job", "current", "start"]

log = logging.getLogger(__name__)

_LOCK = threading.Lock()
_JOBS: dict[Path, Job] = {}
_SERIALS = itertools.count(1)


@dataclass
class Job:
    """One run of one study.

    Attributes
    ----------
    study
        The study file.
    serial
        Which run of this process it is (the page remembers which run's end it showed).
    stages
        The stages in order (as :data:`pipeline.run.STAGES`).
    started
        The stages begun so far; the last one is running until the job ends.
    result, problems, failed
        How it ended: the result, the problems of bad input, or True for a failure that is
        a bug (logged, never shown as a traceback).
    """

    study: Path
    serial: int = 0
    stages: tuple[str, ...] = STAGES
    started: list[str] = field(default_factory=list)
    result: StudyResult | None = None
    problems: list[Problem] = field(default_factory=list)
    failed: bool = False
    thread: threading.Thread | None = field(default=None, repr=False)

    @property
    def running(self) -> bool:
        return self.thread is not None and self.thread.is_alive()

    @property
    def share_done(self) -> float:
        """Share of the stages finished (a stage counts once the next one began)."""
        if self.result is not None:
            return 1.0
        return max(len(self.started) - 1, 0) / len(self.stages)

    def stage_state(self, stage: str) -> str:
        """``done``, ``running``, ``waiting`` or ``stopped`` (where a failed run ended)."""
        if stage not in self.started:
            return "waiting"
        last = self.started[-1] == stage
        if last and self.running:
            return "running"
        if last and (self.problems or self.failed):
            return "stopped"
        return "done"


def _work(job: Job, processed_root: Path, reports_root: Path) -> None:
    try:
        job.result = run_study(
            job.study,
            processed_root=processed_root,
            reports_root=reports_root,
            progress=job.started.append,
        )
    except PkmEvalError as error:
        job.problems = list(error.problems)
    except Exception:  # a bug: logged with its traceback for the developer, not shown
        log.exception("The run of %s failed unexpectedly", job.study)
        job.failed = True


def start(study: Path, *, processed_root: Path, reports_root: Path) -> Job:
    """Start running a study in the background, or return its run already going.

    Parameters
    ----------
    study
        The study file.
    processed_root, reports_root
        Where ``<program id>/`` receives the bundle and the reports.
    """
    key = Path(study).resolve()
    with _LOCK:
        job = _JOBS.get(key)
        if job is not None and job.running:
            return job
        job = Job(study=key, serial=next(_SERIALS))
        job.thread = threading.Thread(
            target=_work, args=(job, Path(processed_root), Path(reports_root)), daemon=True
        )
        _JOBS[key] = job
        job.thread.start()
        return job


def current(study: Path) -> Job | None:
    """The latest run of a study in this process, running or ended."""
    with _LOCK:
        return _JOBS.get(Path(study).resolve())
