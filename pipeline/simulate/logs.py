"""Simulated program logs: an attendance log and a service log, for the examples and tests."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np
import pandas as pd

from pipeline.config.parts import Step

__all__ = ["simulate_attendance", "simulate_service_log"]


def simulate_attendance(
    rng: np.random.Generator,
    ids: Sequence[str],
    sessions: int | Sequence[str],
    p_attend: float | Sequence[float],
    *,
    start: dt.date = dt.date(2026, 7, 4),
    every_days: int = 7,
    columns: Sequence[str] = ("Pertemuan", "Tanggal", "Nama", "Kehadiran"),
) -> pd.DataFrame:
    """An attendance log as a facilitator would keep it: every participant in every session.

    Parameters
    ----------
    rng
        Seeded generator.
    ids
        Participant identities.
    sessions
        Number of sessions (labelled 1, 2, ...) or their labels.
    p_attend
        Probability of attending a session, one for all or one per participant.
    start, every_days
        Date of the first session and days between sessions.
    columns
        Headers of the session, date, id and present columns.

    Returns
    -------
    DataFrame
        Text cells: session, date (dd/mm/yyyy), id and "hadir" or "tidak".
    """
    labels = [str(i + 1) for i in range(sessions)] if isinstance(sessions, int) else list(sessions)
    p = np.broadcast_to(np.asarray(p_attend, dtype=float), (len(ids),))
    came = rng.random((len(labels), len(ids))) < p
    session_col, date_col, id_col, present_col = columns
    return pd.DataFrame(
        {
            session_col: np.repeat(labels, len(ids)),
            date_col: np.repeat(
                [(start + dt.timedelta(days=every_days * k)).strftime("%d/%m/%Y")
                 for k in range(len(labels))], len(ids)),
            id_col: np.tile(np.asarray(ids, dtype=object), len(labels)),
            present_col: np.where(came.ravel(), "hadir", "tidak"),
        }
    )  # fmt: skip


def simulate_service_log(
    rng: np.random.Generator,
    n_cases: int,
    steps: Sequence[Step],
    *,
    start: dt.datetime = dt.datetime(2026, 2, 2, 8, 0),
    days: int = 120,
    speed: float = 0.6,
    spread: float = 0.7,
    p_stop: float = 0.05,
    case_column: str = "No. Kasus",
) -> pd.DataFrame:
    """A wide service log: one row per case, one time column per step.

    Each step takes ``standard × speed × lognormal(0, spread)`` hours (steps without a
    standard take a median of 24 hours), so about half of the steps at ``speed = 1`` exceed
    their standard; before each later step a case stops with probability ``p_stop`` (its
    later times blank). Requests arrive uniformly over ``days`` days during office hours.

    Returns
    -------
    DataFrame
        Text cells: the case number and times as dd/mm/yyyy HH:MM:SS.
    """
    arrivals = np.sort(rng.integers(0, days, n_cases)) * 24 + rng.uniform(0, 8, n_cases)
    hours = np.empty((n_cases, len(steps)))
    hours[:, 0] = arrivals
    for k, step in enumerate(steps[1:], start=1):
        median = (step.standard_hours or 24.0) * speed
        hours[:, k] = hours[:, k - 1] + median * rng.lognormal(0.0, spread, n_cases)
    goes_on = rng.random((n_cases, len(steps))) >= p_stop
    goes_on[:, 0] = True
    reached = np.cumprod(goes_on, axis=1).astype(bool)
    frame = pd.DataFrame({case_column: [f"K{i + 1:03d}" for i in range(n_cases)]})
    for k, step in enumerate(steps):
        stamps = [
            (start + dt.timedelta(hours=float(h))).strftime("%d/%m/%Y %H:%M:%S") if ok else ""
            for h, ok in zip(hours[:, k], reached[:, k], strict=True)
        ]
        frame[step.source] = stamps
    return frame
