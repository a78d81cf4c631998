"""Submission times in every layout the platforms write, read vectorized, with the day/month
rule of the old reader kept and the ambiguity reported."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.errors import InputError
from pipeline.stages.parse import read_table
from pipeline.stages.timestamps import parse_timestamps, read_timestamps
from tests.stages.legacy import parse_timestamps as old_parse_timestamps
from tests.stages.real_exports import MANIFEST, entries, frame

EXPORTS = Path(__file__).resolve().parents[1] / "fixtures" / "exports"
DEMO = Path(__file__).resolve().parents[2] / "data" / "raw" / "demo"
WHEN = "2025-10-24 18:46:43"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025/10/24 6:46:43 PM GMT+7", WHEN),  # Google Forms CSV download
        ("2025/10/24 06:46:43 PM GMT+07:00", WHEN),
        ("24/10/2025 18.46.43", WHEN),  # Indonesian locale, dot time separator
        ("24/10/2025 18:46:43", WHEN),
        ("24-10-2025 18:46:43", WHEN),
        ("24.10.2025 18.46.43", WHEN),
        ("10/24/2025 18:46", "2025-10-24 18:46:00"),  # Excel re-save, US locale
        ("10/24/2025 6:46:43 PM", WHEN),
        ("24/10/25 18:46", "2025-10-24 18:46:00"),  # two-digit year
        ("2025-10-24T18:46:43.123+07:00", "2025-10-24 18:46:43.123"),  # KoboToolbox
        ("2025-10-24T18:46:43+0700", WHEN),
        ("2025-10-24 18:46:43", WHEN),  # an XLSX date cell as text
        ("2025-10-24 18:46:43.250000", "2025-10-24 18:46:43.250"),
        ("2025-10-24", "2025-10-24 00:00:00"),
        ("45954.78244213", WHEN),  # Excel serial day number
        ("24 Okt 2025 18:46", "2025-10-24 18:46:00"),
        ("24 October 2025 6:46 PM", "2025-10-24 18:46:00"),
        ("Jumat, 24 Oktober 2025 pukul 18.46.43", WHEN),
        ("24 Okt 2025 18:46:43 WIB", WHEN),
        ("  24/10/2025 18:46:43  ", WHEN),
        ("2025/10/24 12:05:01 AM GMT+7", "2025-10-24 00:05:01"),
        ("2025/10/24 12:05:01 PM GMT+7", "2025-10-24 12:05:01"),
    ],
)
def test_every_layout_reads_to_the_same_local_time(text, expected):
    parsed, bad = parse_timestamps(pd.Series([text]))
    assert not bad.any()
    assert parsed.iloc[0] == pd.Timestamp(expected)


UNREADABLE = [
    "kemarin sore",
    "31/06/2025 10:00",
    "13/13/2025",
    "24/10/2025 25:00",
    "2025/10/24 13:05 PM",
    "24/10/2025 18:61",
    "30 Foo 2025",
    "12345",
    "2025-02-30",
]


@pytest.mark.parametrize("text", UNREADABLE)
def test_impossible_or_foreign_values_are_unreadable(text):
    parsed, bad = parse_timestamps(pd.Series([text, "24/10/2025 18:46:43"]))
    assert bad.tolist() == [True, False]
    assert pd.isna(parsed.iloc[0])


def test_blanks_are_neither_read_nor_unreadable():
    values = pd.Series(["", "  ", None, np.nan, "24/10/2025 18:46:43"], index=[5, 6, 7, 8, 9])
    parsed, bad = parse_timestamps(values)
    assert parsed.index.tolist() == [5, 6, 7, 8, 9]
    assert str(parsed.dtype) == "datetime64[ns]"
    assert parsed.isna().tolist() == [True, True, True, True, False]
    assert not bad.any()
    empty, none_bad = parse_timestamps(pd.Series([], dtype=object))
    assert empty.empty and none_bad.empty


def test_a_file_settles_its_own_order_and_reports_the_ambiguous_dates():
    values = pd.Series(["05/06/2025 10:00", "13/06/2025 10:00", "05/06/2025 11:00"])
    reading = read_timestamps(values, month_first=True)  # header says English ...
    assert (reading.order, reading.decided_by) == ("day_first", "values")  # ... values win
    days = reading.parsed.dt.strftime("%Y-%m-%d").tolist()
    assert days == ["2025-06-05", "2025-06-13", "2025-06-05"]
    assert reading.ambiguous == 2


def test_without_evidence_the_header_then_am_pm_then_day_first_decide():
    ambiguous = pd.Series(["05/06/2025 10:00:00"])
    assert read_timestamps(ambiguous, month_first=True).decided_by == "header"
    assert read_timestamps(ambiguous).parsed.iloc[0] == pd.Timestamp("2025-06-05 10:00")
    assert read_timestamps(ambiguous).decided_by == "default"
    twelve_hour = read_timestamps(pd.Series(["05/06/2025 10:00:00 AM"]))
    assert (twelve_hour.order, twelve_hour.decided_by) == ("month_first", "am_pm")
    assert twelve_hour.parsed.iloc[0] == pd.Timestamp("2025-05-06 10:00")


def test_a_date_that_contradicts_the_files_order_is_read_the_only_way_it_can():
    values = pd.Series(["13/06/2025 10:00", "14/06/2025 10:00", "06/15/2025 10:00"])
    reading = read_timestamps(values)
    assert reading.order == "day_first"
    assert reading.conflicting == 1
    assert reading.parsed.iloc[2] == pd.Timestamp("2025-06-15 10:00")
    assert not reading.unreadable.any()


def test_offsets_are_brought_to_the_files_usual_zone():
    values = pd.Series(
        [
            "2025-10-24T18:46:43+07:00",
            "2025-10-24T19:50:00+08:00",  # WITA: 18:50 in WIB
            "2025-10-24T18:55:00+07:00",
            "2025-10-24 11:40:00Z",  # UTC: 18:40 in WIB
        ]
    )
    reading = read_timestamps(values)
    assert reading.offset_minutes == 420
    assert reading.parsed.dt.strftime("%H:%M").tolist() == ["18:46", "18:50", "18:55", "18:40"]
    assert reading.parsed.sort_values().index.tolist() == [3, 0, 1, 2]


def test_a_declared_layout_reads_first_and_settles_the_order():
    values = pd.Series(["05-06-2025 10h00", "05/06/2025 10:00", "2025-10-24 18:46:43"])
    reading = read_timestamps(values, layout="%m-%d-%Y %Hh%M")
    assert reading.parsed.tolist() == [
        pd.Timestamp("2025-05-06 10:00"),
        pd.Timestamp("2025-05-06 10:00"),
        pd.Timestamp(WHEN),
    ]
    assert (reading.decided_by, reading.layouts["declared"]) == ("layout", 1)


def test_the_summary_names_the_layouts_and_a_few_unreadable_values():
    values = pd.Series(["24/10/2025 18:46:43"] * 3 + ["kemarin", "besok", "lusa", "tadi"])
    reading = read_timestamps(values)
    assert reading.layouts == {"numeric": 3}
    assert reading.examples == ("kemarin", "besok", "lusa")
    assert int(reading.unreadable.sum()) == 4


# --------------------------------------------------------------------------- the corpus


@pytest.mark.parametrize("name", entries("timestamps"))
def test_the_corpus_times_are_read(name):
    expected = MANIFEST[name]["timestamps"]
    column = frame(name)[expected["column"]]
    reading = read_timestamps(column, month_first=expected["column"] == "Timestamp")
    assert int(reading.unreadable.sum()) == expected["unreadable"]
    assert reading.parsed.iloc[0] == pd.Timestamp(expected["first"])
    assert reading.parsed.iloc[-1] == pd.Timestamp(expected["last"])
    assert reading.parsed.is_monotonic_increasing  # the platforms write in submission order
    for key in ("order", "decided_by", "ambiguous", "offset_minutes"):
        if key in expected:
            assert getattr(reading, key) == expected[key], key


# --------------------------------------------------------------------------- the old reader


def _old_corpus() -> list[tuple[str, pd.Series, bool]]:
    columns = []
    for path in [*sorted(EXPORTS.glob("*.csv")), DEMO / "pre.csv", DEMO / "post.csv"]:
        try:
            table = read_table(path.read_bytes(), path.name).frame
        except InputError:  # the corpus's broken files: nothing to compare
            continue
        for header, english in (("Cap waktu", False), ("Timestamp", True)):
            if header in table:
                columns.append((path.name, table[header], english))
    return columns


@pytest.mark.parametrize(("name", "values", "english"), _old_corpus(), ids=lambda v: str(v)[:30])
def test_it_reads_what_the_old_reader_read_the_same(name, values, english):
    new, new_bad = parse_timestamps(values, month_first=english)
    old, old_bad = old_parse_timestamps(values, month_first=english)
    assert (new_bad == old_bad).all()
    assert new.equals(old.astype("datetime64[ns]"))


# --------------------------------------------------------------------------- properties

LAYOUTS = {
    "gforms_download": lambda t: (
        f"{t:%Y/%m/%d} {t.hour % 12 or 12}:{t:%M:%S} "
        + ("PM GMT+7" if t.hour >= 12 else "AM GMT+7")
    ),
    "indonesian_dots": lambda t: f"{t:%d/%m/%Y %H.%M.%S}",
    "indonesian_colons": lambda t: f"{t.day}/{t.month}/{t.year} {t:%H:%M:%S}",
    "kobo": lambda t: f"{t:%Y-%m-%dT%H:%M:%S}.000+07:00",
}


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.datetimes(min_value=dt.datetime(2020, 1, 1), max_value=dt.datetime(2030, 12, 31)),
        min_size=1,
        max_size=20,
    ),
    st.sampled_from(sorted(LAYOUTS)),
)
def test_any_time_written_in_a_day_first_layout_reads_back(times, layout):
    times = [t.replace(microsecond=0) for t in times]
    values = pd.Series([LAYOUTS[layout](t) for t in times])
    parsed, bad = parse_timestamps(values)
    assert not bad.any()
    assert parsed.tolist() == [pd.Timestamp(t) for t in times]


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.datetimes(min_value=dt.datetime(2020, 1, 1), max_value=dt.datetime(2030, 12, 31)),
        min_size=1,
        max_size=20,
    )
)
def test_us_month_first_times_read_back_under_the_english_header(times):
    times = [t.replace(second=0, microsecond=0) for t in times]
    values = pd.Series([f"{t.month}/{t.day}/{t.year} {t:%H:%M}" for t in times])
    parsed, bad = parse_timestamps(values, month_first=True)
    assert not bad.any()
    assert parsed.tolist() == [pd.Timestamp(t) for t in times]
