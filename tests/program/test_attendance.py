"""Attendance logs (pipeline/program/attendance.py): rows checked and accounted for, reach,
dose and completion, the session table and the actuals that feed plan vs actual."""

from __future__ import annotations

import pandas as pd
import pytest
from pydantic import ValidationError

from pipeline.config.parts import AttendanceLog, Plan
from pipeline.errors import InputError
from pipeline.program.attendance import reach_dose
from pipeline.program.plan import plan_vs_actual
from tests.program.log_fixtures import (
    ENROLLED,
    FIXTURES,
    accounted,
    attendance_cfg,
    read_attendance,
)


@pytest.fixture(scope="module")
def attendance():
    return read_attendance(attendance_cfg(), FIXTURES)


def test_attendance_problems_name_file_row_and_column(attendance):
    found = {(p.code, p.row, p.column, p.severity) for p in attendance.problems}
    assert found == {
        ("timestamp_invalid", 10, "Tanggal", "error"),  # 31/13/2026
        ("label_unknown", 13, "Kehadiran", "error"),  # 'mungkin'
        ("id_missing", 16, "Nama Peserta", "error"),
        ("value_not_allowed", 18, "Nama Peserta", "warning"),  # 'ani ' again in session 4
    }
    for problem in attendance.problems:
        assert problem.file == "attendance.csv"
        assert "attendance.csv" in problem.message("en")
        assert f"baris {problem.row}" in problem.message("id")


def test_attendance_every_row_accounted(attendance):
    # 18 data rows below the title and header rows: 14 used, 3 quarantined, 1 blank.
    rows = attendance.rows
    accounted(rows, 18)
    assert rows["status"].value_counts().to_dict() == {"used": 14, "problem": 3, "blank": 1}
    assert sorted(rows.loc[rows["status"] == "problem", "source_row"]) == [10, 13, 16]
    assert len(attendance.records) == 14
    assert set(attendance.records["source_row"]) == set(rows.loc[rows["status"] == "used",
                                                                 "source_row"])  # fmt: skip


def test_reach_dose_counts(attendance):
    # Present, distinct sessions: Ani 4, Budi 1, Citra 2, Dewi 1 (row 10 quarantined), Eko 0;
    # Fajar (not enrolled) 1. Threshold ceil(0.75 * 4) = 3, so only Ani completed.
    result = reach_dose(attendance, ENROLLED)
    people = result.participants.set_index("participant")
    assert people["sessions_attended"].to_dict() == {
        "ani": 4, "budi": 1, "citra": 2, "dewi": 1, "eko": 0, "fajar": 1,
    }  # fmt: skip
    expected = {
        "enrolled": 5, "reached": 4, "reached_share": 0.8, "completed": 1,
        "completed_share": 0.2, "never_attended": 1, "attended_not_enrolled": 1,
        "sessions_planned": 4, "sessions_held": 4, "completion_min_sessions": 3,
        "sessions_attended_mean": 1.6, "sessions_attended_median": 1, "dose_share_mean": 0.4,
        "dose_share_median": 0.25, "dose_share_mean_reached": 0.5,
    }  # fmt: skip
    for statistic, value in expected.items():
        assert result.value(statistic) == pytest.approx(value), statistic


def test_unenrolled_and_never_attending_are_reported(attendance):
    result = reach_dose(attendance, ENROLLED)
    assert result.not_enrolled.to_dict("records") == [
        {"participant": "fajar", "participant_raw": "Fajar", "first_row": 11,
         "sessions_attended": 1}
    ]  # fmt: skip
    assert result.never_attended["participant"].tolist() == ["eko"]
    (warning,) = result.problems
    assert (warning.row, warning.value, warning.severity) == (11, "Fajar", "warning")
    # Nobody disappears: enrolled plus not enrolled is everyone in the table.
    assert len(result.participants) == len(ENROLLED) + len(result.not_enrolled)


def test_session_table(attendance):
    sessions = reach_dose(attendance, ENROLLED).sessions
    assert sessions["session"].tolist() == ["1", "2", "3", "4"]
    assert sessions["present"].tolist() == [3, 3, 1, 2]
    assert sessions["present_enrolled"].tolist() == [3, 2, 1, 2]
    assert sessions["share_of_enrolled"].tolist() == pytest.approx([0.6, 0.4, 0.2, 0.4])
    assert str(sessions["date"].iat[0].date()) == "2026-07-04"


@pytest.mark.parametrize(
    ("changes", "threshold", "completed"),
    [
        ({}, 3, 1),
        ({"completion_min_sessions": 2}, 2, 2),
        ({"completion_min_share": 0.25}, 1, 4),
        ({"sessions_planned": 6}, 5, 0),  # ceil(0.75 * 6): fewer held than planned
        ({"sessions_planned": None}, 3, 1),  # share of the 4 held
    ],
)
def test_completion_threshold(changes, threshold, completed):
    att = read_attendance(attendance_cfg(**changes), FIXTURES)
    result = reach_dose(att, ENROLLED)
    assert result.value("completion_min_sessions") == threshold
    assert result.value("completed") == completed


def test_completion_threshold_above_plan_is_refused():
    with pytest.raises(ValidationError, match="exceeds sessions_planned"):
        attendance_cfg(completion_min_sessions=5)


def test_without_present_column_every_row_is_attendance(attendance):
    att = read_attendance(attendance_cfg(present_column=None), FIXTURES)
    assert att.records["present"].all()
    assert {p.row for p in att.problems if p.severity == "error"} == {10, 16}


def test_blank_present_is_absent_only_when_declared(tmp_path):
    text = "Pertemuan,Nama,Hadir\n1,Ani,\n1,Budi,hadir\n1,...,hadir\n"
    (tmp_path / "h.csv").write_text(text, encoding="utf-8")
    spec = {"file": "h.csv", "session_column": "Pertemuan", "id_column": "Nama",
            "present_column": "Hadir"}  # fmt: skip
    strict = read_attendance(AttendanceLog(**spec), tmp_path)
    assert [(p.code, p.row) for p in strict.problems] == [("label_unknown", 2), ("id_missing", 4)]
    lenient = read_attendance(AttendanceLog(**spec, absent_labels=[""]), tmp_path)
    assert [(p.code, p.row) for p in lenient.problems] == [("id_missing", 4)]
    assert lenient.records["present"].tolist() == [False, True]


def test_actuals_feed_plan_vs_actual(attendance):
    actual = reach_dose(attendance, ENROLLED).actuals()
    assert actual == pytest.approx({
        "participants_enrolled": 5, "participants_reached": 4, "sessions_held": 4,
        "attendance_share": 0.4, "completion_share": 0.2,
    })  # fmt: skip
    plan = Plan.model_validate({"actuate": {"participants_reached": 4, "completion_share": 0.5}})
    table = plan_vs_actual(plan, actual)
    assert table["met"].tolist() == [True, False]


def test_attendance_xlsx_reads_like_csv(tmp_path, attendance):
    frame = pd.read_csv(FIXTURES / "attendance.csv", dtype=str, skiprows=1, keep_default_na=False)
    frame.to_excel(tmp_path / "hadir.xlsx", index=False)
    att = read_attendance(attendance_cfg(file="hadir.xlsx"), tmp_path)
    # Same problems; the XLSX has no title row, so every row number is one less.
    assert [(p.code, p.row + 1) for p in att.problems] == [
        (p.code, p.row) for p in attendance.problems
    ]
    assert att.records["participant"].tolist() == attendance.records["participant"].tolist()


def test_missing_column_and_file_are_input_errors(tmp_path):
    with pytest.raises(InputError) as err:
        read_attendance(attendance_cfg(id_column="NIM"), FIXTURES)
    (problem,) = err.value.problems
    assert (problem.code, problem.column) == ("column_missing", "NIM")
    with pytest.raises(InputError) as err:
        read_attendance(attendance_cfg(file="nowhere.csv"), tmp_path)
    assert err.value.problems[0].code == "config_file_missing"
