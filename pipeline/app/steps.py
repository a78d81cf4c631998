"""What the page's steps do with the package, without Streamlit: check the program facts, read
the uploads through the read stage, draft the mapping (:mod:`pipeline.draft`), write the study
file and its codebook, validate the study and find its pending match reviews, and list the
outputs of a run.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import ValidationError

from pipeline.bundle.files import atomic_write_text
from pipeline.bundle.workspace import REVIEW_FILE, StudyFolders
from pipeline.config import Limits, Study, builtin_instrument_path, load_study
from pipeline.config.base import problems_from
from pipeline.config.study import ProgramFacts
from pipeline.draft import Draft, propose, render_codebook, render_study
from pipeline.errors import InputError, Problem
from pipeline.stages.clean import clean
from pipeline.stages.ingest import ingest
from pipeline.stages.matching import STATUS
from pipeline.stages.read import read_file, read_inputs
from pipeline.stages.validate import validate
from pipeline.text import normalize_text

__all__ = [
    "LOGS",
    "TRYOUT",
    "WAVES",
    "Checked",
    "check_facts",
    "check_study",
    "draft_exports",
    "log_headers",
    "outputs",
    "problem_table",
    "read_exports",
    "slug",
    "write_study",
]

#: Waves of a pre/post study, and the single wave of an instrument try-out.
WAVES = ("pre", "post", "follow_up")
TRYOUT = "tryout"
#: Program logs that may be uploaded beside the exports.
LOGS = ("attendance", "service_log")


def slug(text: str) -> str:
    """A program id from a title: lower case, letters, digits and dashes."""
    found = re.sub(r"[^a-z0-9]+", "-", normalize_text(text)).strip("-")[:40].strip("-")
    return found or "studi"


def check_facts(facts: Mapping[str, Any], *, program_id: str) -> list[Problem]:
    """The program facts checked by the study file's own model (nothing is written)."""
    try:
        ProgramFacts.model_validate({"id": program_id, **facts})
    except ValidationError as exc:
        return problems_from(exc, Path("program"))
    return []


# --------------------------------------------------------------------------- uploads


def read_exports(paths: Mapping[str, Path]) -> dict[str, pd.DataFrame]:
    """Each saved upload read as text by the read stage, within the default limits.

    Raises
    ------
    InputError
        With the problems of every file that cannot be read, together.
    """
    frames, problems = {}, []
    for role, path in paths.items():
        missing = Problem("file_missing", file=path.name, details={"wave": role})
        try:
            read = read_file(path, label=path.name, limits=Limits(), missing=missing)
        except InputError as exc:
            problems += exc.problems
            continue
        frames[role] = read.table.frame
    if problems:
        raise InputError(problems, "An uploaded file cannot be read")
    return frames


def draft_exports(frames: Mapping[str, pd.DataFrame], paths: Mapping[str, Path]) -> Draft:
    """The drafted codebook and study of the wave exports (the same drafting as
    ``pkm-eval init --from``)."""
    waves = {w: frames[w] for w in (*WAVES, TRYOUT) if w in frames}
    return propose(waves, files={w: paths[w].name for w in waves})


def log_headers(path: Path) -> list[str]:
    """The headers of an uploaded program log, for choosing its columns."""
    return list(read_exports({path.stem: path})[path.stem].columns)


# --------------------------------------------------------------------------- the study file


def write_study(
    folders: StudyFolders,
    draft: Draft,
    *,
    facts: Mapping[str, Any],
    language: str,
    instrument: str | None = None,
    scales: Mapping[str, list[str]] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> Study:
    """Write the codebook (drafted, or a copy of a bundled instrument) and ``study.yaml`` into
    the study folder, and load them back.

    Parameters
    ----------
    folders
        The study's folders; ``folders.raw`` receives the files.
    draft
        The draft as the user edited it.
    facts
        The program facts of step 1.
    language
        Report language (``id`` or ``en``).
    instrument
        A bundled instrument's name to use instead of the drafted codebook.
    scales
        Subscale name to item ids (drafted codebook only).
    extra
        Further keys of the study file (program logs); a review file saved beside the study
        is declared by itself.

    Raises
    ------
    ConfigError
        When the written files do not load (each problem located in its file).
    """
    if instrument:
        source = builtin_instrument_path(instrument)
        codebook, text = source.name, source.read_text("utf-8")
    else:
        codebook = "codebook.yaml"
        text = render_codebook(draft, instrument_id=folders.raw.name, scales=scales)
    atomic_write_text(folders.raw / codebook, text)
    keys = dict(extra or {})
    if (folders.raw / REVIEW_FILE).is_file():
        keys["match_review"] = REVIEW_FILE
    study = render_study(
        draft,
        codebook=codebook,
        program_id=folders.processed.name,
        language=language,
        program=facts,
        extra=keys,
    )
    atomic_write_text(folders.study_file, study)
    return load_study(folders.study_file)


# --------------------------------------------------------------------------- validation


@dataclass(frozen=True)
class Checked:
    """What validating a study found: rows read and set aside, every problem, and the name
    pairs the matching considered (``wave, name_base, name_other, score, status,
    decision``)."""

    n_input: int
    n_quarantined: int
    problems: tuple[Problem, ...]
    review: pd.DataFrame

    @property
    def pending(self) -> pd.DataFrame:
        """Pairs proposed for review that nobody has decided yet."""
        review = self.review
        return review[review["status"].eq(STATUS["proposed"]) & review["decision"].eq("")]


def check_study(path: Path) -> Checked:
    """Read, ingest, validate and clean a study (nothing written), as ``pkm-eval validate``
    does, plus the matching, whose proposed pairs need a person.

    Raises
    ------
    ConfigError, InputError
        When the study file or its exports cannot be used (the problems carried).
    """
    study = load_study(path)
    validated = validate(ingest(read_inputs(study), study), study)
    cleaned = clean(validated, study)
    return Checked(
        n_input=validated.n_input,
        n_quarantined=len(validated.quarantine),
        problems=tuple(validated.problems),
        review=cleaned.review.reset_index(drop=True),
    )


PROBLEM_COLUMNS = ["severity", "file", "row", "column", "value", "expected", "message"]


def problem_table(problems: list[Problem] | tuple[Problem, ...], language: str) -> pd.DataFrame:
    """Problems as the page shows them: file, spreadsheet row, column, value found, what was
    expected and the whole message, in the chosen language."""
    rows = [
        {
            "severity": p.severity,
            "file": Path(p.file).name if p.file else "",
            "row": p.row,
            "column": p.column or "",
            "value": "" if p.value is None else str(p.value)[:80],
            "expected": p.expected_in(language) or "",
            "message": p.message(language),
        }
        for p in problems
    ]
    return pd.DataFrame(rows, columns=PROBLEM_COLUMNS).astype({"row": "Int64"})


# --------------------------------------------------------------------------- outputs

#: The files a finished run offers for download, in the order shown.
OUTPUTS = (
    ("report", "report.html", "text/html"),
    ("funder_html", "funder_summary.html", "text/html"),
    ("funder_pdf", "funder_summary.pdf", "application/pdf"),
    (
        "funder_xlsx",
        "funder_summary.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
)


def outputs(folders: StudyFolders) -> list[tuple[str, Path, str]]:
    """The report files a run wrote (key, path, MIME type); a format the renderer does not
    write is simply absent."""
    found = [(key, folders.reports / name, mime) for key, name, mime in OUTPUTS]
    return [entry for entry in found if entry[1].is_file()]
