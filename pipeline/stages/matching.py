"""Matching the waves of one participant: exact ids first, then similar names, then review.

Used by :mod:`pipeline.clean`. Names typed twice by the same person differ (typos, spacing,
word order, case), so after exact matching of normalized ids the rest are compared with
rapidfuzz and accepted one-to-one, best first, at or above the study's ``fuzzy_threshold``.
Pairs scoring between ``review_threshold`` and ``fuzzy_threshold`` are proposed for review and
never accepted on their own; a reviewed file (the bundle's ``match_review.csv`` with its
``decision`` column filled in) can accept or reject any pair on the next run.

Comparisons are blocked so large studies stay fast: names are compared only within the same
group label, and when a block is large, only with names that share their first two or their
last two letters (a typo rarely hits both ends of a name).

Student numbers match exactly only; those left unmatched that are one edit apart from a
number of the other wave and come with a similar name are proposed for review
(:func:`near_misses`): sequential student numbers make many one-edit pairs, and only the name
tells a typo from a classmate.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process

from pipeline.stages.identity import near_miss_ids

__all__ = ["NEAR_MISS_STATUS", "REVIEW_OUTPUT_COLUMNS", "match_waves", "name_similarity"]

REVIEW_OUTPUT_COLUMNS = ["wave", "name_base", "name_other", "score", "status", "decision"]
#: Largest block (pairs of names) compared in full; larger blocks are sub-blocked.
FULL_COMPARISON_LIMIT = 4_000_000
STATUS = {
    "auto": "accepted: score at or above the threshold",
    "review_yes": "accepted by review",
    "review_no": "rejected by review",
    "proposed": "proposed: below the threshold, needs a decision",
    "displaced": "not used: a better pair took one of these names",
}
#: Status of a near-miss pair of student numbers (its start marks it in the review table).
NEAR_MISS_STATUS = "proposed: student numbers one edit apart"


def name_similarity(names_a: list[str], names_b: list[str]) -> np.ndarray:
    """All-pairs similarity (0-100) of normalized names.

    The larger of rapidfuzz's ``token_sort_ratio`` (word order does not matter) and its
    ``ratio`` of the names without spaces (a missing or extra space does not matter).
    """
    by_tokens = process.cdist(names_a, names_b, scorer=fuzz.token_sort_ratio, workers=1)
    squeeze_a = [n.replace(" ", "") for n in names_a]
    squeeze_b = [n.replace(" ", "") for n in names_b]
    by_letters = process.cdist(squeeze_a, squeeze_b, scorer=fuzz.ratio, workers=1)
    return np.maximum(by_tokens, by_letters).astype(np.float64)


def _block_pairs(base: pd.DataFrame, other: pd.DataFrame, min_score: float) -> pd.DataFrame:
    """Candidate pairs of one block with their scores, at or above ``min_score``."""
    if base.empty or other.empty:
        return pd.DataFrame(columns=["base_index", "other_index", "score"])
    if len(base) * len(other) > FULL_COMPARISON_LIMIT:
        return _sub_blocked(base, other, min_score)
    scores = name_similarity(base["id_norm"].tolist(), other["id_norm"].tolist())
    b, o = np.nonzero(scores >= min_score)
    return pd.DataFrame(
        {"base_index": base.index[b], "other_index": other.index[o], "score": scores[b, o]}
    )


def _sub_blocked(base: pd.DataFrame, other: pd.DataFrame, min_score: float) -> pd.DataFrame:
    parts = []
    for key in (
        lambda s: s.str.replace(" ", "").str[:2],
        lambda s: s.str.replace(" ", "").str[-2:],
    ):
        kb, ko = key(base["id_norm"]), key(other["id_norm"])
        for value, part_b in base.groupby(kb):
            part_o = other[ko == value]
            if len(part_b) * len(part_o) <= FULL_COMPARISON_LIMIT:
                parts.append(_block_pairs(part_b, part_o, min_score))
            else:  # a huge block of one prefix: compare it in slices
                step = max(1, FULL_COMPARISON_LIMIT // max(len(part_o), 1))
                parts += [
                    _block_pairs(part_b.iloc[i : i + step], part_o, min_score)
                    for i in range(0, len(part_b), step)
                ]
    pairs = (
        pd.concat(parts, ignore_index=True) if parts else _block_pairs(base[:0], other, min_score)
    )
    return pairs.drop_duplicates(["base_index", "other_index"])


def _greedy(pairs: pd.DataFrame, used_b: set, used_o: set) -> pd.DataFrame:
    """Accept pairs one-to-one in the given order, skipping names already taken."""
    keep = []
    for b, o in zip(pairs["base_index"], pairs["other_index"], strict=True):
        keep.append(b not in used_b and o not in used_o)
        if keep[-1]:
            used_b.add(b)
            used_o.add(o)
    return pairs[np.array(keep, dtype=bool)] if keep else pairs


def match_waves(
    base: pd.DataFrame,
    other: pd.DataFrame,
    *,
    threshold: float,
    review_threshold: float,
    block: str | None,
    decisions: dict[tuple[str, str], str] | None = None,
    similar: bool = True,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Match the rows of a later wave to the base wave.

    Parameters
    ----------
    base, other
        Kept rows of the two waves, with ``id_norm``, ``participant`` and the block column.
    threshold
        Similarity (0-100) at or above which a pair is accepted without review.
    review_threshold
        Similarity from which a pair below ``threshold`` is proposed for review.
    block
        Column whose values must be equal for two rows to be compared (None: compare all).
    decisions
        Reviewed decisions keyed by (normalized base name, normalized other name): "yes"
        accepts the pair whatever its score, "no" rejects it.
    similar
        Compare similar ids at all. False for student numbers: two numbers one digit apart
        are two different students, so only exact ids (and reviewed pairs) match.

    Returns
    -------
    matches
        ``base_index, other_index, method (exact, fuzzy, review), score``.
    review
        Every pair considered beyond exact ids: names as typed, score, status and decision.
    """
    decisions = decisions or {}
    # The columns read here only: merging, dropping and grouping every column of both waves
    # cost more than the matching itself.
    read = list(dict.fromkeys(["id_norm", "participant", *([block] if block else [])]))
    base, other = base[read], other[read]
    exact = _same_ids(base, other)
    matches = [
        pd.DataFrame(
            {
                "base_index": exact["index_b"],
                "other_index": exact["index_o"],
                "method": "exact",
                "score": 100.0,
            }
        )
    ]
    rest_b = base.drop(index=exact["index_b"])
    rest_o = other.drop(index=exact["index_o"])
    blocks = (
        [(rest_b, rest_o)]
        if block is None
        else [(part, rest_o[rest_o[block] == label]) for label, part in rest_b.groupby(block)]
    )
    parts = [_block_pairs(b, o, review_threshold) for b, o in blocks] if similar else []
    candidates = (
        pd.concat(parts, ignore_index=True)
        if parts
        else _block_pairs(rest_b, rest_o.iloc[:0], review_threshold)
    )
    candidates = _with_decisions(candidates, rest_b, rest_o, decisions)
    used_b, used_o = set(), set()
    reviewed = _greedy(candidates[candidates["decision"] == "yes"], used_b, used_o)
    automatic = candidates[(candidates["score"] >= threshold) & (candidates["decision"] == "")]
    automatic = _greedy(
        automatic.sort_values("score", ascending=False, kind="stable"), used_b, used_o
    )
    matches += [reviewed.assign(method="review"), automatic.assign(method="fuzzy")]
    accepted = pd.concat(matches, ignore_index=True)[
        ["base_index", "other_index", "method", "score"]
    ]
    review = _review_table(candidates, reviewed, automatic, base, other, threshold)
    return accepted, review


def _same_ids(base: pd.DataFrame, other: pd.DataFrame) -> dict[str, np.ndarray]:
    """The row labels of every pair of rows with the same ``id_norm``, as an inner merge on
    it gives them (base rows in order, each one's matches in the other wave's order), found
    on integer codes: the merge's set-up cost a few milliseconds a study."""
    ids = [frame["id_norm"].to_numpy(dtype=object) for frame in (base, other)]
    codes, _ = pd.factorize(np.concatenate(ids), use_na_sentinel=False)
    code_b, code_o = codes[: len(base)], codes[len(base) :]
    order = np.argsort(code_o, kind="stable")
    starts = np.searchsorted(code_o[order], code_b, side="left")
    counts = np.searchsorted(code_o[order], code_b, side="right") - starts
    left = np.repeat(np.arange(len(base)), counts)
    within = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    right = order[np.repeat(starts, counts) + within]
    return {"index_b": base.index.to_numpy()[left], "index_o": other.index.to_numpy()[right]}


def _with_decisions(
    candidates: pd.DataFrame,
    base: pd.DataFrame,
    other: pd.DataFrame,
    decisions: dict[tuple[str, str], str],
) -> pd.DataFrame:
    """Attach reviewed decisions, adding decided pairs that scored below the review range."""
    key_b, key_o = base["id_norm"], other["id_norm"]
    extra = []
    index_b = dict(zip(key_b, base.index, strict=True))
    index_o = dict(zip(key_o, other.index, strict=True))
    for (name_b, name_o), decision in decisions.items():
        if decision == "yes" and name_b in index_b and name_o in index_o:
            extra.append((index_b[name_b], index_o[name_o]))
    if extra:
        added = pd.DataFrame(extra, columns=["base_index", "other_index"])
        added["score"] = [float(name_similarity([key_b[b]], [key_o[o]])[0, 0]) for b, o in extra]
        candidates = pd.concat([candidates, added], ignore_index=True).drop_duplicates(
            ["base_index", "other_index"]
        )
    names = list(
        zip(
            key_b.reindex(candidates["base_index"]),
            key_o.reindex(candidates["other_index"]),
            strict=True,
        )
    )
    return candidates.assign(decision=[decisions.get(n, "") for n in names])


def _review_table(candidates, reviewed, automatic, base, other, threshold) -> pd.DataFrame:
    accepted = set(zip(reviewed["base_index"], reviewed["other_index"], strict=True))
    auto = set(zip(automatic["base_index"], automatic["other_index"], strict=True))

    def status(row) -> str:
        pair = (row.base_index, row.other_index)
        if row.decision == "no":
            return STATUS["review_no"]
        if pair in accepted:
            return STATUS["review_yes"]
        if pair in auto:
            return STATUS["auto"]
        return STATUS["proposed"] if row.score < threshold else STATUS["displaced"]

    table = pd.DataFrame(
        {
            "name_base": base["participant"].reindex(candidates["base_index"]).to_numpy(),
            "name_other": other["participant"].reindex(candidates["other_index"]).to_numpy(),
            "score": candidates["score"].round(1).to_numpy(),
            "status": [status(r) for r in candidates.itertuples()],
            "decision": candidates["decision"].to_numpy(),
        }
    )
    return table.sort_values(["status", "score"], ascending=[True, False], kind="stable")


def near_misses(
    base: pd.DataFrame,
    other: pd.DataFrame,
    pairs: pd.DataFrame,
    names: str | None,
    decisions: dict[tuple[str, str], str] | None = None,
) -> pd.DataFrame:
    """Student numbers left unmatched in two waves that are one edit apart: review rows.

    Parameters
    ----------
    base, other
        Kept rows of the two waves (``participant`` as typed).
    pairs
        The matches already made (``base_index``, ``other_index``): their rows are left out.
    names
        The column holding the participants' names (a declared name column that identifies
        people), or None: without names nothing is proposed.
    decisions
        Reviewed decisions keyed by the two normalized numbers; a pair decided "no" is listed
        as rejected.

    Returns
    -------
    DataFrame
        ``name_base, name_other, score, status, decision`` as in the review table: the numbers
        as typed, the names' similarity, and a status naming the edit and the names, so the
        reviewer can decide.
    """
    columns = ["name_base", "name_other", "score", "status", "decision"]
    if names is None:
        return pd.DataFrame(columns=columns)
    open_b = base.drop(index=pairs["base_index"])
    open_o = other.drop(index=pairs["other_index"])
    found = near_miss_ids(
        open_b["participant"], open_o["participant"], names_a=open_b[names], names_b=open_o[names]
    )
    if found.empty:
        return pd.DataFrame(columns=columns)
    decided = [
        (decisions or {}).get(pair, "") for pair in zip(found["id_a"], found["id_b"], strict=True)
    ]
    status = (
        NEAR_MISS_STATUS + " (" + found["edit"] + ") with similar names ('" + found["name_a"]
        + "' / '" + found["name_b"] + "'), needs a decision"
    )  # fmt: skip
    return pd.DataFrame(
        {
            "name_base": open_b.loc[found["index_a"], "participant"].to_numpy(),
            "name_other": open_o.loc[found["index_b"], "participant"].to_numpy(),
            "score": found["name_score"].round(1).to_numpy(),
            "status": np.where(np.array(decided) == "no", STATUS["review_no"], status),
            "decision": decided,
        }
    )
