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

__all__ = ["careless_flags", "longest_run", "reasons"]


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
    # Words for the flagged rows only (a few in a thousand): the text of every row's run
    # length was most of the flags' time at a million submissions.
    flagged = flags["flagged"].to_numpy()
    flags["reason"] = pd.Series("", index=flags.index, dtype=str)
    if flagged.any():
        flags.loc[flagged, "reason"] = reasons(
            run[flagged],
            failed[flagged],
            long=flags["longstring_flag"].to_numpy()[flagged],
            n_items=len(items),
        )
    return flags


def reasons(run: np.ndarray, failed: np.ndarray, *, long: np.ndarray, n_items: int) -> np.ndarray:
    """Why each of some submissions is flagged: its long run (where ``long``) and its failed
    attention checks, joined by "; "."""
    long_text = np.char.add(np.char.add("same answer on ", run.astype(str)), f" of {n_items} items")
    check_text = np.char.add(failed.astype(str), " attention check(s) failed")
    parts = pd.DataFrame(
        {"long": np.where(long, long_text, ""), "check": np.where(failed > 0, check_text, "")}
    )
    return parts["long"].str.cat(parts["check"], sep="; ").str.strip("; ").to_numpy()
