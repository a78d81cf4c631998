"""Property: any valid export, in every layout and encoding pkm-eval reads, ingests to the same
codes (hypothesis generates the answers, names and times)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from pipeline.config import load_instrument, load_study
from pipeline.simulate.exports import GRID_PROMPT, encode, restyle
from pipeline.stages.ingest import _blank_rows, code_answers, ingest
from pipeline.stages.read import read_inputs
from tests.conftest import program

INSTRUMENT = load_instrument("builtin:career_awareness_planning")
ITEMS = [i.id for i in INSTRUMENT.items]
LAYOUTS = [
    ("gforms_id", {"fmt": "csv"}),
    ("gforms_id", {"fmt": "csv", "delimiter": ";", "encoding": "cp1252"}),
    ("gforms_id", {"fmt": "csv", "bom": True, "title_rows": ("Rekap",)}),
    ("gforms_id", {"fmt": "xlsx", "title_rows": ("Rekap jawaban", "")}),
    ("gforms_en", {"fmt": "csv"}),
    ("gforms_en", {"fmt": "xlsx"}),
    ("kobo", {"fmt": "csv", "delimiter": ";", "decimal_comma": True}),
    ("kobo", {"fmt": "xlsx"}),
]

answer = st.one_of(st.none(), st.integers(1, 5))
name = (
    st.text(alphabet="abcdefghijklmnopqrstuvwxyzé ", min_size=3, max_size=20)
    .map(lambda s: " ".join(s.split()).title())
    .filter(lambda s: len(s) >= 3)
)


@st.composite
def exports(draw):
    n = draw(st.integers(1, 6))
    names = draw(st.lists(name, min_size=n, max_size=n, unique_by=str.casefold))
    codes = draw(st.lists(st.lists(answer, min_size=24, max_size=24), min_size=n, max_size=n))
    minutes = draw(st.lists(st.integers(0, 60 * 24 * 28), min_size=n, max_size=n))
    return names, codes, minutes


def _ingest(study):
    return ingest(read_inputs(study), study)


def _canonical(names, codes, minutes) -> pd.DataFrame:
    labels = INSTRUMENT.response_scale.labels
    times = pd.Timestamp("2026-07-01 07:00") + pd.to_timedelta(minutes, unit="m")
    frame = pd.DataFrame({"Cap waktu": times.strftime("%d/%m/%Y %H:%M:%S"), "Nama Lengkap": names})
    for k, item in enumerate(INSTRUMENT.items):
        frame[f"{GRID_PROMPT} [{item.text.id}]"] = [
            "" if row[k] is None else labels[row[k]].id for row in codes
        ]
    frame[f"{GRID_PROMPT} [{INSTRUMENT.attention_checks[0].text.id}]"] = "Setuju"
    return frame


def _study(folder: Path, pre: str) -> Path:
    study = {
        "program": program("prop"),
        "instrument": "builtin:career_awareness_planning",
        "waves": {"pre": pre, "post": pre},
        "columns": {"id": "Nama Lengkap"},
    }
    (folder / "study.yaml").write_text(yaml.safe_dump(study), "utf-8")
    return folder / "study.yaml"


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(exports())
def test_every_layout_ingests_to_the_same_codes(data):
    names, codes, minutes = data
    canonical = _canonical(names, codes, minutes)
    expected = np.array([[np.nan if v is None else v for v in row] for row in codes], dtype=float)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for k, (style, options) in enumerate(LAYOUTS):
            file = f"export_{k}.{options['fmt']}"
            (folder / file).write_bytes(encode(restyle(canonical, INSTRUMENT, style), **options))
            ingested = _ingest(load_study(_study(folder, file)))
            pre = ingested.responses[ingested.responses["wave"] == "pre"]
            assert ingested.problems == (), (style, options)
            np.testing.assert_array_equal(pre[ITEMS].to_numpy(), expected, err_msg=str(options))
            assert list(pre["participant"]) == names


cell = st.sampled_from(["", " 4 ", "4", "4,0", "-0", "0", "3.5", "Setuju", "setuju ", "x", "1e3"])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(cell, min_size=1, max_size=8), min_size=1, max_size=6))
@example([["-0", "1"], ["-0", "3.5"]])
def test_columns_with_the_same_answers_share_their_codes_bit_for_bit(columns):
    """Coding a column with the codes of an earlier column of the same distinct texts gives the
    bits coding it alone does: ``-0`` is 0.0 in a column of integers and -0.0 beside a 3.5."""
    lookup = {"setuju": 4}
    shared = {}
    for texts in [*columns, *columns]:  # every set of texts met again
        values = pd.Series(texts, dtype="str")
        alone, alone_unknown = code_answers(values, lookup)
        reused, reused_unknown = code_answers(values, lookup, shared)
        assert reused.to_numpy().tobytes() == alone.to_numpy().tobytes()
        assert reused_unknown.tolist() == alone_unknown.tolist()


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.lists(st.sampled_from(["", " ", "\t", "x", " 4 ", None]), min_size=3, max_size=3))
)
def test_blank_rows_are_those_blank_in_every_column(rows):
    """Reading columns until no row can still be blank finds the rows reading them all does."""
    frame = pd.DataFrame(rows, columns=["a", "b", "a"], dtype=object)
    every_column = frame.apply(lambda col: col.astype(str).str.strip().eq("")).all(axis=1)
    assert _blank_rows(frame).equals(every_column)


@pytest.mark.parametrize("name", ["demo", "pesantren", "knowledge_test", "three_arms"])
def test_likert_columns_coded_as_one_block_or_one_by_one_alike(name, monkeypatch):
    # Small waves factorize their Likert columns as one block, large ones column by column
    # (faster there): the codes and problems must not depend on which way a wave went
    from pipeline.stages import ingest as ingest_module

    folder = Path(__file__).parents[2] / "data" / "raw"
    study = load_study(
        folder / name / "study.yaml"
        if name == "demo"
        else folder / "examples" / name / "study.yaml"
    )
    as_block = _ingest(study)
    monkeypatch.setattr(ingest_module, "_BLOCK_ROWS", 0)
    one_by_one = _ingest(study)
    pd.testing.assert_frame_equal(as_block.responses, one_by_one.responses)
    assert as_block.problems == one_by_one.problems
