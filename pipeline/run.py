"""The whole flow of one study, top to bottom: load, read, ingest, validate, clean, score,
compare, the program's parts, write the bundle, render the reports. The steps a run shares
with ``pkm-eval validate`` (read to clean, and the pairs check) are
:func:`pipeline.stages.check.prepared`; where outputs go is :mod:`pipeline.config.roots`.

Output folders: ``data/processed/<id>/`` and ``reports/<id>/`` under the project root, the
folder holding the ``data/raw/`` in which the study file lies; a study file outside any
``data/raw/`` writes under the current folder (never inside ``data/raw/``). So a run started
inside the study folder writes where one started from the project root does.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from pipeline.bundle import write as bundle
from pipeline.config import Study, load_study
from pipeline.config.roots import output_roots
from pipeline.errors import InputError, OutputError
from pipeline.program.parts import program_parts
from pipeline.reports.render import render_reports
from pipeline.simulate.examples import EXAMPLES, EXAMPLES_ROOT
from pipeline.stages.check import prepared
from pipeline.stages.compare import compare
from pipeline.stages.result import Analysis
from pipeline.stages.score import score
from pipeline.stages.sensitivity import sensitivity_table

__all__ = [
    "STAGES",
    "Analysis",
    "StudyResult",
    "analyse",
    "run_examples",
    "run_study",
]

#: Stage names in order, as progress callbacks receive them.
STAGES = ("ingest", "validate", "clean", "score", "compare", "bundle", "report")
Progress = Callable[[str], None]


@dataclass(frozen=True)
class StudyResult:
    """A finished run: the analysis and where its bundle and report were written."""

    analysis: Analysis
    bundle_dir: Path
    report_path: Path | None


def _quiet(stage: str) -> None:
    del stage


def analyse(study: Study, *, progress: Progress = _quiet) -> Analysis:
    """Run the analysis stages (no files written).

    Raises
    ------
    InputError
        When the exports cannot be read or too many rows are invalid.
    ConfigError
        When a program part's configuration does not fit its data (``achieved`` keys, the
        aspiration dictionary).
    """
    # The coded and validated rows come back released: score and compare read the cleaned.
    ingested, validated, cleaned = prepared(study, progress)
    progress("score")
    scored = score(cleaned, study)
    progress("compare")
    compared = compare(scored, study)
    analysis = Analysis(study, ingested, validated, cleaned, scored, compared)
    if study.sensitivity:
        variants = sensitivity_table(cleaned, scored, compared, study)
        analysis = replace(analysis, sensitivity=variants)
    if study.declares_parts():
        analysis = replace(analysis, parts=program_parts(analysis))
    return analysis


def run_study(
    path: str | Path,
    *,
    processed_root: str | Path | None = None,
    reports_root: str | Path | None = None,
    render_report: bool = True,
    progress: Progress = _quiet,
    tables: Sequence[str] | None = None,
    analysis: Callable[[Study], Analysis] | None = None,
    study: Study | None = None,
) -> StudyResult:
    """Evaluate one study end to end.

    Parameters
    ----------
    path
        The study's ``study.yaml``.
    processed_root, reports_root
        Folders under which ``<program id>/`` receives the bundle and the reports (default:
        :func:`output_roots`).
    render_report
        Execute the report notebook (the slowest step) after writing the bundle.
    progress
        Called with each stage's name as it starts.
    tables
        Write only these tables of the bundle (a portfolio's); every table when None.
        Rendering the reports needs every table.
    analysis
        Stands in for :func:`analyse` (a portfolio's, which stops at the scores, with
        ``tables`` its own).
    study
        The study ``path`` holds, already loaded from it (a portfolio loads it for its row):
        not loaded a second time.

    Returns
    -------
    StudyResult

    Raises
    ------
    ConfigError, InputError, ReportError, OutputError
        Each carries the list of problems; nothing else is raised for bad input or a folder
        that cannot be written.
    """
    study = load_study(path) if study is None else study
    default_processed, default_reports = output_roots(path)
    processed_root = default_processed if processed_root is None else processed_root
    reports_root = default_reports if reports_root is None else reports_root
    bundle_dir = Path(processed_root) / study.program.id
    try:
        found = analyse(study, progress=progress) if analysis is None else analysis(study)
    except InputError as error:
        # The problem list is the validation report: keep it where the user will look.
        try:
            bundle.write_problems(error.problems, bundle_dir)
        except OutputError as unwritten:
            raise InputError([*error.problems, *unwritten.problems], error.summary) from None
        raise
    progress("bundle")
    bundle.write(found, bundle_dir, only=tables)
    report_path = None
    if render_report:
        progress("report")
        report_path = render_reports(
            bundle_dir, Path(reports_root) / study.program.id, language=study.report.language
        )
    return StudyResult(found, bundle_dir, report_path)


def run_examples(
    processed_root: str | Path | None = None,
    reports_root: str | Path | None = None,
    *,
    examples_root: str | Path = EXAMPLES_ROOT,
    render_report: bool = True,
    names: Sequence[str] | None = None,
) -> list[StudyResult]:
    """Evaluate every example study end to end (bundle and reports).

    Parameters
    ----------
    processed_root, reports_root
        Folders under which each example's program id receives its bundle and reports
        (default: :func:`output_roots`).
    examples_root
        Where the examples are (default: ``data/raw/examples`` of the repository).
    render_report
        Execute the report notebooks too.
    names
        Only these examples (default: all of :data:`pipeline.simulate.examples.EXAMPLES`).
    """
    return [
        run_study(
            Path(examples_root) / name / "study.yaml",
            processed_root=processed_root,
            reports_root=reports_root,
            render_report=render_report,
        )
        for name in (names or EXAMPLES)
    ]
