"""Export headers: which column holds which item, and which the id, group, contacts and time.

Headers map to item ids through the codebook: the item's Indonesian or English text, declared
extra headers, the item id, a declared regular expression, the row text of a Google Forms grid
header ``Question [row text]``, or the last part of a KoboToolbox group path ``group/item``;
matching ignores case, accents, spacing, question numbering (``1.``, ``6)``, ``Q9.``, ``No. 3``),
required marks, colons and line breaks (:mod:`pipeline.stages.header_names`). An item without
a column is reported with the closest header found and the codebook key that would match it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache

import pandas as pd

from pipeline.config import Instrument, Study
from pipeline.errors import Problem, bilingual
from pipeline.stages.header_names import closest_header, empty_duplicates, header_keys
from pipeline.text import compile_pattern, normalize_text, resolve_column

__all__ = [
    "CLOSEST_MIN",
    "CONTACT_PREFIX",
    "KEY_PREFIX",
    "TIMESTAMP_HEADERS",
    "blank_twins",
    "header_score",
    "map_headers",
    "meta_columns",
    "repeated_headers",
    "timestamp_header",
]

#: Contact columns (phone, e-mail) are carried under this prefix, so they can be withheld.
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


#: An item's closest header is named in the message from this similarity (0-100) on; below
#: it the headers found have little to do with the item.
CLOSEST_MIN = 60.0


class _Lookup:
    """Item ids by the exact normalized spellings of their texts, ids and declared headers,
    and, forgiving what forms do to headers, by their keys (:func:`header_keys`)."""

    def __init__(self, instrument: Instrument) -> None:
        self.exact: dict[str, str] = {}
        self.keys: dict[str, str] = {}
        entries = [(i.id, i.text, i.headers) for i in instrument.items]
        entries += [(c.id, c.text, c.headers) for c in instrument.attention_checks]
        for item_id, text, headers in entries:
            for header in [item_id, text.id, text.en, *headers]:
                if header:
                    self.exact[normalize_text(header)] = item_id
                    for key in header_keys(header):
                        self.keys.setdefault(key, item_id)
        # run by RE2 (linear time: no pattern can hang a run)
        self.patterns = [
            (compile_pattern(i.header_pattern), i.id) for i in instrument.items if i.header_pattern
        ]

    def match(self, header: str) -> str | None:
        """The item id a header names, or None: exact spellings first (as the codebook
        writes them), then the forgiving keys, then the declared regular expressions."""
        for candidate in _header_candidates(header):
            item_id = self.exact.get(normalize_text(candidate))
            if item_id:
                return item_id
        for key in header_keys(header):
            if key in self.keys:
                return self.keys[key]
        return next((item_id for pattern, item_id in self.patterns if pattern.search(header)), None)


#: Lookups built, by the codebook they were built from (kept alive with it, so its id is not
#: reused): the codebooks of a process's studies are shared (:func:`load_instrument`), and a
#: study built the same lookup five times, a tenth of ingesting a small study.
_LOOKUPS: dict[int, tuple[Instrument, _Lookup]] = {}
_LOOKUPS_MAX = 16


def _lookup(instrument: Instrument) -> _Lookup:
    """The :class:`_Lookup` of a codebook, built once per codebook object."""
    kept = _LOOKUPS.get(id(instrument))
    if kept is not None and kept[0] is instrument:
        return kept[1]
    if len(_LOOKUPS) >= _LOOKUPS_MAX:
        _LOOKUPS.pop(next(iter(_LOOKUPS)))
    lookup = _Lookup(instrument)
    _LOOKUPS[id(instrument)] = (instrument, lookup)
    return lookup


def _header_candidates(header: str) -> list[str]:
    candidates = [header]
    grid = _GRID.search(header)
    if grid:
        candidates.append(grid.group(1))
    if "/" in header:  # KoboToolbox group path: group/subgroup/item
        candidates.append(header.rsplit("/", 1)[1])
    return candidates


def _missing_item(item, headers: list[str], *, file: str, language: str) -> Problem:
    """No column for an item: the item's text in the report language, and the closest header
    with its similarity and the codebook key that would match it."""
    text = item.text.get(language)
    found, similarity = closest_header(
        [t for t in (item.text.id, item.text.en, *item.headers) if t], headers
    )
    wanted = bilingual(f"a column headed like '{text}'", f"kolom berjudul seperti '{text}'")
    if found is None or similarity < CLOSEST_MIN:
        hint = bilingual(
            f"no header of the {len(headers)} found resembles it",
            f"tidak ada dari {len(headers)} judul kolom yang mirip",
        )
    else:
        hint = bilingual(
            f"the closest header is '{found}' ({similarity:.0f}% similar): if it is this "
            f"question, add it to the codebook under 'headers:' of item {item.id} (or give "
            "the item a 'header_pattern')",
            f"judul terdekat adalah '{found}' ({similarity:.0f}% mirip): bila itu pertanyaan "
            f"ini, tambahkan di kodebuku pada 'headers:' butir {item.id} (atau beri butir itu "
            "'header_pattern')",
        )
    expected = {lang: f"{wanted[lang]}; {hint[lang]}" for lang in ("en", "id")}
    return Problem(
        "column_missing",
        file=file,
        column=item.id,
        expected=expected,
        details={"closest": found, "similarity": similarity},
    )


def map_headers(
    headers: list[str], instrument: Instrument, *, file: str, language: str = "id"
) -> tuple[dict[str, str], list[Problem]]:
    """Map export headers to item ids; report items without a column or with several.

    Parameters
    ----------
    headers
        The export's headers (those that can be items).
    instrument
        The codebook.
    file
        The file, for messages.
    language
        The report language: an item without a column is quoted in it.

    Returns
    -------
    tuple
        Header to item id, and the problems: one ``items_not_found`` when no item has a
        column at all (the wrong file or codebook), else one ``column_missing`` per item
        without a column (naming the closest header) and one ``column_ambiguous`` per item
        with several.
    """
    lookup = _lookup(instrument)
    found: dict[str, list[str]] = {}
    for header in headers:
        item_id = lookup.match(header)
        if item_id is not None:
            found.setdefault(item_id, []).append(header)
    missing = [item for item in instrument.items if item.id not in found]
    if len(missing) == len(instrument.items):
        shown = ", ".join(f"'{h}'" for h in headers[:8]) + (" ..." if len(headers) > 8 else "")
        problems = [
            Problem(
                "items_not_found",
                file=file,
                value=len(instrument.items),
                details={"codebook": instrument.id, "headers": shown},
            )
        ]
    else:
        problems = [_missing_item(i, headers, file=file, language=language) for i in missing]
    problems += [
        Problem("column_ambiguous", file=file, column=item_id, value=" | ".join(matches))
        for item_id, matches in found.items()
        if len(matches) > 1
    ]
    return {matches[0]: item_id for item_id, matches in found.items()}, problems


def timestamp_header(headers: list[str], study: Study) -> str | None:
    """The submission-time column: the declared one, else the first usual export header."""
    if study.columns.timestamp:
        return resolve_column(headers, study.columns.timestamp)
    normalized = {normalize_text(h): h for h in headers}
    return next((normalized[k] for k in TIMESTAMP_HEADERS if k in normalized), None)


#: Columns of the ingested frame holding the declared id columns after the first.
KEY_PREFIX = "key__"


def meta_columns(study: Study) -> dict[str, str]:
    """Output column name to the study's declared export header: the first id column as
    ``participant``, the others as ``key__1``, ``key__2`` ... (see
    :mod:`pipeline.stages.keys`)."""
    first, *others = study.columns.id_columns
    wanted = {"participant": first}
    wanted.update({f"{KEY_PREFIX}{k}": header for k, header in enumerate(others, start=1)})
    if study.groups:
        wanted["group_label"] = study.groups.column
    wanted.update({d.name: d.column for d in study.demographics})
    wanted.update({CONTACT_PREFIX + normalize_text(c): c for c in study.columns.contact})
    return wanted


def header_score(study: Study) -> Callable[[list[str]], int]:
    """Counts the cells of a row that name an item or a declared column: the header row is
    the row that names the most."""
    lookup = _lookup(study.instrument_spec)
    meta = {normalize_text(h) for h in meta_columns(study).values()}
    meta |= set(TIMESTAMP_HEADERS)

    @cache  # the rows below the header repeat a handful of answer labels: judge each once
    def names_something(cell: str) -> bool:
        return normalize_text(cell) in meta or lookup.match(cell) is not None

    def score(row: list[str]) -> int:
        cells = [str(c) for c in row if str(c).strip()]
        return sum(names_something(c) for c in cells)

    return score


def blank_twins(frame: pd.DataFrame, header: tuple[str, ...]) -> dict[str, str]:
    """Blank columns repeating the header of a column with answers (a later KoboToolbox form
    version's copy of a question): column to the column it repeats. Empty when the header
    cells do not line up with the frame's columns."""
    if len(header) != len(frame.columns):
        return {}
    keys = [k for h in header for k in dict.fromkeys(header_keys(h))]
    if len(keys) == len(set(keys)):  # no two columns share a header: nothing to look at
        return {}
    return empty_duplicates(frame, header=header)


def repeated_headers(header: tuple[str, ...], study: Study, *, file: str) -> list[Problem]:
    """A header that appears twice and names an item or a declared column is ambiguous."""
    counts = pd.Series([h for h in header if h], dtype=object).value_counts()
    lookup = _lookup(study.instrument_spec)
    declared = {normalize_text(h) for h in meta_columns(study).values()}
    return [
        Problem("column_repeated", file=file, column=name, value=int(n))
        for name, n in counts[counts > 1].items()
        if normalize_text(name) in declared or lookup.match(name)
    ]
