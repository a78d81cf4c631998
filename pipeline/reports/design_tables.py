"""Display tables and sentences of the designs beyond one pre/post survey, read from the
bundle: the instrument try-out, knowledge tests and mastery, several arms, follow-up waves,
the Bayesian and one-sided paired tests, and the sensitivity variants.

Nothing here computes a statistic; it picks, labels and formats what the bundle holds (an
evidence label of a Bayes factor is a band of the number, as a magnitude label is).
"""

from __future__ import annotations

import json
import math

import pandas as pd

from pipeline.bundle.read import Bundle
from pipeline.reports.tables import group_names, scale_names, without_one_group
from pipeline.reports.words import fmt, fmt_p, interval, pct, say, texts
from pipeline.stats.testitems import OMITTED
from pipeline.waves import WAVE_ORDER

__all__ = [
    "arms_anova_table",
    "arms_contrasts_table",
    "arms_means_table",
    "bayes_table",
    "directional_table",
    "distractors_table",
    "evidence_label",
    "followup_pairs_table",
    "friedman_table",
    "instrument_sentence",
    "last_wave",
    "mastery_sentences",
    "mastery_table",
    "retained_table",
    "sensitivity_tables",
    "test_items_table",
    "test_summary_table",
    "tryout_gugur_sentence",
    "tryout_scales_table",
    "tryout_sentences",
    "tryout_table",
    "wave_label",
    "waves_anova_table",
]


def _words(language: str) -> dict:
    return texts(language)["design"]


def _p(value: float, language: str) -> str:
    return fmt_p(value, language).removeprefix("= ")


def _ci(value, low, high, language: str, decimals: int = 2) -> str:
    return f"{fmt(value, language, decimals)} {interval(low, high, language, decimals)}"


def wave_label(wave: str, language: str) -> str:
    """A wave as the report names it."""
    return texts(language)["waves"].get(wave, wave)


# --------------------------------------------------------------------------- instrument


def instrument_sentence(bundle: Bundle, language: str) -> str:
    """The instrument in one sentence, by the kinds of item it holds."""
    inst = bundle.results["instrument"]
    kinds = inst.get("kinds", {"likert": inst["n_items"]})
    parts = []
    if kinds.get("likert"):
        scale = inst["response_scale"]
        parts.append(say(language, "design.parts_likert", n=kinds["likert"], min=scale["min"],
                         max=scale["max"], reverse=inst["n_reverse"]))  # fmt: skip
    if kinds.get("test"):
        wrong = inst.get("test_omitted", "wrong") == "wrong"
        key = "design.parts_test" if wrong else "design.parts_test_missing"
        parts.append(say(language, key, n=kinds["test"]))
    if kinds.get("score"):
        parts.append(say(language, "design.parts_score", n=kinds["score"]))
    return say(language, "design.instrument_test", escape=False, title=inst["title"][language],
               version=inst["version"], parts="; ".join(parts))  # fmt: skip


# --------------------------------------------------------------------------- try-out


def tryout_table(bundle: Bundle, language: str, *, escape: bool = True) -> pd.DataFrame:
    """ "Hasil uji validitas dan reliabilitas instrumen": per item r hitung, r tabel, the
    decision, alpha if dropped, and difficulty and discrimination of test items."""
    words, cols = _words(language), _words(language)["columns"]
    t = bundle["tryout_items"]
    names = scale_names(bundle, language)
    has_test = t["kind"].eq("test").any()
    table = pd.DataFrame(
        {
            words["tryout_scale_column"]: t["scale"].map(names),
            texts(language)["columns"]["item"]: t["item"],
            cols["r_hitung"]: [fmt(x, language, 3) for x in t["r"]],
            cols["r_tabel"]: [fmt(x, language, 3) for x in t["r_critical"]],
            cols["decision"]: t["decision"].map(words["decision"]),
            cols["alpha_drop"]: [fmt(x, language, 3) for x in t["alpha_if_deleted"]],
        }
    )
    if has_test:
        labels = _labels(language)
        table[cols["difficulty"]] = [
            "" if pd.isna(p) else f"{fmt(p, language)} ({labels.get(lab, lab)})"
            for p, lab in zip(t["difficulty"], t["difficulty_label"], strict=True)
        ]
        table[cols["discrimination"]] = [
            "" if pd.isna(d) else f"{fmt(d, language)} ({labels.get(lab, lab)})"
            for d, lab in zip(t["discrimination"], t["discrimination_label"], strict=True)
        ]
    return table


def _labels(language: str) -> dict[str, str]:
    """Difficulty and discrimination labels: Indonesian as printed, English translated."""
    if language == "id":
        return {}
    return {"sukar": "hard", "sedang": "moderate", "mudah": "easy", "jelek": "poor",
            "cukup": "fair", "baik": "good", "baik sekali": "excellent"}  # fmt: skip


def tryout_scales_table(bundle: Bundle, language: str) -> pd.DataFrame:
    """Per scale: n, valid items of all, alpha or KR-20 with its CI, KR-21, alpha of the
    valid items."""
    words, cols = _words(language), _words(language)["columns"]
    s = bundle["tryout_scales"]
    return pd.DataFrame(
        {
            words["tryout_scale_column"]: s["scale"].map(scale_names(bundle, language)),
            "n": s["n"],
            cols["items_valid"]: [f"{v} / {k}" for v, k in zip(s["k_valid"], s["k"], strict=True)],
            cols["coefficient"]: [
                f"{words['coefficient'][c]} = {_ci(v, lo, hi, language, 3)}"
                for c, v, lo, hi in zip(
                    s["coefficient"], s["value"], s["ci_low"], s["ci_high"], strict=True
                )
            ],
            cols["kr21"]: [fmt(x, language, 3) for x in s["kr21"]],
            cols["alpha_valid"]: [fmt(x, language, 3) for x in s["alpha_valid_items"]],
        }
    )


def tryout_sentences(bundle: Bundle, language: str, *, escape: bool = True) -> list[str]:
    """One sentence per try-out scale: valid items, alpha or KR-20 with its CI, and the alpha
    of the valid items when some were dropped."""
    words = _words(language)
    names = scale_names(bundle, language)
    out = []
    for row in bundle["tryout_scales"].itertuples():
        kept = row.alpha_valid_items if row.k_valid < row.k else math.nan
        values = {
            "scale": names[row.scale],
            "valid": row.k_valid,
            "k": row.k,
            "coefficient": words["coefficient"][row.coefficient],
            "value": fmt(row.value, language, 3),
            "low": fmt(row.ci_low, language, 3),
            "high": fmt(row.ci_high, language, 3),
            "kept": "" if math.isnan(kept) else fmt(kept, language, 3),
        }
        out.append(say(language, "design.tryout_sentence", escape=escape, **values))
    return out


def tryout_gugur_sentence(bundle: Bundle, language: str) -> str:
    """Which items were dropped (gugur), or that none was."""
    items = bundle["tryout_items"]
    gugur = items.loc[items["decision"] == "gugur", "item"]
    if gugur.empty:
        return _words(language)["tryout_none_gugur"]
    return say(language, "design.tryout_gugur", items=", ".join(dict.fromkeys(gugur)))


# --------------------------------------------------------------------------- knowledge tests


def test_summary_table(bundle: Bundle, language: str) -> pd.DataFrame:
    """Per test scale and wave: n, points and percentage (mean and SD), KR-20, KR-21."""
    cols, names = _words(language)["columns"], scale_names(bundle, language)
    s = bundle["test_summary"]
    return pd.DataFrame(
        {
            _words(language)["tryout_scale_column"]: s["scale"].map(names),
            texts(language)["columns"]["wave"]: [wave_label(w, language) for w in s["wave"]],
            "n": s["n"],
            cols["points"]: [
                f"{fmt(m, language)} ± {fmt(d, language)} / {fmt(t, language, 0)}"
                for m, d, t in zip(s["mean_points"], s["sd_points"], s["max_points"], strict=True)
            ],
            cols["percent"]: [
                f"{fmt(m, language, 1)} ± {fmt(d, language, 1)}"
                for m, d in zip(s["mean_percent"], s["sd_percent"], strict=True)
            ],
            cols["kr20"]: [fmt(x, language, 3) for x in s["kr20"]],
            cols["kr21"]: [fmt(x, language, 3) for x in s["kr21"]],
        }
    )


def last_wave(table: pd.DataFrame) -> str:
    """The latest wave a table holds (post before follow-ups; the try-out alone)."""
    return max(set(table["wave"]), key=lambda w: WAVE_ORDER.get(w, 0))


def test_items_table(bundle: Bundle, language: str, *, wave: str | None = None) -> pd.DataFrame:
    """Difficulty, discrimination and point-biserial r of every test item at one wave (the
    last by default)."""
    cols, labels = _words(language)["columns"], _labels(language)
    items = bundle["test_items"]
    wave = wave or last_wave(items)
    t = items[items["wave"] == wave]
    return pd.DataFrame(
        {
            _words(language)["tryout_scale_column"]: t["scale"].map(scale_names(bundle, language)),
            texts(language)["columns"]["item"]: t["item"],
            cols["difficulty"]: [
                f"{fmt(p, language)} ({labels.get(a, a)})"
                for p, a in zip(t["difficulty"], t["difficulty_label"], strict=True)
            ],
            cols["discrimination"]: [
                f"{fmt(d, language)} ({labels.get(a, a)})"
                for d, a in zip(t["discrimination"], t["discrimination_label"], strict=True)
            ],
            cols["r_pbis"]: [fmt(x, language, 3) for x in t["r_item_total"]],
            cols["r_pbis_rest"]: [fmt(x, language, 3) for x in t["r_item_rest"]],
        }
    )


def distractors_table(bundle: Bundle, language: str, *, wave: str | None = None) -> pd.DataFrame:
    """Share choosing each option, overall and in the upper and lower groups, at one wave."""
    cols = _words(language)["columns"]
    d = bundle["test_distractors"]
    wave = wave or last_wave(d)
    d = d[(d["wave"] == wave) & ~((d["option"] == OMITTED) & (d["count"] == 0))]
    mark = {True: "✓", False: "✗"}
    shown = {OMITTED: cols["omitted"]}
    return pd.DataFrame(
        {
            texts(language)["columns"]["item"]: d["item"],
            cols["option"]: [
                f"{o} ✓" if k else shown.get(o, str(o))
                for o, k in zip(d["option"], d["is_key"], strict=True)
            ],
            cols["share_all"]: [pct(x, language) for x in d["share"]],
            cols["share_upper"]: [pct(x, language) for x in d["share_upper"]],
            cols["share_lower"]: [pct(x, language) for x in d["share_lower"]],
            cols["functioning"]: [mark.get(f, "") for f in d["functioning"]],
        }
    )


def mastery_table(bundle: Bundle, language: str) -> pd.DataFrame:
    """Participants reaching the passing score per outcome, group and wave."""
    cols = _words(language)["columns"]
    m = bundle["mastery"]
    frame = pd.DataFrame(
        {
            _words(language)["tryout_scale_column"]: m["scale"].map(scale_names(bundle, language)),
            texts(language)["columns"]["group"]: m["group"].map(group_names(bundle, language)),
            texts(language)["columns"]["wave"]: [wave_label(w, language) for w in m["wave"]],
            "n": m["n"],
            cols["mastered"]: [
                f"{n} ({pct(s, language)})" for n, s in zip(m["mastered"], m["share"], strict=True)
            ],
        }
    )
    return without_one_group(frame, bundle, language)


def mastery_sentences(bundle: Bundle, language: str) -> list[str]:
    """Per outcome and group: mastery before and after, who moved, the difference with its
    CI and McNemar's p."""
    words = _words(language)
    names, groups = scale_names(bundle, language), group_names(bundle, language)
    out = []
    for r in bundle["mastery_tests"].itertuples():
        out.append(say(language, "design.mastery_sentence",
                       group="" if r.group == "all" else groups[r.group],
                       scale=names[r.scale], pre=pct(r.p_pre, language),
                       post=pct(r.p_post, language), n=int(r.n), gained=int(r.c), lost=int(r.b),
                       diff=pct(r.difference, language), low=pct(r.diff_ci_low, language),
                       high=pct(r.diff_ci_high, language), p=fmt_p(r.p_value, language),
                       method=words["mastery_methods"].get(r.method, r.method)))  # fmt: skip
    return out


# --------------------------------------------------------------------------- Bayes, one-sided

_EVIDENCE = (
    (100, "extreme"),
    (30, "very_strong"),
    (10, "strong"),
    (3, "moderate"),
    (1, "anecdotal"),
)


def evidence_label(bf10: float, language: str) -> str:
    """Lee and Wagenmakers' (2013) evidence category of a Bayes factor, toward H1 or H0."""
    words = _words(language)["evidence"]
    if bf10 is None or pd.isna(bf10):
        return words["none"]
    ratio, side = (bf10, "h1") if bf10 >= 1 else (1 / bf10, "h0")
    band = next((name for bound, name in _EVIDENCE if ratio > bound), "anecdotal")
    return words[f"{band}_{side}"]


def _bf(value: float, language: str) -> str:
    if value is None or pd.isna(value):
        return "-"
    if value >= 1000 or value < 0.001:
        return f"{value:.2e}".replace(".", "," if language == "id" else ".")
    return fmt(value, language, 3 if value < 1 else 2)


def bayes_table(bundle: Bundle, language: str) -> pd.DataFrame:
    """BF10 and BF01 with t and its evidence label, per outcome, group and hypothesis."""
    words, cols = _words(language), _words(language)["columns"]
    b = bundle["bayes"]
    frame = pd.DataFrame(
        {
            texts(language)["columns"]["outcome"]: b["outcome"].map(scale_names(bundle, language)),
            texts(language)["columns"]["group"]: b["group"].map(group_names(bundle, language)),
            cols["alternative"]: b["alternative"].map(words["alternatives"]),
            "n": b["n"],
            "t (df)": [
                "-" if pd.isna(t) else f"{fmt(t, language)} ({fmt(df, language, 0)})"
                for t, df in zip(b["t"], b["df"], strict=True)
            ],
            cols["bf10"]: [_bf(x, language) for x in b["bf10"]],
            cols["bf01"]: [_bf(x, language) for x in b["bf01"]],
            cols["evidence"]: [evidence_label(x, language) for x in b["bf10"]],
        }
    )
    return without_one_group(frame, bundle, language)


def directional_table(bundle: Bundle, language: str) -> pd.DataFrame:
    """The one-sided tests of the declared direction, with their one-sided intervals."""
    words = texts(language)
    cols = words["columns"]
    d = bundle["directional"]
    frame = pd.DataFrame(
        {
            cols["outcome"]: d["outcome"].map(scale_names(bundle, language)),
            cols["group"]: d["group"].map(group_names(bundle, language)),
            cols["test"]: [words["test_names"].get(t, t) for t in d["test"]],
            "n": d["n"],
            cols["diff_ci"]: [
                "-" if pd.isna(e) else _ci(e, lo, hi, language).replace("inf", "∞")
                for e, lo, hi in zip(d["estimate"], d["ci_low"], d["ci_high"], strict=True)
            ],
            cols["statistic"]: [
                fmt(s, language) + (f" ({fmt(df, language, 0)})" if not pd.isna(df) else "")
                for s, df in zip(d["statistic"], d["df"], strict=True)
            ],
            cols["p"]: [_p(p, language) for p in d["p_value"]],
            cols["p_adj"]: [_p(p, language) for p in d["p_adjusted"]],
        }
    )
    return without_one_group(frame, bundle, language)


# --------------------------------------------------------------------------- several arms


def arms_anova_table(bundle: Bundle, language: str) -> pd.DataFrame:
    """The k-arm ANCOVA's pre and arm rows: F (df), p, partial eta squared with its CI."""
    words = _words(language)
    a = bundle["arms_anova"]
    return pd.DataFrame(
        {
            texts(language)["columns"]["outcome"]: a["outcome"].map(scale_names(bundle, language)),
            words["columns"]["term"]: a["term"].map(words["arms_terms"]),
            "F (df)": [
                f"{fmt(f, language)} ({fmt(x, language, 0)}, {fmt(y, language, 0)})"
                for f, x, y in zip(a["F"], a["df1"], a["df2"], strict=True)
            ],
            "p": [_p(p, language) for p in a["p_value"]],
            "η²p [95% CI]": [
                _ci(v, lo, hi, language, 3)
                for v, lo, hi in zip(
                    a["partial_eta_squared"],
                    a["partial_eta_squared_ci_low"],
                    a["partial_eta_squared_ci_high"],
                    strict=True,
                )
            ],
        }
    )


def arms_means_table(bundle: Bundle, language: str) -> pd.DataFrame:
    """Adjusted means of every arm with their CIs."""
    words = _words(language)
    m = bundle["arms_means"]
    return pd.DataFrame(
        {
            texts(language)["columns"]["outcome"]: m["outcome"].map(scale_names(bundle, language)),
            texts(language)["columns"]["group"]: m["arm"].map(group_names(bundle, language)),
            "n": m["n"],
            words["adjusted_mean"]: [
                _ci(v, lo, hi, language)
                for v, lo, hi in zip(m["adjusted_mean"], m["ci_low"], m["ci_high"], strict=True)
            ],
        }
    )


def arms_contrasts_table(bundle: Bundle, language: str) -> pd.DataFrame:
    """Pairwise contrasts of adjusted means: difference with its CI, t, p and Holm's p."""
    words = _words(language)
    c = bundle["arms_contrasts"]
    groups = group_names(bundle, language)
    return pd.DataFrame(
        {
            texts(language)["columns"]["outcome"]: c["outcome"].map(scale_names(bundle, language)),
            words["contrast"]: [
                f"{groups[a]} - {groups[r]}" for a, r in zip(c["arm"], c["reference"], strict=True)
            ],
            words["columns"]["estimate_ci"]: [
                _ci(v, lo, hi, language)
                for v, lo, hi in zip(c["estimate"], c["ci_low"], c["ci_high"], strict=True)
            ],
            "t (df)": [
                f"{fmt(t, language)} ({fmt(df, language, 0)})"
                for t, df in zip(c["t"], c["df"], strict=True)
            ],
            "p": [_p(p, language) for p in c["p_value"]],
            words["p_holm"]: [_p(p, language) for p in c["p_holm"]],
        }
    )


def waves_anova_table(bundle: Bundle, language: str, *, design: str) -> pd.DataFrame:
    """The repeated-measures ANOVA per group (``design="repeated measures"``) or the mixed
    ANOVA arms x waves (``"mixed"``), with the Greenhouse-Geisser correction."""
    words, cols = _words(language), _words(language)["columns"]
    w = bundle["waves_anova"]
    w = w[w["design"] == design]
    table = pd.DataFrame(
        {
            texts(language)["columns"]["outcome"]: w["outcome"].map(scale_names(bundle, language)),
            texts(language)["columns"]["group"]: w["group"].map(group_names(bundle, language)),
            cols["term"]: w["effect"].map(words["effects"]),
            "n": w["n"],
            "F (df)": [
                f"{fmt(f, language)} ({fmt(x, language, 0)}, {fmt(y, language, 0)})"
                for f, x, y in zip(w["F"], w["df1"], w["df2"], strict=True)
            ],
            cols["epsilon"]: [fmt(x, language, 3) for x in w["epsilon_gg"]],
            cols["p_gg"]: [_p(p, language) for p in w["p_value_gg"]],
            cols["ges"]: [fmt(x, language, 3) for x in w["ges"]],
            cols["mauchly"]: [
                "-" if pd.isna(m) else f"{fmt(m, language, 3)} ({_p(p, language)})"
                for m, p in zip(w["mauchly_w"], w["mauchly_p"], strict=True)
            ],
        }
    )
    if design == "mixed":
        return table.drop(columns=texts(language)["columns"]["group"])
    return without_one_group(table, bundle, language)


def friedman_table(bundle: Bundle, language: str) -> pd.DataFrame:
    """Friedman's chi-square over the waves with Kendall's W, per outcome and group."""
    cols = _words(language)["columns"]
    f = bundle["friedman"]
    frame = pd.DataFrame(
        {
            texts(language)["columns"]["outcome"]: f["outcome"].map(scale_names(bundle, language)),
            texts(language)["columns"]["group"]: f["group"].map(group_names(bundle, language)),
            "n": f["n"],
            cols["chi2"]: [
                f"{fmt(s, language)} ({fmt(df, language, 0)})"
                for s, df in zip(f["statistic"], f["df"], strict=True)
            ],
            "p": [_p(p, language) for p in f["p_value"]],
            cols["kendall_w"]: [fmt(x, language, 3) for x in f["kendall_w"]],
        }
    )
    return without_one_group(frame, bundle, language)


def _pair_frame(table: pd.DataFrame, bundle: Bundle, language: str) -> pd.DataFrame:
    cols = _words(language)["columns"]
    frame = pd.DataFrame(
        {
            texts(language)["columns"]["outcome"]: table["outcome"].map(
                scale_names(bundle, language)
            ),
            texts(language)["columns"]["group"]: table["group"].map(group_names(bundle, language)),
            cols["contrast"]: [
                f"{wave_label(w, language)} - {wave_label(r, language)}"
                for w, r in zip(table["wave"], table["reference"], strict=True)
            ],
            "n": table["n"],
            cols["estimate_ci"]: [
                _ci(v, lo, hi, language)
                for v, lo, hi in zip(
                    table["mean_difference"], table["ci_low"], table["ci_high"], strict=True
                )
            ],
            "t (df)": [
                f"{fmt(t, language)} ({fmt(df, language, 0)})"
                for t, df in zip(table["t"], table["df"], strict=True)
            ],
            "p": [_p(p, language) for p in table["p_value"]],
        }
    )
    return without_one_group(frame, bundle, language)


def followup_pairs_table(bundle: Bundle, language: str) -> pd.DataFrame:
    """Paired t tests of every pair of waves, with the adjusted p."""
    pairs = bundle["followup_pairs"]
    table = _pair_frame(pairs, bundle, language)
    table[texts(language)["columns"]["p_adj"]] = [_p(p, language) for p in pairs["p_adjusted"]]
    return table


def retained_table(bundle: Bundle, language: str) -> pd.DataFrame:
    """Follow-up minus pre and minus post, with CIs."""
    return _pair_frame(bundle["retained_gain"], bundle, language)


# --------------------------------------------------------------------------- sensitivity


def sensitivity_tables(bundle: Bundle, language: str) -> list[tuple[str, pd.DataFrame]]:
    """Per declared variant: its heading and the quantities that differ from the primary
    analysis (an empty table when none does)."""
    words, cols = _words(language), _words(language)["columns"]
    s = bundle["sensitivity"]
    names, groups = scale_names(bundle, language), group_names(bundle, language)
    out = []
    for variant, rows in s.groupby("variant", sort=False):
        changes = ", ".join(f"{k}: {v}" for k, v in json.loads(rows["changes"].iat[0]).items())
        differ = rows[rows["differs"]]
        decimals = [0 if q in ("valid_items", "primary_test") else 3 for q in differ["quantity"]]
        table = pd.DataFrame(
            {
                cols["quantity"]: differ["quantity"].map(words["quantities"]),
                texts(language)["columns"]["outcome"]: differ["outcome"].map(names),
                texts(language)["columns"]["wave"]: differ["wave"].map(
                    lambda w: wave_label(w, language) if w else ""
                ),
                texts(language)["columns"]["group"]: differ["group"].map(
                    lambda g: groups.get(g, g) if g else ""
                ),
                texts(language)["columns"]["test"]: differ["test"].map(
                    lambda t: texts(language)["test_names"].get(t, t)
                ),
                cols["primary"]: [
                    fmt(v, language, d) for v, d in zip(differ["primary"], decimals, strict=True)
                ],
                cols["variant_value"]: [
                    fmt(v, language, d) for v, d in zip(differ["value"], decimals, strict=True)
                ],
            }
        )
        out.append((f"{variant} ({changes})", table))
    return out
