"""Power of the two-sided paired (one-sample) t test, from the noncentral t distribution."""

from __future__ import annotations

import math

from scipy import optimize, stats

__all__ = ["detectable_dz", "paired_power"]


def paired_power(dz: float, n: int, *, alpha: float = 0.05) -> float:
    """Power of a two-sided paired t test with n pairs for a true effect d_z.

    Both tails count: P(T > t_crit) + P(T < -t_crit) with T noncentral t(n - 1, d_z sqrt(n)),
    as R's ``power.t.test(type = "one.sample", strict = TRUE)``.
    """
    df = n - 1
    crit = stats.t.ppf(1 - alpha / 2, df)
    ncp = abs(dz) * math.sqrt(n)
    upper = stats.nct.sf(crit, df, ncp)
    lower = stats.nct.cdf(-crit, df, ncp)
    # scipy returns NaN far in a tail, where the probability is 0 (or 1 for the upper tail)
    upper = 1.0 if math.isnan(upper) else upper
    lower = 0.0 if math.isnan(lower) else lower
    return float(min(1.0, upper + lower))


def detectable_dz(n: int, *, power: float = 0.8, alpha: float = 0.05) -> float:
    """The smallest d_z that n pairs detect with the given power (two-sided test)."""
    high = 1.0
    while paired_power(high, n, alpha=alpha) < power:
        high *= 2
    return float(
        optimize.brentq(lambda d: paired_power(d, n, alpha=alpha) - power, 1e-9, high, xtol=1e-12)
    )
