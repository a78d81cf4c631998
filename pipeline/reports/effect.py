"""The headline effect size: the one effect a study declares (``analysis.primary_effect``) and
every output names, with its interval, its plain meaning and its verbal label.

A one-group study leads with d_z (the change within the group), a study with a control arm with
the ANCOVA difference from that arm (adjusted for the pre score); the study file can choose
another (:meth:`pipeline.config.Study.primary_effect`). The verbal label is Cohen's (1988), the
one the technical report prints beside the same number: of d for the standardized changes, of
r for the rank-biserial correlation and of the partial eta squared for the ANCOVA difference,
whose value is in the scale's points.

When the N-gain category of the same scale and group (tidak efektif ... efektif) reads the
other way from the effect's label, :func:`ngain_note` explains why both can be right.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from pipeline.bundle.read import Bundle
from pipeline.inert import inert
from pipeline.reports.tables import group_names, present_groups
from pipeline.reports.words import fill, fmt, interval, texts
from pipeline.stats.effsize import magnitude_label

__all__ = ["HeadlineEffect", "focus_group", "headline_effect", "ngain_note"]

#: The bundle's name of each declarable effect in the ``effects`` table.
_EFFECT_ROWS = {"d_z": "d_z", "d_av": "d_av", "g_av": "g_av", "rank_biserial": "rank-biserial r"}
#: Each effect's symbol: the letter (italic) and its subscript.
_SYMBOLS = {"d_z": ("d", "z"), "d_av": ("d", "av"), "g_av": ("g", "av"), "rank_biserial": ("r", "")}
#: Labels read as "at least medium": the effect's and the N-gain category's.
_STRONG_EFFECT = {"medium", "large"}
_STRONG_GAIN = {"cukup efektif", "efektif"}
_WEAK_GAIN = {"tidak efektif", "kurang efektif"}


def focus_group(bundle: Bundle) -> str:
    """The group whose change the funder reads: the first treatment arm that was tested,
    else the first group tested ("all" without groups)."""
    groups = present_groups(bundle)
    roles = {a["name"]: a["role"] for a in bundle.results["design"].get("arms", [])}
    treated = [g for g in groups if roles.get(g, "treatment") == "treatment"]
    return treated[0] if treated else groups[0]


@dataclass(frozen=True)
class HeadlineEffect:
    """One study's headline effect on its primary scale.

    ``value``, ``ci_low`` and ``ci_high`` are the effect (the ANCOVA difference in the scale's
    points, the others standardized); ``size`` is the number its verbal label is judged by
    (the effect itself, or the partial eta squared of the ANCOVA); ``magnitude`` is that
    label's key (negligible, small, medium, large, not computed).
    """

    effect: str
    scale: str
    group: str
    reference: str | None
    value: float
    ci_low: float
    ci_high: float
    size: float
    magnitude: str

    def symbol(self, html: bool = False) -> str:
        """The effect's symbol: ``<i>d</i><sub>z</sub>`` in HTML, ``dz`` in plain text."""
        letter, sub = _SYMBOLS.get(self.effect, ("", ""))
        if html:
            return f"<i>{letter}</i>" + (f"<sub>{sub}</sub>" if sub else "")
        return letter + sub

    def _control(self, bundle: Bundle, language: str, html: bool) -> str:
        name = group_names(bundle, language).get(self.reference or "", self.reference or "")
        return inert(name, "html") if html else name

    def name(self, bundle: Bundle, language: str, *, html: bool = False) -> str:
        """The effect's name in ``language`` ("standardized change (Cohen's dz)")."""
        template = texts(language)["headline_effect"]["names"][self.effect]
        template = inert(template, "html") if html else template
        control = self._control(bundle, language, html)
        return fill(template, symbol=self.symbol(html), control=control)

    def meaning(self, bundle: Bundle, language: str, *, html: bool = False) -> str:
        """What the effect measures, in plain words, with Cohen's benchmarks."""
        template = texts(language)["headline_effect"]["meanings"][self.effect]
        template = inert(template, "html") if html else template
        return fill(template, control=self._control(bundle, language, html))

    def label(self, language: str) -> str:
        """The verbal label in ``language`` (kecil, sedang, besar ...)."""
        return texts(language)["magnitude"][self.magnitude]

    def interval(self, language: str) -> str:
        """The confidence interval as the reports write it."""
        return interval(self.ci_low, self.ci_high, language)

    def statement(self, bundle: Bundle, language: str, *, html: bool = False) -> str:
        """The effect stated: name, value, interval and verbal label ("... = 0,34 poin, 95% CI
        [0,22; 0,47]: efek besar (η²p = 0,35)"), as plain text or as HTML (its symbol in
        tags, everything else made inert)."""
        brief = texts(language)["brief"]
        template = brief["effect_value_ancova" if self.effect == "ancova" else "effect_value"]
        values = {
            "value": fmt(self.value, language),
            "ci": self.interval(language),
            "label": self.label(language),
            "size": fmt(self.size, language),
        }
        if not html:
            return fill(template, name=self.name(bundle, language), **values)
        clean = {k: inert(str(v), "html") for k, v in values.items()}
        return fill(inert(template, "html"), name=self.name(bundle, language, html=True), **clean)


def headline_effect(bundle: Bundle) -> HeadlineEffect | None:
    """The study's headline effect on its primary scale, for its focus group; None for a
    try-out (no change is measured) or when the bundle holds no such row."""
    results = bundle.results
    if results["design"].get("kind") == "tryout":
        return None
    effect = results.get("primary_effect") or _default_effect(bundle)
    scale, group = results["primary_scale"], focus_group(bundle)
    if effect == "ancova":
        return _ancova_effect(bundle, scale, group)
    rows = bundle["effects"]
    row = rows[
        (rows["outcome"] == scale)
        & (rows["group"] == group)
        & (rows["effect"] == _EFFECT_ROWS[effect])
    ]
    if row.empty:
        return None
    r = row.iloc[0]
    return HeadlineEffect(
        effect,
        scale,
        group,
        None,
        float(r["value"]),
        float(r["ci_low"]),
        float(r["ci_high"]),
        float(r["value"]),
        str(r["magnitude"]),
    )


def _default_effect(bundle: Bundle) -> str:
    """The effect ``auto`` chooses, for a bundle written before results held it."""
    declared = bundle.results.get("analysis", {}).get("primary_effect", "auto")
    if declared not in (None, "auto"):
        return declared
    roles = [a["role"] for a in bundle.results["design"].get("arms", [])]
    return "ancova" if "control" in roles else "d_z"


def _ancova_effect(bundle: Bundle, scale: str, group: str) -> HeadlineEffect | None:
    """The ANCOVA difference of the focus arm from the control: the two-arm table, else the
    arm's adjusted contrast with the (first) control, judged by the arm term's eta squared."""
    ancova = bundle.tables.get("ancova")
    if ancova is not None and not ancova.empty and scale in set(ancova["outcome"]):
        a = ancova.set_index("outcome").loc[scale]
        control = next(
            x["name"] for x in bundle.results["design"]["arms"] if x["role"] == "control"
        )
        size = float(a["partial_eta_squared"])
        return HeadlineEffect(
            "ancova",
            scale,
            group,
            control,
            float(a["adjusted_difference"]),
            float(a["ci_low"]),
            float(a["ci_high"]),
            size,
            magnitude_label(size, "eta2"),
        )
    if not (bundle.has("arms_contrasts") and bundle.has("arms_anova")):
        return None
    c = bundle["arms_contrasts"]
    c = c[(c["outcome"] == scale) & (c["arm"] == group) & c["versus_control"]]
    anova = bundle["arms_anova"]
    term = anova[(anova["outcome"] == scale) & (anova["term"] == "arm")]
    if c.empty or term.empty:
        return None
    r, size = c.iloc[0], float(term["partial_eta_squared"].iloc[0])
    return HeadlineEffect(
        "ancova",
        scale,
        group,
        str(r["reference"]),
        float(r["estimate"]),
        float(r["ci_low"]),
        float(r["ci_high"]),
        size,
        magnitude_label(size, "eta2"),
    )


def ngain_note(
    bundle: Bundle, effect: HeadlineEffect, language: str, *, html: bool = False
) -> str | None:
    """The sentence that explains why the N-gain category and the effect's label disagree,
    or None when they agree (or the scale has no N-gain).

    They disagree when one reads "at least medium" (a medium or large effect; an N-gain
    category of cukup efektif or efektif) and the other does not.
    """
    if not bundle.has("gain_summary") or effect.magnitude == "not computed":
        return None
    gain = bundle["gain_summary"]
    row = gain[(gain["scale"] == effect.scale) & (gain["group"] == effect.group)]
    if row.empty or pd.isna(row["effectiveness_pct"].iloc[0]):
        return None
    category = row["effectiveness"].iloc[0]
    if not isinstance(category, str) or category not in _STRONG_GAIN | _WEAK_GAIN:
        return None
    if (effect.magnitude in _STRONG_EFFECT) == (category in _STRONG_GAIN):
        return None
    words = texts(language)["headline_effect"]
    return fill(
        inert(words["ngain"], "html") if html else words["ngain"],
        ngain=fmt(row["effectiveness_pct"].iloc[0], language, 1) + "%",
        category=words["effectiveness"][category],
        label=effect.label(language),
        measure=fill(words["measures"][effect.effect], symbol=effect.symbol(html)),
    )
