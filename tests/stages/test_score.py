"""Scoring: reverse keying and the missing-item rule, against R (paired.R) and as properties."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.config import Instrument
from pipeline.stages.score import reverse_key, scale_scores
from tests.conftest import load_reference

REF = load_reference("paired.json")["likert"]


def _instrument(n_items: int, reverse: set[int]) -> Instrument:
    labels = {c: {"id": f"l{c}", "en": f"l{c}"} for c in range(1, 6)}
    items = [
        {"id": f"i{j}", "text": {"id": f"butir {j}", "en": f"item {j}"}, "reverse": j in reverse}
        for j in range(1, n_items + 1)
    ]
    return Instrument.model_validate(
        {
            "id": "t",
            "title": {"id": "t", "en": "t"},
            "response_scale": {"min": 1, "max": 5, "labels": labels},
            "items": items,
            "scales": [
                {
                    "id": "s",
                    "name": {"id": "s", "en": "s"},
                    "items": [f"i{j}" for j in range(1, n_items + 1)],
                }
            ],
        }
    )


def _frame(matrix) -> pd.DataFrame:
    values = np.array([[np.nan if v is None else v for v in row] for row in matrix], dtype=float)
    frame = pd.DataFrame(values, columns=[f"i{j}" for j in range(1, values.shape[1] + 1)])
    return frame.assign(participant_code=range(len(frame)), wave="pre", group="all")


@pytest.mark.parametrize("wave", ["pre", "post"])
def test_scale_means_match_r(wave):
    instrument = _instrument(REF["n_items"], {REF["reverse_item"]})
    keyed = reverse_key(_frame(REF[f"{wave}_items"]), instrument)
    scores = scale_scores(keyed, instrument, min_answered_share=REF["min_answered_share"])
    expected = np.array([np.nan if v is None else v for v in REF[f"{wave}_score"]])
    np.testing.assert_allclose(scores["mean"].to_numpy(), expected, rtol=1e-12, equal_nan=True)


def test_too_few_answers_give_no_score():
    instrument = _instrument(5, set())
    scores = scale_scores(
        _frame([[5, 4, None, None, 3], [5, 4, 3, 2, None]]), instrument, min_answered_share=0.8
    )
    assert np.isnan(scores["mean"].iloc[0])
    assert scores["mean"].iloc[1] == pytest.approx(3.5)
    assert scores["sum"].iloc[1] == pytest.approx(17.5)  # prorated to five items
    assert scores["pomp"].iloc[1] == pytest.approx(62.5)


answers = st.lists(
    st.lists(st.one_of(st.none(), st.integers(1, 5)), min_size=4, max_size=4),
    min_size=1,
    max_size=30,
)


@given(answers)
def test_reverse_keying_twice_is_identity(matrix):
    instrument = _instrument(4, {2, 4})
    frame = _frame(matrix)
    twice = reverse_key(reverse_key(frame, instrument), instrument)
    pd.testing.assert_frame_equal(twice, frame)


@given(answers)
def test_pomp_stays_within_0_and_100(matrix):
    instrument = _instrument(4, {1})
    scores = scale_scores(
        reverse_key(_frame(matrix), instrument), instrument, min_answered_share=0.5
    )
    pomp = scores["pomp"].dropna()
    assert ((pomp >= 0) & (pomp <= 100)).all()


def test_gain_of_scores_whose_wave_categories_outnumber_their_rows():
    # Scores filtered to the pre wave (or read back from parquet) keep "post" among the wave's
    # categories: nobody can be paired, and the gain tables say so instead of failing
    from pipeline.config import load_study
    from pipeline.stages.score import gain_tables
    from tests.conftest import DEMO

    scores = pd.DataFrame(
        {
            "participant_code": ["a", "b"],
            "group": ["treatment", "treatment"],
            "scale": ["total", "total"],
            "wave": pd.Categorical(["pre", "pre"], categories=["pre", "post"]),
            "pomp": [40.0, 55.0],
        }
    )
    wide, summary = gain_tables(scores, load_study(DEMO / "study.yaml"))
    assert wide.empty
    assert summary[["scale", "group", "n_pairs"]].to_dict("records") == [
        {"scale": "total", "group": "treatment", "n_pairs": 0}
    ]
    assert summary["gain_mean"].isna().all()


@pytest.mark.parametrize("folder", ["demo", "examples/knowledge_test"])
def test_scale_scores_in_small_row_blocks_equal_one_block(folder, monkeypatch):
    """Scoring a block of rows at a time (a survey's large waves) gives every row the score
    of scoring all rows at once: Likert means and a test's points alike."""
    from pipeline.config import load_study
    from pipeline.stages import score as stage
    from pipeline.stages.check import prepared
    from tests.conftest import ROOT

    study = load_study(ROOT / "data" / "raw" / folder / "study.yaml")
    instrument, share = study.instrument_spec, study.analysis.min_answered_share
    _, _, cleaned = prepared(study)
    keyed, whole = stage.keyed_scores(cleaned, study)
    monkeypatch.setattr(stage, "_SCORE_BLOCK_ROWS", 7)
    blocks = stage.scale_scores(keyed, instrument, min_answered_share=share)
    pd.testing.assert_frame_equal(blocks, whole)
    assert len(keyed) > 7
