"""Classical item analysis of a knowledge test: scoring, difficulty, discrimination, distractors.

Mastery of a passing score (ketuntasan) before and after is in :mod:`pipeline.stats.mastery`.

A knowledge test (``tes pengetahuan``) is a matrix of answers, one row per respondent and one
column per item, scored against an answer key. Scores are right/wrong (0/1), weighted (an item
is worth ``points``) or partial credit (each option earns its own points, or the item is scored
0..max by a rater). Every statistic here is expressed per point of the item's maximum, so the
dichotomous formulas are the special case ``max = 1``.

Missing values: an omitted answer is scored wrong (0) by default, as classical test scoring
does (``omitted="missing"`` keeps it missing instead). :func:`item_difficulty` uses each item's
answered rows; everything that rests on the total score (groups, discrimination,
point-biserial correlations, KR-20, KR-21) uses complete rows only (listwise), so that every
item is judged on the same respondents.

Checked against R (``tests/reference/testitems.R``): psych::score.multiple.choice,
psych::response.frequencies and psych::alpha.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from typing import Literal

import numpy as np
import pandas as pd

__all__ = [
    "DIFFICULTY_BOUNDS",
    "DIFFICULTY_LABELS",
    "DISCRIMINATION_BOUNDS",
    "DISCRIMINATION_LABELS",
    "LOWER",
    "MIDDLE",
    "UPPER",
    "difficulty_labels",
    "discrimination_labels",
    "distractor_table",
    "group_size",
    "item_analysis",
    "item_difficulty",
    "kr20",
    "kr21",
    "max_points",
    "score_items",
    "upper_lower_groups",
]

#: Difficulty p: sukar p < 0.30; sedang 0.30 <= p <= 0.70; mudah p > 0.70.
DIFFICULTY_BOUNDS = (0.30, 0.70)
DIFFICULTY_LABELS = ("sukar", "sedang", "mudah")
#: Discrimination D, lower bounds inclusive: jelek D < 0.20 <= cukup < 0.40 <= baik < 0.70 <=
#: baik sekali (Arikunto 2012). A negative D falls in "jelek".
DISCRIMINATION_BOUNDS = (0.20, 0.40, 0.70)
DISCRIMINATION_LABELS = ("jelek", "cukup", "baik", "baik sekali")
UPPER, LOWER, MIDDLE = "upper", "lower", "middle"
#: Values are rounded to this many decimals before banding, so that a D computed as
#: 0.7 - 0.5 = 0.19999999999999996 counts as 0.20.
_BAND_DECIMALS = 10
OMITTED = "(omitted)"

Key = Mapping[Hashable, object]
Omitted = Literal["wrong", "missing"]


def _normalise(value: object) -> object:
    """An answer as compared with the key: text stripped and case-folded, whole floats as
    integers (a column with blanks arrives as floats: 3.0 must match a key of 3), None if
    missing."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, str):
        return value.strip().casefold() or None
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return int(value)
    if isinstance(value, np.integer):
        return int(value)
    return value


def _option_points(entry: object, weight: float) -> dict[object, float]:
    """Points per (normalised) option of one item: a mapping option -> points (partial
    credit) or the single correct option worth ``weight``."""
    if isinstance(entry, Mapping):
        return {_normalise(option): float(points) for option, points in entry.items()}
    return {_normalise(entry): float(weight)}


def _check_key(items: Sequence[Hashable], key: Key) -> None:
    missing = [item for item in items if item not in key]
    extra = [item for item in key if item not in set(items)]
    if missing or extra:
        raise ValueError(
            f"the answer key must name every item exactly: no key for {missing}, "
            f"key entries without a column: {extra}"
        )


def max_points(key: Key, *, points: Mapping[Hashable, float] | None = None) -> pd.Series:
    """The most points each item can earn: ``points[item]`` (default 1) for a single correct
    option, the largest option's points for a partial-credit item."""
    weights = points or {}
    return pd.Series(
        {
            item: max(_option_points(entry, weights.get(item, 1.0)).values())
            for item, entry in key.items()
        },
        dtype=float,
    )


def score_items(
    answers: pd.DataFrame,
    key: Key,
    *,
    points: Mapping[Hashable, float] | None = None,
    omitted: Omitted = "wrong",
) -> pd.DataFrame:
    """Score a matrix of answers against an answer key.

    Parameters
    ----------
    answers
        One row per respondent, one column per item, holding the option chosen (text or
        number); blank is missing.
    key
        Item -> correct option, or item -> mapping option -> points for partial credit (e.g.
        ``{"A": 2, "C": 1}``; unlisted options earn 0). Every column needs an entry.
    points
        Item -> points a correct answer earns (default 1); ignored for partial-credit items.
    omitted
        ``"wrong"`` scores an omitted answer 0; ``"missing"`` leaves it NaN.

    Returns
    -------
    pandas.DataFrame
        Points earned, same index and columns as ``answers``, as floats.

    Notes
    -----
    Answers and key are compared after stripping spaces and case-folding text, and reading
    whole floats as integers (``3.0`` matches ``3``). An answer that is not in the key earns 0.
    """
    if omitted not in ("wrong", "missing"):
        raise ValueError(f"omitted must be 'wrong' or 'missing', got {omitted!r}")
    _check_key(list(answers.columns), key)
    weights = points or {}
    scored = {}
    for item in answers.columns:
        table = _option_points(key[item], weights.get(item, 1.0))
        given = [_normalise(value) for value in answers[item]]
        scored[item] = [math.nan if choice is None else table.get(choice, 0.0) for choice in given]
    frame = pd.DataFrame(scored, index=answers.index, columns=answers.columns, dtype=float)
    return frame.fillna(0.0) if omitted == "wrong" else frame


def _maxima(scores: pd.DataFrame, maximum: Mapping[Hashable, float] | float | None) -> np.ndarray:
    """Each column's maximum points as an array: 1 when not given (right/wrong items)."""
    if maximum is None:
        return np.ones(scores.shape[1])
    if isinstance(maximum, int | float):
        return np.full(scores.shape[1], float(maximum))
    lacking = [item for item in scores.columns if item not in maximum]
    if lacking:
        raise ValueError(f"max_points names no maximum for items {lacking}")
    values = np.array([float(maximum[item]) for item in scores.columns])
    if (values <= 0).any():
        raise ValueError(
            f"max_points must be positive; got {dict(zip(scores.columns, values, strict=True))}"
        )
    return values


def item_difficulty(
    scores: pd.DataFrame, *, max_points: Mapping[Hashable, float] | float | None = None
) -> pd.Series:
    """Difficulty index p of each item: mean points over maximum points.

    Parameters
    ----------
    scores
        Points per respondent (rows) and item (columns); NaN is left out item by item.
    max_points
        Item -> maximum points (a mapping or Series), one number for all items, or None for
        right/wrong items (maximum 1).

    Returns
    -------
    pandas.Series
        p per item, indexed by item.

    Notes
    -----
    :math:`p = \\bar X_i / \\max_i`; for 0/1 items the share answering correctly (B/JS in
    Arikunto's notation). A larger p is an easier item.

    References
    ----------
    Arikunto, S. (2012). Dasar-dasar Evaluasi Pendidikan (ed. 2). Bumi Aksara.
    """
    return scores.mean(axis=0) / _maxima(scores, max_points)


def group_size(n: int, *, fraction: float = 0.27) -> int:
    """Size of each of the upper and lower groups: ``round(fraction * n)`` as R rounds (half
    to even on the binary value: 0.27 x 50 = 13.500000000000002 gives 14), at most n // 2 so
    that the groups never overlap (fraction 0.5 with n = 3 gives 1, not round(1.5) = 2)."""
    if not 0 < fraction <= 0.5:
        raise ValueError(f"fraction must lie in (0, 0.5]; got {fraction!r}")
    return min(round(fraction * n), n // 2)


def upper_lower_groups(total: pd.Series, *, fraction: float = 0.27) -> pd.Series:
    """Upper and lower groups of respondents by total score (Kelley's 27 %).

    Parameters
    ----------
    total
        Total score per respondent; a missing total belongs to no group (NaN).
    fraction
        Share of respondents in each group, in (0, 0.5].

    Returns
    -------
    pandas.Series
        :data:`UPPER`, :data:`LOWER` or :data:`MIDDLE` per respondent, same index.

    Notes
    -----
    With g = :func:`group_size` of the n scored respondents, the respondents are sorted by
    total, highest first, with a stable sort (ties keep their row order, as sorting a sheet
    does): the first g form the upper group, the last g the lower group. Among respondents
    tied at a cut, those in earlier rows go to the upper group and those in later rows to the
    lower group, so the groups always have exactly g members; R's ``order(-total)`` gives the
    same order. Sort the rows by participant code first if the result must not depend on file
    order.

    References
    ----------
    Kelley, T. L. (1939). The selection of upper and lower groups for the validation of test
    items. Journal of Educational Psychology, 30(1), 17-24.
    """
    known = total.dropna()
    size = group_size(len(known), fraction=fraction)
    order = np.argsort(-known.to_numpy(dtype=float), kind="stable")
    labels = np.full(len(known), MIDDLE, dtype=object)
    if size:
        labels[order[:size]] = UPPER
        labels[order[len(known) - size :]] = LOWER
    return pd.Series(labels, index=known.index, dtype=object).reindex(total.index)


def _correlation(x: np.ndarray, y: np.ndarray) -> float:
    """Pearson r; NaN when either variable has no spread."""
    dx, dy = x - x.mean(), y - y.mean()
    denominator = math.sqrt(float(dx @ dx) * float(dy @ dy))
    return float(dx @ dy) / denominator if denominator > 0 else math.nan


def item_analysis(
    scores: pd.DataFrame,
    *,
    max_points: Mapping[Hashable, float] | float | None = None,
    fraction: float = 0.27,
    difficulty_bounds: tuple[float, float] = DIFFICULTY_BOUNDS,
    discrimination_bounds: tuple[float, float, float] = DISCRIMINATION_BOUNDS,
) -> pd.DataFrame:
    """Difficulty, upper-lower discrimination and point-biserial correlations of every item.

    Parameters
    ----------
    scores
        Points per respondent (rows) and item (columns), e.g. from :func:`score_items`. Rows
        with a missing score are left out (listwise).
    max_points
        Item -> maximum points, one number, or None for right/wrong items.
    fraction
        Share of respondents in each of the upper and lower groups (see
        :func:`upper_lower_groups`).
    difficulty_bounds, discrimination_bounds
        Bounds of the labels (see :func:`difficulty_labels`, :func:`discrimination_labels`).

    Returns
    -------
    pandas.DataFrame
        One row per item: ``item``, ``n`` (complete rows), ``group_size`` (g),
        ``max_points``, ``difficulty`` (p), ``difficulty_label``, ``p_upper``, ``p_lower``,
        ``discrimination`` (D), ``discrimination_label``, ``r_item_total`` (point-biserial r
        with the total), ``r_item_rest`` (corrected: with the total without the item) and
        ``note`` (why a number is missing).

    Notes
    -----
    :math:`p = \\bar X_i / \\max_i`. With U and L the item's points summed over the upper and
    lower groups of g respondents each, :math:`p_U = U / (g \\max_i)`, :math:`p_L = L / (g
    \\max_i)` and :math:`D = (U - L) / (g \\max_i) = p_U - p_L` (Arikunto 2012; Kelley 1939).
    The point-biserial r is Pearson's r of the item's points with the total score; the
    corrected one uses the rest score (total minus the item), so the item is not correlated
    with itself (Crocker & Algina 1986). An item without spread (everyone right) has no r.

    References
    ----------
    Arikunto, S. (2012). Dasar-dasar Evaluasi Pendidikan (ed. 2). Bumi Aksara.
    Crocker, L., & Algina, J. (1986). Introduction to Classical and Modern Test Theory. Holt,
    Rinehart and Winston.
    Kelley, T. L. (1939). Journal of Educational Psychology, 30(1), 17-24.
    """
    complete = scores.dropna()
    maxima = _maxima(scores, max_points)
    values = complete.to_numpy(dtype=float)
    total = values.sum(axis=1)
    groups = upper_lower_groups(pd.Series(total), fraction=fraction).to_numpy()
    size = int((groups == UPPER).sum())
    upper, lower = values[groups == UPPER].sum(axis=0), values[groups == LOWER].sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        discrimination = (upper - lower) / (size * maxima)
        p_upper, p_lower = upper / (size * maxima), lower / (size * maxima)
    difficulty = values.mean(axis=0) / maxima if len(values) else np.full(len(maxima), np.nan)
    r_total = [_correlation(column, total) for column in values.T]
    r_rest = [_correlation(column, total - column) for column in values.T]
    return pd.DataFrame(
        {
            "item": list(scores.columns),
            "n": len(values),
            "group_size": size,
            "max_points": maxima,
            "difficulty": difficulty,
            "difficulty_label": difficulty_labels(difficulty, bounds=difficulty_bounds),
            "p_upper": p_upper,
            "p_lower": p_lower,
            "discrimination": discrimination,
            "discrimination_label": discrimination_labels(
                discrimination, bounds=discrimination_bounds
            ),
            "r_item_total": r_total,
            "r_item_rest": r_rest,
            "note": [_item_note(column, size) for column in values.T],
        }
    )


def _item_note(column: np.ndarray, size: int) -> str:
    if len(column) == 0:
        return "no complete rows"
    if size == 0:
        return "too few respondents for upper and lower groups"
    if np.ptp(column) == 0:
        return "every respondent earned the same points: no correlation"
    return ""


def _bands(
    values: object, bounds: Sequence[float], labels: Sequence[str], *, right: Sequence[bool]
) -> np.ndarray:
    """Label each value by its band; ``right[i]`` makes bound i belong to the band below."""
    x = np.round(np.asarray(values, dtype=float), _BAND_DECIMALS)
    if list(bounds) != sorted(bounds) or len(bounds) != len(labels) - 1:
        raise ValueError(f"need {len(labels) - 1} ascending bounds, got {tuple(bounds)}")
    index = np.zeros(x.shape, dtype=int)
    for bound, closed_below in zip(bounds, right, strict=True):
        index += (x > bound) if closed_below else (x >= bound)
    out = np.asarray(labels, dtype=object)[index]
    out[np.isnan(x)] = None
    return out


def difficulty_labels(p: object, *, bounds: tuple[float, float] = DIFFICULTY_BOUNDS) -> np.ndarray:
    """Classical Indonesian difficulty labels: sukar p < low; sedang low <= p <= high; mudah
    p > high (defaults 0.30 and 0.70; both bounds belong to "sedang"). None where p is NaN.

    Arikunto's (2012) printed table (0.00-0.30 sukar, 0.31-0.70 sedang, 0.71-1.00 mudah)
    puts p = 0.30 in "sukar"; pass ``bounds=(0.3000001, 0.70)`` to follow it.
    """
    return _bands(p, bounds, DIFFICULTY_LABELS, right=(False, True))


def discrimination_labels(
    d: object, *, bounds: tuple[float, float, float] = DISCRIMINATION_BOUNDS
) -> np.ndarray:
    """Arikunto's (2012) discrimination labels, lower bounds inclusive: jelek D < 0.20;
    cukup 0.20 <= D < 0.40; baik 0.40 <= D < 0.70; baik sekali D >= 0.70 (defaults). A
    negative D (the lower group did better) is "jelek"; Arikunto advises dropping such items.
    None where D is NaN."""
    return _bands(d, bounds, DISCRIMINATION_LABELS, right=(False, False, False))


def _sort_key(option: object) -> tuple[bool, object]:
    """Numbers before text, each in its natural order."""
    return (isinstance(option, str), option)


def _item_options(
    given: list[object], table: Mapping[object, float], extra: Sequence[object]
) -> list[object]:
    seen = {choice for choice in given if choice is not None}
    return sorted(seen | set(table) | {_normalise(o) for o in extra} - {None}, key=_sort_key)


def distractor_table(
    answers: pd.DataFrame,
    key: Key,
    *,
    points: Mapping[Hashable, float] | None = None,
    omitted: Omitted = "wrong",
    options: Sequence[object] = (),
    fraction: float = 0.27,
    min_share: float = 0.05,
) -> pd.DataFrame:
    """How often each option of each item was chosen, overall and in the upper and lower groups.

    Parameters
    ----------
    answers, key, points, omitted
        As for :func:`score_items`; the groups come from the total of those scores.
    options
        Options to list even if nobody chose them (e.g. ``["A", "B", "C", "D", "E"]``); the
        options chosen and the keyed ones are always listed.
    fraction
        Share of respondents in each of the upper and lower groups.
    min_share
        A distractor "functions" when at least this share of all respondents chose it
        (Arikunto 2012: 5 %).

    Returns
    -------
    pandas.DataFrame
        One row per item and option, then a row :data:`OMITTED` per item: ``item``,
        ``option`` (as first spelled in the key or the answers), ``points`` it earns,
        ``is_key`` (earns the item's maximum), ``count``, ``share`` (of all n respondents;
        the rows of an item sum to 1), ``share_answered`` (of those who answered the item, as
        psych::response.frequencies; NaN on the omitted row), ``share_upper``,
        ``share_lower`` (of each group's g members) and ``functioning`` (distractors only:
        ``share >= min_share``; None for options that earn points and for the omitted row).

    Notes
    -----
    A working distractor draws some respondents, and more from the lower group than from the
    upper group; the key draws more from the upper group.

    References
    ----------
    Arikunto, S. (2012). Dasar-dasar Evaluasi Pendidikan (ed. 2). Bumi Aksara.
    """
    scores = score_items(answers, key, points=points, omitted=omitted)
    groups = upper_lower_groups(scores.sum(axis=1, skipna=False), fraction=fraction).to_numpy()
    weights = points or {}
    rows = []
    for item in answers.columns:
        raw = list(answers[item])
        given = [_normalise(value) for value in raw]
        table = _option_points(key[item], weights.get(item, 1.0))
        spelling = _spellings(key[item], raw + list(options))
        top = max(table.values())
        for option in [*_item_options(given, table, options), None]:
            earned = table.get(option, 0.0) if option is not None else math.nan
            rows.append(
                {
                    "item": item,
                    "option": OMITTED if option is None else spelling.get(option, option),
                    "points": earned,
                    "is_key": bool(option is not None and earned == top),
                    **_option_shares(given, groups, option),
                }
            )
    frame = pd.DataFrame(rows)
    distractor = (frame["points"] == 0).to_numpy()
    frame["functioning"] = pd.Series(
        np.where(distractor, frame["share"] >= min_share, None), dtype=object
    )
    return frame


def _spellings(entry: object, raw: list[object]) -> dict[object, object]:
    """Normalised option -> how to print it: as the key spells it, else as first given."""
    spelling: dict[object, object] = {}
    keyed = entry.keys() if isinstance(entry, Mapping) else [entry]
    for original in [*keyed, *raw]:
        normal = _normalise(original)
        if normal is not None and normal not in spelling:
            spelling[normal] = original.strip() if isinstance(original, str) else normal
    return spelling


def _option_shares(given: list[object], groups: np.ndarray, option: object) -> dict:
    chose = np.array([choice == option for choice in given])
    answered = np.array([choice is not None for choice in given])
    upper, lower = groups == UPPER, groups == LOWER
    with np.errstate(invalid="ignore", divide="ignore"):
        return {
            "count": int(chose.sum()),
            "share": chose.mean() if len(chose) else math.nan,
            "share_answered": chose[answered].sum() / answered.sum()
            if option is not None
            else math.nan,
            "share_upper": chose[upper].sum() / upper.sum(),
            "share_lower": chose[lower].sum() / lower.sum(),
        }


def _dichotomous(scores: pd.DataFrame, what: str) -> np.ndarray:
    """Complete rows of 0/1 scores, or an error naming the offending values."""
    values = scores.dropna().to_numpy(dtype=float)
    odd = np.unique(values[(values != 0) & (values != 1)])
    if odd.size:
        raise ValueError(
            f"{what} needs items scored 0/1; found {odd[:5].tolist()}. Use "
            "reliability.cronbach_alpha for weighted or partial-credit items"
        )
    if values.shape[1] < 2:
        raise ValueError(f"{what} needs at least 2 items; got {values.shape[1]}")
    return values


def kr20(scores: pd.DataFrame) -> float:
    """Kuder-Richardson formula 20 of a right/wrong test.

    Parameters
    ----------
    scores
        0/1 scores, respondents in rows; rows with a missing score are left out (listwise).

    Returns
    -------
    float
        KR-20; NaN when the total score has no spread.

    Notes
    -----
    :math:`KR_{20} = \\frac{k}{k-1} \\left(1 - \\frac{\\sum p_i q_i}{\\sigma_X^2}\\right)`,
    with :math:`p_i` the share correct, :math:`q_i = 1 - p_i` and :math:`\\sigma_X^2` the
    variance of the total score with divisor n. With the same divisor in both variances it is
    exactly Cronbach's alpha of the 0/1 items (an item's variance is then :math:`p_i q_i`).

    References
    ----------
    Kuder, G. F., & Richardson, M. W. (1937). The theory of the estimation of test
    reliability. Psychometrika, 2(3), 151-160.
    """
    values = _dichotomous(scores, "KR-20")
    k = values.shape[1]
    p = values.mean(axis=0)
    variance = values.sum(axis=1).var(ddof=0)
    return k / (k - 1) * (1 - float(np.sum(p * (1 - p))) / variance) if variance > 0 else math.nan


def kr21(scores: pd.DataFrame, *, ddof: int = 0) -> float:
    """Kuder-Richardson formula 21: KR-20 as if every item were equally difficult.

    Parameters
    ----------
    scores
        0/1 scores, respondents in rows; rows with a missing score are left out (listwise).
    ddof
        Divisor of the total-score variance is n - ddof: 0 (the default, as KR-20 here, so
        that KR-21 <= KR-20 and equality holds when all items share one p) or 1 (the sample
        variance some textbooks and SPSS users take).

    Returns
    -------
    float
        KR-21; NaN when the total score has no spread.

    Notes
    -----
    :math:`KR_{21} = \\frac{k}{k-1} \\left(1 - \\frac{M (k - M)}{k \\sigma_X^2}\\right)` with
    M the mean total score. It needs only M and the variance, and understates KR-20 when
    items differ in difficulty.

    References
    ----------
    Kuder, G. F., & Richardson, M. W. (1937). Psychometrika, 2(3), 151-160.
    """
    values = _dichotomous(scores, "KR-21")
    k = values.shape[1]
    total = values.sum(axis=1)
    mean, variance = float(total.mean()), float(total.var(ddof=ddof))
    return k / (k - 1) * (1 - mean * (k - mean) / (k * variance)) if variance > 0 else math.nan
