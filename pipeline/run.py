"""The whole flow of one study, top to bottom: load, read, ingest, validate, clean, score,
compare, the program's parts, write the bundle, render the reports; where its outputs go; and
what in a finished run needs a person.

Output folders: ``data/processed/<id>/`` and ``reports/<id>/`` under the project root, the
folder holding the ``data/raw/`` in which the study file lies; a study file outside any
``data/raw/`` writes under the current folder (never inside ``data/raw/``). So a run started
inside the study folder writes where one started from the project root does.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from pipeline.bundle import write as bundle
from pipeline.config import Study, load_study
from pipeline.errors import InputError, OutputError, Problem
from pipeline.program.parts import program_parts
from pipeline.reports.render import render_reports
from pipeline.simulate.examples import EXAMPLES, EXAMPLES_ROOT
from pipeline.stages.clean import clean
from pipeline.stages.compare import compare
from pipeline.stages.ingest import ingest
from pipeline.stages.matching import NEAR_MISS_STATUS, STATUS
from pipeline.stages.read import read_inputs
from pipeline.stages.result import Analysis, CleanResult, ValidationResult
from pipeline.stages.score import score
from pipeline.stages.sensitivity import sensitivity_table
from pipeline.stages.validate import validate
from pipeline.text import phrase

__all__ = [
    "STAGES",
    "Analysis",
    "Attention",
    "StudyResult",
    "analyse",
    "check",
    "needs_a_person",
    "output_roots",
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
    progress("ingest")
    ingested = ingest(read_inputs(study), study)
    progress("validate")
    validated = validate(ingested, study)
    progress("clean")
    cleaned = clean(validated, study)
    if not study.is_tryout:  # a try-out has one wave: nothing to pair
        _require_pairs(cleaned, study)
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


def check(study: Study) -> tuple[ValidationResult, CleanResult]:
    """Read, validate and clean a study without writing anything, to see what needs a person
    before a run (``pkm-eval validate``).

    Raises
    ------
    InputError
        As :func:`analyse` does: unreadable exports, a column that cannot identify people,
        too many bad rows, or nobody who answered before and after.
    """
    validated = validate(ingest(read_inputs(study), study), study)
    cleaned = clean(validated, study)
    _require_pairs(cleaned, study)
    return validated, cleaned


def _require_pairs(cleaned: CleanResult, study: Study) -> None:
    """A pre/post evaluation without a single participant in both waves cannot go on."""
    waves = cleaned.responses[["participant_code", "wave"]]
    pre = waves.loc[waves["wave"].eq("pre"), "participant_code"]
    if not waves.loc[waves["wave"].eq("post"), "participant_code"].isin(pre).any():
        raise InputError(
            [Problem("no_pairs", file=str(study.source))],
            "No participant answered both before and after",
        )


def output_roots(study_path: str | Path, *, cwd: Path | None = None) -> tuple[Path, Path]:
    """The folders under which a study's bundle and reports go by default.

    Parameters
    ----------
    study_path
        The study file.
    cwd
        The current folder (default: the process's).

    Returns
    -------
    tuple of Path
        ``<root>/data/processed`` and ``<root>/reports``, where ``<root>`` is the folder that
        holds the ``data/raw/`` the study file lies in; for a study outside any ``data/raw/``,
        the current folder, or the root above it when the current folder is itself inside a
        ``data/raw/``.
    """
    cwd = (cwd or Path.cwd()).resolve()
    study = (cwd / study_path).resolve()  # an absolute study path stays as it is
    root = _project_root(study.parent) or _project_root(cwd) or cwd
    return root / "data" / "processed", root / "reports"


def _project_root(folder: Path) -> Path | None:
    """The folder above the nearest ``data/raw`` holding ``folder``, or None."""
    for parent in [folder, *folder.parents]:
        if parent.name == "raw" and parent.parent.name == "data":
            return parent.parent.parent
    return None


def run_study(
    path: str | Path,
    *,
    processed_root: str | Path | None = None,
    reports_root: str | Path | None = None,
    render_report: bool = True,
    progress: Progress = _quiet,
    tables: Sequence[str] | None = None,
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

    Returns
    -------
    StudyResult

    Raises
    ------
    ConfigError, InputError, ReportError, OutputError
        Each carries the list of problems; nothing else is raised for bad input or a folder
        that cannot be written.
    """
    study = load_study(path)
    default_processed, default_reports = output_roots(path)
    processed_root = default_processed if processed_root is None else processed_root
    reports_root = default_reports if reports_root is None else reports_root
    bundle_dir = Path(processed_root) / study.program.id
    try:
        analysis = analyse(study, progress=progress)
    except InputError as error:
        # The problem list is the validation report: keep it where the user will look.
        try:
            bundle.write_problems(error.problems, bundle_dir)
        except OutputError as unwritten:
            raise InputError([*error.problems, *unwritten.problems], error.summary) from None
        raise
    progress("bundle")
    bundle.write(analysis, bundle_dir, only=tables)
    report_path = None
    if render_report:
        progress("report")
        report_path = render_reports(
            bundle_dir, Path(reports_root) / study.program.id, language=study.report.language
        )
    return StudyResult(analysis, bundle_dir, report_path)


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


# --------------------------------------------------------------------------- needs a person


@dataclass(frozen=True)
class Attention:
    """One thing in a run (or a check) that needs a person: how many, and where to look.

    Attributes
    ----------
    key
        What it is: ``id_fallback``, ``match_review``, ``near_miss``, ``duplicate_conflict``,
        ``timestamps``, ``short_rows``, ``quarantine`` (``needs_<key>`` in
        ``resources/console.yaml``).
    count
        How many.
    file
        The file to open; None: the problems the command listed.
    after_run
        True when the file is written by ``pkm-eval run`` (a check writes nothing).
    details
        Other values the sentence names.
    """

    key: str
    count: int
    file: str | None
    after_run: bool = False
    details: dict[str, object] = field(default_factory=dict)

    def text(self, language: str = "en") -> str:
        """The sentence, in ``"id"`` or ``"en"``."""
        where = self.file if self.file is not None else phrase("listed_above", language)
        if self.after_run:
            where = phrase("after_run", language, file=where)
        return phrase(f"needs_{self.key}", language, n=self.count, file=where, **self.details)


def needs_a_person(
    study: Study,
    validated: ValidationResult,
    cleaned: CleanResult | None,
    *,
    bundle_dir: Path | None = None,
) -> list[Attention]:
    """What needs a person after a run (``bundle_dir`` given) or a check (None): an id
    column replaced, name pairs and near-miss student numbers awaiting a decision, duplicate
    submissions that may be two people, unreadable times, short rows and quarantined rows,
    each with the file to open."""
    problems = [*validated.problems, *(cleaned.warnings if cleaned else ())]
    listed = None if bundle_dir is None else str(bundle_dir / "problems.csv")
    found = []
    for problem in (p for p in problems if p.code == "id_fallback"):
        details = {k: problem.details[k] for k in ("chosen", "reasons")} | {
            "column": problem.column
        }
        found.append(Attention("id_fallback", 1, str(study.source), details=details))
    if cleaned is not None:
        review = str((bundle_dir or _default_bundle(study)) / "match_review.csv")
        status = cleaned.review["status"].astype(str)
        counts = {
            "match_review": int(status.eq(STATUS["proposed"]).sum()),
            "near_miss": int(status.str.startswith(NEAR_MISS_STATUS).sum()),
        }
        found += [Attention(k, n, review, bundle_dir is None) for k, n in counts.items() if n]
    counts = {
        "duplicate_conflict": sum(p.code == "duplicate_conflict" for p in problems),
        "timestamps": sum(
            int(p.details["count"]) for p in problems if p.code == "timestamps_unreadable"
        ),
        "short_rows": sum(p.code == "row_short" for p in problems),
    }
    found += [Attention(k, n, listed) for k, n in counts.items() if n]
    if len(validated.quarantine):
        where = None if bundle_dir is None else str(bundle_dir / "quarantine.csv")
        found.append(Attention("quarantine", len(validated.quarantine), where))
    return found


def _default_bundle(study: Study) -> Path:
    return output_roots(study.source)[0] / study.program.id
