"""Header forgiveness: what forms do to question headers, and how a bad split shows in a file.

Forms number their questions (``1. Saya tahu …``, ``6) …``, ``Q9. …``, ``No. 3 …``), mark
required ones with ``*``, end labels with colons and wrap long headers over two lines. The
keys made here ignore all of that, so a header matches its codebook item whatever the form
did; when nothing matches, :func:`closest_header` names the nearest header for the message.
The module also recognizes a Google Forms quiz export by its score and feedback columns, and
tells a file read as one single column (a wrong delimiter or lines wrapped in quotes) apart
from a file that really has one column.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import pandas as pd
from rapidfuzz import fuzz, process

from pipeline.text import normalize_text

__all__ = [
    "DELIMITERS",
    "QuizLayout",
    "SplitDiagnosis",
    "closest_header",
    "diagnose_split",
    "empty_duplicates",
    "header_key",
    "header_keys",
    "quiz_layout",
    "strip_numbering",
]

#: Delimiters a survey CSV is written with, in the order a tie is broken.
DELIMITERS = (",", ";", "\t", "|")

# Question numbering in front of a header: "1.", "1)", "(1)", "1:", "1 -", "Q9.", "No. 3",
# "Soal 4:". A bare number followed by a space is not numbering ("5 tahun lagi ..."), and
# "3-4 kali" keeps its range: a dash counts only with a space before it.
_NUMBERING = re.compile(
    r"""^\s*(?:
        (?:no|nomor|nomer|q|soal|item|butir|pertanyaan|question)\s*\.?\s*\d+[a-z]?
            (?:\s*[.):\]]|\s+[-–—])?
      | \(\s*\d+[a-z]?\s*\)
      | \d+[a-z]?(?:\.(?!\d)|\s*[):\]]|\s+[-–—])
    )\s*""",
    re.IGNORECASE | re.VERBOSE,
)
# Required-answer marks forms append after the text, besides a trailing "*".
_REQUIRED = re.compile(r"\s*\((?:wajib|wajib diisi|required)\)\s*$", re.IGNORECASE)
_GRID = re.compile(r"^(?P<prompt>.*?)\s*\[(?P<row>[^\[\]]+)\]\s*$", re.DOTALL)


def strip_numbering(text: str) -> str:
    """A header without the question number in front and a required mark at its end.

    Parameters
    ----------
    text
        A header as the export wrote it.

    Returns
    -------
    str
        The header with ``1.``, ``6)``, ``(3)``, ``3 -``, ``Q9.``, ``No. 3`` or ``Soal 4:``
        removed from its start and ``(wajib)``/``(required)`` from its end; otherwise as given.

    Examples
    --------
    >>> strip_numbering("No. 3 Saya tahu keterampilan yang dicari")
    'Saya tahu keterampilan yang dicari'
    >>> strip_numbering("5 tahun lagi saya ingin bekerja")
    '5 tahun lagi saya ingin bekerja'
    """
    return _REQUIRED.sub("", _NUMBERING.sub("", str(text), count=1))


def header_key(text: str) -> str:
    """The comparable form of a header: numbering, required marks, line breaks, repeated
    spaces, case, accents and punctuation (colons, asterisks, quotes, commas) removed.

    Punctuation goes because line breaks do: a reader that splits a file into lines before
    parsing it joins ``kerja,\\nkampus`` into ``kerja,kampus``.

    Examples
    --------
    >>> header_key("Q9.  Saya MENCOBA kegiatan baru\\nuntuk mengetahui bakat saya :*")
    'saya mencoba kegiatan baru untuk mengetahui bakat saya'
    >>> header_key("Saya pernah mengunjungi tempat kerja,kampus") == header_key(
    ...     "Saya pernah mengunjungi tempat kerja, kampus")
    True
    """
    text = normalize_text(strip_numbering(_fold_spaces(text)))
    return re.sub(r"\s+", " ", re.sub(r"[^\w\s]", " ", text)).strip()


def _fold_spaces(text: str) -> str:
    """Whitespace (line breaks, tabs, no-break spaces) folded into single spaces, trimmed."""
    return re.sub(r"[\s\u00a0]+", " ", str(text)).strip()


def header_keys(header: str) -> tuple[str, ...]:
    """Every key an export header can match an item by, without repeats.

    The key of the whole header; for a Google Forms grid header ``Question [row text]`` also
    the key of the row text; for a KoboToolbox group path ``group/item`` also the key of its
    last part. Numbering is removed from each part, so ``1. Prompt [6) Row]`` gives the key
    of ``Row`` too.
    """
    # A portfolio's exports repeat one codebook's headers study after study: short headers
    # are remembered (a long cell, hostile or not, is not kept alive by the cache).
    text = str(header)
    return _remembered_keys(text) if len(text) <= _REMEMBERED_LENGTH else _header_keys(text)


_REMEMBERED_LENGTH = 512


@lru_cache(maxsize=1 << 14)
def _remembered_keys(header: str) -> tuple[str, ...]:
    return _header_keys(header)


def _header_keys(header: str) -> tuple[str, ...]:
    text = _fold_spaces(header)
    parts = [text]
    grid = _GRID.match(text)
    if grid:
        parts.append(grid.group("row"))
    if "/" in text and not grid:
        parts.append(text.rsplit("/", 1)[1])
    keys = [header_key(part) for part in parts]
    return tuple(k for k in dict.fromkeys(keys) if k)


def closest_header(wanted: str | Sequence[str], headers: Iterable[str]) -> tuple[str | None, float]:
    """The export header most similar to a wanted text, and how similar it is.

    Parameters
    ----------
    wanted
        The text looked for (an item's Indonesian text), or several texts (its Indonesian and
        English text and declared headers); the best of them counts.
    headers
        The headers of the export.

    Returns
    -------
    tuple
        The header as the export wrote it (None when there are no headers) and its similarity
        from 0 to 100: rapidfuzz's ``ratio`` of the two keys (:func:`header_keys`), the best
        over the header's keys and the wanted texts.

    Examples
    --------
    >>> closest_header("Saya tahu kegiatan apa yang paling saya sukai.",
    ...                ["Cap waktu", "1. Saya tahu kegiatan apa yg paling saya sukai"])
    ('1. Saya tahu kegiatan apa yg paling saya sukai', 97.7)
    """
    texts = [wanted] if isinstance(wanted, str) else list(wanted)
    keys = [k for k in dict.fromkeys(header_key(t) for t in texts) if k]
    choices: list[str] = []
    owners: list[str] = []
    for header in headers:
        for key in header_keys(header):
            choices.append(key)
            owners.append(header)
    best: tuple[str | None, float] = (None, 0.0)
    for key in keys:
        found = process.extractOne(key, choices, scorer=fuzz.ratio)
        if found is not None and found[1] > best[1]:
            best = (owners[found[2]], round(float(found[1]), 1))
    return best


def _file_names(columns: Sequence[str]) -> list[str]:
    """Column names without the ``.1``, ``.2`` a reader appends to a repeated header."""
    names = set(columns)
    out = []
    for column in columns:
        base = re.sub(r"\.\d+$", "", column)
        out.append(base if base != column and base in names else column)
    return out


def empty_duplicates(frame: pd.DataFrame, *, header: Sequence[str] | None = None) -> dict[str, str]:
    """Blank columns whose header matches another column that holds answers.

    A KoboToolbox form edited after launch can export one question twice: the old column
    with the answers and a new version's column left blank (or the other way round). Such a
    blank twin carries nothing and can be set aside with a warning instead of blocking the
    file as an ambiguous header.

    Parameters
    ----------
    frame
        The export as read (text cells; blanks as "").
    header
        The header cells as the file has them, in the frame's column order (a reader may
        have renamed a repeat ``X.1``); by default the frame's names, such suffixes undone.

    Returns
    -------
    dict
        Blank column (frame name) to the column with answers it repeats (frame name).
    """
    names = list(header) if header is not None else _file_names(list(frame.columns))
    filled = frame.astype(str).apply(lambda column: column.str.strip().ne("").any())
    owners: dict[str, str] = {}
    for column, name in zip(frame.columns, names, strict=True):
        if filled[column]:
            for key in header_keys(name):
                owners.setdefault(key, column)
    return {
        column: owner
        for column, name in zip(frame.columns, names, strict=True)
        if not filled[column]
        and (owner := next((owners[k] for k in header_keys(name) if k in owners), None))
    }


# --------------------------------------------------------------------------- quiz exports

_QUIZ_TOTAL = {"total skor", "total score", "skor total", "total nilai", "total points"}
_QUIZ_SCORE = re.compile(r"^(?P<question>.*?)\s*\[(?:skor|score|poin|points?|nilai)\]\s*$", re.I)
_QUIZ_FEEDBACK = re.compile(r"^(?P<question>.*?)\s*\[(?:masukan|feedback|umpan balik)\]\s*$", re.I)


@dataclass(frozen=True)
class QuizLayout:
    """The columns a Google Forms quiz export adds to the answers.

    Attributes
    ----------
    total
        The ``Total skor`` / ``Total score`` column (values such as ``7 / 10``), or None.
    scores
        Question header to its ``… [Skor]`` / ``… [Score]`` column.
    feedback
        Question header to its ``… [Masukan]`` / ``… [Feedback]`` column.
    """

    total: str | None
    scores: dict[str, str]
    feedback: dict[str, str]

    @property
    def added_columns(self) -> tuple[str, ...]:
        """Every column the quiz adds: never an item, a demographic or an id."""
        total = (self.total,) if self.total else ()
        return (*total, *self.scores.values(), *self.feedback.values())


def quiz_layout(headers: Sequence[str]) -> QuizLayout | None:
    """Recognize a Google Forms quiz export by its headers.

    Returns
    -------
    QuizLayout or None
        The quiz columns, or None when the headers have neither a total score column nor any
        per-question score column (an ordinary form).
    """
    total = next((h for h in headers if normalize_text(h) in _QUIZ_TOTAL), None)
    scores, feedback = {}, {}
    for header in headers:
        text = _fold_spaces(header)
        score, note = _QUIZ_SCORE.match(text), _QUIZ_FEEDBACK.match(text)
        if score:
            scores[score.group("question")] = header
        elif note:
            feedback[note.group("question")] = header
    if total is None and not scores:
        return None
    return QuizLayout(total, scores, feedback)


# --------------------------------------------------------------------------- one-column reads


@dataclass(frozen=True)
class SplitDiagnosis:
    """Whether a CSV was probably split wrongly, and why.

    Attributes
    ----------
    suspected
        True when the rows were read as (nearly) one column although the text holds more.
    fault
        ``"delimiter"`` (the file is split by another character than the one used),
        ``"quoting"`` (each line is wrapped in quotes, so a line reads as one cell), or None.
    delimiter
        The delimiter that splits the text into columns (after unwrapping quoted lines).
    fields
        How many columns that delimiter gives on the header line.
    """

    suspected: bool
    fault: Literal["delimiter", "quoting"] | None
    delimiter: str | None
    fields: int


def _widths(lines: Sequence[str], delimiter: str) -> list[int]:
    return [len(row) for row in csv.reader(lines, delimiter=delimiter) if any(row)]


def _best_split(lines: Sequence[str]) -> tuple[str | None, int]:
    """The delimiter giving the most lines of the header's width (more than one field)."""
    best, best_key = None, (0, 0)
    for delimiter in DELIMITERS:
        widths = _widths(lines, delimiter)
        if not widths or widths[0] < 2:
            continue
        key = (sum(w == widths[0] for w in widths), widths[0])
        if key > best_key:
            best, best_key = delimiter, key
    return best, best_key[1]


def _unwrap(line: str) -> str | None:
    """The inside of a line wrapped whole in quotes (doubled quotes undone), else None."""
    text = line.strip()
    if len(text) < 2 or text[0] != '"' or text[-1] != '"':
        return None
    inner = text[1:-1]
    # A line of several quoted cells ("a","b") is not wrapped: its quotes close mid-line.
    if re.search(r'(?<!")"(?!")', inner.replace('""', "")):
        return None
    return inner.replace('""', '"')


def diagnose_split(header: Sequence[str], lines: Sequence[str]) -> SplitDiagnosis:
    """Tell whether a file was read as one column by mistake, and the likely delimiter.

    Parameters
    ----------
    header
        The header row as the reader split it.
    lines
        The first lines of the file's text, the header line first (a few dozen suffice).

    Returns
    -------
    SplitDiagnosis
        ``fault="quoting"`` when most lines are wrapped whole in quotes and their inside
        splits into columns; ``fault="delimiter"`` when the header was read as one cell but
        another delimiter splits the lines consistently; not suspected otherwise (a file
        that truly has one column, or one read well).

    Notes
    -----
    Lines wrapped whole in quotes come from spreadsheet re-saves that treat each line as one
    text cell; a CSV reader then sees one quoted field per line, whatever the delimiter.
    """
    lines = [line for line in lines if line.strip()]
    cells = [c for c in header if str(c).strip()]
    if not lines:
        return SplitDiagnosis(False, None, None, len(cells))
    unwrapped = [_unwrap(line) for line in lines]
    wrapped = [u for u in unwrapped if u is not None]
    if len(wrapped) >= max(2, 0.8 * len(lines)):
        delimiter, fields = _best_split(wrapped)
        if delimiter is not None:
            return SplitDiagnosis(True, "quoting", delimiter, fields)
    if len(cells) > 1:
        return SplitDiagnosis(False, None, None, len(cells))
    delimiter, fields = _best_split(lines)
    if delimiter is None:
        return SplitDiagnosis(False, None, None, len(cells))
    return SplitDiagnosis(True, "delimiter", delimiter, fields)
