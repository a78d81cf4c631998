"""The codebook's outcome kinds and the study's designs are validated on load: a bad answer key,
misplaced fields, a try-out mixed with program waves, arms named twice, an undeclared or late
one-sided hypothesis each become one located problem."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from pipeline.config import load_instrument, load_study
from pipeline.errors import ConfigError
from tests.conftest import program


def _codebook(tmp_path: Path, items: list[dict], scales: list[dict], **more) -> Path:
    path = tmp_path / "codebook.yaml"
    data = {"id": "c", "title": {"id": "C", "en": "C"}, "items": items, "scales": scales, **more}
    path.write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    return path


def _test_item(item_id: str, **fields) -> dict:
    return {"id": item_id, "kind": "test", "text": {"id": item_id, "en": item_id}, **fields}


def _scale(scale_id: str, items: list[str]) -> dict:
    return {"id": scale_id, "name": {"id": scale_id, "en": scale_id}, "items": items}


TWO_LABELS = {"min": 1, "max": 2, "labels": {1: {"id": "a", "en": "a"}, 2: {"id": "b", "en": "b"}}}


def _problem(path: Path) -> str:
    with pytest.raises(ConfigError) as caught:
        load_instrument(path)
    (problem,) = caught.value.problems
    return problem.message("en")


def test_a_key_that_is_not_an_option_names_the_item_and_the_key(tmp_path):
    items = [_test_item("q1", options=["A", "B"], key="C")]
    items.append(_test_item("q2", options=["A", "B"], key="A"))
    path = _codebook(tmp_path, items, [_scale("s", ["q1", "q2"])])
    assert "test item 'q1': key C is not one of its options (A, B)" in _problem(path)
    items[0] = _test_item("q1", key="A")
    path = _codebook(tmp_path, items, [_scale("s", ["q1", "q2"])])
    assert "test item 'q1' has a key but no options" in _problem(path)


def test_codebook_options_serve_every_item_and_keys_ignore_case(tmp_path):
    items = [_test_item("q1", key="b"), _test_item("q2", key={"A": 2, "C": 1})]
    path = _codebook(
        tmp_path, items, [_scale("s", ["q1", "q2"])], test={"options": ["A", "B", "C"]}
    )
    instrument = load_instrument(path)
    assert instrument.response_scale is None  # no Likert item: no answer scale needed
    assert [instrument.max_points(i) for i in instrument.items] == [1.0, 2.0]
    assert instrument.scale_range("s") == (0.0, 3.0) and instrument.scale_kind("s") == "test"


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ({"id": "q1", "text": {"id": "q", "en": "q"}, "key": "A"},
         "item 'q1' is a likert item; key belong(s) to another kind"),
        (_test_item("q1", options=["A"], key="A", min=0),
         "item 'q1' is a test item; min belong(s) to another kind"),
        ({"id": "q1", "kind": "score", "text": {"id": "q", "en": "q"}, "min": 10, "max": 0},
         "score item 'q1' needs min and max with max > min"),
    ],
)  # fmt: skip
def test_fields_must_fit_the_item_kind(tmp_path, item, message):
    score = {"id": "n", "kind": "score", "text": {"id": "n", "en": "n"}, "min": 0, "max": 100}
    path = _codebook(tmp_path, [item, score], [_scale("s", [item["id"]]), _scale("t", ["n"])])
    assert message in _problem(path)


def test_a_scale_holds_one_kind_and_likert_items_need_a_response_scale(tmp_path):
    likert = {"id": "l1", "text": {"id": "l", "en": "l"}}
    score = {"id": "n", "kind": "score", "text": {"id": "n", "en": "n"}, "min": 0, "max": 10}
    scales = [_scale("s", ["l1", "n"])]
    path = _codebook(tmp_path, [likert, score], scales, response_scale=TWO_LABELS)
    assert "scale 's' mixes item kinds (likert, score)" in _problem(path)
    path = _codebook(tmp_path, [likert, score], [_scale("s", ["n"])])
    assert "response_scale is required" in _problem(path)


def _study(tmp_path: Path, **changes) -> Path:
    data = {
        "program": program("designs"),
        "instrument": "builtin:career_awareness_planning",
        "waves": {"pre": "pre.csv", "post": "post.csv"},
        "columns": {"id": "Nama"},
        **changes,
    }
    path = tmp_path / "study.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    return path


def _study_problem(path: Path) -> str:
    with pytest.raises(ConfigError) as caught:
        load_study(path)
    return " | ".join(p.message("en") for p in caught.value.problems)


def test_waves_are_a_tryout_alone_or_pre_post_and_ordered_follow_ups(tmp_path):
    tryout = load_study(_study(tmp_path, waves={"tryout": "t.csv"}))
    assert tryout.is_tryout and list(tryout.waves.named()) == ["tryout"]
    assert "a try-out (waves.tryout) is a study of its own" in _study_problem(
        _study(tmp_path, waves={"tryout": "t.csv", "pre": "pre.csv"})
    )
    assert "waves needs pre and post" in _study_problem(_study(tmp_path, waves={"pre": "p.csv"}))
    later = {"pre": "a.csv", "post": "b.csv", "follow_up_2": "d.csv"}
    assert "follow_up, follow_up_2, follow_up_3" in _study_problem(_study(tmp_path, waves=later))
    waves = {"follow_up_2": "d.csv", "post": "b.csv", "pre": "a.csv", "follow_up": "c.csv"}
    assert list(load_study(_study(tmp_path, waves=waves)).waves.named()) == [
        "pre", "post", "follow_up", "follow_up_2"
    ]  # fmt: skip


def test_arms_with_roles_and_the_classic_two_list_form(tmp_path):
    arms = [{"name": "workshop", "labels": "Workshop"}, {"name": "mentor", "labels": ["M", "m2"]},
            {"name": "none", "labels": "Kontrol", "role": "control"}]  # fmt: skip
    study = load_study(_study(tmp_path, groups={"column": "Kelas", "arms": arms}))
    assert study.arm_order() == ["workshop", "mentor", "none"] and not study.groups.classic
    assert study.groups.label_to_group() == {"Workshop": "workshop", "M": "mentor",
                                             "m2": "mentor", "Kontrol": "none"}  # fmt: skip
    assert study.roles()["none"] == "control"
    classic = load_study(_study(tmp_path, groups={"column": "K", "treatment": "A", "control": "B"}))
    assert classic.groups.classic and classic.arm_order() == ["treatment", "control"]
    twice = [{"name": "a", "labels": "X"}, {"name": "b", "labels": "X"}]
    assert "listed for more than one arm" in _study_problem(
        _study(tmp_path, groups={"column": "K", "arms": twice})
    )
    assert "'all' names everyone together" in _study_problem(
        _study(tmp_path, groups={"column": "K", "arms": [{"name": "all", "labels": "X"}]})
    )


def test_a_one_sided_hypothesis_is_declared_before_the_program(tmp_path):
    undated = {"hypothesis": {"direction": "increase"}}
    assert "needs 'declared'" in _study_problem(_study(tmp_path, analysis=undated))
    late = {"hypothesis": {"direction": "increase", "declared": "2026-07-15"}}
    assert "is after the program started (2026-07-01)" in _study_problem(
        _study(tmp_path, analysis=late)
    )
    early = {"hypothesis": {"direction": "decrease", "declared": "2026-06-01"}, "bayes_prior": 1}
    analysis = load_study(_study(tmp_path, analysis=early)).analysis
    assert analysis.hypothesis.alternative == "less" and analysis.prior_scale() == 1.0
    assert load_study(_study(tmp_path)).analysis.prior_scale() == pytest.approx(2**-0.5)


def test_sensitivity_variants_change_something_and_are_named_once(tmp_path):
    variants = [{"name": "bh", "multiplicity": "fdr_bh"}]
    variants.append({"name": "lw", "reliability_missing": "listwise"})
    study = load_study(_study(tmp_path, sensitivity=variants))
    assert study.sensitivity[0].changes() == {"multiplicity": "fdr_bh"}
    assert study.with_options({"multiplicity": "fdr_bh"}).analysis.multiplicity == "fdr_bh"
    assert "changes no analysis option" in _study_problem(
        _study(tmp_path, sensitivity=[{"name": "empty"}])
    )
    assert "names must be unique" in _study_problem(
        _study(tmp_path, sensitivity=[variants[0], variants[0]])
    )


def test_the_headline_effect_of_each_design(tmp_path):
    """auto: d_z for one group or arms without a control, the ANCOVA difference with a
    control arm, none for a try-out (which refuses a declared one); follow-ups change nothing."""
    arms = {"column": "K", "arms": [{"name": "a", "labels": ["A"]}, {"name": "b", "labels": ["B"]}]}
    controlled = {
        **arms,
        "arms": [*arms["arms"], {"name": "c", "labels": ["C"], "role": "control"}],
    }
    follow_up = {"pre": "p.csv", "post": "q.csv", "follow_up": "r.csv"}
    cases = [({}, "d_z"), ({"groups": arms}, "d_z"), ({"groups": controlled}, "ancova"),
             ({"groups": controlled, "waves": follow_up}, "ancova"),
             ({"waves": {"tryout": "t.csv"}}, None)]  # fmt: skip
    for changes, expected in cases:
        assert load_study(_study(tmp_path, **changes)).primary_effect() == expected, changes
    declared = {"waves": {"tryout": "t.csv"}, "analysis": {"primary_effect": "d_z"}}
    assert "a try-out measures no change" in _study_problem(_study(tmp_path, **declared))
    ancova = {"groups": arms, "analysis": {"primary_effect": "ancova"}}
    assert "needs a control arm" in _study_problem(_study(tmp_path, **ancova))
