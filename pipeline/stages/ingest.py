"""Ingest: read each wave's export and map it onto the codebook.

The only stage that reads files. It takes CSV (comma, semicolon or tab; UTF-8 with or without
BOM, or Windows-1252; decimal commas) and XLSX (any sheet, title rows above the header), as
Google Forms (Indonesian or English locale), KoboToolbox or hand-made exports write them.

- The header row is found among the first rows as the one that names the most known columns.
- Headers map to item ids through the codebook: the item's Indonesian or English text, declared
  extra headers, the item id, a declared regular expression, the row text of a Google Forms grid
  header ``Question [row text]``, or the last part of a KoboToolbox group path ``group/item``.
- Answer labels map to codes (case, accents and spacing ignored; Indonesian, English, the
  codebook's aliases and the study's own ``answer_labels``); numbers are read as codes.
- Every row keeps its provenance: the file and the row number as a spreadsheet shows it.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from io import BytesIO, StringIO
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.config import Instrument, Study, WaveFile
from pipeline.errors import InputError, Problem, bilingual

__all__ = [
    "META_COLUMNS",
    "TIMESTAMP_HEADERS",
    "IngestResult",
    "RawTable",
    "code_answers",
    "ingest",
    "map_headers",
    "normalize_text",
    "read_table",
]

#: Columns every ingested frame has, besides demographics, contacts and items.
META_COLUMNS = ["wave", "source_file", "source_row", "submitted_at", "participant", "group_label"]
CONTACT_PREFIX = "contact__"
#: Submission-time headers of common exports, normalized (Google Forms in Indonesian, English
#: and other locales; KoboToolbox; ODK).
TIMESTAMP_HEADERS = (
    "cap waktu",
    "stempel waktu",
    "timestamp",
    "marca temporal",
    "carimbo de data/hora",
    "horodateur",
    "_submission_time",
    "end",
    "submissiondate",
)
_GRID = re.compile(r"\[([^\[\]]+)\]\s*$")
_HEADER_SEARCH_ROWS = 30
_DELIMITERS = (",", ";", "\t")


@dataclass(frozen=True)
class RawTable:
    """An export read as text: the cells below the header, and where the header was."""

    frame: pd.DataFrame
    header_row: int
    details: dict[str, object]
    header: tuple[str, ...] = ()


@dataclass(frozen=True)
class IngestResult:
    """Every input row of every wave, coded.

    Attributes
    ----------
    responses
        One row per non-blank input row: ``META_COLUMNS``, one column per demographic (by its
        name), contact columns (prefixed ``contact__``), then item and attention-check codes as
        floats (NaN where blank or where the answer could not be read).
    problems
        Cell-level problems found while coding answers (unknown labels), with their location.
    blank_rows
        Rows with no content at all: ``wave, source_file, source_row``.
    sources
        One row per file read: wave, file, sheet, header row, delimiter, encoding, timestamp
        header, rows, sha256.
    files
        Wave name to the path that was read.
    hashes
        Wave name to the SHA-256 of the file's content.
    item_headers
        Wave name to {item id: the export header it was read from}, for messages.
    review
        The study's reviewed name matches (``wave, name_base, name_other, decision`` with
        decision "yes", "no" or ""), or None when the study declares no review file.
    """

    responses: pd.DataFrame
    problems: tuple[Problem, ...]
    blank_rows: pd.DataFrame
    sources: pd.DataFrame
    files: dict[str, Path]
    hashes: dict[str, str]
    item_headers: dict[str, dict[str, str]]
    review: pd.DataFrame | None = None


def normalize_text(text: object) -> str:
    """Lower-case, accent-free, single-spaced text without surrounding punctuation."""
    value = unicodedata.normalize("NFKD", str(text))
    value = "".join(ch for ch in value if not unicodedata.combining(ch)).casefold()
    value = re.sub(r"[\s\u00a0]+", " ", value)
    return value.strip(" .:;,!?*\"'")


# --------------------------------------------------------------------------- reading


def _best_header_row(rows: list[list[str]], score: Callable[[list[str]], int]) -> int:
    """Index of the row naming the most known columns (the first row when none does)."""
    scores = [score(row) for row in rows[:_HEADER_SEARCH_ROWS]]
    return int(np.argmax(scores)) if scores and max(scores) > 0 else 0


#: The header, delimiter and encoding are read off the first bytes only.
_HEAD_BYTES = 1 << 20
#: Files smaller than this are read by pandas directly: pyarrow only pays off on big files.
_ARROW_MIN_BYTES = 4 << 20


def _decode_head(raw: bytes) -> tuple[str, str]:
    """The first whole lines of a file as text, and the encoding they suggest. A body that is
    not UTF-8 after all makes pyarrow refuse the file, and pandas then reads it as cp1252."""
    if len(raw) <= _HEAD_BYTES:
        return _decode(raw)
    head = raw[: raw.rfind(b"\n", 0, _HEAD_BYTES) + 1] or raw[:_HEAD_BYTES]
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    try:
        return decoder.decode(head, final=False), "utf-8"
    except UnicodeDecodeError:
        return head.decode("cp1252", errors="replace"), "cp1252"


def _decode(raw: bytes) -> tuple[str, str]:
    try:
        return raw.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace"), "cp1252"


def _sniff_delimiter(head: list[str]) -> str:
    """The delimiter that splits the first lines into the most fields, most consistently."""
    best, best_key = ",", (-1, -1)
    for delimiter in _DELIMITERS:
        counts = [len(r) for r in csv.reader(head, delimiter=delimiter) if any(r)]
        if not counts:
            continue
        widest = max(counts)
        key = (counts.count(widest) if widest > 1 else 0, widest)
        if key > best_key:
            best, best_key = delimiter, key
    return best


def _read_csv(raw: bytes, name: str, score: Callable[[list[str]], int]) -> RawTable:
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
    text, encoding = _decode_head(raw)
    if not text.strip():
        raise InputError([Problem("file_empty", file=name)])
    head = text.splitlines()[:_HEADER_SEARCH_ROWS]
    delimiter = _sniff_delimiter(head)
    head_rows = list(csv.reader(head, delimiter=delimiter))
    header_idx = _best_header_row(head_rows, score)
    header = tuple(c.strip() for c in head_rows[header_idx]) if head_rows else ()
    frame = _read_csv_arrow(raw, delimiter, header_idx, encoding, head_rows)
    if frame is None:
        text, encoding = _decode(raw)
        frame = pd.read_csv(
            StringIO(text),
            sep=delimiter,
            header=0,
            skiprows=header_idx,
            dtype=str,
            keep_default_na=False,
            skip_blank_lines=False,
        )
    details = {"delimiter": delimiter, "encoding": encoding, "sheet": None}
    return RawTable(frame, header_idx + 1, details, header)


def _read_csv_arrow(
    raw: bytes, delimiter: str, header_idx: int, encoding: str, head_rows: list[list[str]]
) -> pd.DataFrame | None:
    """pyarrow's multi-threaded reader for the common, well-formed file; None sends the file
    to pandas' slower reader, which keeps blank lines as rows (the ledger counts them) and
    reads ragged rows, repeated headers and line breaks inside cells."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    names = head_rows[header_idx] if head_rows else []
    if (
        len(raw) < _ARROW_MIN_BYTES
        or not names
        or len(set(names)) < len(names)
        or b"\n\n" in raw
        or b"\n\r\n" in raw
    ):
        return None
    ragged: list[object] = []

    def ragged_row(row: object) -> str:
        ragged.append(row)
        return "skip"

    try:
        table = pacsv.read_csv(
            pa.py_buffer(raw),
            read_options=pacsv.ReadOptions(
                skip_rows=header_idx,
                encoding="utf8" if encoding == "utf-8" else encoding,
                block_size=16 << 20,
            ),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, invalid_row_handler=ragged_row),
            convert_options=pacsv.ConvertOptions(
                column_types={n: pa.string() for n in names},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowKeyError, UnicodeError, LookupError):
        return None
    if ragged or table.column_names != names:
        return None
    return table.to_pandas()


def _sheet_rows(worksheet, limit: int | None = None) -> list[list[str]]:
    rows = worksheet.iter_rows(min_row=1, max_row=limit, values_only=True)
    return [["" if v is None else _cell_text(v) for v in row] for row in rows]


def _pick_sheet(book, sheet: str | int | None, name: str, score):
    """The declared sheet, or else the sheet whose header names the most known columns."""
    names = book.sheetnames
    if sheet is None:
        scores = [
            max(map(score, _sheet_rows(ws, _HEADER_SEARCH_ROWS)), default=0)
            for ws in book.worksheets
        ]
        return book.worksheets[int(np.argmax(scores))]
    if (isinstance(sheet, str) and sheet in names) or (
        isinstance(sheet, int) and 0 <= sheet < len(names)
    ):
        return book[sheet] if isinstance(sheet, str) else book.worksheets[sheet]
    raise InputError(
        [
            Problem(
                "sheet_missing", file=name, value=sheet, expected=", ".join(repr(n) for n in names)
            )
        ]
    )


def _read_xlsx(
    raw: bytes, name: str, sheet: str | int | None, score: Callable[[list[str]], int]
) -> RawTable:
    from openpyxl import load_workbook

    book = load_workbook(BytesIO(raw), read_only=True, data_only=True)
    try:
        worksheet = _pick_sheet(book, sheet, name, score)
        rows = _sheet_rows(worksheet)
    finally:
        book.close()
    if not rows:
        raise InputError([Problem("file_empty", file=name)])
    header_idx = _best_header_row(rows, score)
    width = max(len(r) for r in rows)
    padded = [r + [""] * (width - len(r)) for r in rows]
    header = padded[header_idx]
    used = [i for i, h in enumerate(header) if h.strip()]
    names = [header[i].strip() for i in used]
    frame = pd.DataFrame(
        [[r[i] for i in used] for r in padded[header_idx + 1 :]], columns=_unique(names), dtype=str
    )
    details = {"delimiter": None, "encoding": None, "sheet": worksheet.title}
    return RawTable(frame, header_idx + 1, details, tuple(names))


def _unique(names: list[str]) -> list[str]:
    """Repeated headers get '.1', '.2' ... as pandas gives them when it reads a CSV."""
    seen: dict[str, int] = {}
    out = []
    for name in names:
        out.append(name if name not in seen else f"{name}.{seen[name]}")
        seen[name] = seen.get(name, 0) + 1
    return out


def _cell_text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def read_table(
    raw: bytes,
    name: str,
    *,
    sheet: str | int | None = None,
    score: Callable[[list[str]], int] = lambda row: 0,
) -> RawTable:
    """Read a CSV or XLSX export (given as bytes) as text, blanks as empty strings.

    Parameters
    ----------
    raw
        The file's content.
    name
        The file's name, for its extension and for messages.
    sheet
        XLSX sheet name or 0-based index (default: the first sheet).
    score
        Counts the known column names in a row; the best-scoring row among the first 30 is
        taken as the header (title rows above it are skipped).

    Raises
    ------
    InputError
        When the content cannot be read or holds no response row.
    """
    is_excel = Path(name).suffix.lower() in {".xlsx", ".xlsm"}
    if not raw.strip():
        raise InputError([Problem("file_empty", file=name)])
    try:
        table = _read_xlsx(raw, name, sheet, score) if is_excel else _read_csv(raw, name, score)
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
    frame = table.frame
    frame.columns = [str(c).strip() for c in frame.columns]
    if frame.empty or not frame.columns.size:
        raise InputError([Problem("file_empty", file=name)])
    return RawTable(frame.fillna(""), table.header_row, table.details, table.header)


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


def _header_candidates(header: str) -> list[str]:
    candidates = [header]
    grid = _GRID.search(header)
    if grid:
        candidates.append(grid.group(1))
    if "/" in header:  # KoboToolbox group path: group/subgroup/item
        candidates.append(header.rsplit("/", 1)[1])
    return candidates


def _match_header(
    header: str, lookup: dict[str, str], patterns: list[tuple[re.Pattern[str], str]]
) -> str | None:
    for candidate in _header_candidates(header):
        item_id = lookup.get(normalize_text(candidate))
        if item_id:
            return item_id
    return next((item_id for pattern, item_id in patterns if pattern.search(header)), None)


def _patterns(instrument: Instrument) -> list[tuple[re.Pattern[str], str]]:
    return [
        (re.compile(i.header_pattern, re.IGNORECASE), i.id)
        for i in instrument.items
        if i.header_pattern
    ]


def map_headers(
    headers: list[str], instrument: Instrument, *, file: str
) -> tuple[dict[str, str], list[Problem]]:
    """Map export headers to item ids; report items without a column or with several."""
    lookup, patterns = _header_lookup(instrument), _patterns(instrument)
    found: dict[str, list[str]] = {}
    for header in headers:
        item_id = _match_header(header, lookup, patterns)
        if item_id is not None:
            found.setdefault(item_id, []).append(header)
    problems = [
        Problem(
            "column_missing",
            file=file,
            column=item.id,
            expected=bilingual(
                f"a column headed like '{item.text.id}'", f"kolom berjudul seperti '{item.text.id}'"
            ),
        )
        for item in instrument.items
        if item.id not in found
    ]
    problems += [
        Problem("column_ambiguous", file=file, column=item_id, value=" | ".join(matches))
        for item_id, matches in found.items()
        if len(matches) > 1
    ]
    return {matches[0]: item_id for item_id, matches in found.items()}, problems


# --------------------------------------------------------------------------- answers


def _label_lookup(study: Study) -> dict[str, int]:
    scale = study.instrument_spec.response_scale
    lookup = {normalize_text(alias): code for alias, code in scale.aliases.items()}
    for code, text in scale.labels.items():
        lookup[normalize_text(text.id)] = code
        lookup[normalize_text(text.en)] = code
    lookup.update({normalize_text(k): v for k, v in study.answer_labels.items()})
    return lookup


def map_unique(values: pd.Series, func: Callable[[str], object]) -> pd.Series:
    """``values.map(func)`` computed once per distinct value: survey answers repeat a handful
    of labels, so this turns a per-cell Python call into a per-label one."""
    positions, uniques = pd.factorize(values, use_na_sentinel=False)
    mapped = np.array([func(u) for u in uniques], dtype=object)
    return pd.Series(mapped[positions] if len(uniques) else [], index=values.index, dtype=object)


def code_answers(values: pd.Series, lookup: dict[str, int]) -> tuple[pd.Series, pd.Series]:
    """Turn answer texts into codes.

    Returns the codes (float, NaN where blank or unreadable) and a boolean mask of cells whose
    text was neither blank, a number (``4``, ``4.0``, ``4,0``) nor a known label. Codes that are
    numbers but not on the scale (0, 6, 3.5) pass through for validation to report.
    """
    positions, uniques = pd.factorize(values.astype(str), use_na_sentinel=False)
    text = pd.Series(uniques, dtype=object).str.strip()
    numeric = pd.to_numeric(text.str.replace(",", ".", regex=False), errors="coerce")
    labelled = text.map(normalize_text).map(lookup).astype(float)
    codes = numeric.fillna(labelled).to_numpy(dtype=float)
    unknown = text.ne("").to_numpy() & np.isnan(codes)
    if not len(uniques):
        return pd.Series(np.nan, index=values.index), pd.Series(False, index=values.index)
    return (
        pd.Series(codes[positions], index=values.index),
        pd.Series(unknown[positions], index=values.index),
    )


def _answer_expectation(instrument: Instrument) -> dict[str, str]:
    scale = instrument.response_scale
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


# --------------------------------------------------------------------------- review file

REVIEW_COLUMNS = ["wave", "name_base", "name_other", "decision"]
_YES = {"yes", "y", "ya", "iya", "1", "true", "benar", "setuju", "ok"}
_NO = {"no", "n", "tidak", "bukan", "0", "false", "salah", "tolak"}


def read_review(path: Path) -> pd.DataFrame:
    """Read a reviewed ``match_review.csv``: decisions normalized to "yes", "no" or "".

    Raises
    ------
    InputError
        When the file is missing or unreadable, lacks a column, or holds a decision that is
        neither yes nor no (each located by its row).
    """
    file = str(path)
    if not path.is_file():
        raise InputError([Problem("file_missing", file=file, details={"wave": "match_review"})])
    table = read_table(path.read_bytes(), file).frame
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


# --------------------------------------------------------------------------- waves


def _resolve_column(headers: list[str], wanted: str) -> str | None:
    if wanted in headers:
        return wanted
    key = normalize_text(wanted)
    return next((h for h in headers if normalize_text(h) == key), None)


def _timestamp_header(headers: list[str], study: Study) -> str | None:
    if study.columns.timestamp:
        return _resolve_column(headers, study.columns.timestamp)
    normalized = {normalize_text(h): h for h in headers}
    return next((normalized[k] for k in TIMESTAMP_HEADERS if k in normalized), None)


def _meta_columns(study: Study) -> dict[str, str]:
    """Output column name to the study's declared export header."""
    wanted = {"participant": study.columns.id}
    if study.groups:
        wanted["group_label"] = study.groups.column
    wanted.update({d.name: d.column for d in study.demographics})
    wanted.update({CONTACT_PREFIX + normalize_text(c): c for c in study.columns.contact})
    return wanted


def _header_score(study: Study) -> Callable[[list[str]], int]:
    lookup, patterns = _header_lookup(study.instrument_spec), _patterns(study.instrument_spec)
    meta = {normalize_text(h) for h in _meta_columns(study).values()}
    meta |= set(TIMESTAMP_HEADERS)

    def score(row: list[str]) -> int:
        cells = [str(c) for c in row if str(c).strip()]
        return sum(
            normalize_text(c) in meta or _match_header(c, lookup, patterns) is not None
            for c in cells
        )

    return score


def _ingest_wave(wave: str, spec: WaveFile, path: Path, study: Study):
    file = str(path)
    if not path.is_file():
        raise InputError([Problem("file_missing", file=file, details={"wave": wave})])
    _check_size(path, study)
    raw = path.read_bytes()
    if not path.suffix.lower().startswith(".xls") and raw.count(b"\n") > study.limits.max_rows + 50:
        raise InputError(
            [
                Problem(
                    "too_many_rows",
                    file=file,
                    value=raw.count(b"\n"),
                    expected=str(study.limits.max_rows),
                )
            ]
        )
    table = read_table(raw, file, sheet=spec.sheet, score=_header_score(study))
    _check_cells(table, file, study)
    frame, headers = table.frame, list(table.frame.columns)
    instrument = study.instrument_spec
    mapping, problems = map_headers(headers, instrument, file=file)
    problems += _repeated_headers(table.header, study, file=file)
    label = (
        path.name if not table.details.get("sheet") else (f"{path.name} [{table.details['sheet']}]")
    )
    out = pd.DataFrame(index=frame.index)
    out["wave"] = wave
    out["source_file"] = label
    out["source_row"] = np.arange(len(frame)) + table.header_row + 1
    time_header = _timestamp_header(headers, study)
    if study.columns.timestamp and time_header is None:
        problems.append(_declared_missing(file, study.columns.timestamp, "timestamp"))
    out["submitted_at"] = frame[time_header].astype(str).str.strip() if time_header else ""
    for name, header in _meta_columns(study).items():
        column = _resolve_column(headers, header)
        if column is None:
            problems.append(_declared_missing(file, header, name))
            continue
        out[name] = frame[column].astype(str).str.strip()
    _canonicalize_labels(out, study)
    lookup, expected = _label_lookup(study), _answer_expectation(instrument)
    for header, item_id in mapping.items():
        codes, unknown = code_answers(frame[header], lookup)
        out[item_id] = codes
        problems += [
            Problem(
                "label_unknown",
                file=label,
                row=int(out["source_row"].iat[i]),
                column=header,
                value=frame[header].iat[i],
                expected=expected,
                wave=wave,
            )
            for i in np.flatnonzero(unknown.to_numpy())
        ]
    blank = frame.apply(lambda col: col.astype(str).str.strip().eq("")).all(axis=1)
    source = {
        "wave": wave,
        "file": label,
        "item_headers": {item_id: header for header, item_id in mapping.items()},
        "header_row": table.header_row,
        "timestamp_header": time_header,
        "rows": int((~blank).sum()),
        "blank_rows": int(blank.sum()),
        "sha256": file_hash(raw),
        **table.details,
    }
    return out[~blank], out.loc[blank, ["wave", "source_file", "source_row"]], problems, source


def _check_size(path: Path, study: Study) -> None:
    size_mb = path.stat().st_size / 1e6
    if size_mb > study.limits.max_file_mb:
        raise InputError(
            [
                Problem(
                    "file_too_large",
                    file=str(path),
                    value=f"{size_mb:.1f} MB",
                    expected=f"{study.limits.max_file_mb:g} MB",
                )
            ]
        )


def _check_cells(table: RawTable, file: str, study: Study) -> None:
    """Refuse a table with too many rows or an overlong cell, naming the first such cell."""
    limits, frame = study.limits, table.frame
    if len(frame) > limits.max_rows:
        raise InputError(
            [Problem("too_many_rows", file=file, value=len(frame), expected=str(limits.max_rows))]
        )
    for column in frame.columns:
        lengths = frame[column].astype(str).str.len().to_numpy()
        over = np.flatnonzero(lengths > limits.max_cell_chars)
        if len(over):
            raise InputError(
                [
                    Problem(
                        "cell_too_long",
                        file=file,
                        row=int(over[0]) + table.header_row + 1,
                        column=column,
                        value=int(lengths[over[0]]),
                        expected=str(limits.max_cell_chars),
                    )
                ]
            )


def _repeated_headers(header: tuple[str, ...], study: Study, *, file: str) -> list[Problem]:
    """A header that appears twice and names an item or a declared column is ambiguous."""
    counts = pd.Series([h for h in header if h], dtype=object).value_counts()
    lookup, patterns = _header_lookup(study.instrument_spec), _patterns(study.instrument_spec)
    declared = {normalize_text(h) for h in _meta_columns(study).values()}
    return [
        Problem("column_repeated", file=file, column=name, value=int(n))
        for name, n in counts[counts > 1].items()
        if normalize_text(name) in declared or _match_header(name, lookup, patterns)
    ]


def _declared_missing(file: str, header: str, name: str) -> Problem:
    return Problem(
        "column_missing",
        file=file,
        column=header,
        expected=bilingual(
            f"the column declared for {name} in the study file",
            f"kolom yang dinyatakan untuk {name} di berkas studi",
        ),
    )


def _canonicalize_labels(out: pd.DataFrame, study: Study) -> None:
    if study.groups and "group_label" in out:
        out["group_label"] = _canonical(out["group_label"], list(study.groups.label_to_group()))
    for demo in study.demographics:
        if demo.values and demo.name in out:
            out[demo.name] = _canonical(out[demo.name], demo.values)


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
        When a file is missing, unreadable or empty, or lacks a declared column or an item's
        column. All such file-level problems of all waves are collected before raising.
    """
    frames, blanks, cell_problems, fatal, sources = [], [], [], [], []
    paths = study.wave_paths()
    for wave, spec in study.waves.named().items():
        try:
            frame, blank, problems, source = _ingest_wave(wave, spec, paths[wave], study)
        except InputError as exc:
            fatal.extend(exc.problems)
            continue
        fatal.extend(p for p in problems if p.row is None)
        cell_problems.extend(p for p in problems if p.row is not None)
        frames.append(frame)
        blanks.append(blank)
        sources.append(source)
    review = None
    if study.review_path():
        try:
            review = read_review(study.review_path())
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
        files=paths,
        hashes=dict(zip(sources_frame["wave"], sources_frame["sha256"], strict=True)),
        item_headers=headers,
        review=review,
    )


def _column_order(responses: pd.DataFrame, study: Study) -> list[str]:
    instrument = study.instrument_spec
    items = [i.id for i in instrument.items] + [c.id for c in instrument.attention_checks]
    for item_id in items:
        if item_id not in responses:
            responses[item_id] = np.nan
    demographics = [d.name for d in study.demographics]
    contacts = [c for c in responses.columns if c.startswith(CONTACT_PREFIX)]
    return [*META_COLUMNS, *demographics, *contacts, *items]
