"""The management (POAC) view of a program: planned targets by pillar (plan, organize, actuate,
control; Terry 1977), as Indonesian PKM reports use them, set against what happened."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from pipeline.config import Study
from pipeline.config.parts import Direction, Plan
from pipeline.errors import ConfigError, Problem

__all__ = ["ACTUAL_KEYS", "INDICATORS", "IndicatorSpec", "plan_part", "plan_vs_actual"]


@dataclass(frozen=True)
class IndicatorSpec:
    """How a planned target is compared: with which actual value, in which direction."""

    pillar: str
    name: str
    actual_key: str
    direction: Direction
    label_id: str
    label_en: str


def _spec(pillar, name, key, direction, label_id, label_en) -> tuple[tuple[str, str], Any]:
    return (pillar, name), IndicatorSpec(pillar, name, key, direction, label_id, label_en)


#: The built-in indicators, by (pillar, field of that pillar's targets).
INDICATORS: dict[tuple[str, str], IndicatorSpec] = dict(
    [
        _spec("plan", "participants", "participants_enrolled", "at_least",
              "Jumlah peserta", "Participants"),
        _spec("plan", "sessions", "sessions_held", "at_least",
              "Jumlah sesi terlaksana", "Sessions held"),
        _spec("plan", "effect_size", "effect_size", "at_least",
              "Ukuran efek (d)", "Effect size (d)"),
        _spec("plan", "improved_share", "improved_share", "at_least",
              "Proporsi peserta yang meningkat", "Share of participants improved"),
        _spec("organize", "facilitators", "facilitators", "at_least",
              "Jumlah konselor/fasilitator", "Counselors/facilitators"),
        _spec("organize", "partners", "partners", "at_least", "Jumlah mitra", "Partners"),
        _spec("actuate", "participants_reached", "participants_reached", "at_least",
              "Peserta yang hadir minimal sekali", "Participants attending at least once"),
        _spec("actuate", "attendance_share", "attendance_share", "at_least",
              "Rata-rata proporsi kehadiran", "Mean attendance share"),
        _spec("actuate", "completion_share", "completion_share", "at_least",
              "Proporsi peserta yang tuntas", "Share of participants completing"),
        _spec("control", "pre_measured", "pre_measured", "equal",
              "Pengukuran awal (pretest) dilakukan", "Pre-test measured"),
        _spec("control", "post_measured", "post_measured", "equal",
              "Pengukuran akhir (posttest) dilakukan", "Post-test measured"),
        _spec("control", "data_complete_share", "data_complete_share", "at_least",
              "Proporsi data pre-post lengkap", "Share with complete pre-post data"),
        _spec("control", "attrition_share", "attrition_share", "at_most",
              "Proporsi peserta yang keluar (atrisi)", "Attrition share"),
    ]
)  # fmt: skip


#: The keys :func:`plan_vs_actual` reads from ``actual`` for the built-in indicators.
ACTUAL_KEYS = tuple(spec.actual_key for spec in INDICATORS.values())


def _compare(planned: float | bool, actual: Any, direction: Direction) -> tuple[Any, str]:
    if actual is None or (pd.api.types.is_scalar(actual) and pd.isna(actual)):
        return None, "not measured"
    if direction == "equal" or isinstance(planned, bool):
        return bool(actual == planned), ""
    tol = 1e-9 * max(1.0, abs(float(planned)))
    if direction == "at_least":
        return bool(float(actual) >= float(planned) - tol), ""
    return bool(float(actual) <= float(planned) + tol), ""


def plan_vs_actual(plan: Plan, actual: Mapping[str, Any]) -> pd.DataFrame:
    """Planned targets against what the analysis found, by POAC pillar.

    Parameters
    ----------
    plan
        The planned targets; only those set are compared.
    actual
        Actual values by key. The built-in keys (:data:`ACTUAL_KEYS`) are
        ``participants_enrolled`` (enrolled participants), ``sessions_held``,
        ``effect_size`` (d of the primary outcome), ``improved_share`` (share with post >
        pre), ``facilitators``, ``partners``, ``participants_reached`` (attended at least
        once), ``attendance_share`` (mean dose share of the enrolled), ``completion_share``,
        ``pre_measured`` and ``post_measured`` (bool), ``data_complete_share`` (share of
        the enrolled with both waves) and ``attrition_share``; custom indicators add their
        ``actual_key``. A missing key or a None/NaN value means "not measured".

    Returns
    -------
    DataFrame
        One row per planned target: ``pillar, indicator, label_id, label_en, planned,
        actual, direction, met`` (True, False, or None when not measured), ``attainment``
        (actual / planned for numeric targets above zero) and ``note``.

    Raises
    ------
    KeyError
        When ``actual`` holds a key no indicator reads (a misspelt key would otherwise hide
        a target as "not measured").
    """
    specs = [
        (spec, getattr(getattr(plan, pillar), name)) for (pillar, name), spec in INDICATORS.items()
    ]
    specs += [
        (IndicatorSpec(c.pillar, c.name, c.actual_key or c.name, c.direction, c.label.id,
                       c.label.en), c.planned)
        for c in plan.custom
    ]  # fmt: skip
    unknown = set(actual) - {spec.actual_key for spec, _ in specs}
    if unknown:
        raise KeyError(f"actual values with unknown keys {sorted(unknown)}; known: {ACTUAL_KEYS}")
    rows = []
    for spec, planned in specs:
        if planned is None:
            continue
        value = actual.get(spec.actual_key)
        met, note = _compare(planned, value, spec.direction)
        numeric = not isinstance(planned, bool) and planned and note == ""
        rows.append({
            "pillar": spec.pillar, "indicator": spec.name, "label_id": spec.label_id,
            "label_en": spec.label_en, "planned": planned, "actual": value,
            "direction": spec.direction, "met": met,
            "attainment": float(value) / float(planned) if numeric else np.nan, "note": note,
        })  # fmt: skip
    columns = ["pillar", "indicator", "label_id", "label_en", "planned", "actual", "direction",
               "met", "attainment", "note"]  # fmt: skip
    frame = pd.DataFrame(rows, columns=columns).astype({"planned": object, "actual": object})
    order = {p: i for i, p in enumerate(["plan", "organize", "actuate", "control"])}
    return frame.sort_values("pillar", key=lambda s: s.map(order), kind="stable").reset_index(
        drop=True
    )


def _check_achieved(study: Study, known: set[str]) -> None:
    unknown = sorted(set(study.achieved) - known)
    if unknown:
        raise ConfigError(
            [
                Problem(
                    "config_key_unknown",
                    file=str(study.source),
                    column=f"achieved.{key}",
                    value=study.achieved[key],
                    expected=f"a key of a planned target: {', '.join(sorted(known))}",
                )
                for key in unknown
            ],
            "The study file is invalid",
        )


def plan_part(study: Study, actual: Mapping[str, Any]) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The ``plan_vs_actual`` table of a study and its facts (targets met per pillar).

    ``actual`` holds what the data gave (see :func:`pipeline.program.parts.program_parts`);
    values the team recorded by hand come from the study's ``achieved`` and are marked so in
    the table's ``source``.

    Raises
    ------
    ConfigError
        When ``achieved`` names a key no planned target reads.
    """
    plan = study.plan
    assert plan is not None
    known = set(ACTUAL_KEYS) | {c.actual_key or c.name for c in plan.custom}
    _check_achieved(study, known)
    values = {k: v for k, v in {**actual, **study.achieved}.items() if k in known}
    table = plan_vs_actual(plan, values)
    table["source"] = [
        "achieved" if k in study.achieved else ("data" if actual.get(k) is not None else "")
        for k in table["indicator"].map(_actual_key(plan))
    ]
    table.insert(table.columns.get_loc("direction"), "kind", _kinds(table))
    # one numeric type per column (bools as 1/0, their kind says so) so the table stores typed
    table["planned"] = pd.to_numeric(table["planned"].map(_number), errors="coerce")
    table["actual"] = pd.to_numeric(table["actual"].map(_number), errors="coerce")
    pillars = {}
    for pillar, rows in table.groupby("pillar", sort=False):
        met = rows["met"].map(lambda x: x is True)
        missed = rows["met"].map(lambda x: x is False)
        pillars[pillar] = {
            "targets": len(rows),
            "met": int(met.sum()),
            "not_met": int(missed.sum()),
            "not_measured": int(len(rows) - met.sum() - missed.sum()),
        }
    return table, {"pillars": pillars, "achieved": dict(study.achieved)}


def _kinds(table: pd.DataFrame) -> list[str]:
    """How a target reads: "bool" (done or not), "share" (0-1) or "number"."""
    return [
        "bool" if isinstance(planned, bool) else "share" if "share" in name else "number"
        for planned, name in zip(table["planned"], table["indicator"], strict=True)
    ]


def _number(value: Any) -> float | None:
    if value is None or isinstance(value, str):
        return None
    return float(value)


def _actual_key(plan) -> dict[str, str]:
    keys = {name: spec.actual_key for (_, name), spec in INDICATORS.items()}
    keys.update({c.name: c.actual_key or c.name for c in plan.custom})
    return keys
