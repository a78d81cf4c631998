"""Score categories as Indonesian reports use them, with their bounds stated.

Azwar's (2012) norm categories put a score into levels by distance from a norm mean M in units
of a norm SD. The norm is *hypothetical* (from the scale's range: M = (Xmax + Xmin) / 2,
SD = (Xmax - Xmin) / 6) or *empirical* (the sample's mean and SD). Every lower bound is
inclusive: a score exactly on a cut point belongs to the higher level.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = [
    "AZWAR_LABELS",
    "MOVES",
    "Scheme",
    "azwar_scheme",
    "categorize",
    "custom_scheme",
    "level_codes",
    "shift_codes",
]

#: Level names, Indonesian (as reports print them) and English.
AZWAR_LABELS = {
    3: (("rendah", "low"), ("sedang", "medium"), ("tinggi", "high")),
    5: (
        ("sangat rendah", "very low"),
        ("rendah", "low"),
        ("sedang", "medium"),
        ("tinggi", "high"),
        ("sangat tinggi", "very high"),
    ),
}
_MULTIPLES = {3: (-1.0, 1.0), 5: (-1.5, -0.5, 0.5, 1.5)}


@dataclass(frozen=True)
class Scheme:
    """Cut points (ascending, lower bound inclusive) and the labels of the levels they make."""

    name: str
    cuts: tuple[float, ...]
    labels: tuple[str, ...]
    labels_en: tuple[str, ...]
    norm_mean: float | None = None
    norm_sd: float | None = None

    def bounds_text(self) -> str:
        """The levels with their bounds, e.g. 'rendah: X < 16; sedang: 16 <= X < 32; ...'."""
        edges = [-np.inf, *self.cuts, np.inf]
        parts = []
        for label, low, high in zip(self.labels, edges[:-1], edges[1:], strict=True):
            if np.isinf(low):
                parts.append(f"{label}: X < {high:.2f}")
            elif np.isinf(high):
                parts.append(f"{label}: X >= {low:.2f}")
            else:
                parts.append(f"{label}: {low:.2f} <= X < {high:.2f}")
        return "; ".join(parts)


def azwar_scheme(mean: float, sd: float, *, levels: int, name: str) -> Scheme:
    """Azwar's 3- or 5-level categories around ``mean`` in units of ``sd``.

    Three levels: X < M - 1SD; M - 1SD <= X < M + 1SD; X >= M + 1SD. Five levels cut at
    M -1.5, -0.5, +0.5, +1.5 SD.

    References
    ----------
    Azwar, S. (2012). Penyusunan Skala Psikologi (2nd ed.). Pustaka Pelajar.
    """
    if levels not in _MULTIPLES:
        raise ValueError(f"levels must be 3 or 5, not {levels}")
    cuts = tuple(mean + m * sd for m in _MULTIPLES[levels])
    labels = AZWAR_LABELS[levels]
    return Scheme(name, cuts, tuple(x[0] for x in labels), tuple(x[1] for x in labels), mean, sd)


def hypothetical_norm(n_items: int, low: int, high: int) -> tuple[float, float]:
    """Azwar's hypothetical mean and SD of a sum score over ``n_items`` items on low..high."""
    x_min, x_max = n_items * low, n_items * high
    return (x_max + x_min) / 2, (x_max - x_min) / 6


def custom_scheme(cuts: list[float], labels: list[str], *, name: str = "custom") -> Scheme:
    """A study's own cut points (ascending) and level labels (one more than the cuts)."""
    return Scheme(name, tuple(cuts), tuple(labels), tuple(labels))


def level_codes(values: np.ndarray, scheme: Scheme) -> np.ndarray:
    """The level of each value as its position in ``scheme.labels`` (0 the lowest), -1 for a
    missing value; lower bounds inclusive. Labels are applied where a table is shown
    (:func:`categorize`), so large studies categorize on integers, not on text."""
    values = np.asarray(values, dtype=float)
    # Rounding both sides keeps a score that lies on a cut point in exact arithmetic (20 on a
    # cut of 24 - 1.5 x 16/6) from falling below it by floating-point noise.
    cuts = np.round(np.asarray(scheme.cuts, dtype=float), 9)
    index = np.searchsorted(cuts, np.round(values, 9), side="right")
    codes = np.minimum(index, len(scheme.labels) - 1)
    return np.where(np.isnan(values), -1, codes)


def categorize(values: pd.Series, scheme: Scheme) -> pd.Series:
    """The level of each value (NaN stays missing); lower bounds inclusive."""
    codes = level_codes(values.to_numpy(dtype=float), scheme)
    labels = np.array([*scheme.labels, None], dtype=object)[codes]  # -1: the None at the end
    return pd.Series(labels, index=values.index, dtype=object)


#: Moves between levels from pre to post, by the sign of the change in level code.
MOVES = ("down", "stayed", "up")


def shift_codes(pre: np.ndarray, post: np.ndarray) -> np.ndarray:
    """Per participant with both levels (codes of :func:`level_codes`, none missing), the
    position in :data:`MOVES` of the move: 0 down, 1 stayed, 2 up."""
    return np.sign(np.asarray(post) - np.asarray(pre)) + 1
