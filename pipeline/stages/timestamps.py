"""Submission times in every layout Google Forms, Excel and KoboToolbox write, read vectorized.

Layouts read (any mix in one file): year first (``2025/10/24 6:46:43 PM GMT+7`` from a Google
Forms CSV download, ``2025-10-24T18:46:43.123+07:00`` from KoboToolbox, ``2025-10-24
18:46:43`` from an XLSX date cell); day or month first (``24/10/2025 18.46.43`` and
``24/10/2025 18:46:43`` in the Indonesian locale, ``10/24/2025 18:46`` from an Excel re-save,
two-digit years); month names in Indonesian or English (``24 Okt 2025 18:46``); Excel serial
day numbers (``45954.78``). Seconds, fractions, AM/PM and a zone (``GMT+7``, ``+07:00``, ``Z``,
``WIB``/``WITA``/``WIT``) are optional.

How it stays fast: values are reduced to their distinct texts, the texts to their *shapes*
(digits replaced by ``9``, letters lower-cased), and one regular expression match per shape
finds where each field sits. Every text of a shape has its fields at the same positions, so
the fields of all of them are read at once from a matrix of character codes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

__all__ = ["TimestampReading", "parse_timestamps", "read_timestamps"]

#: Excel stores dates as days since 1899-12-30; a bare number in this range is such a date
#: (1954-10-03 to 2119-01-10).
EXCEL_DAYS = (20_000, 80_000)
_EXCEL_EPOCH = np.datetime64("1899-12-30T00:00:00", "ns")

_TIME = (
    r"(?:(?:\s*T\s*|\s+|,\s*|\s+(?:pukul|jam|at)\s+)(?P<hour>\d{1,2})[:.](?P<minute>\d{2})"
    r"(?:[:.](?P<sec>\d{2})(?:[.,](?P<frac>\d{1,9}))?)?(?:\s*(?P<ampm>[ap])\.?\s?m\.?)?)?"
)
_ZONE = (
    r"(?:\s*(?:(?P<zname>wita|wib|wit|gmt|utc|z)?\s*(?P<zsign>[+-])\s*(?P<zh>\d{1,2})"
    r"(?::?(?P<zm>\d{2}))?|(?P<zalone>wita|wib|wit|gmt|utc|z)))?"
)
_FAMILIES = {
    "ymd": r"(?P<year>\d{4})[-/.](?P<month>\d{1,2})[-/.](?P<day>\d{1,2})",
    "numeric": r"(?P<p1>\d{1,2})[-/.](?P<p2>\d{1,2})[-/.](?P<year>\d{4}|\d{2})",
    "named": r"(?:[a-z']+,?\s+)?(?P<day>\d{1,2})[\s\-/.]+(?P<mname>[a-z]{3,9})\.?[\s\-/.,]+"
    r"(?P<year>\d{4}|\d{2})",
}
_PATTERNS = {
    name: re.compile(rf"^\s*{date}{_TIME}{_ZONE}\s*$", re.IGNORECASE)
    for name, date in _FAMILIES.items()
}
_SERIAL = re.compile(r"^\s*\d{5}(?:\.\d+)?\s*$")
_ZONE_NAMES = {"wib": 420, "wita": 480, "wit": 540, "gmt": 0, "utc": 0, "z": 0}
_MONTHS = {
    **dict.fromkeys(["jan", "januari", "january"], 1),
    **dict.fromkeys(["feb", "februari", "february", "pebruari"], 2),
    **dict.fromkeys(["mar", "maret", "march"], 3),
    **dict.fromkeys(["apr", "april"], 4),
    **dict.fromkeys(["mei", "may"], 5),
    **dict.fromkeys(["jun", "juni", "june"], 6),
    **dict.fromkeys(["jul", "juli", "july"], 7),
    **dict.fromkeys(["agu", "agt", "ags", "aug", "agustus", "august"], 8),
    **dict.fromkeys(["sep", "sept", "september"], 9),
    **dict.fromkeys(["okt", "oct", "oktober", "october"], 10),
    **dict.fromkeys(["nov", "nop", "november", "nopember"], 11),
    **dict.fromkeys(["des", "dec", "desember", "december"], 12),
}
_FIELDS = ("year", "month", "day", "p1", "p2", "hour", "minute", "sec", "zh", "zm")

Order = Literal["day_first", "month_first"]


@dataclass(frozen=True)
class TimestampReading:
    """One column of times read, and how.

    Attributes
    ----------
    parsed
        Local times, timezone-naive (NaT where blank or unreadable), on the input's index.
    unreadable
        True where a non-blank text could not be read.
    order
        How dates such as ``05/06/2025`` were read (None when the file has none).
    decided_by
        What set ``order``: ``"values"`` (dates such as ``24/10`` or ``10/24`` in the file
        itself), ``"header"`` (the English ``Timestamp`` header), ``"am_pm"`` (a 12-hour clock,
        as the US English locale writes), ``"default"`` (day first, the Indonesian locale), or
        ``"layout"`` (the study's ``timestamp_format``); None when ``order`` is None.
    ambiguous
        Non-blank cells whose day and month could be swapped, read by ``order``.
    conflicting
        Cells whose date can only be read in the other order than ``order`` (so a file mixes
        locales; each such cell is read the only way it can be).
    offset_minutes
        The zone offset times were brought to (the most common one in the file), or None
        when no value carries a zone.
    layouts
        Cells per layout family: ``ymd``, ``numeric``, ``named``, ``serial``, ``declared``.
    examples
        Up to three unreadable texts, for the message.
    """

    parsed: pd.Series
    unreadable: pd.Series
    order: Order | None = None
    decided_by: str | None = None
    ambiguous: int = 0
    conflicting: int = 0
    offset_minutes: int | None = None
    layouts: dict[str, int] = field(default_factory=dict)
    examples: tuple[str, ...] = ()


def parse_timestamps(
    values: pd.Series, *, layout: str | None = None, month_first: bool = False
) -> tuple[pd.Series, pd.Series]:
    """Parse one wave's timestamps.

    Parameters
    ----------
    values
        The timestamp texts.
    layout
        A strftime layout or ``"ISO8601"`` tried first (the study's ``timestamp_format``).
    month_first
        Read ambiguous dates month first (the English Google Forms ``Timestamp`` header).

    Returns
    -------
    tuple of Series
        The parsed values (NaT where blank) and a mask of non-blank values that could not
        be read. See :func:`read_timestamps` for the rules and for how the reading went.
    """
    reading = read_timestamps(values, layout=layout, month_first=month_first)
    return reading.parsed, reading.unreadable


def read_timestamps(
    values: pd.Series, *, layout: str | None = None, month_first: bool = False
) -> TimestampReading:
    """Read a column of submission times in any of the module's layouts.

    Parameters
    ----------
    values
        The timestamp texts (one file's, so that its values can settle its date order).
    layout
        A strftime layout, or ``"ISO8601"``; values it reads are taken as it reads them,
        the rest are read as usual. ``"ISO8601"`` and layouts with a zone (``%z``) add
        nothing: the usual reading reads such values, zones by the rule below.
    month_first
        The header says the English locale (``Timestamp``): read ambiguous dates month first
        when the file's own values do not settle it.

    Returns
    -------
    TimestampReading
        The parsed times, the mask of unreadable cells and the facts for one message.

    Notes
    -----
    Day or month first, for dates such as ``05/06/2025``: a date that can only be read one
    way (``24/10/2025``, ``10/24/2025``) is read that way. The others follow the file's
    order, settled by the first that applies: the ``layout``; the file's unambiguous dates
    (the more frequent order wins; a tie goes on); ``month_first`` (the header); a 12-hour
    clock with AM/PM, which Indonesian locales never write; else day first.

    Zones: a value with an offset (``GMT+7``, ``+07:00``, ``WITA``) is converted to the most
    common offset among the file's values and the offset dropped, so the times are the local
    wall-clock times of the file's usual zone and a file mixing WIB and WITA still sorts right;
    a value without one is local time already.
    """
    text = values.astype(object).where(values.notna(), "").astype(str).str.strip()
    codes, uniques = pd.factorize(text, use_na_sentinel=False)
    distinct = pd.Series(np.asarray(uniques, dtype=object), dtype=object)
    counts = np.bincount(codes, minlength=len(distinct)) if len(distinct) else np.zeros(0, int)
    reading = _read_distinct(distinct, counts, layout=layout, month_first=month_first)
    parsed = reading.parsed.to_numpy()[codes] if len(distinct) else np.array([], "M8[ns]")
    bad = reading.unreadable.to_numpy()[codes] if len(distinct) else np.array([], bool)
    return TimestampReading(
        parsed=pd.Series(parsed, index=values.index, dtype="datetime64[ns]"),
        unreadable=pd.Series(bad, index=values.index, dtype=bool),
        order=reading.order,
        decided_by=reading.decided_by,
        ambiguous=reading.ambiguous,
        conflicting=reading.conflicting,
        offset_minutes=reading.offset_minutes,
        layouts=reading.layouts,
        examples=reading.examples,
    )


# --------------------------------------------------------------------------- distinct texts


def _read_distinct(
    text: pd.Series, counts: np.ndarray, *, layout: str | None, month_first: bool
) -> TimestampReading:
    """The reading of the distinct texts, ``counts`` giving how many cells each stands for."""
    blank = text.eq("").to_numpy()
    result = np.full(len(text), np.datetime64("NaT"), dtype="M8[ns]")
    declared = np.zeros(len(text), dtype=bool)
    if layout and layout.upper() != "ISO8601" and "%z" not in layout:
        given = pd.to_datetime(text, format=layout, errors="coerce").astype("datetime64[ns]")
        declared = given.notna().to_numpy() & ~blank
        result[declared] = given.to_numpy()[declared]
    fields = _fields(text.where(~(blank | declared), ""))
    order, decided_by, conflicting = _order(fields, counts, layout=layout, month_first=month_first)
    dates, ambiguous = _dates(fields, order)
    offset = _reference_offset(fields, counts)
    times = _assemble(fields, dates, offset)
    todo = ~(blank | declared)
    result[todo] = times[todo]
    layouts = {k: int(counts[(fields["family"] == k).to_numpy()].sum()) for k in _LAYOUT_NAMES}
    layouts = {"declared": int(counts[declared].sum()), **layouts}
    bad = ~blank & np.isnat(result)
    has_numeric = bool(layouts.get("numeric"))
    return TimestampReading(
        parsed=pd.Series(result, dtype="datetime64[ns]"),
        unreadable=pd.Series(bad),
        order=order if has_numeric else None,
        decided_by=decided_by if has_numeric else None,
        ambiguous=int(counts[ambiguous & todo].sum()),
        conflicting=int(counts[conflicting & todo].sum()),
        offset_minutes=offset,
        layouts={k: v for k, v in layouts.items() if v},
        examples=tuple(text[bad].head(3)),
    )


_LAYOUT_NAMES = ("ymd", "numeric", "named", "serial")


def _fields(text: pd.Series) -> pd.DataFrame:
    """One row per text: its layout family and its numeric fields (NaN where absent)."""
    n = len(text)
    out: dict[str, np.ndarray] = {name: np.full(n, np.nan) for name in (*_FIELDS, "zone")}
    out |= {"family": np.full(n, "", dtype=object), "ampm": np.full(n, "", dtype=object)}
    out |= {"mname": np.full(n, "", dtype=object), "frac": np.zeros(n)}
    out["serial"] = np.full(n, np.nan)
    values = text.to_numpy(dtype=object)
    lengths = text.str.len().to_numpy(dtype=int)
    for width in np.unique(lengths[lengths > 0]):
        where = np.flatnonzero(lengths == width)
        matrix = np.array(values[where].tolist(), dtype=f"<U{width}").view(np.uint32)
        matrix = matrix.reshape(-1, width)
        for positions, codes in _by_shape(where, matrix):
            _read_shape(out, positions, codes, str(values[positions[0]]))
    return pd.DataFrame(out, index=text.index)


def _by_shape(where: np.ndarray, matrix: np.ndarray):
    """Groups of texts of one length sharing a shape: digits as 9, letters lower-cased."""
    shape = np.where((matrix >= 48) & (matrix <= 57), 57, matrix)
    shape = np.where((shape >= 65) & (shape <= 90), shape + 32, shape)
    keys = np.ascontiguousarray(shape).view(f"V{4 * matrix.shape[1]}").ravel()
    _, inverse = np.unique(keys, return_inverse=True)
    order = np.argsort(inverse, kind="stable")
    bounds = np.cumsum(np.bincount(inverse))[:-1]
    for group in np.split(order, bounds):
        yield where[group], matrix[group]


def _number(digits: np.ndarray, start: int, end: int) -> np.ndarray:
    return digits[:, start:end] @ (10 ** np.arange(end - start - 1, -1, -1))


def _read_shape(out: dict[str, np.ndarray], rows: np.ndarray, codes: np.ndarray, first: str):
    """Fill the fields of every text of one shape from the match of its first text."""
    if _SERIAL.match(first):
        out["family"][rows] = "serial"
        text = ["".join(map(chr, row)) for row in codes]
        out["serial"][rows] = pd.to_numeric(pd.Series(text), errors="coerce").to_numpy()
        return
    family, match = next(
        ((name, m) for name, p in _PATTERNS.items() if (m := p.match(first))), (None, None)
    )
    if match is None:
        return
    digits = codes.astype(np.int64) - 48
    out["family"][rows] = family
    for name in _FIELDS:
        if name in match.re.groupindex and match.group(name) is not None:
            out[name][rows] = _number(digits, *match.span(name))
    if match.group("frac"):
        start, end = match.span("frac")
        out["frac"][rows] = _number(digits, start, end) / 10 ** (end - start)
    out["ampm"][rows] = (match.group("ampm") or "").lower()
    if family == "named":
        out["mname"][rows] = match.group("mname").lower()
    out["zone"][rows] = _zone_minutes(match, out["zh"][rows], out["zm"][rows])


def _zone_minutes(match, hours: np.ndarray, minutes: np.ndarray) -> np.ndarray | float:
    """The offset east of UTC in minutes of one shape's texts (NaN without a zone)."""
    if match.group("zalone"):
        return float(_ZONE_NAMES[match.group("zalone").lower()])
    if match.group("zsign") is None:
        return np.nan
    sign = -1.0 if match.group("zsign") == "-" else 1.0
    base = float(_ZONE_NAMES.get((match.group("zname") or "utc").lower(), 0))
    return base + sign * (hours * 60 + np.nan_to_num(minutes))


def _order(
    fields: pd.DataFrame, counts: np.ndarray, *, layout: str | None, month_first: bool
) -> tuple[Order, str, np.ndarray]:
    """The file's day/month order, what settled it, and the texts that contradict it."""
    numeric = (fields["family"] == "numeric").to_numpy()
    p1, p2 = fields["p1"].to_numpy(), fields["p2"].to_numpy()
    day_only = numeric & (p1 > 12) & (p2 <= 12)
    month_only = numeric & (p2 > 12) & (p1 <= 12)
    n_day, n_month = int(counts[day_only].sum()), int(counts[month_only].sum())
    if layout and layout.upper() != "ISO8601" and re.search(r"%[dm].*%[dm]", layout):
        order: Order = "month_first" if layout.index("%m") < layout.index("%d") else "day_first"
        decided = "layout"
    elif n_day != n_month:
        order, decided = ("day_first" if n_day > n_month else "month_first"), "values"
    elif month_first:
        order, decided = "month_first", "header"
    elif (numeric & fields["ampm"].ne("").to_numpy()).any():
        order, decided = "month_first", "am_pm"
    else:
        order, decided = "day_first", "default"
    conflicting = month_only if order == "day_first" else day_only
    return order, decided, conflicting


def _dates(fields: pd.DataFrame, order: Order) -> tuple[pd.DataFrame, np.ndarray]:
    """Year, month and day of every text, and which numeric dates were ambiguous."""
    family = fields["family"].to_numpy()
    year = fields["year"].to_numpy(dtype=float).copy()
    month = fields["month"].to_numpy(dtype=float).copy()
    day = fields["day"].to_numpy(dtype=float).copy()
    p1, p2 = fields["p1"].to_numpy(dtype=float), fields["p2"].to_numpy(dtype=float)
    numeric = family == "numeric"
    swapped = (p1 > 12) & (p2 <= 12) if order == "month_first" else (p2 > 12) & (p1 <= 12)
    day_first = numeric & ((order == "day_first") ^ swapped)
    month_first = numeric & ~day_first
    day[day_first], month[day_first] = p1[day_first], p2[day_first]
    day[month_first], month[month_first] = p2[month_first], p1[month_first]
    named = family == "named"
    month[named] = fields["mname"][named].map(_MONTHS).to_numpy(dtype=float)
    year = np.where(year < 100, year + 2000, year)
    ambiguous = numeric & (p1 <= 12) & (p2 <= 12) & (p1 != p2)
    return pd.DataFrame({"year": year, "month": month, "day": day}), ambiguous


def _reference_offset(fields: pd.DataFrame, counts: np.ndarray) -> int | None:
    """The most common zone offset among the cells (ties: the one met first)."""
    zone = fields["zone"].to_numpy(dtype=float)
    known = ~np.isnan(zone)
    if not known.any():
        return None
    totals = pd.Series(counts[known], index=zone[known]).groupby(level=0, sort=False).sum()
    return int(totals.idxmax())


def _assemble(fields: pd.DataFrame, dates: pd.DataFrame, offset: int | None) -> np.ndarray:
    """Datetimes from the fields: invalid fields (month 13, 25 o'clock, 31 June) give NaT."""
    hour = fields["hour"].fillna(0).to_numpy(dtype=float)
    ampm = fields["ampm"].to_numpy()
    twelve = ampm != ""
    hour_ok = np.where(twelve, (hour >= 1) & (hour <= 12), hour <= 23)
    hour = np.where(twelve, hour % 12 + np.where(ampm == "p", 12, 0), hour)
    minute = fields["minute"].fillna(0).to_numpy(dtype=float)
    second = fields["sec"].fillna(0).to_numpy(dtype=float)
    ok = hour_ok & (minute <= 59) & (second <= 59)
    day = pd.to_datetime(
        dates.mask(pd.Series(~ok, index=dates.index), axis=0), errors="coerce"
    ).to_numpy(dtype="M8[ns]")
    clock = hour * 3600 + minute * 60 + second + fields["frac"].to_numpy(dtype=float)
    zone = fields["zone"].to_numpy(dtype=float)
    if offset is not None:
        clock = clock - np.where(np.isnan(zone), 0, (zone - offset) * 60)
    out = day + (np.round(clock * 1e9)).astype("m8[ns]")
    serial = fields["serial"].to_numpy(dtype=float)
    in_range = (serial >= EXCEL_DAYS[0]) & (serial <= EXCEL_DAYS[1])
    # Whole milliseconds: a day fraction in 15 digits carries no finer truth than that.
    millis = np.round(np.where(in_range, serial, 0) * 86_400_000).astype("m8[ms]")
    excel = _EXCEL_EPOCH + millis.astype("m8[ns]")
    return np.where(in_range, excel, out)
