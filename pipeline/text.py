"""Text helpers shared by every layer: normalizing labels and headers, and reading durations.

Exports are typed by people and re-saved by spreadsheets, so every comparison of a header, a
label or an id goes through :func:`normalize_text` (case, accents, spacing and surrounding
punctuation ignored). Time standards of a service ("1x24 jam", "dalam 3 hari") are read by
:func:`parse_duration`. What the command says to people, in Indonesian or English, comes from
``resources/console.yaml`` through :func:`phrase`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from functools import cache, lru_cache
from typing import TYPE_CHECKING

from pipeline.resources import read_yaml

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "DURATION_EXAMPLES",
    "compile_pattern",
    "map_unique",
    "normalize_text",
    "parse_duration",
    "phrase",
    "resolve_column",
]


@cache
def _phrases() -> Mapping[str, Mapping[str, str]]:
    return read_yaml("console.yaml")


def phrase(key: str, language: str = "en", **values: object) -> str:
    """A sentence of ``resources/console.yaml`` in ``"id"`` or ``"en"``, its placeholders
    filled with ``values``."""
    return _phrases()[key][language].format(**values)


def normalize_text(text: object) -> str:
    """Lower-case, accent-free, single-spaced text without surrounding punctuation."""
    text = str(text)
    # Headers, labels and codebook texts are compared again and again: short ones are
    # remembered; a long cell (hostile or not) is not kept alive by a cache.
    return _remembered(text) if len(text) <= _REMEMBERED_LENGTH else _normalized(text)


_REMEMBERED_LENGTH = 256


@lru_cache(maxsize=1 << 15)
def _remembered(text: str) -> str:
    return _normalized(text)


def _normalized(text: str) -> str:
    value = unicodedata.normalize("NFKD", text)
    value = "".join(ch for ch in value if not unicodedata.combining(ch)).casefold()
    value = re.sub(r"[\s\u00a0]+", " ", value)
    return value.strip(" .:;,!?*\"'")


def map_unique(values: pd.Series, func: Callable[[str], object]) -> pd.Series:
    """``values.map(func)`` computed once per distinct value: survey answers repeat a handful
    of labels, so this turns a per-cell Python call into a per-label one."""
    import numpy as np
    import pandas as pd

    positions, uniques = pd.factorize(values, use_na_sentinel=False)
    mapped = np.array([func(u) for u in uniques], dtype=object)
    return pd.Series(mapped[positions] if len(uniques) else [], index=values.index, dtype=object)


def compile_pattern(pattern: str):
    """A user's regular expression (a codebook's ``header_pattern``), compiled for RE2, an
    engine without backtracking: its search takes time linear in the text, so a pattern such
    as ``(a+)+$`` cannot hang a run. Matching ignores case.

    Raises
    ------
    ValueError
        When RE2 cannot compile it (look-arounds and back-references are not supported).
    """
    import re2

    options = re2.Options()
    options.case_sensitive = False
    options.log_errors = False
    try:
        return re2.compile(pattern, options)
    except re2.error as exc:
        reason = exc.args[0].decode() if isinstance(exc.args[0], bytes) else str(exc)
        raise ValueError(
            f"a regular expression without look-arounds or back-references ({reason})"
        ) from None


def resolve_column(headers: Sequence[str], wanted: str) -> str | None:
    """The header equal to ``wanted``, else the first equal to it up to case, accents and
    spacing (exports re-saved by hand change both); None when there is none."""
    if wanted in headers:
        return wanted
    key = normalize_text(wanted)
    return next((h for h in headers if normalize_text(h) == key), None)


_HOURS_PER_UNIT = {
    **dict.fromkeys(["menit", "mnt", "minute", "minutes", "min", "mins"], 1 / 60),
    **dict.fromkeys(["jam", "hour", "hours", "hr", "hrs"], 1.0),
    **dict.fromkeys(["hari", "day", "days"], 24.0),
    **dict.fromkeys(["minggu", "pekan", "week", "weeks"], 168.0),
}
_ONE = {"sejam": "1 jam", "sehari": "1 hari", "seminggu": "1 minggu", "sepekan": "1 pekan"}
_PREFIX = re.compile(
    r"^(?:(?:dalam|within|paling lama|selambat-lambatnya|maksimal|maksimum|maks|max|maximum"
    r"|at most|up to|no more than|tidak lebih dari|<=|≤|<)\s*)+(?:waktu\s+)?"
)
_NUMBER = r"\d+(?:[.,]\d+)?"
_TERM = re.compile(rf"({_NUMBER})\s*(?:[x×*]\s*({_NUMBER})\s*)?([a-z]+)")
_TERMS = re.compile(rf"(?:{_TERM.pattern})(?:\s*(?:,|dan|and|\+)?\s*(?:{_TERM.pattern}))*")
_WORKING = re.compile(r"hari kerja|working day|business day|workday")
DURATION_EXAMPLES = "'1 jam', '30 menit', '3 hari', '1 minggu', '1x24 jam', 'within 2 days'"


def parse_duration(text: str) -> float:
    """Hours in a time standard written in Indonesian or English.

    Parameters
    ----------
    text
        A number and a unit (menit/minute, jam/hour, hari/day, minggu/pekan/week), optionally
        multiplied (``1x24 jam``), summed (``1 jam 30 menit``), or after "dalam", "within",
        "maksimal", "paling lama"; "sejam", "sehari" and "seminggu" mean one of the unit.

    Returns
    -------
    float
        The duration in hours.

    Raises
    ------
    ValueError
        When the text is not such a duration, or counts working days (calendar time only:
        working days need the centre's calendar of holidays).

    Examples
    --------
    >>> parse_duration("1x24 jam"), parse_duration("dalam 3 hari"), parse_duration("1 week")
    (24.0, 72.0, 168.0)
    """
    clean = normalize_text(text)
    if _WORKING.search(clean):
        raise ValueError(
            f"a duration in calendar time such as {DURATION_EXAMPLES}; working days "
            f"('{text}') are not supported: write them as calendar days (5 hari kerja = 7 hari)"
        )
    clean = _PREFIX.sub("", clean).strip()
    for word, spelled in _ONE.items():
        clean = re.sub(rf"\b{word}\b", spelled, clean)
    if not _TERMS.fullmatch(clean):
        raise ValueError(f"a duration such as {DURATION_EXAMPLES}; found '{text}'")
    hours = 0.0
    for number, factor, unit in _TERM.findall(clean):
        if unit not in _HOURS_PER_UNIT:
            raise ValueError(
                f"a duration unit among menit/minute, jam/hour, hari/day, minggu/week; "
                f"found '{unit}' in '{text}'"
            )
        size = float(number.replace(",", ".")) * float((factor or "1").replace(",", "."))
        hours += size * _HOURS_PER_UNIT[unit]
    if hours <= 0:
        raise ValueError(f"a duration longer than zero; found '{text}'")
    return hours
