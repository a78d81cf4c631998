"""The funder's impact summary: a handful of indicators read from the results bundle.

One table (``indicator, value, detail``) feeds both the one-page HTML summary and its XLSX, so
the two always agree. Nothing is computed here that the bundle does not already hold; the
numbers are picked, labelled and formatted.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from pipeline.bundle import files
from pipeline.bundle.read import Bundle, load_bundle
from pipeline.reports.part_tables import parts
from pipeline.reports.tables import limit_sentences, present_groups
from pipeline.reports.words import fmt, fmt_p, interval, pct, texts

__all__ = ["focus_group", "indicators", "write_funder_xlsx"]


def focus_group(bundle: Bundle) -> str:
    """The group whose change the funder reads: treatment when there is one, else all."""
    groups = present_groups(bundle)
    return "treatment" if "treatment" in groups else groups[0]


def _reach(bundle: Bundle, group: str) -> dict[str, int]:
    counts = bundle.results["flow"]["reach"][group]
    return {"enrolled": counts["started"], "completed": counts["completed"],
            "matched": counts["both"]}  # fmt: skip


def indicators(bundle: Bundle, language: str) -> pd.DataFrame:
    """The summary's indicators in ``language``: one row each, formatted for reading."""
    words = texts(language)["funder"]
    group = focus_group(bundle)
    scale = bundle.results["instrument"]["scales"][-1]["id"]
    reach = _reach(bundle, group)
    targets = bundle.results["targets"]
    rows = [
        (words["enrolled"], reach["enrolled"], ""),
        (words["completed"], reach["completed"], ""),
        (
            words["matched"],
            reach["matched"],
            fmt(100 * reach["matched"] / reach["enrolled"], language, 0) + "%"
            if reach["enrolled"]
            else "",
        ),
    ]
    if targets.get("participants"):
        met = reach["enrolled"] >= targets["participants"]
        rows.append(
            (
                words["target_participants"],
                targets["participants"],
                words["met"] if met else words["not_met"],
            )
        )
    tests, effects = bundle["tests"], bundle["effects"].set_index(["outcome", "group", "effect"])
    row = tests[
        (tests["outcome"] == scale) & (tests["group"] == group) & (tests["test"] == "paired t")
    ].iloc[0]
    dz = effects.loc[(scale, group, "d_z")]
    scale_range = bundle.results["instrument"]["response_scale"]
    rows += [
        (
            f"{words['mean_change']} ({scale_range['min']}-{scale_range['max']})",
            f"{fmt(row['mean_pre'], language)} → {fmt(row['mean_post'], language)}",
            f"{words['difference']} {fmt(row['estimate'], language)} "
            f"{interval(row['ci_low'], row['ci_high'], language)}",
        ),
        (
            words["effect"],
            fmt(dz["value"], language),
            f"{interval(dz['ci_low'], dz['ci_high'], language)} "
            f"{texts(language)['magnitude'][dz['magnitude']]} (Cohen 1988)",
        ),
    ]
    changes = bundle["changes"]
    share = changes[(changes["outcome"] == scale) & (changes["group"] == group)].iloc[0]
    rows.append(
        (
            words["improved"],
            fmt(100 * share["share_improved"], language, 0) + "%",
            f"{int(share['improved'])} / {int(share['n'])}",
        )
    )
    if targets.get("effect_size") is not None:
        met = dz["value"] >= targets["effect_size"]
        rows.append(
            (
                words["target_effect"],
                fmt(targets["effect_size"], language),
                words["met"] if met else words["not_met"],
            )
        )
    rows += _program_rows(bundle, group, language)
    ancova = bundle.tables.get("ancova")
    if ancova is not None and not ancova.empty:
        a = ancova.set_index("outcome").loc[scale]
        rows.append(
            (
                words["versus_control"],
                fmt(a["adjusted_difference"], language),
                f"{interval(a['ci_low'], a['ci_high'], language)}, "
                f"p {fmt_p(a['p_value'], language)}",
            )
        )
    return pd.DataFrame(rows, columns=["indicator", "value", "detail"]).astype({"value": str})


def _program_rows(bundle: Bundle, group: str, language: str) -> list[tuple[str, object, str]]:
    """Rows of the optional parts a study declares: attendance, aspirations, service log, plan."""
    words, rows, extras = texts(language)["funder"], [], parts(bundle)
    attendance = extras.get("attendance_summary")
    if attendance is not None and not attendance.empty:
        a = attendance.set_index("statistic")["value"]
        rows.append(
            (
                words["attendance_completed"],
                pct(a["completed_share"], language),
                f"{int(a['completed'])} / {int(a['enrolled'])}; "
                + words["attendance_rule"].format(n=int(a["completion_min_sessions"])),
            )
        )
    mcnemar = extras.get("aspirations_mcnemar")
    if mcnemar is not None and not mcnemar.empty:
        part = mcnemar[mcnemar["group"] == group].set_index("statistic")
        if len(part):
            diff, first = part.loc["difference"], part.iloc[0]
            low, high = pct(diff["ci_low"], language), pct(diff["ci_high"], language)
            sep = "; " if language == "id" else ", "
            rows.append(
                (
                    words["aspiration_named"],
                    f"{pct(first['p_pre'], language)} → {pct(first['p_post'], language)}",
                    f"{words['difference']} {pct(diff['value'], language)} "
                    f"[{low}{sep}{high}], McNemar p "
                    f"{fmt_p(part.loc['p_value', 'value'], language)}; "
                    f"n = {int(first[['a', 'b', 'c', 'd']].sum())}",  # the pairs tested
                )
            )
    service = extras.get("service_summary")
    if service is not None and not service.empty:
        sv = service.iloc[0]
        within = 0 if pd.isna(sv["n_within"]) else int(sv["n_within"])  # no case measured
        detail = f"{within} / {int(sv['n'])}"
        if isinstance(sv["bottleneck"], str) and sv["bottleneck"]:
            detail += f"; {words['bottleneck']}: {sv['bottleneck']}"
        rows.append((words["service_within"], pct(sv["share_within"], language), detail))
    pillars = bundle.results.get("extras", {}).get("plan", {}).get("pillars", {})
    if pillars:
        met = sum(v["met"] for v in pillars.values())
        total = sum(v["targets"] for v in pillars.values())
        unmeasured = sum(v["not_measured"] for v in pillars.values())
        detail = words["plan_unmeasured"].format(n=unmeasured) if unmeasured else ""
        rows.append((words["plan_met"], f"{met} / {total}", detail))
    return rows


def write_funder_xlsx(bundle_dir: Path, path: Path, language: str) -> None:
    """The funder summary's indicators as a workbook (the same table the HTML shows)."""
    bundle = load_bundle(bundle_dir)
    words = texts(language)["funder"]
    table = indicators(bundle, language).rename(
        columns={
            "indicator": words["indicator"],
            "value": words["value"],
            "detail": words["detail"],
        }
    )
    limits = pd.DataFrame({words["limits"]: limit_sentences(bundle, language)})
    files.write_xlsx(path, {words["title"]: table, words["limits"]: limits})
