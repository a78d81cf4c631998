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
from pipeline.reports.tables import scale_names
from pipeline.reports.words import PALETTE, say, texts

__all__ = [
    "figures",
    "literal_text",
    "score_figure",
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
        language,
        "figure_caption",
        escape=escape,
        scale=scale_names(bundle, language)[scale],
        n=len(data),
    )
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
            label=words["groups"].get(group, group),
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
    names = [f"{words['groups'].get(g, g)} · {words['waves'].get(w, w)}" for g, w in shares.index]
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
    items = [c for c in responses.columns if c in bundle["items"]["item"].unique()]
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
    """Article figures by file name: (figure, caption with n)."""
    scale = bundle.results["instrument"]["scales"][-1]["id"]
    return {
        "figure1_scores": score_figure(bundle, language, scale=scale, escape=False),
        "figure2_category_shift": _shift_figure(bundle, language),
        "figure3_gain": _gain_figure(bundle, language),
        "figure4_items": _likert_figure(bundle, language),
    }
