"""Shared fixtures of the program-part tests: the hand-made logs in tests/fixtures/process/,
their configurations and the R reference values of tests/reference/process.json."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from pipeline.config import Limits
from pipeline.config.parts import AttendanceLog, ServiceLog, Step
from pipeline.program.attendance import attendance_records
from pipeline.program.service import service_records
from pipeline.stages.read import read_log

HERE = Path(__file__).resolve().parents[1]
FIXTURES = HERE / "fixtures" / "process"
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


def attendance_cfg(**changes) -> AttendanceLog:
    spec = {
        "file": "attendance.csv",
        "session_column": "Pertemuan",
        "id_column": "Nama Peserta",
        "date_column": "Tanggal",
        "present_column": "Kehadiran",
        "sessions_planned": 4,
    }
    return AttendanceLog(**{**spec, **changes})


def wide_cfg(**changes) -> ServiceLog:
    steps = [Step(name=n, column=c, standard=s) for n, c, s in STEPS]
    return ServiceLog(
        **{"file": "service_wide.csv", "case_column": "No. Kasus", "steps": steps, **changes}
    )


def long_cfg() -> ServiceLog:
    return ServiceLog(
        file="service_long.csv",
        layout="long",
        case_column="Kasus",
        step_column="Tahap",
        time_column="Waktu",
        steps=[Step(name=n, standard=s) for n, _, s in STEPS],
    )


def accounted(rows: pd.DataFrame, n_input: int) -> None:
    """Every input row is used, quarantined with a problem, or blank; none twice."""
    assert len(rows) == n_input
    assert rows["source_row"].is_unique
    assert set(rows["status"]) <= {"used", "problem", "blank"}
    assert (rows.loc[rows["status"] == "problem", "reason"] != "").all()
