"""The timestamp reader and id normalization pkm-eval used before issue 16, kept as
independent references: the new readers (pipeline.stages.timestamps, identity) must read
what these read, the same way."""

from __future__ import annotations

import pandas as pd

from pipeline.text import map_unique, normalize_text

ISO_LAYOUTS = ("%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d")
DAY_FIRST = (
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H.%M.%S",
    "%d-%m-%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y %I:%M:%S %p",
    "%d/%m/%Y",
)
MONTH_FIRST = ("%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M", "%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y")
TIMESTAMP_FORMATS = ISO_LAYOUTS + DAY_FIRST + MONTH_FIRST
#: Excel stores dates as days since 1899-12-30; a bare number in this range is such a date.
_EXCEL_DAYS = (20_000, 80_000)


def _parse(text: pd.Series, layout: str) -> pd.Series:
    if layout == "ISO8601":
        parsed = pd.to_datetime(text, format="ISO8601", errors="coerce", utc=True)
        return parsed.dt.tz_convert(None)
    return pd.to_datetime(text, format=layout, errors="coerce")


def _excel_serial(text: pd.Series) -> pd.Series:
    days = pd.to_numeric(text, errors="coerce")
    days = days.where((days >= _EXCEL_DAYS[0]) & (days <= _EXCEL_DAYS[1]))
    return pd.Timestamp("1899-12-30") + pd.to_timedelta(days, unit="D")


#: Rows of a wave whose timestamps rank the candidate layouts.
_RANK_SAMPLE = 5000


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
        Try month-first layouts before day-first ones (the English Google Forms locale).

    Returns
    -------
    tuple of Series
        The parsed values (NaT where blank) and a mask of non-blank values no layout could read.

    Notes
    -----
    The layout that reads the most values is applied first; values it cannot read are tried
    with the other layouts in turn, then as ISO 8601 with a time zone (KoboToolbox) and as
    Excel day numbers. A file mixing '06/07/2026 08:02:29' and '6/7/2026 8:02' is read whole.
    """
    text = values.astype(str).str.strip()
    blank = text.eq("")
    order = ISO_LAYOUTS + (MONTH_FIRST + DAY_FIRST if month_first else DAY_FIRST + MONTH_FIRST)
    candidates = ([layout] if layout else []) + [c for c in order if c != layout] + ["ISO8601"]
    if not layout:  # the layout that fits the most values decides ambiguous ones
        ranking = text[~blank]
        if len(ranking) > _RANK_SAMPLE:  # a large export: its first rows rank the layouts
            ranking = ranking.iloc[:_RANK_SAMPLE]
        fits = {c: int(_parse(ranking, c).notna().sum()) for c in candidates}
        candidates = sorted(candidates, key=lambda c: -fits[c])
    parsed = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns]")
    for candidate in candidates:  # each layout only reads what the earlier ones could not
        todo = parsed.isna() & ~blank
        if not todo.any():
            break
        parsed[todo] = _parse(text[todo], candidate).astype("datetime64[ns]")
    parsed = parsed.fillna(_excel_serial(text)).where(~blank)
    return parsed, ~blank & parsed.isna()


def normalize_id(values: pd.Series, *, kind: str) -> pd.Series:
    """Comparable participant ids: names lower-cased without accents, punctuation or extra
    spaces; numbers stripped of spaces, punctuation and leading zeros, and upper-cased."""
    if kind == "number":
        # Excel drops leading zeros of numbers typed into a cell: 0012345 and 12345 are one id.
        # Vectorized: student numbers are all distinct, so a per-value call would cost a
        # Python call per participant.
        text = (
            values.astype(str).str.normalize("NFKD").str.replace(r"[\u0300-\u036f]", "", regex=True)
        )
        digits = text.str.replace(r"[^0-9A-Za-z]", "", regex=True).str.upper()
        return digits.str.replace(r"^0+(?=\d)", "", regex=True)
    text = map_unique(values.astype(str), normalize_text).astype(str)
    text = text.str.replace(r"[^\w\s]", " ", regex=True)
    return text.str.replace(r"\s+", " ", regex=True).str.strip()
