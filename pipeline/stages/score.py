"""Score: reverse keying, scale scores, psychometrics, categories and normalized gain.

- Scale scores: a participant's scale score is the mean of the answered items when at least
  ``analysis.min_answered_share`` of the items are answered, and missing otherwise. The sum is
  that mean times the number of items (a prorated sum on the full scale's range); POMP is the
  percent of the maximum possible (Cohen, Cohen, Aiken & West 1999).
- Reliability per scale and wave (:mod:`pipeline.stats.reliability`), item statistics and item
  validity against the critical r.
- Categories (:mod:`pipeline.stats.categories`) and gain (:mod:`pipeline.stats.gain`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from pipeline.config import WAVE_ORDER, Instrument, Study
from pipeline.stages.knowledge import test_tables
from pipeline.stages.outcomes import test_points
from pipeline.stages.pairs import (
    VALUE_COLUMN,
    Participants,
    at_waves,
    first_values,
    participant_matrix,
    people_at_waves,
)
from pipeline.stages.result import CleanResult, ScoreResult
from pipeline.stages.tryout import tryout_tables
from pipeline.stats import categories as cat
from pipeline.stats import gain as gn
from pipeline.stats import reliability as rel

__all__ = [
    "GROUP_ORDER",
    "SCORE_COLUMNS",
    "ScoreResult",
    "analysis_groups",
    "category_tables",
    "gain_tables",
    "keyed_scores",
    "reliability_tables",
    "reverse_key",
    "scale_scores",
    "score",
    "score_participants",
    "scoring_rules",
]

SCORE_COLUMNS = [
    "participant_code",
    "wave",
    "group",
    "scale",
    "n_items",
    "n_answered",
    "mean",
    "sum",
    "pomp",
]


def reverse_key(items: pd.DataFrame, instrument: Instrument) -> pd.DataFrame:
    """Recode reverse-keyed items as ``(min + max) - x``; other columns are left as they are.

    Applying it twice gives back the original data.
    """
    scale = instrument.response_scale
    reverse = [i.id for i in instrument.items if i.reverse and i.id in items]
    # A shallow copy: the reversed columns are replaced, the others shared with ``items``
    # (copy-on-write keeps ``items`` as it was), so keyed responses cost no second table.
    keyed = items.copy(deep=False)
    if reverse:
        keyed[reverse] = (scale.min + scale.max) - keyed[reverse]
    return keyed


def _kind_scores(values: np.ndarray, enough: np.ndarray, scale, instrument: Instrument):
    """Mean, sum and POMP of one scale's keyed items, by the scale's outcome kind.

    Likert: the mean of the answered items, the prorated sum mean x k and POMP of the mean on
    the response scale. Test: POMP is the points earned over the points of the answered
    questions (x 100, the percentage score), the sum that share of the test's points, the
    mean the sum per question. Score: the mean of the answered numbers, the prorated sum, POMP
    of the sum within the scale's range.
    """
    n_items = values.shape[1]
    answered = np.sum(~np.isnan(values), axis=1)
    kind = instrument.scale_kind(scale)
    if kind == "test":
        maxima = np.array([instrument.max_points(instrument.item(i)) for i in scale.items])
        possible = np.where(np.isnan(values), 0.0, maxima).sum(axis=1)
        earned = np.nansum(values, axis=1)
        pomp = np.where(enough & (possible > 0), earned / np.maximum(possible, 1e-12) * 100, np.nan)
        total = pomp / 100 * maxima.sum()
        return total / n_items, total, pomp
    total = np.nansum(values, axis=1)
    mean = np.where(enough & (answered > 0), total / np.maximum(answered, 1), np.nan)
    if kind == "score":
        low, high = instrument.scale_range(scale)
        return mean, mean * n_items, (mean * n_items - low) / (high - low) * 100
    low, high = instrument.response_scale.min, instrument.response_scale.max
    return mean, mean * n_items, (mean - low) / (high - low) * 100


#: Scale scores are computed this many rows at a time (a test makes it small).
_SCORE_BLOCK_ROWS = 1 << 16


def scale_scores(
    keyed: pd.DataFrame, instrument: Instrument, *, min_answered_share: float
) -> pd.DataFrame:
    """Scale scores of already keyed responses (``SCORE_COLUMNS``, one row per participant,
    wave and scale)."""
    # Categorical wave, group and scale: a long table (participants x waves x scales) is
    # filtered and pivoted many times, and integer codes make that fast at survey scale.
    # Participant codes stay text: a categorical of a million codes is re-coded whenever two
    # subsets meet, which costs more than it saves.
    keys = keyed[["participant_code", "wave", "group"]].astype(
        {"wave": "category", "group": "category"}
    )
    scales = instrument.all_scales
    rows = len(keys)
    # Scale by scale into slices of long columns allocated once: a frame per scale joined at
    # the end held the long table twice (about 1 GB at 1,000,000 participants).
    numbers = {name: np.empty(rows * len(scales)) for name in ("mean", "sum", "pomp")}
    n_items = np.empty(rows * len(scales), dtype=np.int64)
    n_answered = np.empty(rows * len(scales), dtype=np.int64)
    for position, scale in enumerate(scales):
        needed = np.ceil(min_answered_share * len(scale.items) - 1e-9)
        for start in range(0, rows, _SCORE_BLOCK_ROWS):
            # A block of rows at a time: a scale of every item copied whole (and copied
            # again to be summed) was the stage's largest allocation.
            stop = min(start + _SCORE_BLOCK_ROWS, rows)
            values = keyed.iloc[start:stop][scale.items].to_numpy(dtype=float)
            answered = np.sum(~np.isnan(values), axis=1)
            found = _kind_scores(values, answered >= needed, scale, instrument)
            part = slice(position * rows + start, position * rows + stop)
            for name, column in zip(("mean", "sum", "pomp"), found, strict=True):
                numbers[name][part] = column
            n_items[part], n_answered[part] = values.shape[1], answered
    # The keys repeated once per scale and every column joined once, not assigned column by
    # column (a tenth of a small portfolio study's scoring).
    repeated = np.tile(np.arange(rows), len(scales))
    scale_codes = np.repeat(np.arange(len(scales)), rows)
    return pd.DataFrame(
        {
            **{name: keys[name].array.take(repeated) for name in keys.columns},
            "scale": pd.Categorical.from_codes(scale_codes, categories=[s.id for s in scales]),
            "n_items": n_items,
            "n_answered": n_answered,
            **numbers,
        }
    )[SCORE_COLUMNS]


# --------------------------------------------------------------------------- reliability


def _scale_reliability(
    moments: tuple[np.ndarray, np.ndarray, int], *, use: str, level: float
) -> dict[str, object]:
    """Alpha with its CI, standardized alpha and omega from the items' covariances,
    correlations and n (:func:`pipeline.stats.reliability.item_moments`)."""
    cov, corr, n = moments
    k = cov.shape[0]
    row: dict[str, object] = {"n": n, "k": k, "missing_rule": use}
    variances = np.diag(cov)
    if n < 3 or np.isnan(cov).any() or np.any(variances <= 0):
        reason = (
            f"only {n} respondent(s)" if n < 3 else "an item has no variance or no pair of answers"
        )
        return {
            **row,
            "alpha": np.nan,
            "alpha_ci_low": np.nan,
            "alpha_ci_high": np.nan,
            "std_alpha": np.nan,
            "omega_total": np.nan,
            "omega_converged": False,
            "note": f"not computed: {reason}",
        }
    alpha = rel.cronbach_alpha(cov)
    low, high = rel.feldt_ci(alpha, n, k, level)
    omega, converged = rel.omega_total(corr)
    note = (
        ""
        if converged
        else (
            "omega not computed: a correlation is undefined or the items are collinear"
            if np.isnan(omega)
            else "the one-factor solution did not converge; omega is approximate"
        )
    )
    return {
        **row,
        "alpha": alpha,
        "alpha_ci_low": low,
        "alpha_ci_high": high,
        "std_alpha": rel.standardized_alpha(cov),
        "omega_total": omega,
        "omega_converged": converged,
        "note": note,
    }


def _item_rows(items: pd.DataFrame, cov: np.ndarray, n: int, study: Study) -> pd.DataFrame:
    stats = rel.item_statistics(items, cov)
    options = study.analysis
    df = n - 2 if options.r_table_df == "n-2" else n
    r_crit = rel.critical_r(n, alpha=options.alpha, df=df) if df > 0 else np.nan
    used = stats["r_item_rest"] if options.item_r == "corrected" else stats["r_item_total"]
    table = stats.assign(
        item=list(items.columns),
        mean=items.mean().to_numpy(),
        sd=items.std().to_numpy(),
        n_answered=items.notna().sum().to_numpy(),
        r_used=used,
        r_critical=r_crit,
        df=df,
    )
    table["valid"] = table["r_used"] >= table["r_critical"]
    table["rule"] = (
        f"{options.item_r} item-total r >= critical r (two-tailed alpha "
        f"{options.alpha:g}, df = {options.r_table_df})"
    )
    return table


def reliability_tables(keyed: pd.DataFrame, study: Study) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Reliability per scale and wave, and item statistics with item validity."""
    instrument, options = study.instrument_spec, study.analysis
    reverse = {i.id for i in instrument.items if i.reverse}
    rows, item_tables = [], []
    # A score outcome is one number per person: it has no items to be consistent.
    present = set(pd.unique(keyed["wave"]))
    rows_of = {w: keyed["wave"].eq(w).to_numpy() for w in WAVE_ORDER if w in present}
    for scale in [s for s in instrument.all_scales if instrument.scale_kind(s) != "score"]:
        for wave, chosen in rows_of.items():
            items = keyed.loc[chosen, scale.items]
            # One pass over the answers gives alpha, omega and the item statistics.
            moments = rel.item_moments(items, use=options.reliability_missing)
            row = _scale_reliability(
                moments, use=options.reliability_missing, level=options.ci_level
            )
            rows.append({"scale": scale.id, "wave": wave, **row})
            if row["note"].startswith("not computed"):
                continue
            table = _item_rows(items, moments[0], int(row["n"]), study)
            item_tables.append(
                table.assign(scale=scale.id, wave=wave, reverse=table["item"].isin(reverse))
            )
    items_columns = [
        "scale",
        "wave",
        "item",
        "reverse",
        "n_answered",
        "mean",
        "sd",
        "r_item_total",
        "r_item_rest",
        "alpha_if_deleted",
        "r_used",
        "r_critical",
        "df",
        "valid",
        "rule",
    ]
    items = (
        pd.concat(item_tables, ignore_index=True)[items_columns]
        if item_tables
        else pd.DataFrame(columns=items_columns)
    )
    return pd.DataFrame(rows), items


# --------------------------------------------------------------------------- categories


def _schemes(scores: pd.DataFrame, study: Study) -> list[tuple[str, str, cat.Scheme, str]]:
    """(scale, scheme name, scheme, the score column it applies to) for every scale."""
    instrument, options = study.instrument_spec, study.categories
    out = []
    for scale in instrument.all_scales:
        x_min, x_max = instrument.scale_range(scale)
        mean, sd = cat.hypothetical_norm(1, x_min, x_max)  # Xmin..Xmax of the sum
        name = f"hypothetical_{options.levels}"
        out.append(
            (scale.id, name, cat.azwar_scheme(mean, sd, levels=options.levels, name=name), "sum")
        )
        norm = scores[(scores["scale"] == scale.id) & (scores["wave"] == options.norm_wave)]
        values = norm["sum"].dropna()
        if len(values) >= 2 and values.std() > 0:
            name = f"empirical_{options.levels}"
            out.append(
                (
                    scale.id,
                    name,
                    cat.azwar_scheme(values.mean(), values.std(), levels=options.levels, name=name),
                    "sum",
                )
            )
        if options.custom:  # on the score the comparisons use: mean, percentage or number
            out.append(
                (
                    scale.id,
                    "custom",
                    cat.custom_scheme(options.custom.cuts, options.custom.labels),
                    VALUE_COLUMN[instrument.scale_kind(scale)],
                )
            )
    return out


#: Reading order of groups; "all" is the only group of a study without groups.
GROUP_ORDER = ("treatment", "control", "all")


def analysis_groups(scores: pd.DataFrame, order: Sequence[str] = GROUP_ORDER) -> list[str]:
    """The groups analysed one by one: each arm present (never pooled, which would mix
    treatment and control), or "all" in a study without groups; in ``order`` (the study's
    arm order), then any other arm present, by name."""
    present = set(pd.unique(scores["group"]))
    known = [g for g in order if g in present]
    return known + sorted(present - set(known), key=str)


def category_tables(scores: pd.DataFrame, study: Study, *, people: Participants | None = None):
    """Categories per participant, the schemes with their bounds, and the pre-post shifts.

    Levels are integer codes until the table is built: the long table's ``category`` is a
    categorical whose codes index one list of labels, and shifts compare codes. ``people``:
    the scores' participant codes already factorized (:func:`score_participants`)."""
    rows, schemes, moves = [], [], []
    found = _schemes(scores, study)
    # One set of categories for every part, so the long table stays categorical when joined.
    kinds = {
        "scale": list(dict.fromkeys(f[0] for f in found)),
        "scheme": list(dict.fromkeys(f[1] for f in found)),
        "category": list(dict.fromkeys(label for f in found for label in f[2].labels)),
    }

    def constant(kind: str, value: str, n: int) -> pd.Categorical:
        return pd.Categorical.from_codes(np.full(n, kinds[kind].index(value)), kinds[kind])

    def categories(values: np.ndarray, scheme: cat.Scheme) -> pd.Categorical:
        """The levels as codes into ``kinds["category"]`` (-1 missing), without text."""
        into = np.array([kinds["category"].index(label) for label in scheme.labels])
        codes = cat.level_codes(values, scheme)
        return pd.Categorical.from_codes(
            np.where(codes >= 0, into[codes], -1), categories=kinds["category"]
        )

    # Pre and post of every scale side by side, pivoted once for all schemes.
    waves = at_waves(scores, ["pre", "post"])
    wide, first = participant_matrix(
        waves,
        waves[["sum", "mean"]],
        ["scale", "wave"],
        people=people_at_waves(people, scores, ["pre", "post"]),
    )
    group_of = first_values(waves["group"], first, wide.index).to_numpy(dtype=object)
    arms = analysis_groups(scores, study.arm_order())
    by_scale = {scale: _rows(scores["scale"].eq(scale).to_numpy()) for scale in kinds["scale"]}

    for scale, name, scheme, column in found:
        part = scores.iloc[by_scale[scale]]
        rows.append(
            part[["participant_code", "wave", "group"]].assign(
                scale=constant("scale", scale, len(part)),
                scheme=constant("scheme", name, len(part)),
                score=part[column],
                category=categories(part[column].to_numpy(dtype=float), scheme),
            )
        )
        schemes.append(
            {
                "scale": scale,
                "scheme": name,
                "score": column,
                "norm_mean": scheme.norm_mean,
                "norm_sd": scheme.norm_sd,
                "cuts": list(scheme.cuts),
                "labels": list(scheme.labels),
                "labels_en": list(scheme.labels_en),
                "bounds": scheme.bounds_text(),
            }
        )
        if (column, scale, "pre") not in wide or (column, scale, "post") not in wide:
            continue
        pre = wide[(column, scale, "pre")].to_numpy(dtype=float)
        post = wide[(column, scale, "post")].to_numpy(dtype=float)
        both = ~np.isnan(pre) & ~np.isnan(post)
        moved = cat.shift_codes(
            cat.level_codes(pre[both], scheme), cat.level_codes(post[both], scheme)
        )
        group_both = group_of[both]
        for arm in arms:
            chosen = moved if arm == "all" else moved[group_both == arm]
            counts = np.bincount(chosen, minlength=len(cat.MOVES))
            moves.append(
                {
                    "scale": scale,
                    "scheme": name,
                    "group": arm,
                    "n": len(chosen),
                    **{k: int(counts[cat.MOVES.index(k)]) for k in ("up", "stayed", "down")},
                }
            )
    return (pd.concat(rows, ignore_index=True), pd.DataFrame(schemes), pd.DataFrame(moves))


def _rows(mask: np.ndarray) -> slice | np.ndarray:
    """The rows of a mask as a slice when they are one run (each scale's block of a scores
    table): a slice of the table shares its text codes, where a mask copies them, and the
    categories table repeats every scale's rows once per scheme."""
    found = np.flatnonzero(mask)
    if len(found) and found[-1] - found[0] + 1 == len(found):
        return slice(int(found[0]), int(found[-1]) + 1)
    return found


# --------------------------------------------------------------------------- gain


#: The gain table's notes: none, a pre score at the ceiling, a decline.
GAIN_NOTES = np.array(["", "pre at the ceiling: no room to gain", "declined"], dtype=object)


def gain_tables(
    scores: pd.DataFrame, study: Study, *, people: Participants | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per-participant gain on POMP scores and its summary per scale and group (``people``:
    as :func:`category_tables`)."""
    wide = _pomp_pairs(scores, people)
    wide["g"] = gn.individual_gain(wide["pre_pomp"], wide["post_pomp"])
    wide["c"] = gn.normalized_change(wide["pre_pomp"], wide["post_pomp"])
    method = study.analysis.gain_method
    wide["value"] = wide["g"] if method == "hake" else wide["c"]
    wide["hake_level"] = gn.hake_labels(wide["value"])
    # Each row's note by number, then the words: choosing among the texts themselves made a
    # fixed-width text array of every row (0.84 GB and 1.5 CPU s at 6,000,000 gains).
    note = np.select([wide["pre_pomp"] >= 100, wide["post_pomp"] < wide["pre_pomp"]], [1, 2])
    wide["note"] = GAIN_NOTES[note]
    arms = analysis_groups(scores, study.arm_order())
    summary = []
    for scale in pd.unique(scores["scale"]):  # each scale's rows taken once for its arms
        of_scale = wide[wide["scale"] == scale]
        summary += [_gain_summary(of_scale, scale, arm, method) for arm in arms]
    return wide, pd.DataFrame(summary)


def _pomp_pairs(scores: pd.DataFrame, people: Participants | None = None) -> pd.DataFrame:
    """``participant_code, group, scale, pre_pomp, post_pomp`` of every participant and scale
    with both POMP scores, by participant code, then scale; from one matrix of participants by
    (scale, wave) rather than a pivot on the text codes (one score per participant, wave and
    scale, as :func:`scale_scores` gives)."""
    waves = at_waves(scores, ["pre", "post"])
    pomp, first = participant_matrix(
        waves,
        waves["pomp"],
        ["scale", "wave"],
        people=people_at_waves(people, scores, ["pre", "post"]),
    )
    scales = pomp.columns.levels[0]
    # the columns present, not the levels: a categorical wave brings every category along
    if not {"pre", "post"} <= set(pomp.columns.get_level_values("wave")):  # nobody to pair
        pre = post = np.full((len(pomp), len(scales)), np.nan)
    else:
        pre = pomp.xs("pre", axis=1, level="wave").reindex(columns=scales).to_numpy()
        post = pomp.xs("post", axis=1, level="wave").reindex(columns=scales).to_numpy()
    person, scale = np.nonzero(~np.isnan(pre) & ~np.isnan(post))
    table = pd.DataFrame(
        {
            "participant_code": pomp.index.take(person),
            "group": waves["group"].array.take(first[person]),
            "scale": scales.take(scale),
            "pre_pomp": pre[person, scale],
            "post_pomp": post[person, scale],
        }
    )
    table.columns.name = "wave"  # as a pivot by wave names them
    return table


def _gain_summary(part: pd.DataFrame, scale: str, arm: str, method: str) -> dict[str, object]:
    """The summary of one scale's gains (``part``: that scale's rows) in one arm."""
    if arm != "all":
        part = part[part["group"] == arm]
    values = part["value"].dropna()
    g_class = gn.class_gain(part["pre_pomp"], part["post_pomp"]) if len(part) else np.nan
    mean = float(values.mean()) if len(values) else np.nan
    levels = part["hake_level"].value_counts()
    return {
        "scale": scale,
        "group": arm,
        "method": method,
        "n_pairs": len(part),
        "n_ceiling": int((part["pre_pomp"] >= 100).sum()),
        "n_declined": int((part["post_pomp"] < part["pre_pomp"]).sum()),
        "g_class": g_class,
        "hake_class": gn.hake_label(g_class),
        "gain_mean": mean,
        "gain_median": float(values.median()) if len(values) else np.nan,
        "effectiveness_pct": 100 * mean,
        "effectiveness": gn.effectiveness_label(100 * mean),
        **{
            f"share_{k}": float(levels.get(k, 0)) / len(values) if len(values) else np.nan
            for k in ("high", "medium", "low")
        },
    }


# --------------------------------------------------------------------------- stage


def keyed_scores(cleaned: CleanResult, study: Study) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The keyed responses (reverse Likert items, test answers as points) and every scale's
    score: the part of :func:`score` a portfolio reads."""
    instrument = study.instrument_spec
    keyed = test_points(reverse_key(cleaned.responses, instrument), instrument)
    share = study.analysis.min_answered_share
    return keyed, scale_scores(keyed, instrument, min_answered_share=share)


def score_participants(
    keyed: pd.DataFrame, scores: pd.DataFrame
) -> tuple[Participants, Participants]:
    """The participant codes of the keyed responses and of ``scores`` as integers, from one
    factorize of the responses' codes: :func:`scale_scores` stacks one block of the
    responses' rows per scale, so repeating their keys per block gives what factorizing the
    scores' codes gives (a national survey's eleven million score rows took 1.6 s per
    factorize, three times a study)."""
    respondents = Participants.of(keyed["participant_code"])
    blocks, rest = divmod(len(scores), len(keyed)) if len(keyed) else (0, 1)
    if rest:  # not the stacked blocks scale_scores builds: the scores' own codes
        return respondents, Participants.of(scores["participant_code"])
    return respondents, respondents.tiled(blocks)


def score(cleaned: CleanResult, study: Study) -> ScoreResult:
    """Key the items (reverse Likert items, test answers to points), score every scale, and
    derive psychometrics, categories, gain, the test item analysis and, for a try-out, item
    validity and reliability."""
    keyed, scores = keyed_scores(cleaned, study)
    reliability, items = reliability_tables(keyed, study)
    respondents = people = None
    if study.is_tryout:  # one wave: no change to categorize or gain
        categories, schemes, shift = pd.DataFrame(), pd.DataFrame(), pd.DataFrame()
        gain, gain_summary = pd.DataFrame(), pd.DataFrame()
        tryout = tryout_tables(keyed, study)
    else:
        respondents, people = score_participants(keyed, scores)
        categories, schemes, shift = category_tables(scores, study, people=people)
        gain, gain_summary = gain_tables(scores, study, people=people)
        tryout = (pd.DataFrame(), pd.DataFrame())
    test_items, distractors, test_summary = test_tables(keyed, cleaned.responses, study)
    return ScoreResult(
        keyed,
        scores,
        reliability,
        items,
        categories,
        schemes,
        shift,
        gain,
        gain_summary,
        scoring_rules(study),
        test_items=test_items,
        distractors=distractors,
        test_summary=test_summary,
        tryout_items=tryout[0],
        tryout_scales=tryout[1],
        participants=people,
        respondents=respondents,
    )


def scoring_rules(study: Study) -> dict[str, object]:
    """The scoring rules in words, for the report (``results.json``'s ``scoring``)."""
    instrument, options = study.instrument_spec, study.analysis
    rule: dict[str, object] = {
        "min_answered_share": options.min_answered_share,
        "score": "mean of answered items; prorated sum = mean x number of items; "
        "POMP = (mean - min) / (max - min) x 100",
        "reliability_missing": options.reliability_missing,
        "item_validity": f"{options.item_r} item-total r against the critical r "
        f"(df = {options.r_table_df}, two-tailed alpha {options.alpha:g})",
        "gain_method": options.gain_method,
        "categories": f"Azwar {study.categories.levels} levels; lower bounds inclusive",
    }
    if instrument.response_scale is not None:
        low, high = instrument.response_scale.min, instrument.response_scale.max
        rule["reverse_keying"] = f"({low} + {high}) - x"
    if instrument.items_of("test"):
        rule["test"] = (
            "points by the answer key (or the export's points); an unanswered question "
            f"scores {'0' if instrument.test.omitted == 'wrong' else 'missing'}; percentage "
            "score = points / maximum points x 100"
        )
    if instrument.items_of("score"):
        rule["score_outcome"] = "the number as entered, within its declared range"
    return rule
