"""The report's and the article kit's figures, drawn from the bundle with the colour-blind-safe
palette; each comes with its caption in the report's language."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from pipeline.bundle.read import Bundle
from pipeline.config import WAVE_ORDER
from pipeline.reports.tables import group_names, present_groups, scale_facts, scale_names
from pipeline.reports.words import PALETTE, say, texts

__all__ = [
    "figures",
    "literal_text",
    "qq_figure",
    "score_figure",
    "tryout_figure",
]

_P = ParamSpec("_P")
_R = TypeVar("_R")


def literal_text(draw: Callable[_P, _R]) -> Callable[_P, _R]:
    """Draw a figure whose texts are shown as typed: matplotlib would otherwise typeset a
    scale name or label holding ``$...$`` as math (and fail on an unbalanced one). Texts
    take the setting when they are made, so the figure keeps it wherever it is saved."""

    @functools.wraps(draw)
    def literal(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        with plt.rc_context({"text.parse_math": False}):
            return draw(*args, **kwargs)

    return literal


@literal_text
def score_figure(
    bundle: Bundle, language: str, *, scale: str, escape: bool = True
) -> tuple[plt.Figure, str]:
    """Box and dot plot of one scale's scores by wave (in time order) and group, with its
    caption: the score its comparisons use (a Likert mean, a test's percentage, a number)."""
    words = texts(language)
    facts = scale_facts(bundle)[scale]
    column = facts.get("column", "mean")
    waves = [w for w in WAVE_ORDER if w in set(bundle["scores"]["wave"])]
    data = bundle["scores"]
    data = data[(data["scale"] == scale) & data[column].notna()].assign(
        wave=lambda d: d["wave"].astype(str).map(words["waves"]),
        group=lambda d: d["group"].astype(str).map(group_names(bundle, language)),
        value=lambda d: d[column],
    )
    hue_order = [words["waves"][w] for w in waves]
    colours = PALETTE[: len(hue_order)]
    sns.set_theme(style="whitegrid", palette=PALETTE)
    fig, ax = plt.subplots(figsize=(7, 4), dpi=110)
    sns.boxplot(data=data, x="group", y="value", hue="wave", hue_order=hue_order, ax=ax,
                showfliers=False, palette=colours, boxprops={"alpha": 0.45})  # fmt: skip
    sns.stripplot(data=data, x="group", y="value", hue="wave", hue_order=hue_order, dodge=True,
                  ax=ax, size=3.5, palette=colours, legend=False, jitter=0.15)  # fmt: skip
    low, high = facts.get("min"), facts.get("max")
    if low is None:  # a bundle written before outcome kinds
        low = bundle.results["instrument"]["response_scale"]["min"]
        high = bundle.results["instrument"]["response_scale"]["max"]
    pad = (high - low) / 40
    ax.set_ylim(low - pad, high + pad)
    ax.set_xlabel(words["columns"]["group"])
    unit = "%" if facts.get("kind") == "test" else words["columns"]["mean"]
    ax.set_ylabel(f"{scale_names(bundle, language)[scale]} ({unit})")
    ax.legend(title=words["columns"]["wave"])
    fig.tight_layout()
    caption = say(
        language,
        "figure_caption",
        escape=escape,
        scale=scale_names(bundle, language)[scale],
        n=len(data),
    )
    return fig, caption


@literal_text
def qq_figure(bundle: Bundle, language: str, *, escape: bool = True) -> tuple[plt.Figure, str]:
    """Normal Q-Q plot of the paired differences of the primary scale, one panel per group,
    with R's qqline."""
    qq = bundle["qq"]
    groups = [g for g in present_groups(bundle) if g in set(qq["group"])]
    names = group_names(bundle, language)
    fig, axes = plt.subplots(1, len(groups), figsize=(3.4 * len(groups), 3.2), squeeze=False)
    for ax, group in zip(axes[0], groups, strict=True):
        part = qq[qq["group"] == group]
        ax.scatter(part["theoretical"], part["sample"], s=12, color=PALETTE[0])
        x = np.array([part["theoretical"].min(), part["theoretical"].max()])
        ax.plot(x, part["intercept"].iat[0] + part["slope"].iat[0] * x, color=PALETTE[5])
        ax.set_title(names.get(group, group), fontsize=10)
        ax.set_xlabel("z")
    axes[0][0].set_ylabel("post - pre" if language == "en" else "sesudah - sebelum")
    fig.tight_layout()
    scale = scale_names(bundle, language)[qq["outcome"].iat[0]]
    return fig, say(language, "design.qq_caption", escape=escape, scale=scale, n=len(qq))


@literal_text
def tryout_figure(bundle: Bundle, language: str) -> tuple[plt.Figure, str]:
    """Each try-out item's r hitung against r tabel (a line per scale): gugur items below."""
    items = bundle["tryout_items"]
    words = texts(language)
    fig, ax = plt.subplots(figsize=(7, 0.25 * len(items) + 1.2))
    y = np.arange(len(items))[::-1]
    colours = [PALETTE[0] if v else PALETTE[5] for v in items["valid"]]
    ax.barh(y, items["r"].fillna(0), color=colours)
    for _, rows in items.groupby("scale", sort=False):
        at = y[rows.index.to_numpy()]
        crit = rows["r_critical"].iat[0]
        ax.plot([crit, crit], [at.min() - 0.4, at.max() + 0.4], color="black", linewidth=1)
    ax.axvline(0, color="grey", linewidth=0.6)
    ax.set_yticks(y, [f"{s} · {i}" for s, i in zip(items["scale"], items["item"], strict=True)],
                  fontsize=7)  # fmt: skip
    ax.set_xlabel(words["design"]["columns"]["r_hitung"])
    fig.tight_layout()
    caption = f"{words['design']['tryout_title']} (r tabel = |)"
    return fig, caption


@literal_text
def _gain_figure(bundle: Bundle, language: str):
    words = texts(language)
    gain = bundle["gain"]
    scale = bundle.results["instrument"]["scales"][-1]["id"]
    part = gain[gain["scale"] == scale].dropna(subset=["value"])
    fig, ax = plt.subplots(figsize=(6.5, 3.8))
    for colour, (group, rows) in zip(PALETTE, part.groupby("group", sort=False), strict=False):
        ax.hist(
            rows["value"],
            bins=np.linspace(-1, 1, 21),
            alpha=0.6,
            color=colour,
            label=group_names(bundle, language).get(group, group),
        )
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_xlabel("N-gain (g)")
    ax.set_ylabel(words["article"]["participants"])
    ax.legend()
    fig.tight_layout()
    caption = say(
        language,
        "article.gain_caption",
        escape=False,
        scale=scale_names(bundle, language)[scale],
        n=len(part),
    )
    return fig, caption


@literal_text
def _shift_figure(bundle: Bundle, language: str):
    words = texts(language)
    scale = bundle.results["instrument"]["scales"][-1]["id"]
    scheme = f"hypothetical_{bundle.results['categories']['levels']}"
    cats = bundle["categories"]
    part = cats[(cats["scale"] == scale) & (cats["scheme"] == scheme)].dropna(subset=["category"])
    labels = list(
        bundle["category_schemes"].set_index(["scale", "scheme"]).loc[(scale, scheme), "labels"]
    )
    counts = pd.crosstab([part["group"], part["wave"]], part["category"]).reindex(
        columns=labels, fill_value=0
    )
    shares = counts.div(counts.sum(axis=1), axis=0) * 100
    fig, ax = plt.subplots(figsize=(6.5, 3.8))
    left = np.zeros(len(shares))
    groups = group_names(bundle, language)
    names = [f"{groups.get(g, g)} · {words['waves'].get(w, w)}" for g, w in shares.index]
    for colour, label in zip(PALETTE, labels, strict=False):
        ax.barh(names, shares[label], left=left, color=colour, label=label)
        left += shares[label].to_numpy()
    ax.set_xlabel("%")
    ax.legend(ncol=len(labels), loc="lower center", bbox_to_anchor=(0.5, 1.0), frameon=False)
    fig.tight_layout()
    caption = say(
        language,
        "article.shift_caption",
        escape=False,
        scale=scale_names(bundle, language)[scale],
        n=len(part),
    )
    return fig, caption


@literal_text
def _likert_figure(bundle: Bundle, language: str):
    """Diverging stacked bars of every item's answers, pre above post (Robbins & Heiberger
    2011): disagreement to the left of zero, agreement to the right, neutral split across."""
    words = texts(language)
    responses = bundle["responses"]
    low = bundle.results["instrument"]["response_scale"]["min"]
    high = bundle.results["instrument"]["response_scale"]["max"]
    codes = list(range(low, high + 1))
    middle = (low + high) / 2
    table = bundle["items"]
    likert = [k for k, f in scale_facts(bundle).items() if f.get("kind", "likert") == "likert"]
    likert_items = set(table.loc[table["scale"].isin(likert), "item"])
    items = [c for c in responses.columns if c in likert_items]
    rows, names = [], []
    for item in items:
        for wave in ("pre", "post"):
            values = responses.loc[responses["wave"] == wave, item].dropna()
            counts = values.value_counts(normalize=True).reindex(codes, fill_value=0) * 100
            rows.append(counts.to_numpy())
            names.append(f"{item} · {words['waves'][wave]}")
    shares = np.array(rows)
    fig, ax = plt.subplots(figsize=(7, 0.22 * len(names) + 1.2))
    colours = [PALETTE[5], "#f4a582", "#d9d9d9", "#92c5de", PALETTE[0]][: len(codes)]
    neutral = [i for i, c in enumerate(codes) if c == middle]
    start = -shares[:, [i for i, c in enumerate(codes) if c < middle]].sum(axis=1)
    if neutral:
        start -= shares[:, neutral[0]] / 2
    y = np.arange(len(names))[::-1]
    for i, code in enumerate(codes):
        ax.barh(y, shares[:, i], left=start, color=colours[i], height=0.8, label=str(code))
        start = start + shares[:, i]
    ax.axvline(0, color="black", linewidth=0.6)
    ax.set_yticks(y, names, fontsize=6)
    ax.set_xlabel("%")
    ax.legend(ncol=len(codes), loc="lower center", bbox_to_anchor=(0.5, 1.0), frameon=False)
    fig.tight_layout()
    n = int(responses.groupby("wave").size().max())
    return fig, say(language, "article.likert_caption", escape=False, n=n)


def figures(bundle: Bundle, language: str) -> dict[str, tuple[plt.Figure, str]]:
    """Article figures by file name: (figure, caption with n). A try-out has its item
    validity figure; the Likert items figure needs Likert items; the Q-Q plot the
    differences of the primary scale."""
    if bundle.results["design"].get("kind") == "tryout":
        return {"figure1_tryout_items": tryout_figure(bundle, language)}
    scale = bundle.results["instrument"]["scales"][-1]["id"]
    found = {
        "figure1_scores": score_figure(bundle, language, scale=scale, escape=False),
        "figure2_category_shift": _shift_figure(bundle, language),
        "figure3_gain": _gain_figure(bundle, language),
    }
    if bundle.results["instrument"].get("kinds", {"likert": 1}).get("likert"):
        found["figure4_items"] = _likert_figure(bundle, language)
    if bundle.has("qq") and len(bundle["qq"]):
        found["figure5_qq_differences"] = qq_figure(bundle, language, escape=False)
    return found
