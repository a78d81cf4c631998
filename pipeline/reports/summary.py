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
from pipeline.reports.tables import (
    group_names,
    limit_sentences,
    present_groups,
    scale_facts,
    scale_names,
)
from pipeline.reports.words import fmt, fmt_p, interval, pct, say, texts

__all__ = ["focus_group", "indicators", "write_funder_xlsx"]


def focus_group(bundle: Bundle) -> str:
    """The group whose change the funder reads: the first treatment arm that was tested,
    else the first group tested ("all" without groups)."""
    groups = present_groups(bundle)
    roles = {a["name"]: a["role"] for a in bundle.results["design"].get("arms", [])}
    treated = [g for g in groups if roles.get(g, "treatment") == "treatment"]
    return treated[0] if treated else groups[0]


def _reach(bundle: Bundle, group: str) -> dict[str, int]:
    counts = bundle.results["flow"]["reach"][group]
    return {"enrolled": counts["started"], "completed": counts["completed"],
            "matched": counts["both"]}  # fmt: skip


def indicators(bundle: Bundle, language: str) -> pd.DataFrame:
    """The summary's indicators in ``language``: one row each, formatted for reading."""
    if bundle.results["design"].get("kind") == "tryout":
        return _tryout_indicators(bundle, language)
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
    facts = scale_facts(bundle)[scale]
    scale_range = facts if "min" in facts else bundle.results["instrument"]["response_scale"]
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
    rows += _design_rows(bundle, group, scale, language)
    return pd.DataFrame(rows, columns=["indicator", "value", "detail"]).astype({"value": str})


def _design_rows(bundle: Bundle, group: str, scale: str, language: str) -> list[tuple]:
    """Rows the design adds: mastery before and after, each treatment arm against the
    control, the change kept at the follow-ups."""
    rows = []
    names = group_names(bundle, language)
    if bundle.has("mastery_tests"):
        m = bundle["mastery_tests"]
        m = m[(m["scale"] == scale) & (m["group"] == group)]
        if len(m):
            r = m.iloc[0]
            passing = fmt(bundle.results["analysis"]["passing_score"], language, 0)
            label = say(language, "design.funder_mastery", escape=False, passing=passing)
            shares = f"{pct(r['p_pre'], language)} → {pct(r['p_post'], language)}"
            rows.append(
                (label, shares, f"McNemar p {fmt_p(r['p_value'], language)}; n = {int(r['n'])}")
            )
    if bundle.has("arms_contrasts"):
        c = bundle["arms_contrasts"]
        for r in c[(c["outcome"] == scale) & c["versus_control"]].itertuples():
            label = say(language, "design.funder_arms", escape=False, arm=names[r.arm],
                        control=names[r.reference])  # fmt: skip
            detail = (
                f"{interval(r.ci_low, r.ci_high, language)}, p Holm {fmt_p(r.p_holm, language)}"
            )
            rows.append((label, fmt(r.estimate, language), detail))
    if bundle.has("retained_gain"):
        kept = bundle["retained_gain"]
        kept = kept[(kept["outcome"] == scale) & (kept["group"] == group)]
        for r in kept[kept["reference"] == "pre"].itertuples():
            wave = texts(language)["waves"].get(r.wave, r.wave)
            rows.append((say(language, "design.funder_retained", escape=False, wave=wave),
                         fmt(r.mean_difference, language),
                         f"{interval(r.ci_low, r.ci_high, language)}; n = {int(r.n)}"))  # fmt: skip
    return rows


def _tryout_indicators(bundle: Bundle, language: str) -> pd.DataFrame:
    """A try-out's indicators: respondents, valid items and reliability per scale."""
    words = texts(language)["design"]
    names = scale_names(bundle, language)
    scales = bundle["tryout_scales"]
    rows = [(words["funder_respondents"], int(scales["n"].max()), "")]
    for r in scales.itertuples():
        rows.append((f"{words['funder_tryout']}: {names[r.scale]}", f"{r.k_valid} / {r.k}", ""))
        label = say(language, "design.funder_reliability", escape=False,
                    coefficient=words["coefficient"][r.coefficient])  # fmt: skip
        rows.append((f"{label}: {names[r.scale]}", fmt(r.value, language, 3),
                     interval(r.ci_low, r.ci_high, language, 3)))  # fmt: skip
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
