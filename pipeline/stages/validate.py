"""Validate: check every coded row against a pandera schema built from the codebook and study.

First the column that identifies participants is chosen (:mod:`pipeline.stages.keys`): one
that cannot tell people apart stops the study before any row is merged. Validation is lazy:
every failing cell of every row is collected, located by file and spreadsheet row, and turned
into a :class:`~pipeline.errors.Problem`. Rows with any problem are quarantined with their
reasons (never silently dropped); the rest go on. A study whose share of quarantined rows
exceeds ``analysis.max_bad_row_share`` stops with an :class:`~pipeline.errors.InputError`.

Submission times are read in every layout Google Forms, Excel and KoboToolbox write
(:mod:`pipeline.stages.timestamps`), as local time; a file's unreadable times are one warning
(the rows are kept: the time only orders a person's repeated submissions).
"""

from __future__ import annotations

import sys
from functools import cache, lru_cache

import numpy as np
import pandas as pd
import pandera.pandas as pa

from pipeline.config import Instrument, Study
from pipeline.errors import InputError, Problem, bilingual, reasons_by_row
from pipeline.stages.keys import IdChoice, choose_key, id_keys
from pipeline.stages.result import IngestResult, ValidationResult
from pipeline.stages.timestamps import read_timestamps
from pipeline.text import normalize_text

#: Rows named in the message of a file's unreadable times.
_ROWS_SHOWN = 10

__all__ = ["ValidationResult", "build_schema", "validate"]


def _check(fn, code: str, *, blanks: bool = False) -> pa.Check:
    """A named check; with ``blanks`` the function itself passes blank (NaN) cells, so pandera
    need not set them aside first (a copy of each column, in every study)."""
    return pa.Check(fn, name=code, ignore_na=not blanks)


def build_schema(study: Study) -> pa.DataFrameSchema:
    """The pandera schema of a coded response frame for this study.

    Item and attention-check codes must be integers on the response scale (NaN allowed: a blank
    answer is handled by the scoring rule); the participant id must be present; group labels and
    demographic values must be among those declared.

    Built once per distinct set of rules (:func:`_schema`): a portfolio's studies mostly share
    a codebook, and building the schema (pandera copies every column) was a millisecond of
    each small study.
    """
    labels = tuple(study.groups.label_to_group()) if study.groups else None
    allowed = tuple((d.name, (*d.values, "")) for d in study.demographics if d.values)
    return _schema(_answer_rules(study.instrument_spec), labels, allowed)


#: A column's answer rule: ("scale", codes), ("options", numbers) or (code, low, high).
_Rule = tuple


def _answer_rules(instrument: Instrument) -> tuple[tuple[str, _Rule], ...]:
    """Every item's and attention check's rule for its coded answers, by outcome kind:
    Likert codes on the response scale, option numbers of keyed test items, points from 0 to
    the item's maximum, scores within their range (plain values, so schemas can be shared)."""
    likert = tuple(instrument.response_scale.codes) if instrument.response_scale else ()
    rules: list[tuple[str, _Rule]] = []
    for item in instrument.items:
        if item.kind == "likert":
            rules.append((item.id, ("scale", likert)))
        elif item.kind == "test" and item.key is not None:
            options = tuple(range(1, len(instrument.options_of(item)) + 1))
            rules.append((item.id, ("options", options)))
        elif item.kind == "score":
            rules.append((item.id, ("score_out_of_range", item.min, item.max)))
        else:
            rules.append((item.id, ("points_out_of_range", 0, instrument.max_points(item))))
    rules += [(check.id, ("scale", likert)) for check in instrument.attention_checks]
    return tuple(rules)


@lru_cache(maxsize=16)
def _schema(
    rules: tuple[tuple[str, _Rule], ...],
    labels: tuple[str, ...] | None,
    allowed: tuple[tuple[str, tuple[str, ...]], ...],
) -> pa.DataFrameSchema:
    """The schema of these answer rules, group labels and demographic values (see
    :func:`build_schema`); validation leaves a schema unchanged, so studies share it."""
    columns = {
        "participant": pa.Column(str, _check(lambda s: s.str.strip().ne(""), "id_missing")),
    }
    checks: dict[_Rule, pa.Check] = {}
    for column, rule in rules:
        if rule not in checks:
            checks[rule] = _answer_check(rule)
        columns[column] = pa.Column(float, checks[rule], nullable=True)
    if labels is not None:
        known = list(labels)
        columns["group_label"] = pa.Column(str, _check(lambda s: s.isin(known), "group_unknown"))
    for name, values in allowed:
        columns[name] = pa.Column(
            str, _check(lambda s, a=list(values): s.isin(a), "value_not_allowed")
        )
    return pa.DataFrameSchema(columns, strict=False, coerce=False)


def _answer_check(rule: _Rule) -> pa.Check:
    """The check of one answer rule (:func:`_answer_rules`)."""
    if rule[0] == "scale":
        likert = list(rule[1])
        return _check(lambda s: _on_scale(s, likert), "code_out_of_range", blanks=True)
    if rule[0] == "options":
        options = list(rule[1])
        return _check(lambda s: s.isin(options) | s.isna(), "answer_not_option", blanks=True)
    code, low, high = rule
    return _check(lambda s: s.between(low, high) | s.isna(), code, blanks=True)


def _on_scale(codes: pd.Series, scale: list[int]) -> pd.Series:
    """Whether each coded answer is on the scale or blank: ``codes.isin(scale) |
    codes.isna()``, on the numbers themselves when the column holds floats (as ingest codes
    it): the pandas form was most of the check's time in a small study's two dozen items."""
    if codes.dtype.kind != "f":
        return codes.isin(scale) | codes.isna()
    values = codes.to_numpy()
    return pd.Series(np.isin(values, scale) | np.isnan(values), index=codes.index)


def _column_headers(study: Study, identity: IdChoice) -> dict[str, str]:
    """Internal column name to the header the user knows, for messages."""
    headers = {"participant": identity.header, "submitted_at": study.columns.timestamp or ""}
    if study.groups:
        headers["group_label"] = study.groups.column
    headers.update({d.name: d.column for d in study.demographics})
    return headers


def _expectation(code: str, column: str, study: Study) -> dict[str, str]:
    scale = study.instrument_spec.response_scale
    if code in ("score_out_of_range", "points_out_of_range", "answer_not_option"):
        return _outcome_expectation(code, study.instrument_spec.item(column), study)
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


def _outcome_expectation(code: str, item, study: Study) -> dict[str, str]:
    instrument = study.instrument_spec
    if code == "answer_not_option":
        shown = ", ".join(str(o) for o in instrument.options_of(item))
        return bilingual(f"one of the options: {shown}", f"salah satu pilihan: {shown}")
    if code == "score_out_of_range":
        low, high = item.min, item.max
    else:
        low, high = 0, instrument.max_points(item)
    return bilingual(
        f"a number from {low:g} to {high:g}, or a blank",
        f"bilangan dari {low:g} sampai {high:g}, atau kosong",
    )


def _shown(value: object) -> object:
    """A failing value as the user typed it: 7 rather than 7.0."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


@cache
def _register_backends() -> None:
    """Register pandera's pandas backends, as its first validation would, without its data
    synthesis: registering imports pandera's strategies, which import hypothesis whenever it is
    installed (the development set-up), a tenth of a CPU second that ``pkm-eval validate`` pays
    at every start and pkm-eval never uses. Hypothesis is hidden only while the backends
    register, and only when nothing in this process has imported it yet: afterwards it imports
    as usual, though pandera's strategies (``schema.example()``) stay off in this process."""
    register = getattr(pa.DataFrameSchema, "register_default_backends", None)
    if register is None or "hypothesis" in sys.modules:
        return  # pandera registers on the first validation, as it would anyway
    sys.modules["hypothesis"] = None  # type: ignore[assignment]  # `import` raises ImportError
    try:
        register(pd.DataFrame)
    finally:
        if sys.modules.get("hypothesis", ...) is None:
            del sys.modules["hypothesis"]


def _schema_problems(
    frame: pd.DataFrame, ingested: IngestResult, study: Study, identity: IdChoice
) -> list[Problem]:
    _register_backends()
    try:
        # In place: the schema coerces nothing, and a copy of every response cost more
        # than the checks themselves.
        build_schema(study).validate(frame, lazy=True, inplace=True)
    except pa.errors.SchemaErrors as err:
        cases = err.failure_cases
    else:
        return []
    headers = _column_headers(study, identity)
    problems = []
    for case in cases.itertuples(index=False):
        if case.index is None or pd.isna(case.index):
            raise RuntimeError(f"schema failure without a row: {case}")  # our schema's bug
        row = frame.loc[case.index]
        item_headers = ingested.item_headers.get(row["wave"], {})
        column = item_headers.get(case.column) or headers.get(case.column, case.column)
        problems.append(
            Problem(
                case.check,
                file=row["source_file"],
                row=int(row["source_row"]),
                column=column,
                value=_shown(case.failure_case),
                expected=_expectation(case.check, case.column, study),
                wave=row["wave"],
            )
        )
    return problems


def _timestamp_problems(
    frame: pd.DataFrame, sources: pd.DataFrame, study: Study
) -> tuple[pd.Series, list[Problem]]:
    """Read every wave's times; a file's unreadable ones are one warning (rows kept)."""
    parsed = np.full(len(frame), np.datetime64("NaT"), dtype="M8[ns]")
    headers = dict(zip(sources["wave"], sources["timestamp_header"], strict=True))
    columns = frame[["submitted_at", "source_file", "source_row"]]
    problems = []
    for wave, rows in _wave_rows(frame):
        part = columns.iloc[rows]
        header = headers.get(wave) or ""
        reading = read_timestamps(
            part["submitted_at"],
            layout=study.columns.timestamp_format,
            month_first=normalize_text(header) == "timestamp",
        )
        parsed[rows] = reading.parsed.to_numpy(dtype="M8[ns]")
        bad = reading.unreadable.to_numpy()
        if bad.any():
            problems.append(_unreadable_times(part, bad, header, wave, reading.examples))
    return pd.Series(parsed, index=frame.index), problems


def _wave_rows(frame: pd.DataFrame) -> list[tuple[str, np.ndarray]]:
    """Each wave's row positions, waves in order of first appearance (as a groupby without
    sorting gives them, without a blank wave): a groupby and a write back by label cost a
    millisecond a study."""
    waves = frame["wave"].to_numpy(dtype=object)
    return [(wave, np.flatnonzero(waves == wave)) for wave in pd.unique(waves) if pd.notna(wave)]


def _unreadable_times(
    part: pd.DataFrame, bad: np.ndarray, header: str, wave: str, examples: tuple[str, ...]
) -> Problem:
    rows = part["source_row"].to_numpy()[bad]
    shown = ", ".join(str(int(r)) for r in rows[:_ROWS_SHOWN])
    return Problem(
        "timestamps_unreadable",
        file=str(part["source_file"].iat[0]),
        column=header,
        value=examples[0] if examples else "",
        details={
            "count": int(bad.sum()),
            "rows": shown + (" ..." if len(rows) > _ROWS_SHOWN else ""),
            "examples": ", ".join(f"'{e}'" for e in examples),
        },
        wave=wave,
        severity="warning",
    )


def validate(ingested: IngestResult, study: Study) -> ValidationResult:
    """Check all rows, quarantine those with problems, and stop if too many are bad.

    Raises
    ------
    InputError
        When no column can tell the participants apart, or the share of quarantined rows
        exceeds ``study.analysis.max_bad_row_share``; the error carries every problem found.
    """
    keys = list(ingested.id_keys) or id_keys(study, {})
    frame, identity, problems = choose_key(ingested.responses, keys, study)
    problems += list(ingested.problems)
    problems += _schema_problems(frame, ingested, study, identity)
    parsed, time_problems = _timestamp_problems(frame, ingested.sources, study)
    problems += time_problems
    problems.sort(key=lambda p: (p.file, p.row or 0, p.column or ""))
    reasons = reasons_by_row(problems, by_wave=True)
    found = pd.Series(reasons, dtype=object)
    if len(found):
        found.index = pd.MultiIndex.from_tuples(found.index)
        key = pd.MultiIndex.from_arrays([frame["wave"], frame["source_row"]])
        reason = found.reindex(key).to_numpy()
    else:
        reason = np.full(len(frame), np.nan, dtype=object)
    bad = pd.Series(pd.notna(reason), index=frame.index)
    quarantine = frame.loc[bad, ["wave", "source_file", "source_row"]].copy()
    quarantine["reason"] = reason[bad.to_numpy()]
    valid = frame.loc[~bad].assign(submitted_at=parsed[~bad])
    _enforce_limit(frame, bad, problems, study)
    return ValidationResult(
        valid=valid,
        quarantine=quarantine.reset_index(drop=True),
        problems=tuple(problems),
        n_input=len(frame) + len(ingested.blank_rows),
        blank_rows=ingested.blank_rows,
        review=ingested.review,
        identity=identity,
    )


def _enforce_limit(
    frame: pd.DataFrame, bad: pd.Series, problems: list[Problem], study: Study
) -> None:
    """Stop when any wave has more bad rows than the limit allows, or no valid row at all."""
    limit = study.analysis.max_bad_row_share
    stops = []
    flagged = bad.to_numpy()
    for wave, rows in _wave_rows(frame):
        n_bad, n = int(flagged[rows].sum()), len(rows)
        if n_bad / n > limit or n_bad == n:
            stops.append(
                Problem(
                    "too_many_bad_rows",
                    file=str(frame["source_file"].iat[rows[0]]),
                    value=n_bad,
                    expected=f"{limit:.0%}",
                    wave=wave,
                    details={"total": n, "share": f"{n_bad / n:.0%}", "wave": wave},
                )
            )
    if stops:
        raise InputError([*stops, *problems], "Too many rows have problems")
