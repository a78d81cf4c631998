"""The pairs rule: which participants count as paired, and the pre/post pivot of scale scores.

A participant is paired on a scale when both the pre and the post score exist; an analysis
needs at least :data:`MIN_PAIRS` pairs. Scores are pivoted once (one row per participant,
``(scale, wave)`` columns), because pivoting a million participants' codes for every scale and
arm dominated the compare stage.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

__all__ = ["MIN_PAIRS", "WideScores", "wide_scores"]

#: Fewest complete pairs a paired test, an effect size or a pooled program needs.
MIN_PAIRS = 3


@dataclass(frozen=True)
class WideScores:
    """Scale means with one row per participant and ``(scale, wave)`` columns.

    Attributes
    ----------
    wide
        Index ``participant_code``; NaN where a participant has no score.
    groups
        Each participant's group (``treatment``, ``control`` or ``all``).
    """

    wide: pd.DataFrame
    groups: pd.Series

    def scale_pairs(self, scale: str) -> pd.DataFrame:
        """``pre``, ``post`` and ``group`` of one scale for the participants with both."""
        columns = [(scale, "pre"), (scale, "post")]
        if not all(c in self.wide.columns for c in columns):
            return pd.DataFrame(columns=["pre", "post", "group"], dtype=float)
        out = pd.DataFrame(
            {"pre": self.wide[columns[0]], "post": self.wide[columns[1]], "group": self.groups},
            index=self.wide.index,
        )
        out = out.dropna(subset=["pre", "post"])
        out.columns.name = None
        return out

    def pairs(self, scale: str, group: str = "all") -> pd.DataFrame:
        """``pre`` and ``post`` of one scale and arm ("all": everyone) for those with both."""
        pairs = self.scale_pairs(scale)
        if group != "all":
            pairs = pairs[pairs["group"] == group]
        return pairs[["pre", "post"]]

    def subjects(self, scale: str) -> pd.DataFrame:
        """One row per participant with both waves: pre, post, gain and group."""
        pairs = self.scale_pairs(scale)
        return pairs.assign(gain=pairs["post"] - pairs["pre"])


def wide_scores(scores: pd.DataFrame) -> WideScores:
    """Pivot a scores table (``participant_code, wave, group, scale, mean``) once."""
    part = scores[scores["wave"].isin(["pre", "post"])]
    wide = part.pivot_table(
        index="participant_code",
        columns=["scale", "wave"],
        values="mean",
        observed=True,
        dropna=False,
        aggfunc="first",
    )
    groups = part.drop_duplicates("participant_code").set_index("participant_code")["group"]
    return WideScores(wide, groups.reindex(wide.index))
