"""Clean: normalize ids, resolve duplicates, match waves, pseudonymize, and keep the ledger.

Every valid input row ends in exactly one outcome: ``matched`` (kept and paired with another
wave), ``unmatched`` (kept, no partner wave), or ``duplicate`` (an earlier submission of the same
participant in the same wave, superseded by the latest one). Quarantined rows come from
validation. The ledger holds all of them, so its counts add up to the input rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process

from pipeline.config import Study
from pipeline.ingest import CONTACT_PREFIX, normalize_text
from pipeline.validate import ValidationResult

__all__ = ["LEDGER_COLUMNS", "CleanResult", "clean", "match_waves", "normalize_id"]

LEDGER_COLUMNS = ["wave", "source_file", "source_row", "outcome", "participant_code", "detail"]
_WAVE_ORDER = {"pre": 0, "post": 1, "follow_up": 2}


@dataclass(frozen=True)
class CleanResult:
    """Pseudonymized responses, the identity key, wave matches and the ledger.

    Attributes
    ----------
    responses
        One row per kept submission (latest per participant and wave): ``participant_code``,
        ``wave``, ``group`` (treatment/control, or "all" without groups), demographics, items.
        No names, phone numbers or e-mails.
    key
        ``participant_code`` to the identity as entered and contact columns: personal data,
        stays in ``data/processed``.
    matches
        How each participant's waves were joined: ``participant_code``, ``method`` (exact or
        fuzzy), ``score`` (rapidfuzz, 100 for exact) and the two ids compared. Personal data.
    ledger
        One row per input row: ``LEDGER_COLUMNS``.
    attrition
        Participants per group by the waves they answered: ``group, pattern, n`` with
        patterns such as ``pre+post``, ``pre only``, ``post only``; group "all" pools groups.
    """

    responses: pd.DataFrame
    key: pd.DataFrame
    matches: pd.DataFrame
    ledger: pd.DataFrame
    attrition: pd.DataFrame


def attrition_table(responses: pd.DataFrame) -> pd.DataFrame:
    """Count participants per group by which waves they answered."""
    waves = responses.groupby("participant_code").agg(
        group=("group", "first"),
        pattern=("wave", lambda w: "+".join(sorted(set(w), key=_WAVE_ORDER.get))),
    )
    waves["pattern"] = waves["pattern"].where(
        waves["pattern"].str.contains("+", regex=False), waves["pattern"] + " only"
    )
    table = waves.groupby(["group", "pattern"]).size().rename("n").reset_index()
    if table["group"].nunique() > 1:
        pooled = waves.groupby("pattern").size().rename("n").reset_index().assign(group="all")
        table = pd.concat([table, pooled[["group", "pattern", "n"]]], ignore_index=True)
    return table


def normalize_id(values: pd.Series, *, kind: str) -> pd.Series:
    """Comparable participant ids: names lower-cased without accents, punctuation or extra
    spaces; numbers stripped of spaces and punctuation and upper-cased."""
    text = values.astype(str).map(normalize_text)
    if kind == "number":
        return text.str.replace(r"[^0-9a-z]", "", regex=True).str.upper()
    text = text.str.replace(r"[^\w\s]", " ", regex=True)
    return text.str.replace(r"\s+", " ", regex=True).str.strip()


def _resolve_duplicates(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Keep the latest submission per (wave, id); return kept rows and superseded rows."""
    order = frame.sort_values(
        ["wave", "id_norm", "submitted_at", "source_row"], na_position="first", kind="stable"
    )
    latest = ~order.duplicated(["wave", "id_norm"], keep="last")
    kept = order[latest]
    dupes = order[~latest].copy()
    kept_rows = kept.set_index(["wave", "id_norm"])["source_row"]
    dupes["kept_row"] = [
        kept_rows[(w, i)] for w, i in zip(dupes["wave"], dupes["id_norm"], strict=True)
    ]
    return kept.sort_index(), dupes


def match_waves(
    base: pd.DataFrame, other: pd.DataFrame, *, threshold: float, block: str | None
) -> pd.DataFrame:
    """Match the rows of two waves: exact normalized id first, then fuzzy names.

    Fuzzy candidates are compared only within the same block (the group label, when the study
    has groups) and accepted one-to-one, best score first, at or above ``threshold``. The
    score (0-100) is the larger of rapidfuzz's ``token_sort_ratio`` (word order does not
    matter) and its ``ratio`` of the names without spaces (a missing space does not matter).

    Returns
    -------
    DataFrame
        ``base_index, other_index, method, score``.
    """
    exact = base.reset_index().merge(other.reset_index(), on="id_norm", suffixes=("_b", "_o"))
    rows = [(b, o, "exact", 100.0) for b, o in zip(exact["index_b"], exact["index_o"], strict=True)]
    rest_b = base.drop(index=exact["index_b"])
    rest_o = other.drop(index=exact["index_o"])
    blocks = (
        [(rest_b, rest_o)]
        if block is None
        else [(part, rest_o[rest_o[block] == label]) for label, part in rest_b.groupby(block)]
    )
    for part_b, part_o in blocks:
        rows += _fuzzy_pairs(part_b, part_o, threshold)
    return pd.DataFrame(rows, columns=["base_index", "other_index", "method", "score"])


def _fuzzy_pairs(base: pd.DataFrame, other: pd.DataFrame, threshold: float) -> list[tuple]:
    if base.empty or other.empty:
        return []
    names_b, names_o = base["id_norm"].tolist(), other["id_norm"].tolist()
    # Word order and spacing both vary in typed names ("Siti Aminah", "Aminah Siti",
    # "SitiAminah"): take the better of a token-sorted and a space-free comparison.
    by_tokens = process.cdist(names_b, names_o, scorer=fuzz.token_sort_ratio)
    by_letters = process.cdist(
        [n.replace(" ", "") for n in names_b],
        [n.replace(" ", "") for n in names_o],
        scorer=fuzz.ratio,
    )
    scores = np.maximum(by_tokens, by_letters)
    scores[scores < threshold] = 0
    b_idx, o_idx = np.nonzero(scores)
    order = np.argsort(-scores[b_idx, o_idx], kind="stable")
    used_b, used_o, pairs = set(), set(), []
    for k in order:  # greedy one-to-one over the few candidate pairs above the threshold
        i, j = b_idx[k], o_idx[k]
        if i in used_b or j in used_o:
            continue
        used_b.add(i)
        used_o.add(j)
        pairs.append((base.index[i], other.index[j], "fuzzy", float(scores[i, j])))
    return pairs


def _assign_participants(kept: pd.DataFrame, study: Study) -> tuple[pd.Series, pd.DataFrame]:
    """Give every kept row a person number, joining later waves to the pre wave."""
    block = "group_label" if study.groups else None
    person = pd.Series(np.arange(len(kept)), index=kept.index)
    waves = sorted(kept["wave"].unique(), key=_WAVE_ORDER.get)
    base = kept[kept["wave"] == waves[0]]
    records = []
    for wave in waves[1:]:
        other = kept[kept["wave"] == wave]
        pairs = match_waves(base, other, threshold=study.analysis.fuzzy_threshold, block=block)
        person.loc[pairs["other_index"].to_numpy()] = person.loc[pairs["base_index"]].to_numpy()
        pairs["wave"] = wave
        pairs["id_base"] = kept.loc[pairs["base_index"], "participant"].to_numpy()
        pairs["id_other"] = kept.loc[pairs["other_index"], "participant"].to_numpy()
        records.append(pairs)
    matches = pd.concat(records, ignore_index=True) if records else pd.DataFrame()
    return person, matches


def _codes(person: pd.Series, kept: pd.DataFrame) -> pd.Series:
    """Stable codes P0001...: ordered by group, first wave and first submission, then id."""
    first = kept.assign(person=person, w=kept["wave"].map(_WAVE_ORDER))
    first = first.sort_values(
        ["group", "w", "submitted_at", "id_norm", "source_row"], na_position="last", kind="stable"
    )
    order = pd.unique(first["person"])
    width = max(4, len(str(len(order))))
    code_of = {p: f"P{n:0{width}d}" for n, p in enumerate(order, start=1)}
    return person.map(code_of)


def _ledger(
    kept: pd.DataFrame, dupes: pd.DataFrame, matches: pd.DataFrame, validated: ValidationResult
) -> pd.DataFrame:
    fuzzy = matches[matches["method"] == "fuzzy"] if not matches.empty else matches
    fuzzy_note = {
        idx: f"matched to the {w} wave by a similar name (score {s:.0f})"
        for idx, w, s in zip(
            fuzzy.get("other_index", []), fuzzy.get("wave", []), fuzzy.get("score", []), strict=True
        )
    }
    n_waves = kept.groupby("participant_code")["wave"].transform("nunique")
    kept_part = kept[["wave", "source_file", "source_row", "participant_code"]].assign(
        outcome=np.where(n_waves > 1, "matched", "unmatched"),
        detail=[fuzzy_note.get(i, "") for i in kept.index],
    )
    code_of_row = kept.set_index(["wave", "source_row"])["participant_code"]
    dupe_part = dupes[["wave", "source_file", "source_row"]].assign(
        outcome="duplicate",
        participant_code=[
            code_of_row[(w, r)] for w, r in zip(dupes["wave"], dupes["kept_row"], strict=True)
        ],
        detail=[f"earlier submission; the latest (row {r}) is kept" for r in dupes["kept_row"]],
    )
    quarantined = validated.quarantine.assign(
        outcome="quarantined", participant_code=pd.NA, detail=validated.quarantine["reason"]
    )
    ledger = pd.concat([kept_part, dupe_part, quarantined[LEDGER_COLUMNS]], ignore_index=True)
    ledger["wave_order"] = ledger["wave"].map(_WAVE_ORDER)
    ledger = ledger.sort_values(["wave_order", "source_file", "source_row"], kind="stable")
    return ledger[LEDGER_COLUMNS].reset_index(drop=True)


def clean(validated: ValidationResult, study: Study) -> CleanResult:
    """Turn validated rows into one pseudonymized record per participant and wave.

    Parameters
    ----------
    validated
        Output of :func:`pipeline.validate.validate`.
    study
        The loaded study.

    Returns
    -------
    CleanResult
        Responses without personal data, the identity key, the matches and the ledger.
    """
    frame = validated.valid.copy()
    frame["id_norm"] = normalize_id(frame["participant"], kind=study.columns.id_kind)
    mapping = study.groups.label_to_group() if study.groups else None
    frame["group"] = frame["group_label"].map(mapping) if mapping else "all"
    kept, dupes = _resolve_duplicates(frame)
    person, matches = _assign_participants(kept, study)
    kept = kept.assign(participant_code=_codes(person, kept.assign(group=kept["group"])))
    # A person's group is the one given at their first wave, so a relabelled post row
    # cannot move them between arms.
    first_group = (
        kept.sort_values("wave", key=lambda w: w.map(_WAVE_ORDER))
        .groupby("participant_code")["group"]
        .first()
    )
    kept["group"] = kept["participant_code"].map(first_group)
    ledger = _ledger(kept, dupes, matches, validated)
    contacts = [c for c in kept.columns if c.startswith(CONTACT_PREFIX)]
    key = kept[["participant_code", "wave", "participant", *contacts]].reset_index(drop=True)
    if not matches.empty:
        matches = matches.assign(
            participant_code=kept.loc[matches["base_index"], "participant_code"].to_numpy()
        )[["participant_code", "wave", "method", "score", "id_base", "id_other"]]
    private = ["participant", "id_norm", "group_label", "source_file", "source_row", *contacts]
    responses = kept.drop(columns=private)
    front = ["participant_code", "wave", "group"]
    responses = responses[front + [c for c in responses.columns if c not in front]]
    responses = responses.sort_values(
        ["participant_code", "wave"], key=lambda s: s.map(_WAVE_ORDER) if s.name == "wave" else s
    )
    responses = responses.reset_index(drop=True)
    return CleanResult(responses, key, matches, ledger, attrition_table(responses))
