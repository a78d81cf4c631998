"""Clean: normalize ids, resolve duplicates, flag careless responding, match waves,
pseudonymize, and keep the ledger.

Every input row ends in exactly one ledger outcome:

- ``matched``: kept and joined with the same participant's row in another wave;
- ``unmatched``: kept, but no other wave of this participant is in the analysis;
- ``duplicate``: an earlier submission of the same participant in the same wave (the latest is
  kept);
- ``excluded``: flagged as careless and excluded because the study says so;
- ``quarantined``: a row with problems (from validation), with its reasons;
- ``blank``: a row without any content.

So the ledger's counts add up to the input rows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.config import WAVE_ORDER, Study
from pipeline.errors import Problem
from pipeline.stages.careless import careless_flags
from pipeline.stages.headers import CONTACT_PREFIX
from pipeline.stages.identity import normalize_ids
from pipeline.stages.matching import REVIEW_OUTPUT_COLUMNS, match_waves, near_misses
from pipeline.stages.result import CleanResult, ValidationResult

__all__ = ["LEDGER_COLUMNS", "CleanResult", "attrition_table", "clean"]

#: Clean's own column of each kept row's code number (see :func:`_codes`); never output.
NUMBER = "_code_number"
LEDGER_COLUMNS = ["wave", "source_file", "source_row", "outcome", "participant_code", "detail"]
CARELESS_COLUMNS = [
    "participant_code",
    "wave",
    "longstring",
    "longstring_flag",
    "attention_failed",
    "flagged",
    "excluded",
    "reason",
]


def attrition_table(responses: pd.DataFrame, numbers: np.ndarray | None = None) -> pd.DataFrame:
    """Count participants per group by which waves they answered (``numbers``: each row's
    participant as an integer that sorts as the codes do, e.g. the code numbers clean
    gives; by default the codes factorized)."""
    # One row per participant and wave, in time order: the pattern is the waves joined by "+".
    # Participants by integer key (codes in their sorted order), not by text.
    if numbers is None:
        numbers = pd.factorize(responses["participant_code"], sort=True)[0]
    answered = (
        responses[["group", "wave"]]
        .assign(participant_code=numbers)
        .drop_duplicates(["participant_code", "wave"])
        .assign(order=lambda f: f["wave"].map(WAVE_ORDER))
        .sort_values(["participant_code", "order"], kind="stable")
    )
    by_person = answered.groupby("participant_code", sort=True)
    waves = pd.DataFrame(
        {
            "group": by_person["group"].first(),
            "pattern": _joined(answered),
        }
    )
    table = waves.groupby(["group", "pattern"]).size().rename("n").reset_index()
    if table["group"].nunique() > 1:
        pooled = waves.groupby("pattern").size().rename("n").reset_index().assign(group="all")
        table = pd.concat([table, pooled[["group", "pattern", "n"]]], ignore_index=True)
    return table


def _joined(answered: pd.DataFrame) -> pd.Series:
    """The "+"-joined waves per participant ("pre only" for a single wave) without a Python
    call per participant: the few distinct wave sets are labelled once through a bit mask
    (the single waves' " only" too: a text search and two label look-ups per study cost
    more)."""
    bits = {wave: 1 << k for k, wave in enumerate(WAVE_ORDER)}
    mask = answered["wave"].map(bits).groupby(answered["participant_code"], sort=True).sum()
    names = {m: _pattern([w for w in WAVE_ORDER if m & bits[w]]) for m in pd.unique(mask)}
    return mask.map(names)


def _pattern(waves: list[str]) -> str:
    """A wave set's name in the attrition table: ``pre+post``, or ``pre only``."""
    return "+".join(waves) + (" only" if len(waves) < 2 else "")


def _resolve_duplicates(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Keep the latest submission per (wave, id); return kept rows and superseded rows."""
    # Sort the four key columns only, then take whole rows once: reordering every item column
    # of a million rows twice cost more than the rest of the stage.
    columns = ["wave", "id_norm", "submitted_at", "source_row"]
    order = frame[columns].sort_values(columns, na_position="first", kind="stable")
    last = ~order.duplicated(["wave", "id_norm"], keep="last").to_numpy()
    latest = pd.Series(False, index=frame.index)
    latest[order.index[last]] = True
    kept, dupes = frame[latest.to_numpy()], frame.loc[order.index[~last]].copy()
    kept_rows = kept[["wave", "id_norm", "source_row"]].set_index(["wave", "id_norm"])["source_row"]
    dupes["kept_row"] = kept_rows.reindex(
        pd.MultiIndex.from_frame(dupes[["wave", "id_norm"]])
    ).to_numpy()
    return kept, dupes


def _duplicate_conflicts(dupes: pd.DataFrame, kept: pd.DataFrame) -> list[Problem]:
    """Superseded rows whose group or contact differ from the kept row: maybe two people."""
    if dupes.empty:
        return []
    keys = ["wave", "id_norm"]
    compare = ["group_label", *[c for c in kept.columns if c.startswith(CONTACT_PREFIX)]]
    # The kept row of each superseded one by position among the kept rows with a superseded
    # id ((wave, id) is unique among kept rows): a reindex on a MultiIndex of every kept row
    # cost a hundred times more than the few rows compared, and so would a key for each.
    near = kept[kept["id_norm"].isin(dupes["id_norm"].unique())]
    position = {key: k for k, key in enumerate(zip(near["wave"], near["id_norm"], strict=True))}
    taken = [position.get(key) for key in zip(dupes["wave"], dupes["id_norm"], strict=True)]
    if None in taken or len(position) != len(near):  # not as built above: the plain way
        latest = kept[[*keys, *compare]].set_index(keys)[compare]
        other = latest.reindex(pd.MultiIndex.from_frame(dupes[keys])).to_numpy()
    else:
        other = near[compare].to_numpy()[taken]
    differs = (other != dupes[compare].to_numpy()).any(axis=1)
    return [
        Problem(
            "duplicate_conflict",
            file=row.source_file,
            row=int(row.source_row),
            column=None,
            value=int(row.kept_row),
            wave=row.wave,
            severity="warning",
        )
        for row in dupes.loc[
            differs, ["source_file", "source_row", "kept_row", "wave"]
        ].itertuples()
    ]


def _id_kind(validated: ValidationResult, study: Study) -> str:
    """How the chosen id column's values are compared."""
    if validated.identity is not None:
        return validated.identity.kind
    return study.columns.id_kinds[0] or "name"


def _decisions(review: pd.DataFrame | None, kind: str) -> dict[str, dict]:
    """Reviewed decisions per wave, keyed by the two normalized ids."""
    if review is None or review.empty:
        return {}
    keys = zip(
        review["wave"],
        normalize_ids(review["name_base"], kind=kind),
        normalize_ids(review["name_other"], kind=kind),
        review["decision"],
        strict=True,
    )
    decisions: dict[str, dict] = {}
    for wave, base, other, decision in keys:
        if decision:
            decisions.setdefault(wave, {})[(base, other)] = decision
    return decisions


def _assign_participants(kept: pd.DataFrame, study: Study, validated: ValidationResult):
    """Give every kept row a person number, joining each later wave to the people seen in
    earlier waves (so a follow-up answer can join someone who skipped the pre wave but
    answered post). Student numbers one edit apart are proposed for review, never joined."""
    person = pd.Series(np.arange(len(kept)), index=kept.index)
    waves = sorted(kept["wave"].unique(), key=WAVE_ORDER.get)
    base = kept[kept["wave"] == waves[0]]
    kind = _id_kind(validated, study)
    decisions = _decisions(validated.review, kind)
    names = validated.identity.names if validated.identity is not None else None
    matched, reviews = [], []
    for wave in waves[1:]:
        other = kept[kept["wave"] == wave]
        pairs, considered = match_waves(
            base,
            other,
            similar=kind == "name",
            threshold=study.analysis.fuzzy_threshold,
            review_threshold=study.analysis.review_threshold,
            block="group_label" if study.groups else None,
            decisions=decisions.get(wave),
        )
        near = (
            near_misses(base, other, pairs, names, decisions.get(wave)) if kind == "number" else ()
        )
        if len(near):
            considered = pd.concat([considered, near], ignore_index=True)
        person.loc[pairs["other_index"].to_numpy()] = person.loc[pairs["base_index"]].to_numpy()
        pairs["wave"] = wave
        pairs["id_base"] = kept.loc[pairs["base_index"], "participant"].to_numpy()
        pairs["id_other"] = kept.loc[pairs["other_index"], "participant"].to_numpy()
        matched.append(pairs)
        reviews.append(considered.assign(wave=wave))
        # people first seen in this wave are candidates for the next one
        base = pd.concat([base, other.drop(index=pairs["other_index"])])
    matches = (
        pd.concat(matched, ignore_index=True)
        if matched
        else pd.DataFrame(
            columns=["base_index", "other_index", "method", "score", "wave", "id_base", "id_other"]
        )
    )
    review_table = (
        pd.concat(reviews, ignore_index=True)
        if reviews
        else pd.DataFrame(columns=REVIEW_OUTPUT_COLUMNS)
    )
    return person, matches, review_table[REVIEW_OUTPUT_COLUMNS]


def _codes(person: pd.Series, kept: pd.DataFrame) -> tuple[pd.Series, np.ndarray]:
    """Codes P0001...: ordered by group, first wave and first submission, then id, so the same
    inputs always give the same codes. Also each row's code number: the codes are of one
    width, so the numbers sort as the codes do, and the per-row steps of clean (sorting,
    grouping by participant) use them instead of hashing a million text codes again."""
    columns = ["group", "wave", "submitted_at", "id_norm", "source_row"]
    first = kept[columns].assign(person=person, w=kept["wave"].map(WAVE_ORDER))
    first = first.sort_values(
        ["group", "w", "submitted_at", "id_norm", "source_row"], na_position="last", kind="stable"
    )
    order = pd.unique(first["person"])
    width = max(4, len(str(len(order))))
    code_of = {p: f"P{n:0{width}d}" for n, p in enumerate(order, start=1)}
    number_of = pd.Series(np.arange(1, len(order) + 1), index=order)
    return person.map(code_of), number_of.reindex(person.to_numpy()).to_numpy()


def _match_notes(matches: pd.DataFrame) -> pd.Series:
    """The ledger's note for rows matched by similarity or by review, by row index."""
    special = matches[matches["method"].isin(["fuzzy", "review"])]
    fuzzy = special["method"].eq("fuzzy").to_numpy()
    wave = special["wave"].astype(str).to_numpy(dtype=object)
    score = special["score"].map("{:.0f}".format).to_numpy(dtype=object) if fuzzy.any() else ""
    notes = np.where(
        fuzzy,
        "matched in the " + wave + " wave by a similar name (score " + score + ")",
        "matched in the " + wave + " wave by the reviewed match file",
    )
    return pd.Series(notes, index=special["other_index"].to_numpy(), dtype=object)


def _ledger(
    kept: pd.DataFrame,
    excluded: pd.Series,
    dupes: pd.DataFrame,
    matches: pd.DataFrame,
    flags: pd.DataFrame,
    validated: ValidationResult,
) -> pd.DataFrame:
    analysed = kept[~excluded]
    n_waves = analysed.groupby(NUMBER)["wave"].transform("nunique")
    notes = _match_notes(matches)
    analysed_part = analysed[["wave", "source_file", "source_row", "participant_code"]].assign(
        outcome=np.where(n_waves > 1, "matched", "unmatched"),
        detail=notes.reindex(analysed.index).fillna("").to_numpy(dtype=object)
        if len(notes)
        else "",
    )
    parts = [analysed_part]
    # Only the outcomes some row has: a small study mostly has no excluded or blank row, and
    # each part built empty cost a millisecond (pandas' fixed cost per call), for nothing.
    if excluded.any():
        parts.append(
            kept.loc[excluded, ["wave", "source_file", "source_row", "participant_code"]].assign(
                outcome="excluded", detail="careless responding: " + flags.loc[excluded, "reason"]
            )
        )
    if len(dupes):
        parts.append(_duplicate_part(kept, dupes))
    quarantine, blank = validated.quarantine, validated.blank_rows
    if len(quarantine):
        parts.append(
            quarantine.assign(
                outcome="quarantined", participant_code=pd.NA, detail=quarantine["reason"]
            )
        )
    if len(blank):
        parts.append(
            blank.assign(outcome="blank", participant_code=pd.NA, detail="the row is empty")
        )
    ledger = pd.concat([p[LEDGER_COLUMNS] for p in parts if len(p)], ignore_index=True)
    ledger = ledger.assign(w=ledger["wave"].map(WAVE_ORDER))
    ledger = ledger.sort_values(["w", "source_file", "source_row"], kind="stable")
    return ledger[LEDGER_COLUMNS].reset_index(drop=True)


def _duplicate_part(kept: pd.DataFrame, dupes: pd.DataFrame) -> pd.DataFrame:
    """The ledger's rows of superseded submissions, each with its kept row's code."""
    code_of_row = kept[["wave", "source_row", "participant_code"]].set_index(
        ["wave", "source_row"]
    )["participant_code"]
    return dupes[["wave", "source_file", "source_row"]].assign(
        outcome="duplicate",
        participant_code=code_of_row.reindex(
            pd.MultiIndex.from_arrays([dupes["wave"], dupes["kept_row"]])
        ).to_numpy(),
        detail="earlier submission; the latest (row " + dupes["kept_row"].astype(str) + ") is kept",
    )


def _careless_table(kept: pd.DataFrame, flags: pd.DataFrame, excluded: pd.Series):
    table = flags.assign(
        participant_code=kept["participant_code"], wave=kept["wave"], excluded=excluded
    )
    # By code number, which sorts as the codes do, then wave name; rows by position.
    keys = kept[[NUMBER, "wave"]].reset_index(drop=True)
    order = keys.sort_values([NUMBER, "wave"]).index
    return table[CARELESS_COLUMNS].iloc[order].reset_index(drop=True)


def _analysed_rows(
    kept: pd.DataFrame, excluded: pd.Series, private: list[str]
) -> tuple[pd.DataFrame, np.ndarray]:
    """The kept rows not excluded, without the private columns, code and wave first, by code
    number (sorting as the codes do) and wave in time order; and their code numbers. The
    order is found on the two key columns and the rows taken once: selecting, reordering and
    sorting the whole table made two copies of every item's answers (0.6 GB each at
    1,000,000 participants)."""
    front = ["participant_code", "wave", "group"]
    columns = front + [c for c in kept.columns if c not in front and c not in private]
    where = np.flatnonzero(~excluded.to_numpy(dtype=bool))
    keys = kept[[NUMBER, "wave"]].iloc[where].reset_index(drop=True)
    order = keys.sort_values(
        [NUMBER, "wave"], key=lambda s: s.map(WAVE_ORDER) if s.name == "wave" else s
    ).index.to_numpy()
    positions = [kept.columns.get_loc(c) for c in columns]
    rows = kept.iloc[where[order], positions].reset_index(drop=True)
    return rows, keys[NUMBER].to_numpy()[order]


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
        Responses without personal data, the identity key, matches, the review table,
        careless-responding flags, the ledger and the attrition table.
    """
    frame = validated.valid.copy(deep=False)  # new columns only; copy-on-write keeps ``valid``
    frame["id_norm"] = normalize_ids(frame["participant"], kind=_id_kind(validated, study))
    mapping = study.groups.label_to_group() if study.groups else None
    frame["group"] = frame["group_label"].map(mapping) if mapping else "all"
    kept, dupes = _resolve_duplicates(frame)
    person, matches, review = _assign_participants(kept, study, validated)
    codes, numbers = _codes(person, kept)
    kept = kept.assign(participant_code=codes, **{NUMBER: numbers})
    # A person's group is the one given at their first wave, so a relabelled later row
    # cannot move them between arms.
    # By person number, not code: mapping a million text codes went one Python object at a
    # time.
    first_group = (
        kept[["wave", "group"]]
        .assign(person=person)
        .sort_values("wave", key=lambda w: w.map(WAVE_ORDER), kind="stable")
        .groupby("person")["group"]
        .first()
    )
    kept["group"] = first_group.reindex(person.to_numpy()).array
    flags = careless_flags(
        kept, study.instrument_spec, longstring_share=study.analysis.longstring_share
    )
    excluded = flags["flagged"] & study.analysis.exclude_careless
    ledger = _ledger(kept, excluded, dupes, matches, flags, validated)
    contacts = [c for c in kept.columns if c.startswith(CONTACT_PREFIX)]
    key = kept[["participant_code", "wave", "participant", *contacts]].reset_index(drop=True)
    matches = matches.assign(
        participant_code=kept["participant_code"].reindex(matches["base_index"]).to_numpy()
    )[["participant_code", "wave", "method", "score", "id_base", "id_other"]]
    # Submission times could link codes back to rows of the raw sheet: they stay out too.
    private = [
        NUMBER,
        "participant",
        "id_norm",
        "group_label",
        "source_file",
        "source_row",
        "submitted_at",
        *contacts,
    ]
    responses, numbers = _analysed_rows(kept, excluded, private)
    return CleanResult(
        responses,
        key,
        matches,
        review,
        _careless_table(kept, flags, excluded),
        ledger,
        attrition_table(responses, numbers),
        tuple(_duplicate_conflicts(dupes, kept)),
    )
