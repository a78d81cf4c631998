"""Validate: check every coded row against a pandera schema built from the codebook and study.

Validation is lazy: every failing cell of every row is collected, located by file and spreadsheet
row, and turned into a :class:`~pipeline.errors.Problem`. Rows with any problem are quarantined
with their reasons (never silently dropped); the rest go on. A study whose share of quarantined
rows exceeds ``analysis.max_bad_row_share`` stops with an :class:`~pipeline.errors.InputError`.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import pandera.pandas as pa

from pipeline.config import Study
from pipeline.errors import InputError, Problem, bilingual
from pipeline.ingest import IngestResult, normalize_text

__all__ = [
    "TIMESTAMP_FORMATS",
    "ValidationResult",
    "build_schema",
    "parse_timestamps",
    "validate",
]

#: Timestamp layouts tried per file; the first that reads every value wins. Google Forms
#: writes day-first dates in the Indonesian locale and month-first ones in the US English
#: locale, so the order of the two depends on the header (see ``parse_timestamps``).
ISO_LAYOUTS = ("%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d")
DAY_FIRST = (
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H.%M.%S",
    "%d-%m-%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y",
)
MONTH_FIRST = ("%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M", "%m/%d/%Y")
TIMESTAMP_FORMATS = ISO_LAYOUTS + DAY_FIRST + MONTH_FIRST


@dataclass(frozen=True)
class ValidationResult:
    """Rows that passed, rows quarantined, and every problem found.

    Attributes
    ----------
    valid
        Rows without problems; ``submitted_at`` parsed to datetime (NaT where blank).
    quarantine
        Rows with problems: ``wave, source_file, source_row, reason`` (all problems, joined).
    problems
        All problems, ingest's cell problems included.
    n_input
        Number of input rows seen, blank rows included.
    blank_rows
        Rows without any content (``wave, source_file, source_row``), passed on from ingest.
    review
        Reviewed name matches read by ingest, or None.
    """

    valid: pd.DataFrame
    quarantine: pd.DataFrame
    problems: tuple[Problem, ...]
    n_input: int
    blank_rows: pd.DataFrame
    review: pd.DataFrame | None = None


def _parse(text: pd.Series, layout: str) -> pd.Series:
    if layout == "ISO8601":
        parsed = pd.to_datetime(text, format="ISO8601", errors="coerce", utc=True)
        return parsed.dt.tz_convert(None)
    return pd.to_datetime(text, format=layout, errors="coerce")


def parse_timestamps(
    values: pd.Series, *, layout: str | None = None, month_first: bool = False
) -> tuple[pd.Series, pd.Series]:
    """Parse one file's timestamps.

    Parameters
    ----------
    values
        The file's timestamp texts.
    layout
        A strftime layout or ``"ISO8601"``; by default the first of ``TIMESTAMP_FORMATS``
        (month-first layouts before day-first ones when ``month_first``) that reads every value,
        then ISO 8601 with time zones (KoboToolbox), else the layout that reads the most.

    Returns
    -------
    tuple of Series
        The parsed values (NaT where blank) and a mask of non-blank values that could not be
        read with the chosen layout.
    """
    text = values.astype(str).str.strip()
    blank = text.eq("")
    if layout:
        parsed = _parse(text, layout)
        return parsed, ~blank & parsed.isna()
    order = ISO_LAYOUTS + (MONTH_FIRST + DAY_FIRST if month_first else DAY_FIRST + MONTH_FIRST)
    best, best_bad = None, None
    for candidate in (*order, "ISO8601"):
        parsed = _parse(text, candidate)
        bad = ~blank & parsed.isna()
        if not bad.any():
            return parsed, bad
        if best_bad is None or bad.sum() < best_bad.sum():
            best, best_bad = parsed, bad
    return best, best_bad


def _check(fn, code: str) -> pa.Check:
    return pa.Check(fn, name=code)


def build_schema(study: Study) -> pa.DataFrameSchema:
    """The pandera schema of a coded response frame for this study.

    Item and attention-check codes must be integers on the response scale (NaN allowed: a blank
    answer is handled by the scoring rule); the participant id must be present; group labels and
    demographic values must be among those declared.
    """
    instrument = study.instrument_spec
    codes = instrument.response_scale.codes
    in_scale = _check(lambda s: s.isin(codes) | s.isna(), "code_out_of_range")
    columns = {
        "participant": pa.Column(str, _check(lambda s: s.str.strip().ne(""), "id_missing")),
    }
    for item_id in [i.id for i in instrument.items] + [c.id for c in instrument.attention_checks]:
        columns[item_id] = pa.Column(float, in_scale, nullable=True)
    if study.groups:
        labels = list(study.groups.label_to_group())
        columns["group_label"] = pa.Column(str, _check(lambda s: s.isin(labels), "group_unknown"))
    for demo in study.demographics:
        if demo.values:
            allowed = [*demo.values, ""]
            columns[demo.name] = pa.Column(
                str, _check(lambda s, allowed=allowed: s.isin(allowed), "value_not_allowed")
            )
    return pa.DataFrameSchema(columns, strict=False, coerce=False)


def _column_headers(study: Study) -> dict[str, str]:
    """Internal column name to the header the user knows, for messages."""
    headers = {"participant": study.columns.id, "submitted_at": study.columns.timestamp or ""}
    if study.groups:
        headers["group_label"] = study.groups.column
    headers.update({d.name: d.column for d in study.demographics})
    return headers


def _expectation(code: str, column: str, study: Study) -> dict[str, str]:
    scale = study.instrument_spec.response_scale
    if code == "code_out_of_range":
        return bilingual(
            f"a whole number from {scale.min} to {scale.max}, or a blank",
            f"bilangan bulat {scale.min} sampai {scale.max}, atau kosong",
        )
    if code == "id_missing":
        return bilingual(
            "a name or number identifying the participant", "nama atau nomor yang mengenali peserta"
        )
    if code == "group_unknown":
        allowed = ", ".join(repr(x) for x in study.groups.label_to_group())
    else:
        demo = next(d for d in study.demographics if d.name == column)
        allowed = ", ".join(repr(x) for x in demo.values or [])
    return bilingual(f"one of {allowed}", f"salah satu dari {allowed}")


def _schema_problems(frame: pd.DataFrame, study: Study) -> list[Problem]:
    try:
        build_schema(study).validate(frame, lazy=True)
    except pa.errors.SchemaErrors as err:
        cases = err.failure_cases
    else:
        return []
    headers = _column_headers(study)
    problems = []
    for case in cases.itertuples(index=False):
        if case.index is None or pd.isna(case.index):
            raise RuntimeError(f"schema failure without a row: {case}")  # our schema's bug
        row = frame.loc[case.index]
        problems.append(
            Problem(
                case.check,
                file=row["source_file"],
                row=int(row["source_row"]),
                column=headers.get(case.column, case.column),
                value=case.failure_case,
                expected=_expectation(case.check, case.column, study),
            )
        )
    return problems


def _timestamp_problems(
    frame: pd.DataFrame, sources: pd.DataFrame, study: Study
) -> tuple[pd.Series, list[Problem]]:
    parsed = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")
    headers = dict(zip(sources["file"], sources["timestamp_header"], strict=True))
    problems = []
    for file, part in frame.groupby("source_file", sort=False):
        header = headers.get(file) or ""
        values, bad = parse_timestamps(
            part["submitted_at"],
            layout=study.columns.timestamp_format,
            month_first=normalize_text(header) == "timestamp",
        )
        parsed.loc[part.index] = values.astype("datetime64[ns]")
        problems += [
            Problem(
                "timestamp_invalid",
                file=file,
                row=int(frame.at[idx, "source_row"]),
                column=header,
                value=frame.at[idx, "submitted_at"],
                expected=bilingual(
                    "a date and time such as 21/07/2026 09:15:00",
                    "tanggal dan jam seperti 21/07/2026 09:15:00",
                ),
            )
            for idx in part.index[bad.to_numpy()]
        ]
    return parsed, problems


def validate(ingested: IngestResult, study: Study) -> ValidationResult:
    """Check all rows, quarantine those with problems, and stop if too many are bad.

    Raises
    ------
    InputError
        When the share of quarantined rows exceeds ``study.analysis.max_bad_row_share``; the
        error carries every problem found.
    """
    frame = ingested.responses
    problems = list(ingested.problems)
    problems += _schema_problems(frame, study)
    parsed, time_problems = _timestamp_problems(frame, ingested.sources, study)
    problems += time_problems
    problems.sort(key=lambda p: (p.file, p.row or 0, p.column or ""))
    reasons = _reasons_by_row(problems)
    key = list(zip(frame["source_file"], frame["source_row"], strict=True))
    bad = pd.Series([k in reasons for k in key], index=frame.index)
    quarantine = frame.loc[bad, ["wave", "source_file", "source_row"]].copy()
    quarantine["reason"] = [reasons[k] for k in key if k in reasons]
    valid = frame.loc[~bad].assign(submitted_at=parsed[~bad])
    _enforce_limit(len(frame), len(quarantine), problems, study)
    return ValidationResult(
        valid=valid,
        quarantine=quarantine.reset_index(drop=True),
        problems=tuple(problems),
        n_input=len(frame) + len(ingested.blank_rows),
        blank_rows=ingested.blank_rows,
        review=ingested.review,
    )


def _reasons_by_row(problems: list[Problem]) -> dict[tuple[str, int], str]:
    from pathlib import Path

    reasons: dict[tuple[str, int], list[str]] = {}
    for p in problems:
        if p.row is not None:
            reasons.setdefault((Path(p.file).name, p.row), []).append(p.message("en"))
    return {k: " | ".join(v) for k, v in reasons.items()}


def _enforce_limit(n_input: int, n_bad: int, problems: list[Problem], study: Study) -> None:
    limit = study.analysis.max_bad_row_share
    if n_input and n_bad / n_input > limit:
        summary = Problem(
            "too_many_bad_rows",
            file=str(study.source),
            value=n_bad,
            expected=f"{limit:.0%}",
            details={"total": n_input, "share": f"{n_bad / n_input:.0%}"},
        )
        raise InputError([summary, *problems], "Too many rows have problems")
