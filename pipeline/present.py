"""Presentation helpers for the report notebooks: words, number formats, display tables.

Nothing here computes a statistic; it formats what the bundle holds. Indonesian text uses the
decimal comma and a semicolon between interval limits; English uses the decimal point.
"""

from __future__ import annotations

import math
from functools import cache
from importlib import resources
from typing import Any

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns
import yaml
from jinja2 import Environment, StrictUndefined

from pipeline.outputs import Bundle

__all__ = ["PALETTE", "fmt", "fmt_p", "texts"]

#: Okabe & Ito (2008) colour-blind-safe palette, used by every figure.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442"]
_ENV = Environment(undefined=StrictUndefined, autoescape=False)


@cache
def _all_texts() -> dict[str, Any]:
    source = resources.files("pipeline.resources").joinpath("report_text.yaml")
    return yaml.safe_load(source.read_text("utf-8"))


def texts(language: str) -> dict[str, Any]:
    """The report's words in ``"id"`` or ``"en"``."""
    return _all_texts()[language]


def say(language: str, key: str, **values: Any) -> str:
    """Fill the sentence template ``key`` (dotted for nested keys)."""
    node: Any = texts(language)
    for part in key.split("."):
        node = node[part]
    return _ENV.from_string(node).render(**values)


def fmt(value: Any, language: str, decimals: int = 2) -> str:
    """A number with the language's decimal mark; '-' for missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or pd.isna(value):
        return "-"
    text = f"{float(value):.{decimals}f}"
    return text.replace(".", ",") if language == "id" else text


def fmt_p(p: float, language: str) -> str:
    """p as APA 7 writes it (three decimals, '< .001'), with the comparison sign."""
    if p is None or math.isnan(p):
        return "-"
    if p < 0.001:
        return "< " + ("0,001" if language == "id" else ".001")
    text = f"{p:.3f}"
    text = text.replace(".", ",") if language == "id" else text.lstrip("0")
    return "= " + text


def interval(low: float, high: float, language: str, decimals: int = 2) -> str:
    sep = "; " if language == "id" else ", "
    return f"[{fmt(low, language, decimals)}{sep}{fmt(high, language, decimals)}]"


def scale_names(bundle: Bundle, language: str) -> dict[str, str]:
    return {s["id"]: s["name"][language] for s in bundle.results["instrument"]["scales"]}


def program_facts(bundle: Bundle, language: str) -> pd.DataFrame:
    words, program = texts(language)["facts"], bundle.results["program"]
    rows = [
        (words[key], program.get(key) or "-")
        for key in ("title", "partner", "place", "method", "funder", "participants")
    ]
    rows.insert(3, (words["dates"], f"{program['start_date']} - {program['end_date']}"))
    return pd.DataFrame(rows, columns=["", " "]).set_index("")


def flow_table(bundle: Bundle, language: str) -> pd.DataFrame:
    words = texts(language)
    ledger = bundle["ledger"]
    waves = [w for w in ("pre", "post", "follow_up") if w in set(ledger["wave"])]
    table = pd.crosstab(ledger["outcome"], ledger["wave"], margins=True, margins_name="Total")
    table = table[[*waves, "Total"]]
    table.index = [words["outcomes"].get(i, i) for i in table.index]
    table.columns = [words["waves"].get(c, c) for c in table.columns]
    table.index.name = words["columns"]["outcome_row"]
    return table


def attrition_table(bundle: Bundle, language: str) -> pd.DataFrame:
    words = texts(language)
    table = bundle["attrition"].pivot(index="pattern", columns="group", values="n").fillna(0)
    table = table.astype(int)
    table.index = [words["patterns"].get(p, p) for p in table.index]
    table.columns = [words["groups"].get(g, g) for g in table.columns]
    table.index.name = words["columns"]["pattern"]
    return table


def problems_table(bundle: Bundle, language: str) -> pd.DataFrame:
    cols = texts(language)["columns"]
    problems = bundle["problems"]
    message = "message_id" if language == "id" else "message_en"
    table = problems[["file", "row", "column", message]]
    return table.rename(
        columns={
            "file": cols["file"],
            "row": cols["row"],
            "column": cols["column"],
            message: cols["message"],
        }
    )


def descriptives_table(bundle: Bundle, language: str) -> pd.DataFrame:
    words = texts(language)
    cols, names = words["columns"], scale_names(bundle, language)
    d = bundle["descriptives"]
    table = pd.DataFrame(
        {
            cols["outcome"]: d["outcome"].map(names),
            cols["group"]: d["group"].map(words["groups"]),
            cols["wave"]: d["wave"].map(words["waves"]),
            cols["n"]: d["n"],
            cols["mean"]: [fmt(x, language) for x in d["mean"]],
            cols["sd"]: [fmt(x, language) for x in d["sd"]],
            cols["median"]: [fmt(x, language) for x in d["median"]],
            cols["iqr"]: [
                f"{fmt(a, language)}-{fmt(b, language)}"
                for a, b in zip(d["q1"], d["q3"], strict=True)
            ],
        }
    )
    return table.set_index([cols["outcome"], cols["group"], cols["wave"]])


def tests_table(bundle: Bundle, language: str) -> pd.DataFrame:
    words = texts(language)
    cols, names = words["columns"], scale_names(bundle, language)
    t = bundle["tests"].merge(bundle["effects"], on=["outcome", "group"], suffixes=("", "_es"))
    table = pd.DataFrame(
        {
            cols["outcome"]: t["outcome"].map(names),
            cols["group"]: t["group"].map(words["groups"]),
            cols["n"]: t["n"],
            cols["mean_pre"]: [fmt(x, language) for x in t["mean_pre"]],
            cols["mean_post"]: [fmt(x, language) for x in t["mean_post"]],
            cols["diff_ci"]: [
                f"{fmt(e, language)} {interval(lo, hi, language)}"
                for e, lo, hi in zip(t["estimate"], t["ci_low"], t["ci_high"], strict=True)
            ],
            cols["t_df"]: [
                f"{fmt(s, language)} ({fmt(df, language, 0)})"
                for s, df in zip(t["statistic"], t["df"], strict=True)
            ],
            cols["p"]: [fmt_p(p, language).removeprefix("= ") for p in t["p_value"]],
            cols["dz_ci"]: [
                f"{fmt(v, language)} {interval(lo, hi, language)}"
                for v, lo, hi in zip(t["value"], t["ci_low_es"], t["ci_high_es"], strict=True)
            ],
            cols["magnitude"]: t["magnitude"].map(words["magnitude"]),
            cols["note"]: t["note"].fillna(""),
        }
    )
    return table.set_index([cols["outcome"], cols["group"]])


def headline(bundle: Bundle, language: str, *, scale: str, group: str) -> str:
    """One results sentence for a scale and group, in APA style."""
    t = bundle["tests"].merge(bundle["effects"], on=["outcome", "group"], suffixes=("", "_es"))
    row = t[(t["outcome"] == scale) & (t["group"] == group)].iloc[0]
    words = texts(language)
    if row["note"]:
        return say(
            language,
            "headline_missing",
            group=words["groups"][group],
            scale=scale_names(bundle, language)[scale],
            n=int(row["n"]),
            note=row["note"],
        )
    return say(
        language,
        "headline",
        group=words["groups"][group],
        scale=scale_names(bundle, language)[scale],
        pre=fmt(row["mean_pre"], language),
        post=fmt(row["mean_post"], language),
        diff=fmt(row["estimate"], language),
        low=fmt(row["ci_low"], language),
        high=fmt(row["ci_high"], language),
        df=fmt(row["df"], language, 0),
        t=fmt(row["statistic"], language),
        p=fmt_p(row["p_value"], language),
        dz=fmt(row["value"], language),
        dz_low=fmt(row["ci_low_es"], language),
        dz_high=fmt(row["ci_high_es"], language),
        magnitude=words["magnitude"][row["magnitude"]],
        n=int(row["n"]),
    )


def limit_sentences(bundle: Bundle, language: str) -> list[str]:
    sentences = []
    for limit in bundle.results["limits"]:
        values = {k: v for k, v in limit.items() if k != "code"}
        if "share" in values:
            values["share"] = fmt(100 * values["share"], language, 0) + "%"
        sentences.append(say(language, f"limits.{limit['code']}", **values))
    return sentences


def score_figure(bundle: Bundle, language: str, *, scale: str) -> tuple[plt.Figure, str]:
    """Box and dot plot of one scale's scores by wave and group, with its caption."""
    words = texts(language)
    data = bundle["scores"]
    data = data[(data["scale"] == scale) & data["mean"].notna()].assign(
        wave=lambda d: d["wave"].map(words["waves"]),
        group=lambda d: d["group"].map(words["groups"]),
    )
    sns.set_theme(style="whitegrid", palette=PALETTE)
    fig, ax = plt.subplots(figsize=(7, 4), dpi=110)
    sns.boxplot(
        data=data,
        x="group",
        y="mean",
        hue="wave",
        ax=ax,
        showfliers=False,
        palette=PALETTE[: data["wave"].nunique()],
        boxprops={"alpha": 0.45},
    )
    sns.stripplot(
        data=data,
        x="group",
        y="mean",
        hue="wave",
        dodge=True,
        ax=ax,
        size=3.5,
        palette=PALETTE[: data["wave"].nunique()],
        legend=False,
        jitter=0.15,
    )
    low = bundle.results["instrument"]["response_scale"]["min"]
    high = bundle.results["instrument"]["response_scale"]["max"]
    ax.set_ylim(low - 0.1, high + 0.1)
    ax.set_xlabel(words["columns"]["group"])
    ax.set_ylabel(f"{scale_names(bundle, language)[scale]} ({words['columns']['mean']})")
    ax.legend(title=words["columns"]["wave"])
    fig.tight_layout()
    caption = say(
        language, "figure_caption", scale=scale_names(bundle, language)[scale], n=len(data)
    )
    return fig, caption


def reliability_table(bundle: Bundle, language: str) -> pd.DataFrame:
    cols, names = texts(language)["columns"], scale_names(bundle, language)
    waves = texts(language)["waves"]
    r = bundle["reliability"]
    table = pd.DataFrame(
        {
            cols["outcome"]: r["scale"].map(names),
            cols["wave"]: r["wave"].map(waves),
            "n": r["n"],
            cols["alpha_ci"]: [
                f"{fmt(a, language)} {interval(lo, hi, language)}"
                for a, lo, hi in zip(r["alpha"], r["alpha_ci_low"], r["alpha_ci_high"], strict=True)
            ],
            cols["std_alpha"]: [fmt(x, language) for x in r["std_alpha"]],
            "ω": [fmt(x, language) for x in r["omega_total"]],
            cols["note"]: r["note"].fillna(""),
        }
    )
    return table.set_index([cols["outcome"], cols["wave"]])


def item_validity_table(bundle: Bundle, language: str) -> pd.DataFrame:
    """Each item once, in its subscale: r used for validity per wave, and the critical r."""
    words = texts(language)
    cols, names = words["columns"], scale_names(bundle, language)
    items = bundle["items"]
    subscales = [s["id"] for s in bundle.results["instrument"]["scales"] if s["id"] != "total"]
    items = items[items["scale"].isin(subscales)]
    wide = items.pivot_table(index=["scale", "item"], columns="wave", values="r_used", sort=False)
    crit = items.pivot_table(
        index=["scale", "item"], columns="wave", values="r_critical", sort=False
    )
    table = pd.DataFrame(index=wide.index)
    for wave in [w for w in ("pre", "post") if w in wide.columns]:
        label = words["waves"][wave]
        table[f"r {label}"] = [fmt(x, language, 3) for x in wide[wave]]
        table[f"r {cols['critical']} {label}"] = [fmt(x, language, 3) for x in crit[wave]]
        table[f"{cols['valid']} {label}"] = [
            words["yes"] if r >= c else words["no"]
            for r, c in zip(wide[wave], crit[wave], strict=True)
        ]
    table.index = table.index.set_levels([table.index.levels[0].map(names), table.index.levels[1]])
    table.index.names = [cols["outcome"], cols["item"]]
    return table


def category_table(bundle: Bundle, language: str, *, scale: str, scheme: str) -> pd.DataFrame:
    """How many participants fall in each level, per wave and group."""
    words = texts(language)
    cats = bundle["categories"]
    part = cats[(cats["scale"] == scale) & (cats["scheme"] == scheme)].dropna(subset=["category"])
    schemes = bundle["category_schemes"].set_index(["scale", "scheme"])
    labels = list(schemes.loc[(scale, scheme), "labels"])
    table = pd.crosstab(
        [part["group"].map(words["groups"]), part["wave"].map(words["waves"])], part["category"]
    ).reindex(columns=labels, fill_value=0)
    table.index.names = [words["columns"]["group"], words["columns"]["wave"]]
    table.columns.name = None
    return table


def bounds_text(cuts: list[float], labels: list[str], language: str) -> str:
    """Levels with their bounds in the report's number format; lower bounds inclusive."""
    edges = [None, *cuts, None]
    parts = []
    for label, low, high in zip(labels, edges[:-1], edges[1:], strict=True):
        if low is None:
            parts.append(f"{label}: X < {fmt(high, language)}")
        elif high is None:
            parts.append(f"{label}: X ≥ {fmt(low, language)}")
        else:
            parts.append(f"{label}: {fmt(low, language)} ≤ X < {fmt(high, language)}")
    return "; ".join(parts)


def shift_table(bundle: Bundle, language: str, *, scheme: str) -> pd.DataFrame:
    words = texts(language)
    cols, names = words["columns"], scale_names(bundle, language)
    s = bundle["category_shift"]
    s = s[s["scheme"] == scheme]
    table = pd.DataFrame(
        {
            cols["outcome"]: s["scale"].map(names),
            cols["group"]: s["group"].map(words["groups"]),
            "n": s["n"],
            cols["up"]: s["up"],
            cols["stayed"]: s["stayed"],
            cols["down"]: s["down"],
        }
    )
    return table.set_index([cols["outcome"], cols["group"]])


def gain_table(bundle: Bundle, language: str) -> pd.DataFrame:
    words = texts(language)
    cols, names = words["columns"], scale_names(bundle, language)
    g = bundle["gain_summary"]
    table = pd.DataFrame(
        {
            cols["outcome"]: g["scale"].map(names),
            cols["group"]: g["group"].map(words["groups"]),
            "n": g["n_pairs"],
            "⟨g⟩": [
                f"{fmt(x, language)} ({words['hake'].get(h, '-')})"
                for x, h in zip(g["g_class"], g["hake_class"], strict=True)
            ],
            cols["gain_mean"]: [fmt(x, language) for x in g["gain_mean"]],
            cols["effectiveness"]: [
                f"{fmt(p, language, 1)}% ({e or '-'})"
                for p, e in zip(g["effectiveness_pct"], g["effectiveness"], strict=True)
            ],
            cols["ceiling"]: g["n_ceiling"],
            cols["declined"]: g["n_declined"],
        }
    )
    return table.set_index([cols["outcome"], cols["group"]])
