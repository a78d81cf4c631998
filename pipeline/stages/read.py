"""The read stage: the only code that opens a user's data files.

Survey exports, the match review file and the program's logs are read here, each once, with the
same limits (file size, rows, cell length) and the same parser: CSV (comma, semicolon or tab;
UTF-8 with or without BOM, or Windows-1252) and XLSX (:mod:`pipeline.stages.parse`). The header
row is found among the first rows as the one that names the most known columns. Cells stay
text; the ingest stage codes them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.config import Limits, Study
from pipeline.config.parts import AttendanceLog, ServiceLog
from pipeline.errors import InputError, Problem, bilingual
from pipeline.stages.headers import header_score
from pipeline.stages.parse import RawTable, read_table
from pipeline.text import normalize_text, resolve_column

__all__ = [
    "REVIEW_COLUMNS",
    "Inputs",
    "LogTable",
    "RawTable",
    "ReadFile",
    "file_digests",
    "file_hash",
    "read_bytes",
    "read_file",
    "read_inputs",
    "read_log",
    "read_review",
    "read_table",
]


def file_digests(paths: Mapping[str, Path]) -> dict[str, dict[str, str | None]]:
    """SHA-256 of each named file (None for one that does not exist yet), for the manifest
    and for deciding whether a bundle still belongs to its inputs."""
    found = {}
    for role, path in paths.items():
        digest = file_hash(path.read_bytes()) if path.is_file() else None
        found[role] = {"file": str(path), "sha256": digest}
    return found


def file_hash(raw: bytes) -> str:
    """SHA-256 of a file's content, for the run manifest."""
    return hashlib.sha256(raw).hexdigest()


REVIEW_COLUMNS = ["wave", "name_base", "name_other", "decision"]
_YES = {"yes", "y", "ya", "iya", "1", "true", "benar", "setuju", "ok"}
_NO = {"no", "n", "tidak", "bukan", "0", "false", "salah", "tolak"}


def read_review(path: Path, *, limits: Limits) -> pd.DataFrame:
    """Read a reviewed ``match_review.csv``: decisions normalized to "yes", "no" or "".

    Raises
    ------
    InputError
        When the file is missing or unreadable, lacks a column, or holds a decision that is
        neither yes nor no (each located by its row).
    """
    file = str(path)
    missing = Problem("file_missing", file=file, details={"wave": "match_review"})
    table = read_file(path, label=file, limits=limits, missing=missing).table.frame
    missing = [c for c in REVIEW_COLUMNS if c not in table.columns]
    if missing:
        raise InputError(
            [
                Problem(
                    "column_missing",
                    file=file,
                    column=c,
                    expected=bilingual(
                        "the columns of match_review.csv", "kolom-kolom match_review.csv"
                    ),
                )
                for c in missing
            ]
        )
    decision = table["decision"].map(normalize_text)
    known = decision.isin(_YES | _NO | {""})
    problems = [
        Problem(
            "value_not_allowed",
            file=path.name,
            row=int(i) + 2,
            column="decision",
            value=table["decision"].iat[i],
            expected=bilingual("yes or no (or blank)", "ya atau tidak (atau kosong)"),
        )
        for i in np.flatnonzero(~known.to_numpy())
    ]
    if problems:
        raise InputError(problems, "The match review file has decisions that are not yes or no")
    table["decision"] = np.where(decision.isin(_YES), "yes", np.where(decision.isin(_NO), "no", ""))
    return table[REVIEW_COLUMNS]


# --------------------------------------------------------------------------- limits


def _check_size(path: Path, label: str, limits: Limits) -> None:
    size_mb = path.stat().st_size / 1e6
    if size_mb > limits.max_file_mb:
        raise InputError(
            [
                Problem(
                    "file_too_large",
                    file=label,
                    value=f"{size_mb:.1f} MB",
                    expected=f"{limits.max_file_mb:g} MB",
                )
            ]
        )


def _check_line_count(raw: bytes, path: Path, label: str, limits: Limits) -> None:
    """A text file with far more lines than rows allowed is refused before it is parsed."""
    if path.suffix.lower().startswith(".xls"):
        return
    lines = raw.count(b"\n")
    if lines > limits.max_rows + 50:
        raise InputError(
            [Problem("too_many_rows", file=label, value=lines, expected=str(limits.max_rows))]
        )


def _check_cells(table: RawTable, label: str, limits: Limits) -> None:
    """Refuse a table with too many rows or an overlong cell, naming the first such cell."""
    frame = table.frame
    if len(frame) > limits.max_rows:
        raise InputError(
            [Problem("too_many_rows", file=label, value=len(frame), expected=str(limits.max_rows))]
        )
    for column, lengths in _cell_lengths(frame):
        over = np.flatnonzero(lengths > limits.max_cell_chars)
        if len(over):
            raise InputError(
                [
                    Problem(
                        "cell_too_long",
                        file=label,
                        row=int(over[0]) + table.header_row + 1,
                        column=column,
                        value=int(lengths[over[0]]),
                        expected=str(limits.max_cell_chars),
                    )
                ]
            )


#: Tables up to this many rows have their cells measured in one pass (see _cell_lengths).
_ONE_PASS_ROWS = 5_000


def _cell_lengths(frame: pd.DataFrame):
    """Each column's label and the lengths of its cells read as text, column by column. A
    small table of text cells (every table a CSV gives) is measured in one pass over all its
    cells: measuring each column through pandas cost a millisecond a small file. A large one
    goes column by column, where pandas measures Arrow text in C (the one pass in Python took
    reading 100,000 participants from 1.6 to 2.3 CPU s)."""
    small = len(frame) <= _ONE_PASS_ROWS and frame.columns.is_unique
    cells = frame.to_numpy(dtype=object).ravel(order="F") if small else None
    if cells is None or not all(type(v) is str for v in cells):
        for position, column in enumerate(frame.columns):
            yield column, _text_lengths(frame.iloc[:, position])
        return
    lengths = np.fromiter(map(len, cells), dtype=np.int64, count=len(cells))
    rows = len(frame)
    for position, column in enumerate(frame.columns):
        yield column, lengths[position * rows : (position + 1) * rows]


def _text_lengths(values: pd.Series) -> np.ndarray:
    """The lengths of a column's cells read as text; a column of categories (a compact read)
    measures each distinct text once rather than spelling out every cell."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        codes = values.cat.codes.to_numpy()
        if not len(codes) or codes.min() >= 0:
            lengths = values.cat.categories.astype(str).str.len().to_numpy(dtype=np.int64)
            return lengths[codes]
    return values.astype(str).str.len().to_numpy()


@dataclass(frozen=True)
class ReadFile:
    """A data file read as text, with the SHA-256 of its bytes."""

    path: Path
    table: RawTable
    sha256: str


def read_file(
    path: Path,
    *,
    label: str,
    limits: Limits,
    missing: Problem,
    sheet: str | int | None = None,
    score: Callable[[list[str]], int] = lambda row: 0,
    compact: bool = False,
) -> ReadFile:
    """Read one data file within the limits.

    Parameters
    ----------
    path
        The file.
    label
        How messages name the file (as the user declared it).
    limits
        File size, row and cell limits.
    missing
        The problem to raise when the file does not exist.
    sheet, score, compact
        As for :func:`read_table`.

    Raises
    ------
    InputError
        When the file is missing, too large, unreadable, empty, or has too many rows or an
        overlong cell.
    """
    if not path.is_file():
        raise InputError([missing])
    _check_size(path, label, limits)
    raw = path.read_bytes()
    _check_line_count(raw, path, label, limits)
    table = read_table(
        raw, label, sheet=sheet, score=score, max_rows=limits.max_rows, compact=compact
    )
    _check_cells(table, label, limits)
    return ReadFile(path, table, file_hash(raw))


def read_bytes(path: Path, *, label: str, limits: Limits, missing: Problem) -> bytes:
    """A data file's bytes as they are (to copy an export into a new study folder), within
    the size limit.

    Raises
    ------
    InputError
        When the file is missing or too large.
    """
    if not path.is_file():
        raise InputError([missing])
    _check_size(path, label, limits)
    return path.read_bytes()


# --------------------------------------------------------------------------- logs


@dataclass(frozen=True)
class LogTable:
    """A program log read as text, with the header found for each declared column (role)."""

    file: str
    table: RawTable
    columns: dict[str, str]
    sha256: str


def log_columns(cfg: AttendanceLog | ServiceLog) -> dict[str, str]:
    """The columns a log must have, by role."""
    if isinstance(cfg, AttendanceLog):
        wanted = {"session": cfg.session_column, "id": cfg.id_column}
        wanted |= {"date": cfg.date_column} if cfg.date_column else {}
        return wanted | ({"present": cfg.present_column} if cfg.present_column else {})
    wanted = {"case": cfg.case_column}
    if cfg.layout == "wide":
        return wanted | {f"step:{i}": step.source for i, step in enumerate(cfg.steps)}
    return wanted | {"step": cfg.step_column, "time": cfg.time_column}  # type: ignore[dict-item]


def read_log(cfg: AttendanceLog | ServiceLog, base_dir: Path, limits: Limits) -> LogTable:
    """Read a log file and find its declared columns.

    Raises
    ------
    InputError
        When the file is missing, cannot be read, breaks a limit, or lacks a declared column
        (the message lists the headers found).
    """
    wanted = log_columns(cfg)
    keys = {normalize_text(h) for h in wanted.values()}
    expected = bilingual("an existing CSV or XLSX log", "berkas log CSV atau XLSX yang ada")
    found = read_file(
        Path(base_dir) / cfg.file,
        label=cfg.file,
        limits=limits,
        missing=Problem("config_file_missing", file=cfg.file, expected=expected),
        sheet=cfg.sheet,
        score=lambda row: sum(normalize_text(c) in keys for c in row if str(c).strip()),
    )
    headers = list(found.table.frame.columns)
    columns = {role: resolve_column(headers, header) for role, header in wanted.items()}
    missing = [
        Problem(
            "column_missing",
            file=cfg.file,
            column=wanted[role],
            expected=bilingual(
                f"the column declared as {role} (headers found: {', '.join(headers)})",
                f"kolom yang dinyatakan sebagai {role} (judul yang ada: {', '.join(headers)})",
            ),
        )
        for role, header in columns.items()
        if header is None
    ]
    if missing:
        raise InputError(missing, f"The log {cfg.file} lacks declared columns")
    return LogTable(cfg.file, found.table, columns, found.sha256)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- a study's inputs


@dataclass(frozen=True)
class Inputs:
    """Every data file of a study, read once.

    Attributes
    ----------
    waves
        Wave name to its export.
    review
        The reviewed name matches (``wave, name_base, name_other, decision``), or None when
        the study declares no review file.
    logs
        ``"attendance"`` and ``"service_log"`` to their logs, when the study declares them.
    problems
        Why a file could not be read (it is then missing above). The ingest stage reports
        them together with its own, so a user sees every file's trouble at once.
    """

    waves: dict[str, ReadFile]
    review: pd.DataFrame | None = None
    logs: Mapping[str, LogTable] = field(default_factory=dict)
    problems: tuple[Problem, ...] = ()


def read_inputs(study: Study) -> Inputs:
    """Read every wave export, the match review file and the declared logs of a study.

    Every file is tried; one that cannot be read is left out and its problems are returned
    in :attr:`Inputs.problems` (never raised here).
    """
    fatal: list[Problem] = []
    waves: dict[str, ReadFile] = {}
    score = header_score(study)
    for wave, path in study.wave_paths().items():
        spec = study.waves.named()[wave]
        missing = Problem("file_missing", file=str(path), details={"wave": wave})
        try:
            waves[wave] = read_file(
                path, label=str(path), limits=study.limits, missing=missing,
                sheet=spec.sheet, score=score, compact=True,
            )  # fmt: skip
        except InputError as exc:
            fatal.extend(exc.problems)
    review = None
    if study.review_path():
        try:
            review = read_review(study.review_path(), limits=study.limits)
        except InputError as exc:
            fatal.extend(exc.problems)
    logs = {}
    for role, cfg in (("attendance", study.attendance), ("service_log", study.service_log)):
        if cfg is not None:
            try:
                logs[role] = read_log(cfg, study.base_dir, study.limits)
            except InputError as exc:
                fatal.extend(exc.problems)
    return Inputs(waves, review, logs, tuple(fatal))
