"""Process evaluation (pipeline/program/attendance.py, dose.py, service.py, plan.py):
attendance, reach and dose, dose-response, service
step times and plan vs actual.

Dose-response statistics are checked against R 4.2 (tests/reference/process.R ->
process.json): ``cor.test(sessions, gain, method = "pearson", conf.level = level)``,
``cor.test(..., method = "spearman", exact = FALSE)``, ``lm(gain ~ sessions)`` with
``confint``; tolerance 1e-6 absolute (agreement observed: about 1e-15). Step-duration quartiles
are checked against ``quantile(type = 7)``. The fixtures in tests/fixtures/process/ are small
hand-made logs whose expected numbers are worked out in the comments below.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from pipeline.config import Limits
from pipeline.config.parts import AttendanceLog, Plan, ServiceLog, Step
from pipeline.errors import InputError
from pipeline.program.attendance import attendance_records, reach_dose
from pipeline.program.dose import DOSE_CAVEAT, dose_response
from pipeline.program.plan import ACTUAL_KEYS, plan_vs_actual
from pipeline.program.service import service_records, step_durations
from pipeline.simulate.logs import simulate_attendance, simulate_service_log
from pipeline.stages.read import read_log
from pipeline.text import parse_duration

HERE = Path(__file__).resolve().parents[1]
FIXTURES = HERE / "fixtures" / "process"
# Read directly rather than through tests.conftest.load_reference, so the module also runs as
# `pytest tests/test_process.py` without the repository root on sys.path.
REF = json.loads((HERE / "reference" / "process.json").read_text("utf-8"))
TOL = 1e-6
ENROLLED = ["Ani", "Budi", "Citra", "Dewi", "Eko"]

STEPS = [
    ("Formulir permohonan", "Waktu Formulir", None),
    ("Surat rekomendasi", "Waktu Surat Rekomendasi", "1x24 jam"),
    ("Persetujuan konselor", "Waktu Persetujuan", "dalam 2 hari"),
    ("Sesi konseling", "Waktu Sesi", "1 minggu"),
    ("Laporan konselor", "Waktu Laporan", "3 hari"),
]


def read_attendance(cfg, base_dir, limits=None):
    """The attendance log read by the read stage, then checked row by row."""
    return attendance_records(read_log(cfg, Path(base_dir), limits or Limits()), cfg)


def read_service_log(cfg, base_dir, limits=None):
    """The service log read by the read stage, then checked row by row."""
    return service_records(read_log(cfg, Path(base_dir), limits or Limits()), cfg)


def _attendance_cfg(**changes) -> AttendanceLog:
    spec = {
        "file": "attendance.csv",
        "session_column": "Pertemuan",
        "id_column": "Nama Peserta",
        "date_column": "Tanggal",
        "present_column": "Kehadiran",
        "sessions_planned": 4,
    }
    return AttendanceLog(**{**spec, **changes})


def _wide_cfg(**changes) -> ServiceLog:
    steps = [Step(name=n, column=c, standard=s) for n, c, s in STEPS]
    return ServiceLog(
        **{"file": "service_wide.csv", "case_column": "No. Kasus", "steps": steps, **changes}
    )


def _long_cfg() -> ServiceLog:
    return ServiceLog(
        file="service_long.csv",
        layout="long",
        case_column="Kasus",
        step_column="Tahap",
        time_column="Waktu",
        steps=[Step(name=n, standard=s) for n, _, s in STEPS],
    )


def _accounted(rows: pd.DataFrame, n_input: int) -> None:
    """Every input row is used, quarantined with a problem, or blank; none twice."""
    assert len(rows) == n_input
    assert rows["source_row"].is_unique
    assert set(rows["status"]) <= {"used", "problem", "blank"}
    assert (rows.loc[rows["status"] == "problem", "reason"] != "").all()


# --------------------------------------------------------------------------- attendance


@pytest.fixture(scope="module")
def attendance():
    return read_attendance(_attendance_cfg(), FIXTURES)


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
    _accounted(rows, 18)
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
    att = read_attendance(_attendance_cfg(**changes), FIXTURES)
    result = reach_dose(att, ENROLLED)
    assert result.value("completion_min_sessions") == threshold
    assert result.value("completed") == completed


def test_completion_threshold_above_plan_is_refused():
    with pytest.raises(ValidationError, match="exceeds sessions_planned"):
        _attendance_cfg(completion_min_sessions=5)


def test_without_present_column_every_row_is_attendance(attendance):
    att = read_attendance(_attendance_cfg(present_column=None), FIXTURES)
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
    att = read_attendance(_attendance_cfg(file="hadir.xlsx"), tmp_path)
    # Same problems; the XLSX has no title row, so every row number is one less.
    assert [(p.code, p.row + 1) for p in att.problems] == [
        (p.code, p.row) for p in attendance.problems
    ]
    assert att.records["participant"].tolist() == attendance.records["participant"].tolist()


def test_missing_column_and_file_are_input_errors(tmp_path):
    with pytest.raises(InputError) as err:
        read_attendance(_attendance_cfg(id_column="NIM"), FIXTURES)
    (problem,) = err.value.problems
    assert (problem.code, problem.column) == ("column_missing", "NIM")
    with pytest.raises(InputError) as err:
        read_attendance(_attendance_cfg(file="nowhere.csv"), tmp_path)
    assert err.value.problems[0].code == "config_file_missing"


# --------------------------------------------------------------------------- durations


@pytest.mark.parametrize(
    ("text", "hours"),
    [
        ("1 jam", 1),
        ("1 hour", 1),
        ("2 hours", 2),
        ("30 menit", 0.5),
        ("90 minutes", 1.5),
        ("3 hari", 72),
        ("2 days", 48),
        ("1 day", 24),
        ("1 minggu", 168),
        ("1 week", 168),
        ("2 weeks", 336),
        ("1 pekan", 168),
        ("dalam 1 jam", 1),
        ("Dalam waktu 3 hari", 72),
        ("within 1 hour", 1),
        ("maksimal 2 hari", 48),
        ("paling lama 1 minggu", 168),
        ("1x24 jam", 24),
        ("2 x 24 jam", 48),
        ("3×24 jam", 72),
        ("1 jam 30 menit", 1.5),
        ("1 day and 12 hours", 36),
        ("1,5 jam", 1.5),
        ("0.5 day", 12),
        ("sehari", 24),
        ("seminggu", 168),
        ("  3 HARI ", 72),
    ],
)
def test_parse_duration(text, hours):
    assert parse_duration(text) == pytest.approx(hours)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("3 hari kerja", "working days"),
        ("5 working days", "working days"),
        ("secepatnya", "a duration such as"),
        ("", "a duration such as"),
        ("3", "a duration such as"),
        ("2 bulan", "unit"),
        ("0 jam", "longer than zero"),
    ],
)
def test_parse_duration_refuses(text, message):
    with pytest.raises(ValueError, match=message):
        parse_duration(text)


def test_bad_standard_is_a_config_error():
    with pytest.raises(ValidationError, match="a duration such as"):
        Step(name="Surat", standard="cepat")


def test_service_config_rules():
    with pytest.raises(ValidationError, match="no previous step"):
        ServiceLog(file="x.csv", case_column="c",
                   steps=[Step(name="a", standard="1 jam"), Step(name="b")])  # fmt: skip
    with pytest.raises(ValidationError, match="needs step_column and time_column"):
        ServiceLog(file="x.csv", case_column="c", layout="long",
                   steps=[Step(name="a"), Step(name="b")])  # fmt: skip
    with pytest.raises(ValidationError, match="unique"):
        ServiceLog(file="x.csv", case_column="c", steps=[Step(name="a"), Step(name="A")])


# --------------------------------------------------------------------------- service log


@pytest.fixture(scope="module")
def wide():
    return step_durations(read_service_log(_wide_cfg(), FIXTURES))


@pytest.fixture(scope="module")
def long():
    return step_durations(read_service_log(_long_cfg(), FIXTURES))


def test_wide_problems_and_ledger(wide):
    found = {(p.code, p.row, p.column) for p in wide.problems}
    assert found == {
        ("value_not_allowed", 5, "Waktu Persetujuan"),  # K04: approval before the letter
        ("timestamp_invalid", 8, "Waktu Surat Rekomendasi"),  # K07: 'kemarin'
        ("value_not_allowed", 9, "No. Kasus"),  # 'k01' repeats K01 of row 2
    }
    order = next(p for p in wide.problems if p.row == 5)
    assert "out of order" in order.message("en") and "terbalik" in order.message("id")
    _accounted(wide.rows, 9)
    assert wide.rows["status"].value_counts().to_dict() == {"used": 5, "problem": 3, "blank": 1}


def test_long_problems_and_ledger(long):
    found = {(p.code, p.row, p.column) for p in long.problems}
    assert found == {
        ("value_not_allowed", 18, "Waktu"),  # K04 out of order
        ("value_not_allowed", 30, "Tahap"),  # K06's report twice
        ("value_not_allowed", 31, "Tahap"),  # unknown step 'Evaluasi akhir'
        ("timestamp_invalid", 32, "Waktu"),  # blank time
    }
    _accounted(long.rows, 32)
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


# --------------------------------------------------------------------------- dose-response


def _dose_cases():
    return [
        pytest.param(data, result, id=f"{name}-{result['level']}")
        for name, data in REF["dose_response"].items()
        for result in data["results"]
    ]


@pytest.mark.parametrize(("data", "expected"), _dose_cases())
def test_dose_response_matches_r(data, expected):
    dose = pd.Series(data["sessions"], index=data["participant"])
    gain = pd.Series(data["gain"], index=data["participant"])
    result = dose_response(dose, gain, ci_level=expected["level"])
    assert result.n == expected["n"]
    for name, value in expected.items():
        if name not in {"level", "n"}:
            assert getattr(result, name) == pytest.approx(value, abs=TOL), name
    assert result.caveat == DOSE_CAVEAT
    assert "self-selected" in result.caveat["en"] and "not causal" in result.caveat["en"]
    assert "bukan hubungan sebab-akibat" in result.caveat["id"]


def test_dose_response_aligns_by_participant_and_drops_missing():
    data = REF["dose_response"]["neg12"]
    dose = pd.Series(data["sessions"], index=data["participant"])
    gain = pd.Series(data["gain"], index=data["participant"])
    shuffled = gain.sample(frac=1, random_state=1)
    extra = pd.concat([shuffled, pd.Series({"X99": 0.9})])  # no dose: left out
    dose_nan = pd.concat([dose, pd.Series({"Y01": np.nan})])
    a, b = dose_response(dose, gain), dose_response(dose_nan, extra)
    assert (a.n, a.pearson_r, a.slope) == (b.n, b.pearson_r, b.slope)
    table = a.table()
    assert table["statistic"].tolist() == ["pearson_r", "spearman_rho", "slope"]
    assert table["n"].unique().tolist() == [12]


@pytest.mark.parametrize(
    ("dose", "gain", "note"),
    [
        ([1, 2], [0.1, 0.2], "fewer than 3"),
        ([3, 3, 3, 3], [0.1, 0.2, 0.3, 0.0], "does not vary"),
    ],
)
def test_dose_response_degenerate(dose, gain, note):
    result = dose_response(pd.Series(dose, dtype=float), pd.Series(gain))
    assert note in result.note
    assert math.isnan(result.pearson_r) and math.isnan(result.slope)
    assert result.caveat == DOSE_CAVEAT


# --------------------------------------------------------------------------- plan vs actual


def test_plan_vs_actual_met_and_not_met():
    plan = Plan.model_validate(
        {
            "plan": {"participants": 30, "sessions": 4, "effect_size": 0.5,
                     "improved_share": 0.7},
            "organize": {"facilitators": 3},
            "actuate": {"attendance_share": 0.75, "completion_share": 0.8},
            "control": {"pre_measured": True, "post_measured": True, "attrition_share": 0.2,
                        "data_complete_share": 0.9},
            "custom": [{"pillar": "organize", "name": "modules", "planned": 5,
                        "label": {"id": "Modul tersusun", "en": "Modules written"}}],
        }
    )  # fmt: skip
    actual = {
        "participants_enrolled": 32, "sessions_held": 4, "effect_size": 0.42,
        "improved_share": 0.7, "facilitators": 2, "attendance_share": None,
        "completion_share": float("nan"), "pre_measured": True, "post_measured": False,
        "attrition_share": 0.15, "modules": 5,
    }  # fmt: skip
    table = plan_vs_actual(plan, actual)
    met = dict(zip(table["indicator"], table["met"], strict=True))
    assert met == {
        "participants": True, "sessions": True, "effect_size": False,
        "improved_share": True, "facilitators": False, "modules": True,
        "attendance_share": None, "completion_share": None, "pre_measured": True,
        "post_measured": False, "data_complete_share": None, "attrition_share": True,
    }  # fmt: skip
    assert table["pillar"].unique().tolist() == ["plan", "organize", "actuate", "control"]
    row = table.set_index("indicator").loc["participants"]
    assert row["attainment"] == pytest.approx(32 / 30)
    assert row["label_id"] == "Jumlah peserta"
    assert table.set_index("indicator").loc["completion_share", "note"] == "not measured"
    assert table.set_index("indicator").loc["attrition_share", "direction"] == "at_most"
    # Targets left unset are not rows.
    assert "partners" not in set(table["indicator"])


def test_plan_vs_actual_refuses_unknown_keys():
    with pytest.raises(KeyError, match="participant_enroled"):
        plan_vs_actual(Plan(), {"participant_enroled": 3})
    assert "sessions_held" in ACTUAL_KEYS


def test_plan_rejects_unknown_target():
    with pytest.raises(ValidationError):
        Plan.model_validate({"plan": {"participant": 30}})


# --------------------------------------------------------------------------- simulation


def test_simulated_attendance_round_trips(tmp_path):
    ids = [f"Peserta {i}" for i in range(1, 21)]
    log = simulate_attendance(np.random.default_rng(7), ids, 5, 0.8)
    again = simulate_attendance(np.random.default_rng(7), ids, 5, 0.8)
    pd.testing.assert_frame_equal(log, again)
    log.to_csv(tmp_path / "hadir.csv", index=False)
    cfg = AttendanceLog(file="hadir.csv", session_column="Pertemuan", id_column="Nama",
                        date_column="Tanggal", present_column="Kehadiran",
                        sessions_planned=5)  # fmt: skip
    att = read_attendance(cfg, tmp_path)
    assert att.problems == ()
    _accounted(att.rows, 100)
    result = reach_dose(att, ids)
    assert result.value("sessions_held") == 5
    expected = (log["Kehadiran"] == "hadir").sum() / 100
    assert result.value("dose_share_mean") == pytest.approx(expected)


def test_simulated_service_log_round_trips(tmp_path):
    steps = [Step(name=n, column=c, standard=s) for n, c, s in STEPS]
    frame = simulate_service_log(np.random.default_rng(3), 40, steps, p_stop=0.1)
    assert list(frame.columns) == ["No. Kasus", *(c for _, c, _ in STEPS)]
    assert (frame["Waktu Formulir"] != "").all()
    frame.to_csv(tmp_path / "service_wide.csv", index=False)
    result = step_durations(read_service_log(_wide_cfg(), tmp_path))
    assert result.problems == ()
    assert (result.durations["hours"].dropna() > 0).all()
    assert result.summary["n_reached"].is_monotonic_decreasing
    assert result.bottleneck is not None


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(1, 12),
    sessions=st.integers(1, 6),
    p=st.floats(0, 1),
)
def test_reach_dose_invariants(tmp_path_factory, seed, n, sessions, p):
    folder = tmp_path_factory.mktemp("sim")
    ids = [f"P{i}" for i in range(n)]
    simulate_attendance(np.random.default_rng(seed), ids, sessions, p).to_csv(
        folder / "hadir.csv", index=False
    )
    cfg = AttendanceLog(file="hadir.csv", session_column="Pertemuan", id_column="Nama",
                        present_column="Kehadiran", sessions_planned=sessions)  # fmt: skip
    result = reach_dose(read_attendance(cfg, folder), ids)
    people = result.participants
    assert len(people) == n and people["enrolled"].all()
    assert (people["sessions_attended"] <= sessions).all()
    assert result.value("completed") <= result.value("reached") <= n
    assert 0 <= result.value("dose_share_mean") <= 1
