"""Normal Q-Q plot data of the paired differences, as R's ``qqnorm`` and ``qqline`` draw them.

The paired t test assumes normal *differences* (conventions §2.6): JASP plots their Q-Q plot.
Plotting stays in the report layer; these functions only compute the points and the line.
Checked by ``tests/reference/jasp.R``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

__all__ = ["ppoints", "qq_line", "qq_points"]


def ppoints(n: int) -> np.ndarray:
    """R's plotting positions (i - a) / (n + 1 - 2a), i = 1..n, a = 3/8 if n <= 10 else 1/2
    (Blom 1958 for small samples)."""
    a = 3 / 8 if n <= 10 else 1 / 2
    return (np.arange(1, n + 1) - a) / (n + 1 - 2 * a)


def qq_points(values: np.ndarray) -> pd.DataFrame:
    """Points of the normal Q-Q plot: sorted sample against theoretical normal quantiles.

    Parameters
    ----------
    values
        The sample, e.g. post - pre; missing values are left out.

    Returns
    -------
    pandas.DataFrame
        One row per value in ascending order: ``theoretical`` (``qnorm(ppoints(n))``) and
        ``sample``. Tied values get successive positions, as R's ``qqnorm`` gives them.

    References
    ----------
    Blom, G. (1958). Statistical Estimates and Transformed Beta-variables. Wiley.
    """
    sample = np.sort(np.asarray(values, dtype=float)[~np.isnan(np.asarray(values, dtype=float))])
    return pd.DataFrame({"theoretical": stats.norm.ppf(ppoints(len(sample))), "sample": sample})


def qq_line(values: np.ndarray) -> dict[str, float]:
    """The line R's ``qqline`` draws: through the sample's first and third quartiles (R's
    quantile type 7) against the normal quartiles.

    Returns ``intercept`` and ``slope``: slope = (Q3 - Q1) / (z_.75 - z_.25), intercept =
    Q1 - slope z_.25. Missing values are left out.
    """
    x = np.asarray(values, dtype=float)
    q1, q3 = np.quantile(x[~np.isnan(x)], [0.25, 0.75])  # numpy's default is R's type 7
    z1, z3 = stats.norm.ppf([0.25, 0.75])
    slope = (q3 - q1) / (z3 - z1)
    return {"intercept": float(q1 - slope * z1), "slope": float(slope)}
