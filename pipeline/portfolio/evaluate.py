"""Evaluating a funder's portfolio: every study under a folder, run through Dask and pooled.

:func:`run_portfolio` finds each ``study.yaml`` under a folder and evaluates it through Dask
(a local cluster by default, or an existing cluster given its scheduler address), so the same
code runs a faculty's twenty programs on a laptop and a ministry's thousands on a cluster. Each
study runs in a study process apart from the worker, with a time limit
(:mod:`pipeline.portfolio.isolate`). A
study whose inputs, instrument, configuration and pkm-eval version match its bundle's manifest
is not run again: its bundle is reused. A study that fails, or runs past its time limit, is
listed with its problems; the others go on. The programs' effects are then pooled
(:mod:`pipeline.portfolio.pool`).

A study's analysis and bundle hold, by default, only what the portfolio reads: every check
that can stop the study and its scores (:mod:`pipeline.portfolio.analysis`), written with its
results and manifest (:data:`pipeline.bundle.write.PORTFOLIO_READS`). The comparisons and the
other tables of a study's own report were most of a small study's cost. ``whole_bundles``
analyses each study whole and writes the whole bundle, as ``pkm-eval run`` does (and
rendering a study's reports needs it).
"""

from __future__ import annotations

import contextlib
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pipeline.bundle.write import PORTFOLIO_READS
from pipeline.config import load_study
from pipeline.errors import InputError, PkmEvalError, Problem
from pipeline.portfolio.analysis import portfolio_analysis
from pipeline.portfolio.discover import (
    discover,
    duplicate_ids,
    duplicate_row,
    failed_row,
    reusable,
)
from pipeline.portfolio.effects import expand_arms, program_effect
from pipeline.portfolio.isolate import close_hosts, evaluate_isolated
from pipeline.portfolio.pool import MODERATORS, PROGRAM_COLUMNS, PortfolioResult, pool
from pipeline.portfolio.report import REASON_LANGUAGES, reasons, report_words
from pipeline.run import run_study

__all__ = [
    "STUDY_TIME_LIMIT",
    "evaluate_on_cluster",
    "evaluate_study",
    "run_portfolio",
    "warm_up",
]

#: Seconds a study may take before it is stopped and listed as failed (``--study-time-limit``).
STUDY_TIME_LIMIT = 600.0


def evaluate_study(
    study_file: str,
    processed_root: str,
    reports_root: str,
    render_reports: bool = False,
    reuse: bool = True,
    whole_bundles: bool = False,
) -> dict[str, Any]:
    """Evaluate one study (or reuse its bundle) and return its portfolio row.

    Never raises: a study that cannot be evaluated comes back with status "failed" and its
    problems, so one broken study cannot stop a portfolio. Runs in a study process (see
    :func:`evaluate_isolated`), so it takes and returns plain, picklable values. The bundle
    holds only the portfolio's tables unless ``whole_bundles`` or ``render_reports`` asks for
    every table; a bundle is reused only when it holds what is asked for.
    """
    whole = whole_bundles or render_reports
    start = time.perf_counter()
    row: dict[str, Any] = {"study_file": study_file, "status": "failed", "reused": False}
    try:
        study = load_study(study_file)
        facts = study.program
        row.update(
            program_id=facts.id,
            title=facts.title,
            **{m: getattr(facts, m) or "" for m in MODERATORS},
        )
        bundle_dir = Path(processed_root) / facts.id
        if reuse and reusable(study, bundle_dir, whole=whole):
            row["reused"] = True
        else:
            run_study(
                study_file,
                processed_root=processed_root,
                reports_root=reports_root,
                render_report=render_reports,
                tables=None if whole else PORTFOLIO_READS,
                analysis=None if whole else portfolio_analysis,
                study=study,
            )
        row.update(program_effect(bundle_dir), status="ok")
        row.update(dict.fromkeys(REASON_LANGUAGES.values(), ""))  # no problems, in any language
    except PkmEvalError as error:
        row.update(_listed(error.problems))
    except Exception as error:  # a bug must not stop the portfolio either; it is reported
        last = traceback.extract_tb(error.__traceback__)[-1]
        row.update(
            reasons(
                "internal_error",
                error=f"{type(error).__name__}: {error}",
                where=f"{Path(last.filename).name}:{last.lineno}",
            )
        )
    row["seconds"] = time.perf_counter() - start
    return row


#: How many of a failed study's problems its row spells out (the rest are counted).
_PROBLEMS_LISTED = 5


def _listed(problems: list) -> dict[str, str]:
    """A failed study's first problems, masked, in each language of the programs table."""
    listed = {}
    for language, column in REASON_LANGUAGES.items():
        messages = [p.message(language, masked=True) for p in problems[:_PROBLEMS_LISTED]]
        more = len(problems) - len(messages)
        if more > 0:
            messages.append(report_words(language)["more_problems"].format(n=more))
        listed[column] = " | ".join(messages)
    return listed


def warm_up() -> None:
    """Evaluate a small simulated study (treatment and control) in a temporary folder, so that
    what a study loads on first use (lazily imported modules, read resources, remembered
    texts) is loaded before study processes are forked from this one: each then starts warm,
    not paying that again (about a third of a small study's CPU)."""
    import tempfile

    from pipeline.simulate.survey import DEMO_PROGRAM, SimulationSpec, write_study

    with tempfile.TemporaryDirectory(prefix="pkm-eval-warm-up-") as folder:
        root = Path(folder)
        (root / "study").mkdir()
        program = {**DEMO_PROGRAM, "id": "warm-up"}
        study = write_study(root / "study", spec=SimulationSpec(seed=1), program=program)
        evaluate_study(str(study), str(root / "processed"), str(root / "reports"))


def _client(address: str | None, workers: int):
    from dask.distributed import Client, LocalCluster

    if address:
        return Client(address), None
    cluster = LocalCluster(
        n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
    )
    return Client(cluster), cluster


def run_portfolio(
    root: Path,
    *,
    processed_root: Path,
    reports_root: Path,
    scheduler: str | None = None,
    workers: int = 2,
    render_reports: bool = False,
    reuse: bool = True,
    whole_bundles: bool = False,
    study_time_limit: float = STUDY_TIME_LIMIT,
    method: str = "REML",
    hk: bool = False,
    progress: Callable[[int, int, dict[str, Any]], None] | None = None,
    evaluate: Callable[..., dict[str, Any]] | None = None,
) -> PortfolioResult:
    """Evaluate every study under ``root`` on a Dask cluster and pool the results.

    Parameters
    ----------
    root
        Folder searched recursively for ``study.yaml`` files.
    processed_root, reports_root
        Where each study's bundle (and, with ``render_reports``, its reports) go.
    scheduler
        Address of an existing Dask scheduler (``tcp://host:8786``); a local cluster of
        ``workers`` processes when None.
    whole_bundles
        Write every table of each study's bundle (as ``pkm-eval run`` does), not only the
        portfolio's; implied by ``render_reports``.
    study_time_limit
        Seconds each study may take; a study still running then is stopped and listed as
        failed, naming the limit.
    progress
        Called as each study finishes with (done, total, its row).
    evaluate
        Stands in for :func:`evaluate_study` in the study processes (for tests).

    Studies that declare one ``program.id`` between them are not run (the id names their
    output folder): each is listed as failed, naming the files that share it.
    """
    files = discover(root)
    if not files:
        raise InputError(
            [Problem("portfolio_empty", file=str(root))],
            "No study.yaml was found under the portfolio folder",
        )
    rows: list[dict[str, Any]] = []

    def record(row: dict[str, Any]) -> None:
        rows.append(row)
        if progress:
            progress(len(rows), len(files), row)

    # Checked before anything runs: studies sharing an id would write one folder at once.
    held_back = {
        path: duplicate_row(path, program_id, sharing)
        for program_id, sharing in duplicate_ids(files).items()
        for path in sharing
    }
    for row in held_back.values():
        record(row)
    to_run = [path for path in files if path not in held_back]
    if to_run:
        evaluate_on_cluster(
            to_run,
            record,
            scheduler=scheduler,
            workers=workers,
            options=(str(processed_root), str(reports_root), render_reports, reuse, whole_bundles),
            limit=study_time_limit,
            evaluate=evaluate,
        )
    programs = pd.DataFrame(expand_arms(rows))
    programs = programs.sort_values(["study_file", "program_id"], kind="stable")
    programs = programs.reset_index(drop=True)
    for column in PROGRAM_COLUMNS:
        if column not in programs:
            programs[column] = np.nan if column in {"yi", "vi", "ci_low", "ci_high"} else ""
    return pool(programs, method=method, hk=hk)


def evaluate_on_cluster(
    files: list[Path],
    record: Callable[[dict[str, Any]], None],
    *,
    scheduler: str | None,
    workers: int,
    options: tuple,
    limit: float = STUDY_TIME_LIMIT,
    evaluate: Callable[..., dict[str, Any]] | None = None,
) -> None:
    """Run ``evaluate_study(file, *options)`` for each file in Dask workers, each study in a
    study process stopped after ``limit`` seconds (:func:`evaluate_isolated`), recording rows
    as they finish.

    A task that fails outside the study (its worker died, the cluster lost it) is recorded
    as that study's failure; the studies already finished and the rest are kept.
    """
    import uuid

    from dask.distributed import as_completed

    run = uuid.uuid4().hex[:8]  # task keys unique per run: a shared scheduler may hold others
    client, cluster = _client(scheduler, workers)
    try:
        futures = {
            client.submit(
                evaluate_isolated,
                str(path),
                options,
                limit,
                evaluate,
                key=f"study-{run}-{k}-{path.parent.name}",
                pure=False,
            ): path
            for k, path in enumerate(files)
        }
        for future in as_completed(futures):
            try:
                row = future.result()
            except Exception as error:  # any task failure is this study's alone
                problems = reasons("task_failed", error=f"{type(error).__name__}: {error}")
                row = failed_row(futures[future], problems)
            record(row)
    finally:
        # No study host outlives a portfolio's own cluster; a lost worker's hosts end with
        # their pipe. On a shared scheduler, another portfolio may be using the workers' hosts
        # at this moment: they stay, warm, and end with their workers.
        if cluster is not None:
            with contextlib.suppress(Exception):
                client.run(close_hosts)
        client.close()
        if cluster is not None:
            cluster.close()
