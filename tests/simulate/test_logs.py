"""Simulated attendance and service logs (pipeline/simulate/logs.py) read back like real ones."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.config.parts import AttendanceLog, Step
from pipeline.program.attendance import reach_dose
from pipeline.program.service import step_durations
from pipeline.simulate.logs import simulate_attendance, simulate_service_log
from tests.program.log_fixtures import (
    STEPS,
    accounted,
    read_attendance,
    read_service_log,
    wide_cfg,
)


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
    accounted(att.rows, 100)
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
    result = step_durations(read_service_log(wide_cfg(), tmp_path))
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
