"""The compare stage end to end: test choice with its reason, both tests and all effects,
controlled-design tables, subgroup interactions, multiplicity and edge cases."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml

from pipeline.config import load_instrument, load_study
from pipeline.run import analyse
from pipeline.simulate.exports import encode
from pipeline.simulate.survey import SimulationSpec, simulate_study
from pipeline.stages.compare import paired_results
from tests.conftest import program


def test_demo_has_every_table(demo_analysis):
    compared = demo_analysis.compared
    tests = compared.tests
    assert set(tests["test"]) == {"paired t", "Wilcoxon signed-rank"}
    primary = tests[tests["primary"]]
    assert primary.groupby(["outcome", "group"]).size().eq(1).all()
    assert primary["reason"].str.contains("Shapiro-Wilk on the differences").all()
    assert tests["p_adjusted"].ge(tests["p_value"] - 1e-15).all()
    assert set(compared.effects["effect"]) == {"d_z", "d_av", "g_av", "rank-biserial r"}
    assert not compared.ancova.empty and not compared.mixed_anova.empty
    assert not compared.gain_comparison.empty
    assert set(compared.subgroups["subgroup"]) == {"gender"}
    changes = compared.changes
    assert (changes["improved"] + changes["stayed"] + changes["declined"] == changes["n"]).all()


def test_primary_follows_normality_of_the_differences():
    study = SimpleStudy(test_choice="auto")
    rng = np.random.default_rng(1)
    pre = rng.normal(3, 0.5, 40)
    skewed = pre + rng.exponential(0.3, 40) ** 3  # strongly skewed differences
    found = paired_results(pre, skewed, study)
    primary = [t["test"] for t in found["tests"] if t["primary"]]
    assert primary == ["Wilcoxon signed-rank"]
    assert "are not normal" in found["tests"][0]["reason"]
    normal = pre + rng.normal(0.3, 0.2, 40)
    found = paired_results(pre, normal, study)
    assert [t["test"] for t in found["tests"] if t["primary"]] == ["paired t"]


@pytest.mark.parametrize(
    ("pre", "post", "note"),
    [
        ([3.0, 4.0], [4.0, 4.5], "only 2 complete pair(s)"),
        ([3.0, 4.0, 2.0], [3.5, 4.5, 2.5], "differences have no spread"),
        ([5.0, 5.0, 5.0, 5.0], [5.0, 5.0, 5.0, 5.0], "differences have no spread"),
    ],
)
def test_edge_cases_say_why_for_every_number(pre, post, note):
    found = paired_results(np.array(pre), np.array(post), SimpleStudy())
    for row in found["tests"] + found["effects"]:
        assert note in row["note"], row


class SimpleStudy:
    """Just the options paired_results reads."""

    def __init__(self, **analysis):
        defaults = {
            "test_choice": "auto",
            "alpha": 0.05,
            "ci_level": 0.95,
            "power": 0.8,
            "normality_per_wave": False,
        }
        self.analysis = type("A", (), {**defaults, **analysis})()


def test_everyone_at_the_ceiling_is_explained(tmp_path):
    instrument = load_instrument("builtin:career_awareness_planning")
    waves = simulate_study(
        instrument,
        SimulationSpec(
            n_treatment=5,
            n_control=0,
            duplicates=0,
            nameless_rows=0,
            careless=0,
            dropout=0.0,
            typo_rate=0.0,
            missing_rate=0.0,
            seed=5,
        ),
    )
    for frame in waves.values():
        for item in instrument.items:  # the best answer on every item, reverse ones included
            column = next(c for c in frame.columns if c.endswith(f"[{item.text.id}]"))
            frame[column] = "Sangat Tidak Setuju" if item.reverse else "Sangat Setuju"
    reverse_free = waves
    (tmp_path / "pre.csv").write_bytes(encode(reverse_free["pre"]))
    (tmp_path / "post.csv").write_bytes(encode(reverse_free["post"]))
    study = {
        "program": program("ceiling"),
        "instrument": "builtin:career_awareness_planning",
        "waves": {"pre": "pre.csv", "post": "post.csv"},
        "columns": {"id": "Nama Lengkap"},
        "analysis": {"longstring_share": 1.0},
    }
    (tmp_path / "study.yaml").write_text(yaml.safe_dump(study), "utf-8")
    analysis = analyse(load_study(tmp_path / "study.yaml"))
    tests = analysis.compared.tests
    assert tests["note"].str.contains("no spread").all()
    assert pd.isna(tests["p_value"]).all()
    gain = analysis.scored.gain_summary
    assert (gain["n_ceiling"] == gain["n_pairs"]).all()
    assert gain["gain_mean"].isna().all()
