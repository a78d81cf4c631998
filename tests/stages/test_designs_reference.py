"""The stages produce the numbers R computes from the raw exports of three fixture studies
(``tests/reference/designs.R``): a Google Forms quiz before and after, three arms over pre,
post and a follow-up, and the try-out example. The bundle is written and read back, so what
is checked is what the reports read.

Tolerances: closed forms (t, F, p-values of t/F/chi-square, means, SDs, correlations, KR-20,
KR-21, alpha, Feldt intervals, eta squared, emmeans and contrasts, Greenhouse-Geisser
epsilon, shares) 1e-9 relative; the partial eta squared interval and the Wilcoxon p 1e-6
(root finding and R's continuity-corrected normal approximation); the two-sided Bayes factor
against the JZS integral over g at R's tight tolerance 1e-8; the one-sided Bayes factor
against BayesFactor (R's integrate at its default tolerance) 1e-5.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from pipeline.bundle.read import load_bundle
from pipeline.run import run_study
from tests.conftest import ROOT, load_reference

REF = load_reference("designs.json")
FIXTURES = ROOT / "tests" / "fixtures" / "designs"
CLOSED = 1e-9


@pytest.fixture(scope="module")
def bundles(tmp_path_factory) -> dict[str, object]:
    folder = tmp_path_factory.mktemp("designs")
    studies = {
        "quiz": FIXTURES / "quiz" / "study.yaml",
        "arms": FIXTURES / "arms" / "study.yaml",
        "tryout": ROOT / "data" / "raw" / "examples" / "tryout" / "study.yaml",
    }
    out = {}
    for name, path in studies.items():
        result = run_study(path, processed_root=folder, render_report=False)
        out[name] = load_bundle(result.bundle_dir)
    return out


def _approx(value, rel=CLOSED, abs=1e-12):
    return pytest.approx(value, rel=rel, abs=abs)


def _row(table: pd.DataFrame, **where) -> pd.Series:
    mask = pd.Series(True, index=table.index)
    for column, value in where.items():
        mask &= table[column] == value
    rows = table[mask]
    assert len(rows) == 1, where
    return rows.iloc[0]


# --------------------------------------------------------------------------- the quiz

OUTCOMES = ("mc", "quiz", "form")


@pytest.mark.parametrize("outcome", OUTCOMES)
def test_quiz_scores_and_paired_tests(bundles, outcome):
    bundle, ref = bundles["quiz"], REF["quiz"]
    d = bundle["descriptives"]
    for wave in ("pre", "post"):
        row = _row(d, outcome=outcome, wave=wave, group="all")
        assert row["n"] == ref[f"n_{wave}"]
        assert row["mean"] == _approx(ref["descriptives"][outcome][f"{wave}_mean"])
        assert row["sd"] == _approx(ref["descriptives"][outcome][f"{wave}_sd"])
    r = ref["paired"][outcome]
    t = _row(bundle["tests"], outcome=outcome, group="all", test="paired t")
    assert t["n"] == r["n"]
    pairs = {"statistic": "t", "df": "df", "p_value": "p", "estimate": "estimate",
             "ci_low": "ci_low", "ci_high": "ci_high", "mean_pre": "mean_pre"}  # fmt: skip
    for got, key in pairs.items():
        assert t[got] == _approx(r[key]), got
    w = _row(bundle["tests"], outcome=outcome, group="all", test="Wilcoxon signed-rank")
    assert w["statistic"] == r["V"] and w["p_value"] == _approx(r["p_wilcoxon"], rel=1e-6)
    dz = _row(bundle["effects"], outcome=outcome, group="all", effect="d_z")
    assert dz["value"] == _approx(r["d_z"])


def test_quiz_declared_increase_one_sided_and_bayes(bundles):
    bundle, ref = bundles["quiz"], REF["quiz"]
    directional = bundle["directional"]
    for k, outcome in enumerate(OUTCOMES):
        r = ref["one_sided"][outcome]
        t = _row(directional, outcome=outcome, test="paired t")
        assert t["alternative"] == "greater" and t["declared"] == "2026-07-01"
        assert t["p_value"] == _approx(r["p"]) and t["ci_low"] == _approx(r["ci_low"])
        assert math.isinf(t["ci_high"]) and t["p_adjusted"] == _approx(ref["one_sided_holm"][k])
        w = _row(directional, outcome=outcome, test="Wilcoxon signed-rank")
        assert w["p_value"] == _approx(r["p_wilcoxon"], rel=1e-6)
        b = ref["bayes"][outcome]
        two = _row(bundle["bayes"], outcome=outcome, alternative="two-sided")
        assert two["t"] == _approx(b["t"]) and two["r_scale"] == _approx(math.sqrt(2) / 2)
        assert two["bf10"] == _approx(b["bf10"], rel=1e-8)
        assert two["bf10"] == _approx(b["bf10_bayesfactor"], rel=1e-5)
        greater = _row(bundle["bayes"], outcome=outcome, alternative="greater")
        assert abs(b["t"]) < 5  # below BayesFactor's shortcut: both integrate
        assert greater["bf10"] == _approx(b["greater_bayesfactor"], rel=1e-5)


def test_quiz_qq_points_of_the_primary_scale(bundles):
    qq, ref = bundles["quiz"]["qq"], REF["quiz"]["qq"]
    assert set(qq["outcome"]) == {"quiz"} and qq["position"].tolist() == list(range(1, 23))
    assert qq["sample"].tolist() == _approx(ref["sample"])
    assert qq["theoretical"].tolist() == _approx(ref["theoretical"])
    assert qq["slope"].iat[0] == _approx(ref["slope"])
    assert qq["intercept"].iat[0] == _approx(ref["intercept"])


@pytest.mark.parametrize("wave", ["pre", "post"])
@pytest.mark.parametrize("scale", ["mc", "quiz"])
def test_quiz_item_analysis(bundles, wave, scale):
    items, ref = bundles["quiz"]["test_items"], REF["quiz"]["items"][wave][scale]
    part = items[(items["wave"] == wave) & (items["scale"] == scale)]
    assert part["n"].iat[0] == ref["n"] and part["group_size"].iat[0] == ref["group_size"]
    for column in ("difficulty", "p_upper", "p_lower", "discrimination", "r_item_total",
                   "r_item_rest"):  # fmt: skip
        assert part[column].tolist() == _approx(ref[column]), column


@pytest.mark.parametrize("wave", ["pre", "post"])
def test_quiz_kr20_kr21_and_distractors(bundles, wave):
    bundle, ref = bundles["quiz"], REF["quiz"]
    summary = _row(bundle["test_summary"], scale="mc", wave=wave)
    for key in ("kr20", "kr21", "mean_points", "sd_points"):
        assert summary[key] == _approx(ref["kr"][wave][key]), key
    assert math.isnan(_row(bundle["test_summary"], scale="quiz", wave=wave)["kr20"])  # 2 points
    d = bundle["test_distractors"]
    d = d[(d["scale"] == "mc") & (d["wave"] == wave)]
    for i, options in enumerate(ref["distractors"][wave], start=1):
        for option, r in options.items():
            row = _row(d, item=f"q{i}", option=option)
            assert row["count"] == r["count"]
            for key in ("share", "share_upper", "share_lower"):
                assert row[key] == _approx(r[key]), (i, option, key)


@pytest.mark.parametrize("outcome", OUTCOMES)
def test_quiz_mastery_and_mcnemar(bundles, outcome):
    m, ref = bundles["quiz"]["mastery_tests"], REF["quiz"]["mastery"][outcome]
    row = _row(m, scale=outcome, group="all")
    assert [int(row[k]) for k in "abcd"] == [ref[k] for k in "abcd"]
    for key in ("statistic", "p_asymptotic", "p_exact", "p_pre", "p_post"):
        assert row[key] == _approx(ref[key]), key
    shares = bundles["quiz"]["mastery"]
    assert _row(shares, scale=outcome, wave="post")["share"] == _approx(ref["p_post"])


@pytest.mark.parametrize("outcome", ["mc", "quiz"])
def test_quiz_normalized_gain_on_percentage_scores(bundles, outcome):
    row = _row(bundles["quiz"]["gain_summary"], scale=outcome, group="all")
    assert row["g_class"] == _approx(REF["quiz"]["gain"][outcome]["g_class"])
    assert row["gain_mean"] == _approx(REF["quiz"]["gain"][outcome]["g_mean"])


# --------------------------------------------------------------------------- three arms

SCALES = ("first", "second", "total")


@pytest.mark.parametrize("scale", SCALES)
def test_arms_paired_per_arm_and_k_arm_ancova(bundles, scale):
    bundle, ref = bundles["arms"], REF["arms"][scale]
    for arm in ("a", "b", "c"):
        t = _row(bundle["tests"], outcome=scale, group=arm, test="paired t")
        assert t["statistic"] == _approx(ref["paired"][arm]["t"])
        assert t["p_value"] == _approx(ref["paired"][arm]["p"])
    anova = bundle["arms_anova"][bundle["arms_anova"]["outcome"] == scale]
    a = ref["ancova"]
    assert anova["term"].tolist() == ["pre", "arm"] and anova["df1"].tolist() == a["df"]
    assert anova["F"].tolist() == _approx(a["F"]) and anova["p_value"].tolist() == _approx(a["p"])
    assert anova["partial_eta_squared"].tolist() == _approx(a["pes"])
    assert anova["partial_eta_squared_ci_low"].tolist() == _approx(a["pes_ci_low"], rel=1e-6)
    assert anova["slopes_p_value"].iat[0] == _approx(a["slopes_p"])
    means = bundle["arms_means"][bundle["arms_means"]["outcome"] == scale]
    assert means["arm"].tolist() == a["means"]["arm"] == ["c", "a", "b"]  # control first
    for got, key in (("adjusted_mean", "emmean"), ("ci_low", "ci_low"), ("ci_high", "ci_high")):
        assert means[got].tolist() == _approx(a["means"][key])
    c = bundle["arms_contrasts"][bundle["arms_contrasts"]["outcome"] == scale]
    assert c["contrast"].tolist() == a["contrasts"]["contrast"]
    assert c["versus_control"].tolist() == [True, True, False]
    for got, key in (("estimate", "estimate"), ("t", "t"), ("p_holm", "p_holm"),
                     ("ci_low", "ci_low"), ("ci_high", "ci_high")):  # fmt: skip
        assert c[got].tolist() == _approx(a["contrasts"][key]), got


def _listed(value) -> list:
    """R writes a one-element vector as a scalar."""
    return value if isinstance(value, list) else [value]


def _anova_matches(rows: pd.DataFrame, ref: dict) -> None:
    assert rows["n"].iat[0] == ref["n"]
    for got, key in (("F", "F"), ("p_value", "p"), ("ges", "ges"), ("p_value_gg", "p_gg")):
        assert rows[got].tolist() == _approx(_listed(ref[key])), got
    within = rows[rows["effect"] != "group"]
    assert within["epsilon_gg"].tolist() == _approx(_listed(ref["gg_eps"]))
    assert within["mauchly_p"].tolist() == _approx(_listed(ref["mauchly_p"]))


@pytest.mark.parametrize("scale", SCALES)
def test_arms_mixed_and_repeated_measures_anova(bundles, scale):
    w, ref = bundles["arms"]["waves_anova"], REF["arms"][scale]
    mixed = w[(w["outcome"] == scale) & (w["design"] == "mixed")]
    assert mixed["effect"].tolist() == ["group", "wave", "group:wave"]
    _anova_matches(mixed, ref["mixed"])
    for arm in ("a", "b", "c"):
        rm = w[(w["outcome"] == scale) & (w["design"] == "repeated measures") & (w["group"] == arm)]
        _anova_matches(rm, ref["per_arm"][arm]["rm"])


@pytest.mark.parametrize("scale", SCALES)
def test_arms_friedman_pairwise_and_retained_gain(bundles, scale):
    bundle, ref = bundles["arms"], REF["arms"][scale]["per_arm"]
    for arm in ("a", "b", "c"):
        f = _row(bundle["friedman"], outcome=scale, group=arm)
        for key in ("statistic", "kendall_w"):
            assert f[key] == _approx(ref[arm]["friedman"][key])
        assert f["p_value"] == _approx(ref[arm]["friedman"]["p"])
        pairs = bundle["followup_pairs"]
        pairs = pairs[(pairs["outcome"] == scale) & (pairs["group"] == arm)]
        assert pairs["contrast"].tolist() == ["post - pre", "follow_up - pre", "follow_up - post"]
        assert pairs["t"].tolist() == _approx([r["t"] for r in ref[arm]["pairs"]])
        assert pairs["p_adjusted"].tolist() == _approx(ref[arm]["pairs_holm"])
        kept = bundle["retained_gain"]
        kept = kept[(kept["outcome"] == scale) & (kept["group"] == arm)]
        assert kept["contrast"].tolist() == ["follow_up - pre", "follow_up - post"]
        for got, key in (("mean_difference", "estimate"), ("ci_low", "ci_low"),
                         ("ci_high", "ci_high"), ("p_value", "p")):  # fmt: skip
            assert kept[got].tolist() == _approx([r[key] for r in ref[arm]["retained"]]), got


def test_arms_sensitivity_variants_beside_the_primary(bundles):
    bundle, ref = bundles["arms"], REF["arms"]
    s = bundle["sensitivity"]
    bh = s[(s["variant"] == "bh") & (s["quantity"] == "p_adjusted") & (s["test"] == "paired t")]
    for arm in ("a", "b", "c"):
        rows = bh[bh["group"] == arm].set_index("outcome").loc[list(SCALES)]
        assert rows["value"].tolist() == _approx(ref["bh"][arm])
        holm = bundle["tests"]
        holm = holm[(holm["group"] == arm) & (holm["test"] == "paired t")]
        assert rows["primary"].tolist() == _approx(holm["p_adjusted"].tolist())
    alpha = s[(s["variant"] == "listwise") & (s["quantity"] == "alpha") & (s["wave"] == "pre")]
    assert alpha.set_index("outcome").loc[list(SCALES), "primary"].tolist() == _approx(
        ref["alpha_pre"]  # first, second, total
    )
    assert not alpha["differs"].any()  # no missing answer: listwise equals pairwise


# --------------------------------------------------------------------------- the try-out


@pytest.mark.parametrize("scale", ["efficacy", "world_of_work"])
def test_tryout_validity_and_reliability(bundles, scale):
    bundle, ref = bundles["tryout"], REF["tryout"][scale]
    items = bundle["tryout_items"][bundle["tryout_items"]["scale"] == scale]
    assert items["n"].iat[0] == ref["n"] and items["df"].iat[0] == ref["n"] - 2
    assert items["r"].tolist() == _approx(ref["r"])
    assert items["r_critical"].iat[0] == _approx(ref["r_critical"])
    assert items["valid"].tolist() == ref["valid"]
    assert items["decision"].tolist() == ["valid" if v else "gugur" for v in ref["valid"]]
    assert items["alpha_if_deleted"].tolist() == _approx(ref["alpha_if_deleted"])
    row = _row(bundle["tryout_scales"], scale=scale)
    assert row["coefficient"] == ("KR-20" if scale == "world_of_work" else "alpha")
    for key in ("value", "ci_low", "ci_high", "alpha_valid_items"):
        assert row[key] == _approx(ref[key]), key
    if scale == "world_of_work":
        assert row["kr21"] == _approx(ref["kr"]["kr21"])
        assert row["value"] == _approx(ref["kr"]["kr20"])
        for key in ("difficulty", "discrimination"):
            assert items[key].tolist() == _approx(ref["items"][key]), key


def test_fixtures_are_what_the_generator_writes(tmp_path):
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "make_design_fixtures", ROOT / "tests" / "fixtures" / "make_design_fixtures.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.OUT = tmp_path
    module.quiz()
    module.arms()
    for path in sorted(tmp_path.rglob("*.*")):
        committed = FIXTURES / path.relative_to(tmp_path)
        assert path.read_bytes() == Path(committed).read_bytes(), path.name
