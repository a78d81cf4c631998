"""Service logs (pipeline/program/service.py): wide and long layouts, step durations,
quartiles (R ``quantile(type = 7)``) and the bottleneck step."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from pipeline.config.parts import ServiceLog, Step
from pipeline.program.service import step_durations
from tests.program.log_fixtures import (
    FIXTURES,
    REF,
    TOL,
    accounted,
    long_cfg,
    read_service_log,
    wide_cfg,
)


@pytest.fixture(scope="module")
def wide():
    return step_durations(read_service_log(wide_cfg(), FIXTURES))


@pytest.fixture(scope="module")
def long():
    return step_durations(read_service_log(long_cfg(), FIXTURES))


def test_wide_problems_and_ledger(wide):
    found = {(p.code, p.row, p.column) for p in wide.problems}
    assert found == {
        ("value_not_allowed", 5, "Waktu Persetujuan"),  # K04: approval before the letter
        ("timestamp_invalid", 8, "Waktu Surat Rekomendasi"),  # K07: 'kemarin'
        ("value_not_allowed", 9, "No. Kasus"),  # 'k01' repeats K01 of row 2
    }
    order = next(p for p in wide.problems if p.row == 5)
    assert "out of order" in order.message("en") and "terbalik" in order.message("id")
    accounted(wide.rows, 9)
    assert wide.rows["status"].value_counts().to_dict() == {"used": 5, "problem": 3, "blank": 1}


def test_long_problems_and_ledger(long):
    found = {(p.code, p.row, p.column) for p in long.problems}
    assert found == {
        ("value_not_allowed", 18, "Waktu"),  # K04 out of order
        ("value_not_allowed", 30, "Tahap"),  # K06's report twice
        ("value_not_allowed", 31, "Tahap"),  # unknown step 'Evaluasi akhir'
        ("timestamp_invalid", 32, "Waktu"),  # blank time
    }
    accounted(long.rows, 32)
    # K04's other four rows go with its quarantined case.
    assert long.rows["status"].value_counts().to_dict() == {"used": 23, "problem": 8, "blank": 1}
    k04 = long.rows[long.rows["source_row"].between(16, 20)]
    assert (k04["status"] == "problem").all()


def test_step_summary(wide):
    # Valid cases K01, K02, K03, K05, K06. Hours per step:
    # letter (24 h): 7, 48, 2, -, 1 -> 3 of 4 within; approval (48 h): 19, 24, 72, (no letter),
    # 23 -> 3 of 4; session (168 h): 96, 264, 72, 72, 312 -> 3 of 5; report (72 h): 24, 48,
    # -, 48, 24 -> 4 of 4.
    summary = wide.summary.set_index("step")
    assert summary["n_cases"].unique().tolist() == [5]
    assert summary["n_reached"].tolist() == [5, 4, 5, 5, 4]
    assert summary["n_missing"].tolist() == [0, 1, 0, 0, 1]
    assert summary["n_measured"].tolist() == [0, 4, 4, 5, 4]
    assert summary["standard_hours"].iloc[1:].tolist() == [24, 48, 168, 72]
    assert summary["share_within"].iloc[1:].tolist() == pytest.approx([0.75, 0.75, 0.6, 1.0])
    assert summary["median_hours"].iloc[1:].tolist() == pytest.approx([4.5, 23.5, 96, 36])
    assert summary["mean_hours"].iloc[1:].tolist() == pytest.approx([14.5, 34.5, 163.2, 36])
    session = summary.loc["Sesi konseling"]
    quartiles = REF["quartiles"]
    assert (session["q1_hours"], session["median_hours"], session["q3_hours"]) == pytest.approx(
        (quartiles["q1"], quartiles["median"], quartiles["q3"]), abs=TOL
    )
    assert wide.bottleneck == "Sesi konseling"
    assert summary["bottleneck"].tolist() == [False, False, False, True, False]


def test_step_durations_per_case(wide):
    durations = wide.durations.set_index(["case", "step"])
    assert durations.loc[("K01", "Surat rekomendasi"), "hours"] == 7
    assert durations.loc[("K05", "Persetujuan konselor"), "note"] == "previous step missing"
    assert durations.loc[("K03", "Laporan konselor"), "note"] == "step not reached"
    assert pd.isna(durations.loc[("K05", "Persetujuan konselor"), "within_standard"])
    assert not durations.loc[("K02", "Sesi konseling"), "within_standard"]
    assert "K04" not in durations.index.get_level_values("case")
    assert (durations["hours"].dropna() >= 0).all()


def test_end_to_end(wide):
    # K01 146 h, K02 384 h, K05 168 h, K06 360 h (K03 has no report); standard 24+48+168+72.
    row = wide.end_to_end.iloc[0]
    assert row["n"] == 4
    assert row["standard_hours"] == 312
    assert row["median_hours"] == pytest.approx(264)
    assert row["max_hours"] == pytest.approx(384)
    assert row["share_within"] == pytest.approx(0.5)


def test_wide_and_long_agree(wide, long):
    pd.testing.assert_frame_equal(wide.summary, long.summary)
    pd.testing.assert_frame_equal(wide.end_to_end, long.end_to_end)
    columns = ["case", "step", "hours", "within_standard", "note"]
    pd.testing.assert_frame_equal(wide.durations[columns], long.durations[columns])


def _log(tmp_path: Path, rows: list[list[str]]) -> Path:
    frame = pd.DataFrame(rows, columns=["Kasus", "A", "B", "C"])
    frame.to_csv(tmp_path / "log.csv", index=False)
    return tmp_path


@pytest.mark.parametrize(
    ("b_hours", "c_hours", "bottleneck"),
    [
        ([2, 2], [30, 30], "C"),  # B all within, C none: C
        ([30, 2], [2, 30], "B"),  # both 1 of 2 within, medians equal (16): the earlier step
        ([40, 2], [2, 30], "B"),  # both 1 of 2; B's median 21 > C's 16: B
        ([30, 2], [2, 40], "C"),  # both 1 of 2; C's median 21 > B's 16: C
    ],
)
def test_bottleneck_ties_go_to_the_longest_median(tmp_path, b_hours, c_hours, bottleneck):
    start = pd.Timestamp("2026-03-02 08:00")
    rows = []
    for i, (b, c) in enumerate(zip(b_hours, c_hours, strict=True)):
        t = [start, start + pd.Timedelta(hours=b), start + pd.Timedelta(hours=b + c)]
        rows.append([f"K{i}", *(x.strftime("%d/%m/%Y %H:%M") for x in t)])
    cfg = ServiceLog(file="log.csv", case_column="Kasus",
                     steps=[Step(name="A"), Step(name="B", standard="1x24 jam"),
                            Step(name="C", standard="1 hari")])  # fmt: skip
    result = step_durations(read_service_log(cfg, _log(tmp_path, rows)))
    assert result.bottleneck == bottleneck


def test_no_standard_no_bottleneck(tmp_path):
    rows = [["K1", "02/03/2026 08:00", "02/03/2026 09:00", "02/03/2026 10:00"]]
    cfg = ServiceLog(file="log.csv", case_column="Kasus",
                     steps=[Step(name="A"), Step(name="B"), Step(name="C")])  # fmt: skip
    result = step_durations(read_service_log(cfg, _log(tmp_path, rows)))
    assert result.bottleneck is None
    assert result.durations["within_standard"].isna().all()
    assert math.isnan(result.end_to_end["standard_hours"].iat[0])
    assert result.end_to_end["median_hours"].iat[0] == 2
