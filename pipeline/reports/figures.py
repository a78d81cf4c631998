"""The report's and the article kit's figures, drawn from the bundle with the colour-blind-safe
palette; each comes with its caption in the report's language."""

from __future__ import annotations

import colorsys
import functools
import textwrap
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib import cbook, colormaps
from matplotlib.collections import PolyCollection
from matplotlib.colors import to_hex, to_rgb
from matplotlib.patches import Patch
from matplotlib.transforms import Bbox

from pipeline.bundle.read import Bundle
from pipeline.reports.tables import (
    group_names,
    level_name,
    one_group,
    present_groups,
    scale_facts,
    scale_names,
)
from pipeline.reports.words import PALETTE, say, texts
from pipeline.stages.pairs import wide_scores
from pipeline.waves import WAVE_ORDER

__all__ = [
    "change_figure",
    "figures",
    "item_statement",
    "literal_text",
    "qq_figure",
    "score_figure",
    "tight_box",
    "tryout_figure",
    "whole_percentages",
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


#: The look of the score figure: seaborn's "whitegrid" theme with the report's palette,
#: written as the settings it makes (its font list aside: the figures draw in DejaVu Sans),
#: so drawing needs no seaborn (nor the scipy it loads).
_WHITEGRID = {
    "axes.axisbelow": True,
    "axes.edgecolor": ".8",
    "axes.grid": True,
    "axes.labelcolor": ".15",
    "axes.labelsize": 12.0,
    "axes.linewidth": 1.25,
    "axes.prop_cycle": plt.cycler(color=PALETTE),
    "axes.titlesize": 12.0,
    "font.size": 12.0,
    "grid.color": ".8",
    "grid.linewidth": 1.0,
    "legend.fontsize": 11.0,
    "legend.title_fontsize": 12.0,
    "lines.solid_capstyle": "round",
    "patch.edgecolor": "w",
    "patch.force_edgecolor": True,
    "text.color": ".15",
    "xtick.bottom": False,
    "xtick.color": ".15",
    "xtick.labelsize": 11.0,
    "xtick.major.size": 6.0,
    "xtick.major.width": 1.25,
    "xtick.minor.size": 4.0,
    "xtick.minor.width": 1.0,
    "ytick.color": ".15",
    "ytick.labelsize": 11.0,
    "ytick.left": False,
    "ytick.major.size": 6.0,
    "ytick.major.width": 1.25,
    "ytick.minor.size": 4.0,
    "ytick.minor.width": 1.0,
}


def whitegrid(draw: Callable[_P, _R]) -> Callable[_P, _R]:
    """Draw a figure in the figures' theme (:data:`_WHITEGRID`); its artists take the
    settings when they are made."""

    @functools.wraps(draw)
    def themed(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        with plt.rc_context(_WHITEGRID):
            return draw(*args, **kwargs)

    return themed


def tight_box(figure: plt.Figure, dpi: float) -> Bbox:
    """The box ``savefig(..., dpi=dpi, bbox_inches="tight")`` crops ``figure`` to, padded by
    ``savefig.pad_inches``, measured without drawing (as ``tight_layout`` measures): given to
    ``savefig`` as ``bbox_inches``, the figure is drawn once for its pixels instead of once
    more to find the box (the same pixels). The figure's layout engine is removed, since
    ``tight_layout`` leaves one with which ``savefig`` would lay the figure out again."""
    canvas = figure.canvas
    if not hasattr(canvas, "get_renderer"):
        # a figure made without pyplot's Agg (Streamlit's thread, a bare Figure) has a canvas
        # that cannot measure: Agg's, which saving a PNG uses anyway, measures it
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        canvas = FigureCanvasAgg(figure)
    original = figure.dpi
    figure.dpi = dpi
    try:
        box = figure.get_tightbbox(canvas.get_renderer())
    finally:
        figure.dpi = original
    figure.set_layout_engine(None)
    return box.padded(plt.rcParams["savefig.pad_inches"])


def _desaturated(colour: str, share: float = 0.75) -> tuple[float, float, float]:
    """``colour`` with its saturation (HLS) times ``share``: the boxes' fill."""
    hue, lightness, saturation = colorsys.rgb_to_hls(*to_rgb(colour))
    return colorsys.hls_to_rgb(hue, lightness, saturation * share)


def _line_grey(colours: list) -> tuple[float, float, float]:
    """The grey of the boxes' lines: 60% of the lightness of the darkest colour."""
    level = min(colorsys.rgb_to_hls(*to_rgb(c))[1] for c in colours) * 0.6
    return (level, level, level)


def _boxes_and_dots(ax, data: pd.DataFrame, *, x: str, order: list, waves: list, colours: list,
                    dodge: bool) -> None:  # fmt: skip
    """Box plots (no outliers, whiskers at 1.5 IQR) of ``data["value"]`` per ``x`` category
    and wave, each wave's box beside the other when ``dodge``, with every score as a dot
    jittered sideways (a fixed seed: the same figure each run)."""
    place = {name: at for at, name in enumerate(order)}
    fills = [_desaturated(c) for c in colours]
    line = _line_grey(fills)
    width = 0.8 / len(waves) if dodge else 0.8
    jitter = np.random.default_rng(0)
    for k, (wave, fill) in enumerate(zip(waves, fills, strict=True)):
        offset = width * k + width / 2 - 0.4 if dodge else 0.0
        part = data[data["wave"] == wave]
        found = [c for c in order if (part[x] == c).any()]
        values = [part.loc[part[x] == c, "value"].to_numpy() for c in found]
        if values:
            ax.bxp(cbook.boxplot_stats(values, whis=1.5), positions=[place[c] + offset
                   for c in found], widths=[width] * len(found), capwidths=[width / 2] * len(found),
                   patch_artist=True, manage_ticks=False, showfliers=False,
                   boxprops={"facecolor": fill, "edgecolor": line, "alpha": 0.45},
                   medianprops={"color": line, "solid_capstyle": "butt"},
                   whiskerprops={"color": line, "solid_capstyle": "butt"},
                   capprops={"color": line})  # fmt: skip
        spread = 0.15 / len(waves) if dodge else 0.15
        for c, scores in zip(found, values, strict=True):
            moved = jitter.uniform(-spread, spread, len(scores)) if len(scores) > 1 else 0.0
            ax.scatter(place[c] + offset + moved, scores, s=3.5**2, color=colours[k],
                       edgecolor=_line_grey(colours), linewidth=0, zorder=3)  # fmt: skip
    ax.set_xticks(range(len(order)), order)
    ax.set_xlim(-0.5, len(order) - 0.5)
    ax.xaxis.grid(False)


@literal_text
@whitegrid
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
    fig, ax = plt.subplots(figsize=(7, 4), dpi=110)
    if one_group(bundle):  # the waves side by side, in time order; no group to name
        layout = {"x": "wave", "order": hue_order}
        ax.set_xlabel(words["columns"]["wave"])
    else:
        order = [group_names(bundle, language).get(g, g) for g in present_groups(bundle)]
        order += [g for g in dict.fromkeys(data["group"]) if g not in order]
        layout = {"x": "group", "order": order}
    _boxes_and_dots(ax, data, waves=hue_order, colours=colours, dodge=layout["x"] == "group",
                    **layout)  # fmt: skip
    low, high = facts.get("min"), facts.get("max")
    if low is None:  # a bundle written before outcome kinds
        low = bundle.results["instrument"]["response_scale"]["min"]
        high = bundle.results["instrument"]["response_scale"]["max"]
    pad = (high - low) / 40
    ax.set_ylim(low - pad, high + pad)
    unit = "%" if facts.get("kind") == "test" else words["columns"]["mean"]
    ax.set_ylabel(f"{scale_names(bundle, language)[scale]} ({unit})")
    if layout["x"] == "group":
        ax.set_xlabel(words["columns"]["group"])
        handles = [
            Patch(color=c, alpha=0.6, label=w) for c, w in zip(colours, hue_order, strict=True)
        ]
        ax.legend(handles=handles, title=words["columns"]["wave"])
    fig.tight_layout()
    caption = say(
        language,
        "figure_caption_one" if one_group(bundle) else "figure_caption",
        escape=escape,
        scale=scale_names(bundle, language)[scale],
        n=len(data),
    )
    return fig, caption


def _paired_scores(bundle: Bundle, scale: str) -> pd.DataFrame:
    """Each participant's pre and post score of ``scale`` (the score its comparisons use),
    one row per participant with both, indexed by group and participant code."""
    column = scale_facts(bundle)[scale].get("column", "mean")
    pairs = wide_scores(bundle["scores"], values={scale: column}).scale_pairs(scale)
    pairs = pairs.assign(group=pairs["group"].astype(str)).set_index("group", append=True)
    return pairs.reorder_levels(["group", "participant_code"]).sort_index()[["pre", "post"]]


def _paired_t(bundle: Bundle, scale: str, group: str) -> pd.Series | None:
    """The paired t row of ``scale`` and ``group``: the paired means and the mean difference
    with its 95% CI, as the bundle holds them."""
    t = bundle["tests"]
    rows = t[(t["outcome"] == scale) & (t["group"] == group) & (t["test"] == "paired t")]
    return None if rows.empty or pd.isna(rows["estimate"].iat[0]) else rows.iloc[0]


@literal_text
def change_figure(
    bundle: Bundle, language: str, *, scale: str, escape: bool = True
) -> tuple[plt.Figure, str]:
    """Each participant's change beside the group summary, with its caption. Left: every
    participant's pre and post score joined by a thin line, the group's paired means bold.
    Right: each participant's difference (post - pre) as a dot, the mean difference with its
    95% CI from the paired t test as a bar. Waves in time order, groups in reading order."""
    words = texts(language)
    wide = _paired_scores(bundle, scale)
    found = set(wide.index.get_level_values("group"))
    groups = [g for g in present_groups(bundle) if g in found]
    names = group_names(bundle, language)
    waves = [words["waves"]["pre"], words["waves"]["post"]]
    fig, (left, right) = plt.subplots(
        1,
        2,
        figsize=(8.2 + 1.2 * max(len(groups) - 2, 0), 4.1),
        dpi=110,
        gridspec_kw={"width_ratios": [1.35, 1]},
    )
    ticks, labels = [], []
    jitter = np.random.default_rng(0)  # where the dots sit sideways only, for legibility
    for k, group in enumerate(groups):
        colour = PALETTE[k % len(PALETTE)]
        rows = wide.loc[group]
        x = np.array([3 * k, 3 * k + 1])
        for pre, post in zip(rows["pre"], rows["post"], strict=True):
            left.plot(x, [pre, post], color=colour, alpha=0.28, linewidth=0.9)
        summary = _paired_t(bundle, scale, group)
        if summary is not None:
            left.plot(x, [summary["mean_pre"], summary["mean_post"]], color=colour,
                      linewidth=3, marker="o", markersize=7, zorder=3)  # fmt: skip
        ticks += list(x)
        labels += waves
        if not one_group(bundle):  # the group's name under its two waves
            left.text(x.mean(), -0.09, textwrap.fill(names.get(group, group), 16), ha="center",
                      va="top", fontsize=8, transform=left.get_xaxis_transform())  # fmt: skip
        change = rows["post"] - rows["pre"]
        spread = jitter.uniform(-0.18, 0.18, len(change))
        right.scatter(k + spread, change, s=12, color=colour, alpha=0.6, linewidths=0)
        if summary is not None:
            right.errorbar(k + 0.32, summary["estimate"], color="black", capsize=4, fmt="o",
                           yerr=[[summary["estimate"] - summary["ci_low"]],
                                 [summary["ci_high"] - summary["estimate"]]])  # fmt: skip
    left.set_xticks(ticks, labels, fontsize=8)
    left.set_xlim(-0.5, 3 * len(groups) - 1.5)
    facts = scale_facts(bundle)[scale]
    unit = "%" if facts.get("kind") == "test" else words["columns"]["mean"]
    left.set_ylabel(f"{scale_names(bundle, language)[scale]} ({unit})", fontsize=8)
    left.set_title(words["change_figure"]["paired"], fontsize=9)
    right.axhline(0, color="grey", linewidth=0.8)
    shown = [] if one_group(bundle) else [textwrap.fill(names.get(g, g), 14) for g in groups]
    right.set_xticks(range(len(shown)), shown)
    right.set_xlim(-0.6, len(groups) - 0.3)
    right.set_ylabel(words["change_figure"]["difference"], fontsize=8)
    right.set_title(words["change_figure"]["differences"], fontsize=9)
    for ax in (left, right):
        ax.grid(axis="y", alpha=0.4)
        ax.tick_params(labelsize=8)
    fig.tight_layout()
    caption = say(
        language,
        "change_caption",
        escape=escape,
        scale=scale_names(bundle, language)[scale],
        n=len(wide),
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
    reading = {g: i for i, g in enumerate(present_groups(bundle))}
    order = sorted(counts.index, key=lambda k: (reading.get(k[0], 99), WAVE_ORDER.get(k[1], 99)))
    shares = counts.reindex(order[::-1])  # drawn bottom up: the first group's pre on top
    shares = shares.div(shares.sum(axis=1), axis=0) * 100
    fig, ax = plt.subplots(figsize=(6.5, 3.8))
    left = np.zeros(len(shares))
    groups = group_names(bundle, language)
    names = [
        words["waves"].get(w, w)
        if one_group(bundle)
        else f"{groups.get(g, g)} · {words['waves'].get(w, w)}"
        for g, w in shares.index
    ]
    for colour, label in zip(PALETTE, labels, strict=False):
        ax.barh(names, shares[label], left=left, color=colour, label=level_name(label, language))
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


def whole_percentages(shares: np.ndarray) -> np.ndarray:
    """Shares (rows summing to 100) rounded to whole percentages that still sum to 100 per
    row: the largest remainders are rounded up (Hamilton's method).

    >>> whole_percentages(np.array([[33.3, 33.3, 33.4], [12.5, 12.5, 75.0]])).tolist()
    [[33, 33, 34], [13, 12, 75]]
    """
    floor = np.floor(shares).astype(int)
    for row, values in enumerate(shares):
        if not values.sum():
            continue
        short = 100 - floor[row].sum()
        remainders = values - floor[row]
        for at in np.argsort(-remainders, kind="stable")[:short]:
            floor[row, at] += 1
    return floor


def item_statement(bundle: Bundle, item: str, language: str, width: int = 48) -> str:
    """An item's statement in the report's language, wrapped to ``width`` characters; its id
    for a bundle written before item texts were kept."""
    text = bundle.results["instrument"].get("item_texts", {}).get(item, {})
    return textwrap.fill(text.get(language) or text.get("id") or item, width)


@literal_text
def _likert_figure(bundle: Bundle, language: str):
    """Diverging stacked bars of every item's answers, pre above post (Robbins & Heiberger
    2011): disagreement to the left of zero, agreement to the right, neutral split across.
    Items are labelled with their statements; each segment's share is written as a positive
    whole percentage, and an answer's shares add up to 100."""
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
    waves = [w for w in ("pre", "post") if w in set(responses["wave"].astype(str))]
    rows = []
    for item in items:
        for wave in waves:
            values = responses.loc[responses["wave"] == wave, item].dropna()
            counts = values.value_counts(normalize=True).reindex(codes, fill_value=0) * 100
            rows.append(counts.to_numpy())
    shares = np.array(rows)
    labels = whole_percentages(shares)
    per_item = len(waves)
    step = per_item + 0.9  # a gap between items
    y = np.concatenate([i * step + np.arange(per_item) for i in range(len(items))])
    y = y.max() - y  # the first item on top, each item's pre above its post
    fig, ax = plt.subplots(figsize=(8, 0.62 * len(items) + 1.4))
    colours = [PALETTE[5], "#f4a582", "#d9d9d9", "#92c5de", PALETTE[0]]
    colours = colours if len(codes) == 5 else _diverging(len(codes))
    neutral = [i for i, c in enumerate(codes) if c == middle]
    start = -shares[:, [i for i, c in enumerate(codes) if c < middle]].sum(axis=1)
    if neutral:
        start -= shares[:, neutral[0]] / 2
    for i, code in enumerate(codes):
        _bars(ax, y, shares[:, i], left=start, height=0.85, colour=colours[i], label=str(code))
        for at, width, begin, shown in zip(y, shares[:, i], start, labels[:, i], strict=True):
            if width >= 7:
                ax.text(begin + width / 2, at, f"{shown}", ha="center", va="center", fontsize=5.5)
        start = start + shares[:, i]
    ax.axvline(0, color="black", linewidth=0.6)
    for at, wave in zip(y, waves * len(items), strict=True):
        ax.text(101, at, words["waves"][wave], va="center", fontsize=6, color="dimgray")
    centres = [y[i * per_item : (i + 1) * per_item].mean() for i in range(len(items))]
    ax.set_yticks(centres, [item_statement(bundle, item, language) for item in items], fontsize=6.5)
    ax.set_xlim(-100, 124)
    ax.set_xticks(range(-100, 101, 25), [f"{abs(t)}" for t in range(-100, 101, 25)])
    ax.set_xlabel("%")
    ax.legend(ncol=len(codes), loc="lower center", bbox_to_anchor=(0.5, 1.0), frameon=False)
    fig.tight_layout()
    n = int(responses.groupby("wave").size().max())
    return fig, say(language, "article.likert_caption", escape=False, n=n)


def _bars(
    ax, y: np.ndarray, widths: np.ndarray, *, left: np.ndarray, height: float, colour: str,
    label: str,
) -> None:  # fmt: skip
    """Horizontal bars drawn as ``barh`` draws them (filled, no edge) but as one collection:
    the Likert figure has a few hundred bars, and an artist for each was much of its cost."""
    bottom, top, right = y - height / 2, y + height / 2, left + widths
    corners = [(left, bottom), (right, bottom), (right, top), (left, top)]
    bars = PolyCollection(
        np.stack([np.column_stack(corner) for corner in corners], axis=1),
        facecolors=colour,
        edgecolors="none",
        linewidths=0,
        label=label,
    )
    ax.add_collection(bars)
    ax.autoscale_view()


def _diverging(n: int) -> list[str]:
    """``n`` colours from red to blue, evenly inside the ends of matplotlib's "RdBu"."""
    return [to_hex(c) for c in colormaps["RdBu"](np.linspace(0, 1, n + 2)[1:-1])]


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
