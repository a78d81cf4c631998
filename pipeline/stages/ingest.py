"""The ingest stage: map each wave's export onto the codebook and code its answers.

- Headers map to item ids through the codebook (see :mod:`pipeline.stages.headers`); a blank
  second column for one question (a later KoboToolbox form version) is set aside with a
  warning, and the columns a Google Forms quiz adds (``Total skor``, ``… [Skor]``,
  ``… [Masukan]``) are never read as items.
- Answer labels map to codes (case, accents and spacing ignored; Indonesian, English, the
  codebook's aliases and the study's own ``answer_labels``); numbers are read as codes.
- Every row keeps its provenance: the file and the row number as a spreadsheet shows it. A
  row with fewer cells than the header is read with blanks at its end (a warning); a row with
  more is quarantined (which cell is extra cannot be known).
- The id columns (declared, and student-number or e-mail columns found in the exports) are
  read for :mod:`pipeline.stages.keys` to judge.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.config import Instrument, Study
from pipeline.errors import InputError, Problem, bilingual
from pipeline.stages import outcomes
from pipeline.stages.header_names import closest_header
from pipeline.stages.headers import (
    CLOSEST_MIN,
    CONTACT_PREFIX,
    KEY_PREFIX,
    blank_twins,
    map_headers,
    meta_columns,
    repeated_headers,
    timestamp_header,
)
from pipeline.stages.keys import IdKey, id_keys, key_values
from pipeline.stages.read import Inputs, ReadFile
from pipeline.stages.result import IngestResult
from pipeline.text import map_unique, normalize_text, resolve_column

__all__ = ["META_COLUMNS", "code_answers", "ingest"]

#: Columns every ingested frame has, besides demographics, contacts and items.
META_COLUMNS = ["wave", "source_file", "source_row", "submitted_at", "participant", "group_label"]


def _label_lookup(study: Study) -> dict[str, int]:
    scale = study.instrument_spec.response_scale
    if scale is None:  # a test or score instrument: no answer labels
        return {}
    lookup = {normalize_text(alias): code for alias, code in scale.aliases.items()}
    for code, text in scale.labels.items():
        lookup[normalize_text(text.id)] = code
        lookup[normalize_text(text.en)] = code
    lookup.update({normalize_text(k): v for k, v in study.answer_labels.items()})
    return lookup


#: Answer texts coded before, by the set of a column's distinct texts (see :func:`code_answers`).
CodedTexts = dict[frozenset[str], dict[str, tuple[float, bool]]]

#: The answer texts coded in this process, by label lookup (see :func:`_coded_texts`).
_CODED: dict[frozenset[tuple[str, int]], CodedTexts] = {}


def _coded_texts(lookup: dict[str, int]) -> CodedTexts:
    """The texts coded before with ``lookup``, kept across the studies one process analyses
    (a portfolio's study process serves many, most with the same labels): a text's code
    depends only on the lookup and the set of its column's texts. Bounded: emptied when it
    holds many lookups or sets."""
    key = frozenset(lookup.items())
    if len(_CODED) > 32 or sum(len(c) for c in _CODED.values()) > 10_000:
        _CODED.clear()
    return _CODED.setdefault(key, {})


def code_answers(
    values: pd.Series, lookup: dict[str, int], coded: CodedTexts | None = None
) -> tuple[pd.Series, pd.Series]:
    """Turn answer texts into codes.

    Returns the codes (float, NaN where blank or unreadable) and a boolean mask of cells whose
    text was neither blank, a number (``4``, ``4.0``, ``4,0``) nor a known label. Codes that are
    numbers but not on the scale (0, 6, 3.5) pass through for validation to report.

    ``coded`` (a dict, shared by the columns of one export and one ``lookup``) reuses the codes
    of a column with the same distinct texts: most items of a survey offer the same answers,
    and coding a column's texts costs a millisecond of pandas calls however few they are.
    """
    positions, uniques = _factorized(values)
    if not len(uniques):
        return pd.Series(np.nan, index=values.index), pd.Series(False, index=values.index)
    codes, unknown = _code_texts(uniques, lookup, coded)
    return (
        pd.Series(codes[positions], index=values.index),
        pd.Series(unknown[positions], index=values.index),
    )


def _factorized(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Each cell's position among the column's distinct texts, and those texts (as
    ``pd.factorize`` of the column read as text gives them, maybe in another order). A column
    of categories (a compact read) has them already: its codes, and the categories some cell
    uses, without spelling out a text per cell."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        codes = values.cat.codes.to_numpy()
        if not len(codes) or codes.min() >= 0:
            categories = values.cat.categories
            used = np.flatnonzero(np.bincount(codes, minlength=len(categories)))
            position = np.zeros(len(categories), dtype=np.intp)
            position[used] = np.arange(len(used))
            texts = np.asarray(categories[used].astype(str), dtype=object)
            return position[codes], texts
    positions, uniques = pd.factorize(values.astype(str), use_na_sentinel=False)
    return positions, np.asarray(uniques, dtype=object)


#: Up to this many rows a wave's Likert columns are factorized as one block of Python texts;
#: past it each column on its own, in C (at 100,000 rows the block took ingest from 1.5 to 4 s).
_BLOCK_ROWS = 5_000


def _code_answer_block(
    frame: pd.DataFrame, headers: list[str], lookup: dict[str, int], coded: CodedTexts
) -> dict[str, tuple[pd.Series, pd.Series]]:
    """:func:`code_answers` of each of ``headers``, the texts of all of them factorized at
    once: a survey's Likert columns offer a handful of texts between them, and factorizing each
    column on its own was most of ingesting a small study. Each column is still coded from the
    set of its own texts (through ``coded``), so the codes are those of :func:`code_answers`.
    Cells that are not text fall back to coding each column on its own."""
    if not headers:
        return {}
    if len(frame) > _BLOCK_ROWS:  # per column: pandas factorizes each column's text in C
        return {h: code_answers(frame[h], lookup, coded) for h in headers}
    values = [frame[h].astype(str).to_numpy(dtype=object) for h in headers]
    positions, uniques = pd.factorize(np.concatenate(values), use_na_sentinel=False)
    texts = np.asarray(uniques, dtype=object)
    if not all(isinstance(t, str) for t in texts):
        return {h: code_answers(frame[h], lookup, coded) for h in headers}
    found, start = {}, 0
    for header, column in zip(headers, values, strict=True):
        where = positions[start : start + len(column)]
        start += len(column)
        index = frame.index
        if not len(column):
            found[header] = pd.Series(np.nan, index=index), pd.Series(False, index=index)
            continue
        present = np.unique(where)
        codes, unknown = _code_texts(texts[present], lookup, coded)
        all_codes = np.full(len(texts), np.nan)
        all_unknown = np.zeros(len(texts), dtype=bool)
        all_codes[present], all_unknown[present] = codes, unknown
        found[header] = (
            pd.Series(all_codes[where], index=index),
            pd.Series(all_unknown[where], index=index),
        )
    return found


def _code_texts(uniques, lookup: dict[str, int], coded: CodedTexts | None):
    """The codes and unknown flags of distinct answer texts, from ``coded`` when a column with
    the same texts was coded already. Keyed by the whole set: ``pd.to_numeric`` reads a set of
    integers as integers, one with any other text as floats (``-0`` is 0 or -0.0)."""
    texts = list(uniques)
    if coded is None or not all(isinstance(t, str) for t in texts):
        return _code_distinct(uniques, lookup)
    key = frozenset(texts)
    if key not in coded:
        codes, unknown = _code_distinct(uniques, lookup)
        coded[key] = {
            t: (c, u) for t, c, u in zip(texts, codes.tolist(), unknown.tolist(), strict=True)
        }
    known = coded[key]
    return (
        np.array([known[t][0] for t in texts], dtype=float),
        np.array([known[t][1] for t in texts], dtype=bool),
    )


def _code_distinct(uniques, lookup: dict[str, int]) -> tuple[np.ndarray, np.ndarray]:
    text = pd.Series(uniques, dtype=object).str.strip()
    numeric = pd.to_numeric(text.str.replace(",", ".", regex=False), errors="coerce")
    labelled = text.map(normalize_text).map(lookup).astype(float)
    codes = numeric.fillna(labelled).to_numpy(dtype=float)
    unknown = text.ne("").to_numpy() & np.isnan(codes)
    return codes, unknown


def _answer_expectation(instrument: Instrument) -> dict[str, str]:
    scale = instrument.response_scale
    if scale is None:
        return {}
    en = ", ".join(f"{code} = {text.en}" for code, text in scale.labels.items())
    id_ = ", ".join(f"{code} = {text.id}" for code, text in scale.labels.items())
    return bilingual(
        f"a code {scale.min}-{scale.max} or a label ({id_}; {en})",
        f"kode {scale.min}-{scale.max} atau label ({id_})",
    )


def _canonical(values: pd.Series, allowed: list[str]) -> pd.Series:
    """Replace values that equal an allowed value up to case, accents and spacing by it."""
    lookup = {normalize_text(a): a for a in allowed}
    mapped = map_unique(values, lambda v: lookup.get(normalize_text(v)))
    return mapped.where(mapped.notna(), values)


# --------------------------------------------------------------------------- waves


def _set_aside(frame: pd.DataFrame, header: tuple[str, ...], *, file: str):
    """The export without its blank twin columns (a warning each), repeats renamed back to
    the header the file gives them once the twin is gone; and the header cells left."""
    twins = blank_twins(frame, header)
    if not twins:
        return frame, header, []
    names = dict(zip(frame.columns, header, strict=True))
    problems = [
        Problem(
            "column_empty_duplicate",
            file=file,
            column=names[twin],
            value=names[owner],
            severity="warning",
        )
        for twin, owner in twins.items()
    ]
    kept = [c for c in frame.columns if c not in twins]
    left = [names[c] for c in kept]
    renamed = {c: names[c] for c in kept if left.count(names[c]) == 1 and c != names[c]}
    return frame[kept].rename(columns=renamed), tuple(left), problems


def _quiz_columns(
    headers: list[str], instrument: Instrument, *, file: str
) -> tuple[set[str], list[Problem]]:
    """The per-question columns a Google Forms quiz export adds (never items; a key-less test
    item reads its points from them), and, when the codebook has no test item to use them, one
    warning that they are left aside. ``Total skor`` stays: a score item may declare it."""
    added = outcomes.quiz_added(headers)
    if not added:
        return set(), []
    if any(item.kind == "test" for item in instrument.items):
        return added, []
    shown = ", ".join(f"'{h}'" for h in sorted(added)[:3])
    warning = Problem(
        "quiz_export",
        file=file,
        value=len(added),
        details={"examples": shown},
        severity="warning",
    )
    return added, [warning]


def _ragged_problems(table, label: str, wave: str) -> list[Problem]:
    """A warning per short row (read with blanks at its end), an error per long row."""
    ragged = table.ragged
    if ragged is None:
        return []
    return [
        Problem(
            "row_short" if row.kind == "short" else "row_long",
            file=label,
            row=int(row.row),
            value=int(row.cells),
            expected=str(int(row.expected)),
            wave=wave,
            severity="warning" if row.kind == "short" else "error",
        )
        for row in ragged.itertuples()
    ]


def _item_mapping(frame: pd.DataFrame, header: tuple[str, ...], study: Study, *, file: str):
    """The export without blank twin columns, its item headers to item ids (the quiz's added
    columns left out), and the problems found on the way."""
    frame, header, problems = _set_aside(frame, header, file=file)
    headers = list(frame.columns)
    quiz, quiz_problems = _quiz_columns(headers, study.instrument_spec, file=file)
    mapping, found = map_headers(
        [h for h in headers if h not in quiz], study.instrument_spec, file=file,
        language=study.report.language,
    )  # fmt: skip
    problems += quiz_problems + found + repeated_headers(header, study, file=file)
    return frame, mapping, problems


def _ingest_wave(wave: str, export: ReadFile, study: Study, keys: list[IdKey]):
    file, table = str(export.path), export.table
    frame, mapping, problems = _item_mapping(table.frame, table.header, study, file=file)
    headers = list(frame.columns)
    name = export.path.name
    label = name if not table.details.get("sheet") else f"{name} [{table.details['sheet']}]"
    problems += _ragged_problems(table, label, wave)
    problems += table.warnings  # e.g. hidden sheets left aside
    out = pd.DataFrame(index=frame.index)
    out["wave"] = wave
    out["source_file"] = label
    out["source_row"] = np.arange(len(frame)) + table.header_row + 1
    time_header = timestamp_header(headers, study)
    if study.columns.timestamp and time_header is None:
        problems.append(_declared_missing(file, study.columns.timestamp, "timestamp", headers))
    out["submitted_at"] = frame[time_header].astype(str).str.strip() if time_header else ""
    for name, header_name in meta_columns(study).items():
        column = resolve_column(headers, header_name)
        if column is None:
            problems.append(_declared_missing(file, header_name, name, headers))
            continue
        out[name] = frame[column].astype(str).str.strip()
    for key in keys:
        if not key.declared:
            out[key.name] = key_values(frame, key)
    _canonicalize_labels(out, study)
    out, read_from, found = _code_items(frame, mapping, out, study, file=label, wave=wave)
    problems += found
    blank = _blank_rows(frame)
    source = {
        "wave": wave,
        "file": label,
        "item_headers": read_from,
        "header_row": table.header_row,
        "timestamp_header": time_header,
        "rows": int((~blank).sum()),
        "blank_rows": int(blank.sum()),
        "sha256": export.sha256,
        **table.details,
    }
    return out[~blank], out.loc[blank, ["wave", "source_file", "source_row"]], problems, source


def _blank_rows(frame: pd.DataFrame) -> pd.Series:
    """Rows whose every cell is blank once read as text (empty or spaces). Columns are read one
    by one and the reading stops once no row can still be blank: a form's first column (the
    submission time) usually settles it, where reading every cell cost a millisecond a column."""
    blank = np.ones(len(frame), dtype=bool)
    for position in range(frame.shape[1]):
        if not blank.any():
            break
        blank &= frame.iloc[:, position].astype(str).str.strip().eq("").to_numpy(dtype=bool)
    return pd.Series(blank, index=frame.index)


def _code_items(
    frame: pd.DataFrame, mapping: dict[str, str], out: pd.DataFrame, study: Study, *,
    file: str, wave: str,
) -> tuple[pd.DataFrame, dict[str, str], list[Problem]]:  # fmt: skip
    """Code every item's answers by its outcome kind; return ``out`` with the coded items, the
    column each was read from and the cells that could not be read (and a quiz's disagreeing
    scores)."""
    instrument = study.instrument_spec
    lookup, expected = _label_lookup(study), _answer_expectation(instrument)
    quiz = outcomes.quiz_columns(list(frame.columns))
    kinds = {item.id: item for item in instrument.items}
    read_from: dict[str, str] = {}  # item id -> the column its values came from (messages)
    problems: list[Problem] = []
    same_texts = _coded_texts(lookup)  # columns offering the same answers are coded once
    likert = [h for h, i in mapping.items() if kinds.get(i) is None or kinds[i].kind == "likert"]
    answers = _code_answer_block(frame, likert, lookup, same_texts)
    columns: dict[str, pd.Series] = {}
    rows = out["source_row"].to_numpy()
    for header, item_id in mapping.items():
        item = kinds.get(item_id)  # None for an attention check: coded as a Likert answer
        source = header
        if item is None or item.kind == "likert":
            codes, unknown = answers[header]
            coded = outcomes.Coded(codes, unknown, "label_unknown", expected)
        else:
            source, coded = _code_outcome(item, header, frame, quiz, instrument)
        columns[item_id] = coded.codes
        read_from[item_id] = source
        problems += [
            Problem(coded.problem, file=file, row=int(rows[i]), column=source,
                    value=frame[source].iat[i], expected=coded.expected, wave=wave)
            for i in np.flatnonzero(coded.unreadable.to_numpy())
        ]  # fmt: skip
        if item is not None and item.key is not None and normalize_text(header) in quiz:
            where = {"file": file, "column": quiz[normalize_text(header)], "wave": wave,
                     "rows": rows}  # fmt: skip
            form, _ = outcomes.parse_numbers(frame[where["column"]])
            differs = outcomes.quiz_disagreement(coded, form, item, instrument, where=where)
            problems += [differs] if differs else []
    return _with_columns(out, columns), read_from, problems


def _with_columns(out: pd.DataFrame, columns: dict[str, pd.Series]) -> pd.DataFrame:
    """``out`` with the coded columns added in one block: added one at a time, each insertion
    copied the frame's column index, a millisecond a study. A name ``out`` has already is
    replaced in place, as assigning it would."""
    for name in [k for k in columns if k in out.columns or len(out) > _BLOCK_ROWS]:
        out[name] = columns.pop(name)  # a large wave: one at a time, without copying it whole
    if not columns:
        return out
    return pd.concat([out, pd.DataFrame(columns, index=out.index)], axis=1)


def _code_outcome(item, header: str, frame: pd.DataFrame, quiz: dict[str, str], instrument):
    """The column a test or score item is read from, and its answers coded: a keyed test
    item's options; a key-less one's points (from the quiz's score column when there is one);
    a score item's numbers."""
    if item.kind == "score":
        return header, outcomes.code_numbers(frame[header], low=item.min, high=item.max,
                                             what="score")  # fmt: skip
    if item.key is not None:
        return header, outcomes.code_options(frame[header], item, instrument)
    source = quiz.get(normalize_text(header), header)
    top = instrument.max_points(item)
    return source, outcomes.code_numbers(frame[source], low=0, high=top, what="points")


def _study_key(name: str) -> str:
    """The study file's key that declares an ingested column."""
    if name == "participant" or name.startswith(KEY_PREFIX):
        return "columns.id"
    if name.startswith(CONTACT_PREFIX):
        return "columns.contact"
    return {"group_label": "groups.column", "timestamp": "columns.timestamp"}.get(
        name, f"demographics ({name})"
    )


def _declared_missing(file: str, header: str, name: str, headers: list[str]) -> Problem:
    """A declared column the export lacks: the study key that declares it, and the closest
    header found (or the headers found, when none is close)."""
    key = _study_key(name)
    found, similarity = closest_header(header, headers)
    if found is not None and similarity >= CLOSEST_MIN:
        hint = bilingual(
            f"the closest header is '{found}' ({similarity:.0f}% similar)",
            f"judul terdekat adalah '{found}' ({similarity:.0f}% mirip)",
        )
    else:
        shown = ", ".join(f"'{h}'" for h in headers[:8]) + (" ..." if len(headers) > 8 else "")
        hint = bilingual(f"the headers found are {shown}", f"judul kolom yang ada: {shown}")
    return Problem(
        "column_missing",
        file=file,
        column=header,
        expected=bilingual(
            f"the column declared under {key} in the study file; {hint['en']}",
            f"kolom yang dinyatakan pada {key} di berkas studi; {hint['id']}",
        ),
    )


def _canonicalize_labels(out: pd.DataFrame, study: Study) -> None:
    if study.groups and "group_label" in out:
        out["group_label"] = _canonical(out["group_label"], list(study.groups.label_to_group()))
    for demo in study.demographics:
        if demo.values and demo.name in out:
            out[demo.name] = _canonical(out[demo.name], demo.values)


def ingest(inputs: Inputs, study: Study) -> IngestResult:
    """Map every wave's export onto the codebook and code its answers.

    Parameters
    ----------
    inputs
        The study's files as the read stage found them (:func:`pipeline.stages.read.read_inputs`).
    study
        A loaded study (see :func:`pipeline.config.load_study`).

    Returns
    -------
    IngestResult
        All input rows of all waves with provenance, and the cell problems found.

    Raises
    ------
    InputError
        When a file could not be read, or an export lacks a declared column or an item's
        column, or a column is repeated. The problems of all files are collected first.
    """
    frames, blanks, cell_problems, sources, answers = [], [], [], [], []
    fatal = list(inputs.problems)
    keys = id_keys(
        study, {wave: list(export.table.frame.columns) for wave, export in inputs.waves.items()}
    )
    for wave, export in inputs.waves.items():
        frame, blank, problems, source = _ingest_wave(wave, export, study, keys)
        fatal.extend(p for p in problems if p.row is None and p.severity == "error")
        cell_problems.extend(p for p in problems if p.row is not None or p.severity != "error")
        frames.append(frame)
        blanks.append(blank)
        sources.append(source)
        if study.aspirations is not None and wave in ("pre", "post"):
            try:
                answers.append(_open_answers(wave, export, study))
            except InputError as exc:
                fatal.extend(exc.problems)
    if fatal:
        raise InputError(fatal, "The survey exports cannot be read as the study file declares")
    responses = pd.concat(frames, ignore_index=True)
    for column in META_COLUMNS:
        if column not in responses:
            responses[column] = ""
    headers = {source["wave"]: source.pop("item_headers") for source in sources}
    sources_frame = pd.DataFrame(sources)
    return IngestResult(
        responses=responses[_column_order(responses, study)],
        problems=tuple(cell_problems),
        blank_rows=pd.concat(blanks, ignore_index=True),
        sources=sources_frame,
        files={wave: export.path for wave, export in inputs.waves.items()},
        hashes=dict(zip(sources_frame["wave"], sources_frame["sha256"], strict=True)),
        item_headers=headers,
        review=inputs.review,
        open_answers=pd.concat(answers, ignore_index=True) if answers else None,
        logs=inputs.logs,
        id_keys=tuple(keys),
    )


def _column_order(responses: pd.DataFrame, study: Study) -> list[str]:
    instrument = study.instrument_spec
    items = [i.id for i in instrument.items] + [c.id for c in instrument.attention_checks]
    for item_id in items:
        if item_id not in responses:
            responses[item_id] = np.nan
    demographics = [d.name for d in study.demographics]
    keys = [c for c in responses.columns if c.startswith(KEY_PREFIX)]
    contacts = [c for c in responses.columns if c.startswith(CONTACT_PREFIX)]
    return [*META_COLUMNS, *keys, *demographics, *contacts, *items]


def _open_answers(wave: str, export: ReadFile, study: Study) -> pd.DataFrame:
    """``wave, source_row, answer`` of the open aspiration question in one wave's export."""
    cfg = study.aspirations
    assert cfg is not None
    wanted, table = cfg.column_of(wave), export.table
    column = resolve_column(list(table.frame.columns), wanted)
    if column is None:
        expected = bilingual(
            f"the aspiration question's column (aspirations.{wave} or aspirations.column)",
            f"kolom pertanyaan cita-cita (aspirations.{wave} atau aspirations.column)",
        )
        raise InputError(
            [Problem("column_missing", file=str(export.path), column=wanted, expected=expected)],
            f"The {wave} export lacks the aspiration column",
        )
    rows = np.arange(len(table.frame)) + table.header_row + 1
    return pd.DataFrame(
        {"wave": wave, "source_row": rows, "answer": table.frame[column].to_numpy()}
    )
