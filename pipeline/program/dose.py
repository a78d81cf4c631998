"""Dose-response: whether change rises with the sessions a participant attended, with the
caveat that dose is self-selected and so never an effect (Steckler & Linnan 2002)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

__all__ = ["DOSE_CAVEAT", "DoseResponse", "dose_response"]


#: Why a dose-response association is not an effect; shown with every dose-response result.
DOSE_CAVEAT = {
    "id": "Dosis dipilih sendiri oleh peserta: merekalah yang menentukan berapa sesi yang "
    "diikuti, dan peserta yang lebih termotivasi cenderung lebih sering hadir sekaligus lebih "
    "banyak berubah. Karena itu hubungan antara jumlah sesi yang diikuti dan peningkatan skor "
    "bukan hubungan sebab-akibat: hubungan ini tidak menunjukkan bahwa sesi tambahan "
    "menyebabkan peningkatan yang lebih besar.",
    "en": "Dose is self-selected: participants chose how many sessions to attend, and the more "
    "motivated tend both to attend more and to change more. The association between sessions "
    "attended and gain is therefore not causal: it does not show that extra sessions cause a "
    "larger gain.",
}


@dataclass(frozen=True)
class DoseResponse:
    """Association of dose (sessions attended) with gain.

    Attributes
    ----------
    n
        Participants with both a dose and a gain.
    pearson_r, pearson_ci_low, pearson_ci_high, pearson_p
        Pearson's r, its Fisher-z interval and the p-value of the t test of r = 0.
    spearman_rho, spearman_p
        Spearman's rho (average ranks for ties) and its asymptotic t p-value.
    slope, slope_ci_low, slope_ci_high, slope_p, intercept
        OLS of gain on sessions attended: gain change per extra session, its t interval and
        p-value.
    ci_level
        Level of the intervals.
    caveat
        ``{"id": ..., "en": ...}``: dose is self-selected, the association is not causal.
    note
        Why a statistic is missing (too few participants, no variation), else "".
    """

    n: int
    pearson_r: float
    pearson_ci_low: float
    pearson_ci_high: float
    pearson_p: float
    spearman_rho: float
    spearman_p: float
    slope: float
    slope_ci_low: float
    slope_ci_high: float
    slope_p: float
    intercept: float
    ci_level: float
    caveat: Mapping[str, str]
    note: str = ""

    def table(self) -> pd.DataFrame:
        """Tidy rows: ``statistic, estimate, ci_low, ci_high, p, n, method``."""
        rows = [
            ("pearson_r", self.pearson_r, self.pearson_ci_low, self.pearson_ci_high,
             self.pearson_p, "Pearson r, Fisher z interval"),
            ("spearman_rho", self.spearman_rho, np.nan, np.nan, self.spearman_p,
             "Spearman rho, asymptotic t p-value"),
            ("slope", self.slope, self.slope_ci_low, self.slope_ci_high, self.slope_p,
             "OLS slope of gain on sessions attended"),
        ]  # fmt: skip
        frame = pd.DataFrame(rows, columns=["statistic", "estimate", "ci_low", "ci_high", "p",
                                            "method"])  # fmt: skip
        frame.insert(5, "n", self.n)
        return frame


def _pearson(x: np.ndarray, y: np.ndarray, level: float) -> tuple[float, float, float, float]:
    n = len(x)
    r = float(np.corrcoef(x, y)[0, 1])
    t = r * math.sqrt((n - 2) / (1 - r * r)) if abs(r) < 1 else math.copysign(np.inf, r)
    p = float(2 * stats.t.sf(abs(t), n - 2))
    if n <= 3 or abs(r) >= 1:
        return r, np.nan, np.nan, p
    half = stats.norm.ppf((1 + level) / 2) / math.sqrt(n - 3)
    z = math.atanh(r)
    return r, math.tanh(z - half), math.tanh(z + half), p


def _ols(x: np.ndarray, y: np.ndarray, level: float) -> tuple[float, ...]:
    n = len(x)
    sxx = float(((x - x.mean()) ** 2).sum())
    slope = float(((x - x.mean()) * (y - y.mean())).sum() / sxx)
    intercept = float(y.mean() - slope * x.mean())
    resid = y - intercept - slope * x
    se = math.sqrt(float((resid**2).sum()) / (n - 2) / sxx)
    crit = stats.t.ppf((1 + level) / 2, n - 2)
    p = float(2 * stats.t.sf(abs(slope / se), n - 2)) if se > 0 else 0.0
    return slope, slope - crit * se, slope + crit * se, p, intercept


def dose_response(dose: pd.Series, gain: pd.Series, *, ci_level: float = 0.95) -> DoseResponse:
    """Pearson and Spearman correlation and OLS slope of gain on sessions attended.

    Parameters
    ----------
    dose
        Sessions attended per participant (index: participant).
    gain
        The participant's gain or change score (same index); participants missing either
        value are left out.
    ci_level
        Level of the intervals.

    Returns
    -------
    DoseResponse
        With the caveat that dose is self-selected, so the association is not causal.

    Notes
    -----
    r's interval is tanh(atanh(r) ± z_{1-α/2} / sqrt(n - 3)) (Fisher 1921); its p-value is the
    t test of r = 0 on n - 2 df. Spearman's p-value uses the t approximation, as R's
    ``cor.test(method = "spearman", exact = FALSE)``. The slope's interval is b ± t_{1-α/2,
    n-2} · SE(b). At least 3 participants with varying dose and gain are needed, 4 for r's
    interval.

    References
    ----------
    Fisher, R. A. (1921). On the "probable error" of a coefficient of correlation deduced from
    a small sample. *Metron, 1*, 3-32.
    """
    both = pd.concat({"dose": dose, "gain": gain}, axis=1, join="inner").dropna()
    x, y = both["dose"].to_numpy(float), both["gain"].to_numpy(float)
    n, nan = len(both), (np.nan,)
    if n < 3 or np.ptp(x) == 0 or np.ptp(y) == 0:
        note = "fewer than 3 participants" if n < 3 else "dose or gain does not vary"
        return DoseResponse(n, *nan * 11, ci_level=ci_level, caveat=DOSE_CAVEAT, note=note)
    r, r_low, r_high, r_p = _pearson(x, y, ci_level)
    rho, _, _, rho_p = _pearson(stats.rankdata(x), stats.rankdata(y), ci_level)
    slope, s_low, s_high, s_p, intercept = _ols(x, y, ci_level)
    note = "" if n > 3 else "r's interval needs at least 4 participants"
    return DoseResponse(n, r, r_low, r_high, r_p, rho, rho_p, slope, s_low, s_high, s_p,
                        intercept, ci_level, DOSE_CAVEAT, note)  # fmt: skip
