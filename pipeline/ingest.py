"""Ingest: read each wave's export and map it onto the codebook.

The only stage that reads files. Headers are matched to item ids through the codebook (item
text in Indonesian or English, declared extra headers, the item id itself, or the row text of a
Google Forms grid header ``Question [row text]``), answer labels are mapped to integer codes,
and every row keeps its provenance: the file and the row number as a spreadsheet shows it.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from io import BytesIO, StringIO
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.config import Instrument, Study
from pipeline.errors import InputError, Problem, bilingual

__all__ = ["IngestResult", "ingest", "normalize_text", "read_table"]

#: Columns every ingested frame has, besides the item and attention-check ids.
META_COLUMNS = ["wave", "source_file", "source_row", "submitted_at", "participant", "group_label"]
CONTACT_PREFIX = "contact__"
_GRID = re.compile(r"\[([^\[\]]+)\]\s*$")


@dataclass(frozen=True)
class IngestResult:
    """Every input row of every wave, coded.

    Attributes
    ----------
    responses
        One row per input row: ``META_COLUMNS``, one column per demographic (by its name),
        contact columns (prefixed ``contact__``), then item and attention-check codes as floats
        (NaN where blank or where the answer could not be read).
    problems
        Cell-level problems found while coding answers (unknown labels), with their location.
    files
        Wave name to the path that was read.
    hashes
        Wave name to the SHA-256 of the file's content.
    """

    responses: pd.DataFrame
    problems: tuple[Problem, ...]
    files: dict[str, Path]
    hashes: dict[str, str]


def normalize_text(text: object) -> str:
    """Lower-case, accent-free, single-spaced text without surrounding punctuation."""
    value = unicodedata.normalize("NFKD", str(text))
    value = "".join(ch for ch in value if not unicodedata.combining(ch)).casefold()
    value = re.sub(r"[\s\u00a0]+", " ", value)
    return value.strip(" .:;,!?*\"'")


def read_table(raw: bytes, name: str) -> pd.DataFrame:
    """Read a CSV or XLSX export (given as bytes) as text, blanks as empty strings.

    Parameters
    ----------
    raw
        The file's content.
    name
        The file's name, for its extension and for messages.

    Raises
    ------
    InputError
        When the content cannot be read or holds no response row.
    """
    is_excel = Path(name).suffix.lower() in {".xlsx", ".xlsm"}
    try:
        if is_excel:
            frame = pd.read_excel(BytesIO(raw), dtype=str, keep_default_na=False, engine="openpyxl")
        else:
            frame = _read_csv(raw, name)
    except InputError:
        raise
    except Exception as exc:  # any parser failure is the user's file, not our bug
        raise InputError(
            [
                Problem(
                    "file_unreadable",
                    file=name,
                    value=f"{type(exc).__name__}: {exc}",
                    expected=bilingual("an XLSX survey export", "ekspor survei XLSX")
                    if is_excel
                    else bilingual("a CSV survey export", "ekspor survei CSV"),
                )
            ]
        ) from None
    if frame.empty:
        raise InputError([Problem("file_empty", file=name)])
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame.fillna("")


def _read_csv(raw: bytes, name: str) -> pd.DataFrame:
    if not raw.strip():
        raise InputError([Problem("file_empty", file=name)])
    if b"\x00" in raw[:4096]:
        raise InputError(
            [
                Problem(
                    "file_unreadable",
                    file=name,
                    value="binary content",
                    expected=bilingual("a CSV text file", "berkas teks CSV"),
                )
            ]
        )
    text = _decode(raw)
    first_line = text.splitlines()[0]
    sep = ";" if first_line.count(";") > first_line.count(",") else ","
    return pd.read_csv(StringIO(text), sep=sep, dtype=str, keep_default_na=False)


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def file_hash(raw: bytes) -> str:
    """SHA-256 of a file's content, for the run manifest."""
    return hashlib.sha256(raw).hexdigest()


# --------------------------------------------------------------------------- headers


def _header_lookup(instrument: Instrument) -> dict[str, str]:
    lookup: dict[str, str] = {}
    entries = [(i.id, i.text, i.headers) for i in instrument.items]
    entries += [(c.id, c.text, c.headers) for c in instrument.attention_checks]
    for item_id, text, headers in entries:
        for header in [item_id, text.id, text.en, *headers]:
            lookup[normalize_text(header)] = item_id
    return lookup


def _match_header(header: str, lookup: dict[str, str]) -> str | None:
    key = normalize_text(header)
    if key in lookup:
        return lookup[key]
    grid = _GRID.search(header)
    return lookup.get(normalize_text(grid.group(1))) if grid else None


def map_headers(
    headers: list[str], instrument: Instrument, *, file: str
) -> tuple[dict[str, str], list[Problem]]:
    """Map export headers to item ids; report items without a column or with several."""
    lookup = _header_lookup(instrument)
    found: dict[str, list[str]] = {}
    for header in headers:
        item_id = _match_header(header, lookup)
        if item_id is not None:
            found.setdefault(item_id, []).append(header)
    problems = []
    for item in instrument.items:
        if item.id not in found:
            problems.append(
                Problem(
                    "column_missing",
                    file=file,
                    column=item.id,
                    expected=bilingual(
                        f"a column headed like '{item.text.id}'",
                        f"kolom berjudul seperti '{item.text.id}'",
                    ),
                )
            )
    for item_id, matches in found.items():
        if len(matches) > 1:
            problems.append(
                Problem("column_ambiguous", file=file, column=item_id, value=" | ".join(matches))
            )
    mapping = {matches[0]: item_id for item_id, matches in found.items()}
    return mapping, problems


# --------------------------------------------------------------------------- answers


def _label_lookup(instrument: Instrument) -> dict[str, int]:
    scale = instrument.response_scale
    lookup = {normalize_text(alias): code for alias, code in scale.aliases.items()}
    for code, text in scale.labels.items():
        lookup[normalize_text(text.id)] = code
        lookup[normalize_text(text.en)] = code
    return lookup


def code_answers(values: pd.Series, lookup: dict[str, int]) -> tuple[pd.Series, pd.Series]:
    """Turn answer texts into codes.

    Returns the codes (float, NaN where blank or unreadable) and a boolean mask of cells whose
    text was neither blank, a number nor a known label.
    """
    text = values.astype(str).str.strip()
    blank = text.eq("")
    numeric = pd.to_numeric(text.str.replace(",", ".", regex=False), errors="coerce")
    labelled = text.map(normalize_text).map(lookup).astype(float)
    codes = numeric.fillna(labelled)
    unknown = ~blank & codes.isna()
    return codes.astype(float), unknown


# --------------------------------------------------------------------------- waves


def _resolve_column(headers: list[str], wanted: str) -> str | None:
    if wanted in headers:
        return wanted
    key = normalize_text(wanted)
    return next((h for h in headers if normalize_text(h) == key), None)


def _meta_columns(study: Study) -> dict[str, str]:
    """Output column name to the study's declared export header."""
    wanted = {"participant": study.columns.id}
    if study.columns.timestamp:
        wanted["submitted_at"] = study.columns.timestamp
    if study.groups:
        wanted["group_label"] = study.groups.column
    wanted.update({d.name: d.column for d in study.demographics})
    wanted.update({CONTACT_PREFIX + normalize_text(c): c for c in study.columns.contact})
    return wanted


def _ingest_wave(wave: str, path: Path, study: Study) -> tuple[pd.DataFrame, list[Problem], str]:
    file = str(path)
    if not path.is_file():
        raise InputError([Problem("file_missing", file=file, details={"wave": wave})])
    raw = path.read_bytes()
    table = read_table(raw, file)
    headers = list(table.columns)
    instrument = study.instrument_spec
    mapping, problems = map_headers(headers, instrument, file=file)
    out = pd.DataFrame(index=table.index)
    out["wave"] = wave
    out["source_file"] = path.name
    out["source_row"] = np.arange(2, len(table) + 2)  # header is spreadsheet row 1
    for name, header in _meta_columns(study).items():
        column = _resolve_column(headers, header)
        if column is None:
            problems.append(
                Problem(
                    "column_missing",
                    file=file,
                    column=header,
                    expected=bilingual(
                        f"the column declared for {name} in the study file",
                        f"kolom yang dinyatakan untuk {name} di berkas studi",
                    ),
                )
            )
            out[name] = ""
        else:
            out[name] = table[column].astype(str).str.strip()
    for meta in META_COLUMNS:
        if meta not in out:
            out[meta] = ""
    lookup = _label_lookup(instrument)
    expected = _answer_expectation(instrument)
    for header, item_id in mapping.items():
        codes, unknown = code_answers(table[header], lookup)
        out[item_id] = codes
        for idx in np.flatnonzero(unknown.to_numpy()):
            problems.append(
                Problem(
                    "label_unknown",
                    file=path.name,
                    row=int(idx) + 2,
                    column=header,
                    value=table[header].iat[idx],
                    expected=expected,
                )
            )
    missing_items = [i.id for i in instrument.items if i.id not in out]
    for item_id in missing_items + [c.id for c in instrument.attention_checks if c.id not in out]:
        out[item_id] = np.nan
    return out, problems, file_hash(raw)


def _answer_expectation(instrument: Instrument) -> dict[str, str]:
    scale = instrument.response_scale
    en = ", ".join(f"{code} = {text.en}" for code, text in scale.labels.items())
    id_ = ", ".join(f"{code} = {text.id}" for code, text in scale.labels.items())
    return bilingual(
        f"a code {scale.min}-{scale.max} or a label ({id_}; {en})",
        f"kode {scale.min}-{scale.max} atau label ({id_})",
    )


def ingest(study: Study) -> IngestResult:
    """Read every wave file of a study and code its answers.

    Parameters
    ----------
    study
        A loaded study (see :func:`pipeline.config.load_study`).

    Returns
    -------
    IngestResult
        All input rows of all waves with provenance, and the cell problems found.

    Raises
    ------
    InputError
        When a file is missing, unreadable or empty, or lacks a declared column. All such
        file-level problems of all waves are collected before raising.
    """
    frames, cell_problems, fatal, hashes = [], [], [], {}
    for wave, path in study.wave_paths().items():
        try:
            frame, problems, hashes[wave] = _ingest_wave(wave, path, study)
        except InputError as exc:
            fatal.extend(exc.problems)
            continue
        file_level = [p for p in problems if p.row is None]
        fatal.extend(file_level)
        cell_problems.extend(p for p in problems if p.row is not None)
        frames.append(frame)
    if fatal:
        raise InputError(fatal, "The survey exports cannot be read as the study file declares")
    responses = pd.concat(frames, ignore_index=True)
    ordered = _column_order(responses, study)
    return IngestResult(responses[ordered], tuple(cell_problems), study.wave_paths(), hashes)


def _column_order(responses: pd.DataFrame, study: Study) -> list[str]:
    instrument = study.instrument_spec
    items = [i.id for i in instrument.items] + [c.id for c in instrument.attention_checks]
    demographics = [d.name for d in study.demographics]
    contacts = [c for c in responses.columns if c.startswith(CONTACT_PREFIX)]
    return [*META_COLUMNS, *demographics, *contacts, *items]
