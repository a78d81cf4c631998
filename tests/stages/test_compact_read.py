"""A compact read (each column of a large CSV as categories of its texts, parsed by pyarrow
block by block) ingests to the same coded rows and the same messages as reading the whole
file as text: the fixture corpus is read both ways, pyarrow forced on it with small blocks."""

from __future__ import annotations

import pandas as pd
import pytest
import yaml

from pipeline.config import load_study
from pipeline.errors import InputError
from pipeline.stages import parse
from pipeline.stages.ingest import code_answers, ingest
from pipeline.stages.read import read_inputs
from pipeline.stages.validate import validate
from tests.stages.test_read_exports import MANIFEST, _study

CSV = sorted(n for n in MANIFEST if n.endswith(".csv"))

#: Small enough that a fixture spans more than one block (each with its own categories),
#: large enough to hold a fixture's long header row.
_SMALL_BLOCK = 4096


def _outcome(study_file) -> dict[str, object]:
    """What ingest and validation make of a study: the rows, ledger parts and messages, or
    the messages that refused it."""
    study = load_study(study_file)
    inputs = read_inputs(study)
    try:
        ingested = ingest(inputs, study)
    except InputError as error:
        return {"refused": error.problems}
    return {
        "responses": ingested.responses,
        "blank_rows": ingested.blank_rows,
        "sources": ingested.sources,
        "problems": ingested.problems,
        "validated": validate(ingested, study).problems,
    }


def _compact(monkeypatch) -> None:
    monkeypatch.setattr(parse, "_ARROW_MIN_BYTES", 0)
    monkeypatch.setattr(parse, "_ARROW_BLOCK_BYTES", _SMALL_BLOCK)


def _assert_same(compact: dict[str, object], whole: dict[str, object]) -> None:
    assert compact.keys() == whole.keys()
    for part, found in compact.items():
        if isinstance(found, pd.DataFrame):
            pd.testing.assert_frame_equal(found, whole[part])
        else:
            assert found == whole[part], part


@pytest.mark.parametrize("name", CSV)
def test_a_compact_read_ingests_what_a_whole_read_ingests(name, tmp_path, monkeypatch):
    study_file = _study(tmp_path, name)
    whole = _outcome(study_file)
    _compact(monkeypatch)
    _assert_same(_outcome(study_file), whole)


def test_the_compact_read_is_taken_in_blocks(tmp_path, monkeypatch):
    """The comparison above reads categories, not text, from more than one block."""
    _compact(monkeypatch)
    study = load_study(_study(tmp_path, "label_variants.csv"))
    frame = read_inputs(study).waves["pre"].table.frame
    assert all(isinstance(t, pd.CategoricalDtype) for t in frame.dtypes)
    assert study.wave_paths()["pre"].stat().st_size > _SMALL_BLOCK


def test_a_compact_read_keeps_the_cell_limit(tmp_path, monkeypatch):
    """An overlong cell is named by the same row and column read either way."""
    study_file = _study(tmp_path, "gforms_id.csv")
    config = yaml.safe_load(study_file.read_text("utf-8"))
    config["limits"] = {"max_cell_chars": 12}
    study_file.write_text(yaml.safe_dump(config, allow_unicode=True), "utf-8")
    whole = read_inputs(load_study(study_file)).problems
    _compact(monkeypatch)
    compact = read_inputs(load_study(study_file)).problems
    assert compact == whole
    assert compact and compact[0].code == "cell_too_long"


def test_categories_code_as_their_texts():
    """Unused categories, categories in another order and blanks change no code or flag."""
    texts = ["Setuju", "", "4", "sangat setuju", "??", "Setuju", " 2 "]
    lookup = {"setuju": 4, "sangat setuju": 5}
    categories = ["unused", "??", " 2 ", "4", "sangat setuju", "", "Setuju", "also unused"]
    plain = code_answers(pd.Series(texts), lookup)
    compact = code_answers(pd.Series(pd.Categorical(texts, categories=categories)), lookup)
    for found, expected in zip(compact, plain, strict=True):
        pd.testing.assert_series_equal(found, expected)
