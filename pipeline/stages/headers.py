"""Export headers: which column holds which item, and which the id, group, contacts and time.

Headers map to item ids through the codebook: the item's Indonesian or English text, declared
extra headers, the item id, a declared regular expression, the row text of a Google Forms grid
header ``Question [row text]``, or the last part of a KoboToolbox group path ``group/item``;
matching ignores case, accents and spacing.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pandas as pd

from pipeline.config import Instrument, Study
from pipeline.errors import Problem, bilingual
from pipeline.text import compile_pattern, normalize_text, resolve_column

__all__ = [
    "CONTACT_PREFIX",
    "TIMESTAMP_HEADERS",
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
    """The codebook's header patterns, run by RE2 (linear time: no pattern can hang a run)."""
    return [(compile_pattern(i.header_pattern), i.id) for i in instrument.items if i.header_pattern]


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


def timestamp_header(headers: list[str], study: Study) -> str | None:
    """The submission-time column: the declared one, else the first usual export header."""
    if study.columns.timestamp:
        return resolve_column(headers, study.columns.timestamp)
    normalized = {normalize_text(h): h for h in headers}
    return next((normalized[k] for k in TIMESTAMP_HEADERS if k in normalized), None)


def meta_columns(study: Study) -> dict[str, str]:
    """Output column name to the study's declared export header."""
    wanted = {"participant": study.columns.id}
    if study.groups:
        wanted["group_label"] = study.groups.column
    wanted.update({d.name: d.column for d in study.demographics})
    wanted.update({CONTACT_PREFIX + normalize_text(c): c for c in study.columns.contact})
    return wanted


def header_score(study: Study) -> Callable[[list[str]], int]:
    lookup, patterns = _header_lookup(study.instrument_spec), _patterns(study.instrument_spec)
    meta = {normalize_text(h) for h in meta_columns(study).values()}
    meta |= set(TIMESTAMP_HEADERS)

    def score(row: list[str]) -> int:
        cells = [str(c) for c in row if str(c).strip()]
        return sum(
            normalize_text(c) in meta or _match_header(c, lookup, patterns) is not None
            for c in cells
        )

    return score


def repeated_headers(header: tuple[str, ...], study: Study, *, file: str) -> list[Problem]:
    """A header that appears twice and names an item or a declared column is ambiguous."""
    counts = pd.Series([h for h in header if h], dtype=object).value_counts()
    lookup, patterns = _header_lookup(study.instrument_spec), _patterns(study.instrument_spec)
    declared = {normalize_text(h) for h in meta_columns(study).values()}
    return [
        Problem("column_repeated", file=file, column=name, value=int(n))
        for name, n in counts[counts > 1].items()
        if normalize_text(name) in declared or _match_header(name, lookup, patterns)
    ]
