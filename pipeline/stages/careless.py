"""Careless-responding flags: long runs of one answer and failed attention checks.

Used by :mod:`pipeline.clean`. A flag is information, not a verdict: flagged responses are
reported, and excluded from the analysis only when the study sets
``analysis.exclude_careless``.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from pipeline.config import Instrument

__all__ = ["careless_flags", "longest_run"]


def longest_run(codes: np.ndarray) -> np.ndarray:
    """Longest run of identical consecutive answers per row (blanks break a run).

    The "longstring" index of Johnson (2005). Rows with no answer get 0.
    """
    n, k = codes.shape
    return _longest_run([codes[:, j] for j in range(k)], n)


def _longest_run(columns: Sequence[np.ndarray], n: int) -> np.ndarray:
    """:func:`longest_run` over the items' columns in order, given one by one: a study's
    columns are read where they are, not copied into one table of every item first (a
    copy the size of all the item data, 0.6 GB at 1,000,000 participants)."""
    if not len(columns):
        return np.zeros(n, dtype=int)
    answered = ~np.isnan(columns[0])
    run = answered.astype(int)
    best = run.copy()
    for before, codes in itertools.pairwise(columns):  # vectorized over participants
        was_answered, answered = answered, ~np.isnan(codes)
        same = answered & was_answered & (codes == before)
        run = np.where(same, run + 1, answered.astype(int))
        best = np.maximum(best, run)
    return best


def careless_flags(
    responses: pd.DataFrame, instrument: Instrument, *, longstring_share: float
) -> pd.DataFrame:
    """Flags per submission, aligned with ``responses``' index.

    Returns
    -------
    DataFrame
        ``longstring`` (longest run of one answer over the Likert items in questionnaire
        order),
        ``longstring_flag`` (run covers at least ``longstring_share`` of the items),
        ``attention_failed`` (number of attention checks answered with another code than
        expected; blanks do not count), ``flagged`` and ``reason``.

    References
    ----------
    Johnson, J. A. (2005). Ascertaining the validity of individual protocols from Web-based
    personality inventories. Journal of Research in Personality, 39(1), 103-129.
    """
    # Long runs mean something only among Likert answers: a test answered all right is no
    # straight line, and a score column has nothing to repeat.
    items = [item.id for item in instrument.items_of("likert")]
    run = _longest_run([responses[i].to_numpy(dtype=float) for i in items], len(responses))
    limit = math.ceil(longstring_share * len(items) - 1e-9) if items else len(items) + 1
    failed = np.zeros(len(responses), dtype=int)
    for check in instrument.attention_checks:
        answer = responses[check.id].to_numpy(dtype=float)
        failed += (~np.isnan(answer) & (answer != check.expected)).astype(int)
    flags = pd.DataFrame(
        {"longstring": run, "longstring_flag": run >= limit, "attention_failed": failed},
        index=responses.index,
    )
    flags["flagged"] = flags["longstring_flag"] | (flags["attention_failed"] > 0)
    long = flags["longstring_flag"].to_numpy()
    flags["reason"] = _reasons(run, long, failed, len(items), flags.index)
    return flags


def _reasons(
    run: np.ndarray, long: np.ndarray, failed: np.ndarray, items: int, index: pd.Index
) -> pd.Series:
    """Why each submission is flagged ("" when it is not), as text: spelled once per distinct
    (run, checks failed) pair and laid out by row. Spelling it row by row took fixed-width
    text arrays of every row (about 1 GB at 1,000,000 participants) for a few dozen texts."""
    shown = np.where(long, run, -1)  # -1: no run to report
    base = int(failed.max(initial=0)) + 1
    where, keys = pd.factorize((shown + 1) * base + failed)
    texts = []
    for key in keys.tolist():
        length, checks = divmod(key, base)
        parts = [f"same answer on {length - 1} of {items} items"] if length else []
        parts += [f"{checks} attention check(s) failed"] if checks > 0 else []
        texts.append("; ".join(parts))
    return pd.Series(np.asarray(texts, dtype=object)[where], index=index, dtype="str")
