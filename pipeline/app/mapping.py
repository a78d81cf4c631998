"""The mapping step's grids, built from what :func:`pipeline.draft.propose` returns and turned
back into a draft: which column is the id, the time, a contact, the group, a demographic or an
item (its id, subscale and reverse keying), the answer labels and their codes, and the arm each
group label stands for. A bundled instrument fills the item rows in.

Whatever the drafting learns shows up in the grid without a change to the page, since the rows
are the draft's own columns and roles.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

import pandas as pd

from pipeline.config import builtin_instrument_path, load_instrument
from pipeline.draft import Draft, DraftCheck, DraftDemographic, DraftGroup, DraftItem, DraftScale
from pipeline.stages.headers import map_headers
from pipeline.text import normalize_text

__all__ = [
    "ARMS",
    "DEFAULT_SCALE",
    "ROLE_CHOICES",
    "arms_table",
    "builtin_instruments",
    "builtin_mapping",
    "group_labels",
    "labels_table",
    "mapping_table",
    "revise",
    "scales_of",
]

#: What a column can be made in the mapping grid ("unused": left out of the study).
ROLE_CHOICES = (
    "item", "attention_check", "id", "timestamp", "contact", "group", "demographic", "unused",
)  # fmt: skip
ARMS = ("treatment", "control")
MAPPING_COLUMNS = ["header", "role", "item_id", "scale", "reverse", "reason"]
#: The scale name of every item until the user names subscales.
DEFAULT_SCALE = "total"


def _drafted(draft: Draft) -> dict[str, DraftItem | DraftCheck]:
    """Each item or check of the draft by the header it was read from (the draft lists its
    items in column order)."""
    items = iter(draft.items)
    found: dict[str, DraftItem | DraftCheck] = {}
    for row in draft.columns.itertuples():
        if row.role == "item":
            found[row.header] = next(items)
        elif row.role == "attention_check" and draft.check is not None:
            found[row.header] = draft.check
    return found


def mapping_table(draft: Draft) -> pd.DataFrame:
    """One row per export column: its header, proposed role, item id, scale name, reverse
    keying and the draft's reason."""
    drafted = _drafted(draft)
    rows = []
    for row in draft.columns.itertuples():
        item = drafted.get(row.header)
        rows.append(
            {
                "header": row.header,
                "role": row.role if row.role in ROLE_CHOICES else "unused",
                "item_id": item.id if item else "",
                "scale": DEFAULT_SCALE if isinstance(item, DraftItem) else "",
                "reverse": bool(getattr(item, "reverse", False)),
                "reason": row.reason,
            }
        )
    return pd.DataFrame(rows, columns=MAPPING_COLUMNS)


def labels_table(draft: Draft) -> pd.DataFrame:
    """The answer scale: one row per code with its Indonesian and English label, then the
    other spellings found (``label_en`` empty) with their code."""
    rows = [
        {"label_id": pair[0], "label_en": pair[1], "code": code}
        for code, pair in draft.scale.labels.items()
    ]
    rows += [
        {"label_id": spelling, "label_en": "", "code": code}
        for spelling, code in draft.scale.aliases.items()
    ]
    return pd.DataFrame(rows, columns=["label_id", "label_en", "code"])


def group_labels(frames: Mapping[str, pd.DataFrame], header: str) -> list[str]:
    """The distinct answers of a column across the waves, in order of first appearance."""
    seen: dict[str, str] = {}
    for frame in frames.values():
        if header in frame:
            for value in frame[header].astype(str).str.strip():
                if value:
                    seen.setdefault(normalize_text(value), value)
    return list(seen.values())


def arms_table(
    draft: Draft, frames: Mapping[str, pd.DataFrame], header: str | None
) -> pd.DataFrame:
    """The labels of the group column and the arm each stands for (as drafted: a label read
    as a comparison group is control, the others treatment)."""
    if not header:
        return pd.DataFrame(columns=["label", "arm"])
    control = set(draft.group.control) if draft.group and draft.group.column == header else set()
    labels = group_labels(frames, header)
    return pd.DataFrame(
        {"label": labels, "arm": ["control" if v in control else "treatment" for v in labels]}
    )


def builtin_instruments() -> dict[str, str]:
    """The bundled instruments: name to Indonesian title."""
    folder = builtin_instrument_path("career_awareness_planning").parent
    return {p.stem: load_instrument(p).title.id for p in sorted(folder.glob("*.yaml"))}


def builtin_mapping(table: pd.DataFrame, name: str) -> pd.DataFrame:
    """The mapping grid filled in from a bundled instrument: the columns it recognizes become
    its items (id, subscale, reverse keying) or its attention check; other columns drafted as
    items are left unused."""
    instrument = load_instrument(builtin_instrument_path(name))
    found, _ = map_headers(list(table["header"]), instrument, file=name)
    checks = {c.id for c in instrument.attention_checks}
    scale_of = {i: s.name.id for s in instrument.scales for i in s.items}
    out = table.copy()
    for index, header in out["header"].items():
        item_id = found.get(header)
        if item_id is None:
            if out.at[index, "role"] in {"item", "attention_check"}:
                out.loc[index, ["role", "item_id", "scale", "reverse"]] = ["unused", "", "", False]
            continue
        is_check = item_id in checks
        out.at[index, "role"] = "attention_check" if is_check else "item"
        out.at[index, "item_id"] = item_id
        out.at[index, "scale"] = "" if is_check else scale_of.get(item_id, "")
        out.at[index, "reverse"] = False if is_check else instrument.item(item_id).reverse
    return out


def scales_of(table: pd.DataFrame) -> dict[str, list[str]]:
    """Subscale name to its item ids, in grid order (one name: a single scale)."""
    scales: dict[str, list[str]] = {}
    for row in table[table["role"].eq("item")].itertuples():
        scales.setdefault(str(row.scale).strip() or DEFAULT_SCALE, []).append(str(row.item_id))
    return scales


def _headers(table: pd.DataFrame, role: str) -> list[str]:
    return list(table.loc[table["role"].eq(role), "header"])


def _items(draft: Draft, table: pd.DataFrame) -> tuple[tuple[DraftItem, ...], DraftCheck | None]:
    """The item rows as draft items (drafted text and headers kept, id and keying as edited;
    a column newly made an item is matched by its whole header) and the drafted check if its
    row is still one."""
    drafted = _drafted(draft)
    items, check = [], None
    for number, row in enumerate(table[table["role"].eq("item")].itertuples(), start=1):
        base = drafted.get(row.header)
        item_id = str(row.item_id).strip() or f"q{number:02d}"
        if isinstance(base, DraftItem):
            items.append(replace(base, id=item_id, reverse=bool(row.reverse)))
        else:
            items.append(DraftItem(item_id, str(row.header), (), bool(row.reverse)))
    for header in _headers(table, "attention_check"):
        if isinstance(drafted.get(header), DraftCheck):
            check = drafted[header]
    return tuple(items), check


def _scale(labels: pd.DataFrame, family: str) -> DraftScale:
    """The answer scale from its grid: rows with an English label are the codes' labels, the
    others extra spellings of a code."""
    rows = labels.dropna(subset=["code"])
    named = rows[rows["label_en"].fillna("").astype(str).str.strip().ne("")]
    codes = {
        int(r.code): (str(r.label_id).strip(), str(r.label_en).strip()) for r in named.itertuples()
    }
    aliases = {
        normalize_text(str(r.label_id)): int(r.code)
        for r in rows.drop(named.index).itertuples()
        if str(r.label_id).strip()
    }
    return DraftScale(family, dict(sorted(codes.items())), aliases)


def _demographics(
    draft: Draft, table: pd.DataFrame, frames: Mapping[str, pd.DataFrame]
) -> tuple[DraftDemographic, ...]:
    drafted = {d.column: d for d in draft.demographics}
    taken = {d.name for d in draft.demographics}
    out = []
    for header in _headers(table, "demographic"):
        if header in drafted:
            out.append(drafted[header])
            continue
        name = _name(header, taken)
        out.append(DraftDemographic(name, header, tuple(group_labels(frames, header))))
    return tuple(out)


def _name(header: str, taken: set[str]) -> str:
    import re

    name = re.sub(r"[^a-z0-9]+", "_", normalize_text(header)).strip("_") or "demographic"
    name = name if name[0].isalpha() else f"d_{name}"
    base, n = name, 2
    while name in taken:
        name, n = f"{base}_{n}", n + 1
    taken.add(name)
    return name


def revise(
    draft: Draft,
    table: pd.DataFrame,
    *,
    labels: pd.DataFrame,
    arms: pd.DataFrame,
    frames: Mapping[str, pd.DataFrame],
    id_kind: str | None = None,
) -> Draft:
    """The draft as the user edited it in the grids.

    Parameters
    ----------
    draft
        What :func:`pipeline.draft.propose` found.
    table
        The mapping grid (:func:`mapping_table`, edited).
    labels
        The answer-label grid (:func:`labels_table`, edited).
    arms
        The group labels and their arms (:func:`arms_table`, edited).
    frames
        The exports as read, for the values of a column newly made a group or demographic.
    id_kind
        ``name`` or ``number``; the draft's guess by default.
    """
    items, check = _items(draft, table)
    ids, times, groups = (_headers(table, r) for r in ("id", "timestamp", "group"))
    group = None
    if groups:
        arm_of = dict(zip(arms["label"], arms["arm"], strict=True))
        group = DraftGroup(
            groups[0],
            tuple(label for label, arm in arm_of.items() if arm == "treatment"),
            tuple(label for label, arm in arm_of.items() if arm == "control"),
        )
    roles = dict(zip(table["header"], table["role"].replace("unused", "text"), strict=True))
    return replace(
        draft,
        columns=draft.columns.assign(role=draft.columns["header"].map(roles).fillna("text")),
        scale=_scale(labels, draft.scale.family),
        items=items,
        check=check,
        id_column=ids[0] if ids else None,
        id_kind=id_kind or (draft.id_kind if ids[:1] == [draft.id_column] else "name"),
        timestamp=times[0] if times else None,
        contacts=tuple(_headers(table, "contact")),
        group=group,
        demographics=_demographics(draft, table, frames),
    )
