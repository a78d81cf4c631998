"""The pairs rule: which participants count as paired, and the pre/post pivot of scale scores.

A participant is paired on a scale when both the pre and the post score exist; an analysis
needs at least :data:`MIN_PAIRS` pairs. Scores are pivoted once (one row per participant,
``(scale, wave)`` columns), because pivoting a million participants' codes for every scale and
arm dominated the compare stage.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

__all__ = [
    "MIN_PAIRS",
    "VALUE_COLUMN",
    "Participants",
    "WideScores",
    "at_waves",
    "comparison_values",
    "first_values",
    "participant_matrix",
    "people_at_waves",
    "value_columns",
    "wide_scores",
]

#: Fewest complete pairs a paired test, an effect size or a pooled program needs.
MIN_PAIRS = 3
#: The score every comparison of a scale uses, by the scale's outcome kind: the mean item
#: answer of a Likert scale, the percentage score (0-100) of a test, the number of a score.
VALUE_COLUMN = {"likert": "mean", "test": "pomp", "score": "sum"}


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
    #: Each scale's pairs once found: every test, effect and model of a scale reads them.
    _pairs: dict[str, pd.DataFrame] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def scale_pairs(self, scale: str) -> pd.DataFrame:
        """``pre``, ``post`` and ``group`` of one scale for the participants with both."""
        if scale not in self._pairs:
            self._pairs[scale] = self._scale_pairs(scale)
        return self._pairs[scale].copy(deep=False)  # copy-on-write: callers may add columns

    def _scale_pairs(self, scale: str) -> pd.DataFrame:
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

    def paired(self, scale: str) -> np.ndarray:
        """Which rows of ``wide`` have both the pre and the post score of ``scale``: the rows
        of :meth:`scale_pairs`, as a mask for values aligned with ``wide``."""
        columns = [(scale, "pre"), (scale, "post")]
        if not all(c in self.wide.columns for c in columns):
            return np.zeros(len(self.wide), dtype=bool)
        return self.wide[columns].notna().all(axis=1).to_numpy()

    def pairs(self, scale: str, group: str = "all") -> pd.DataFrame:
        """``pre`` and ``post`` of one scale and arm ("all": everyone) for those with both."""
        pairs = self.scale_pairs(scale)
        if group != "all":
            pairs = pairs[pairs["group"] == group]
        return pairs[["pre", "post"]]

    def long(self, scale: str, waves: Sequence[str]) -> pd.DataFrame:
        """``participant_code, group, wave, score`` of one scale at ``waves`` (NaN kept), the
        long layout of :mod:`pipeline.stats.repeated` and :mod:`pipeline.stats.followup`."""
        columns = [(scale, w) for w in waves if (scale, w) in self.wide.columns]
        part = self.wide[columns].copy()
        part.columns = [w for _, w in columns]
        part = part.assign(group=self.groups).reset_index()
        long = part.melt(id_vars=["participant_code", "group"], var_name="wave",
                         value_name="score")  # fmt: skip
        return long[["participant_code", "group", "wave", "score"]]

    def subjects(self, scale: str) -> pd.DataFrame:
        """One row per participant with both waves: pre, post, gain and group."""
        pairs = self.scale_pairs(scale)
        return pairs.assign(gain=pairs["post"] - pairs["pre"])


def value_columns(instrument) -> dict[str, str]:
    """Scale id to the score column its comparisons use (see :data:`VALUE_COLUMN`)."""
    return {s.id: VALUE_COLUMN[instrument.scale_kind(s)] for s in instrument.all_scales}


def comparison_values(scores: pd.DataFrame, values: Mapping[str, str] | None) -> pd.Series:
    """Each row's comparison score: its scale's column of :data:`VALUE_COLUMN`."""
    if not values or set(values.values()) <= {"mean"}:
        return scores["mean"]
    column = scores["scale"].astype(str).map(values).fillna("mean")
    out = scores["mean"].copy()
    for name in set(column) - {"mean"}:
        chosen = (column == name).to_numpy()
        out[chosen] = scores.loc[chosen, name]
    return out


def wide_scores(
    scores: pd.DataFrame,
    *,
    values: Mapping[str, str] | None = None,
    waves: Sequence[str] = ("pre", "post"),
    people: Participants | None = None,
) -> WideScores:
    """Pivot a scores table (``participant_code, wave, group, scale`` and the score columns)
    once: the comparison score of each scale (``values``: scale to column, default the mean)
    at each of ``waves``. ``people``: its codes already factorized (see
    :func:`participant_matrix`)."""
    part = at_waves(scores, waves)
    wide, first = participant_matrix(
        part,
        comparison_values(part, values),
        ["scale", "wave"],
        people=people_at_waves(people, scores, waves),
    )
    return WideScores(wide, first_values(part["group"], first, wide.index))


def at_waves(scores: pd.DataFrame, waves: Sequence[str]) -> pd.DataFrame:
    """The rows of a scores table at ``waves``: the table itself when every row is (a filter
    copies every column, a million text codes included, to keep them all)."""
    chosen = scores["wave"].isin(waves)
    return scores if chosen.all() else scores[chosen]


def people_at_waves(
    people: Participants | None, scores: pd.DataFrame, waves: Sequence[str]
) -> Participants | None:
    """``people`` (aligned with ``scores``) at the rows :func:`at_waves` keeps."""
    if people is None:
        return None
    chosen = scores["wave"].isin(waves).to_numpy()
    return people.at(None if chosen.all() else chosen)


@dataclass(frozen=True)
class Participants:
    """A long table's participant codes as integers, factorized once for every pivot of it.

    Attributes
    ----------
    keys
        Per row of the table, the position of its code in ``codes`` (-1: no code).
    codes
        The distinct codes, sorted: what ``pd.factorize(codes, sort=True)`` gives.
    """

    keys: np.ndarray
    codes: pd.Index

    @classmethod
    def of(cls, column: pd.Series) -> Participants:
        """Factorize a column of participant codes."""
        keys, codes = pd.factorize(column, sort=True)
        return cls(keys, pd.Index(codes))

    def tiled(self, times: int) -> Participants:
        """The keys of a table that repeats this one's rows ``times`` times, block by block
        (a scores table: one block of every participant's rows per scale)."""
        return Participants(np.tile(self.keys, times), self.codes)

    def at(self, chosen: np.ndarray | slice | None) -> Participants:
        """The keys of some rows (a mask), numbered among the codes those rows have: what
        factorizing the subset's codes gives, without hashing them."""
        if chosen is None:
            return self
        keys = self.keys[chosen]
        present = np.bincount(keys[keys >= 0], minlength=len(self.codes)) > 0
        if present.all():
            return Participants(keys, self.codes)
        renumber = np.cumsum(present) - 1
        return Participants(np.where(keys >= 0, renumber[keys], -1), self.codes[present])


def participant_matrix(
    long: pd.DataFrame,
    values: pd.Series | pd.DataFrame,
    columns: Sequence[str],
    *,
    people: Participants | None = None,
) -> tuple[pd.DataFrame, np.ndarray]:
    """One row per participant (sorted codes) and one column per combination of the values
    of ``columns`` found (sorted, every combination): the first non-missing value of each
    cell, NaN where there is none. What ``pivot_table(index="participant_code", columns=
    columns, aggfunc="first", dropna=False, observed=True)`` gives, from integer keys: one
    factorize of the participant codes instead of hashing them in every groupby and join,
    which at a national survey's million rows cost most of the pivot. ``people``: the codes
    already factorized (:class:`Participants`, aligned with ``long``'s rows), as the score
    stage does once for its three pivots and the compare stage's. Several ``values`` (a
    frame) give one block of columns each, under their names, as the pivot's ``values=``
    list does.

    Returns the matrix and, per row of it, the position in ``long`` of that participant's
    first row (for :func:`first_values`). Rows missing a key (no participant code, scale or
    wave; a scores table has none) are left out.
    """
    if people is None:
        people = Participants.of(long["participant_code"])
    keys, codes = people.keys.astype(np.intp, copy=False), people.codes
    factors = [pd.factorize(long[c], sort=True) for c in columns]
    sizes = [len(uniques) for _, uniques in factors]
    keyed = (keys >= 0) & np.all([k >= 0 for k, _ in factors], axis=0)  # no NaN key
    cells = np.ravel_multi_index([np.where(keyed, k, 0) for k, _ in factors], sizes)
    n_cells = int(np.prod(sizes))
    several = isinstance(values, pd.DataFrame)
    blocks = []
    for _, given in values.items() if several else [(None, values)]:
        given = given.to_numpy(dtype=float)
        rows = np.flatnonzero(keyed & ~np.isnan(given))
        rows = rows[_first_of_each(keys[rows] * n_cells + cells[rows], len(codes) * n_cells)]
        block = np.full((len(codes), n_cells), np.nan)
        block[keys[rows], cells[rows]] = given[rows]
        blocks.append(block)
    index = pd.Index(codes, name="participant_code")
    levels, names = [u for _, u in factors], list(columns)
    if several:
        levels, names = [pd.Index(values.columns), *levels], [None, *names]
    header = pd.MultiIndex.from_product(levels, names=names)
    coded = np.flatnonzero(keys >= 0)
    first = coded[_first_of_each(keys[coded], len(codes))]
    first = first[np.argsort(keys[first], kind="stable")]  # by participant
    return pd.DataFrame(np.hstack(blocks), index=index, columns=header), first


def _first_of_each(keys: np.ndarray, n_keys: int) -> np.ndarray:
    """Positions of the first occurrence of each distinct key (``0 <= key < n_keys``), in
    the order of the positions. Hash-based and linear (``np.unique`` with ``return_index``
    sorts: at a national survey's eleven million score rows it was most of a pivot); when no
    key repeats, which a counting pass over the keys shows, every position."""
    if not len(keys) or np.bincount(keys, minlength=n_keys).max() <= 1:
        return np.arange(len(keys))
    return np.flatnonzero(~pd.Series(keys).duplicated().to_numpy())


def first_values(column: pd.Series, first: np.ndarray, index: pd.Index) -> pd.Series:
    """``column`` at each participant's first row (``first``, from
    :func:`participant_matrix`), on the matrix's ``index``: what ``drop_duplicates`` on the
    codes, then a reindex, gives, without hashing the codes again."""
    return pd.Series(column.array.take(first), index=index, name=column.name)
