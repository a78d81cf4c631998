"""Plan vs actual (pipeline/program/plan.py): targets met and not met, unknown keys refused."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from pipeline.config.parts import Plan
from pipeline.program.plan import ACTUAL_KEYS, plan_vs_actual


def test_plan_vs_actual_met_and_not_met():
    plan = Plan.model_validate(
        {
            "plan": {"participants": 30, "sessions": 4, "effect_size": 0.5,
                     "improved_share": 0.7},
            "organize": {"facilitators": 3},
            "actuate": {"attendance_share": 0.75, "completion_share": 0.8},
            "control": {"pre_measured": True, "post_measured": True, "attrition_share": 0.2,
                        "data_complete_share": 0.9},
            "custom": [{"pillar": "organize", "name": "modules", "planned": 5,
                        "label": {"id": "Modul tersusun", "en": "Modules written"}}],
        }
    )  # fmt: skip
    actual = {
        "participants_enrolled": 32, "sessions_held": 4, "effect_size": 0.42,
        "improved_share": 0.7, "facilitators": 2, "attendance_share": None,
        "completion_share": float("nan"), "pre_measured": True, "post_measured": False,
        "attrition_share": 0.15, "modules": 5,
    }  # fmt: skip
    table = plan_vs_actual(plan, actual)
    met = dict(zip(table["indicator"], table["met"], strict=True))
    assert met == {
        "participants": True, "sessions": True, "effect_size": False,
        "improved_share": True, "facilitators": False, "modules": True,
        "attendance_share": None, "completion_share": None, "pre_measured": True,
        "post_measured": False, "data_complete_share": None, "attrition_share": True,
    }  # fmt: skip
    assert table["pillar"].unique().tolist() == ["plan", "organize", "actuate", "control"]
    row = table.set_index("indicator").loc["participants"]
    assert row["attainment"] == pytest.approx(32 / 30)
    assert row["label_id"] == "Jumlah peserta"
    assert table.set_index("indicator").loc["completion_share", "note"] == "not measured"
    assert table.set_index("indicator").loc["attrition_share", "direction"] == "at_most"
    # Targets left unset are not rows.
    assert "partners" not in set(table["indicator"])


def test_plan_vs_actual_refuses_unknown_keys():
    with pytest.raises(KeyError, match="participant_enroled"):
        plan_vs_actual(Plan(), {"participant_enroled": 3})
    assert "sessions_held" in ACTUAL_KEYS


def test_plan_rejects_unknown_target():
    with pytest.raises(ValidationError):
        Plan.model_validate({"plan": {"participant": 30}})
