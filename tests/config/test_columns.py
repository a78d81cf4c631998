"""The ``columns`` block of a study file: one id column or several in order, one kind per
column (or read off the values), and clear messages when they do not fit together."""

from __future__ import annotations

import pytest
import yaml

from pipeline.config import load_instrument, load_study
from pipeline.config.study import Columns
from pipeline.errors import ConfigError
from tests.conftest import program


def test_one_id_column_keeps_its_meaning():
    columns = Columns(id="Nama Lengkap", id_kind="name")
    assert (columns.id_columns, columns.id_kinds) == (["Nama Lengkap"], ["name"])
    assert Columns(id="NIM").id_kinds == [None]  # read off the values


def test_several_id_columns_in_order_with_one_kind_each():
    columns = Columns(id=["NIM", "Nama Lengkap"], id_kind=["number", "name"])
    assert columns.id_columns == ["NIM", "Nama Lengkap"]
    assert columns.id_kinds == ["number", "name"]
    assert Columns(id=["Email", "Nama"], id_kind=["email", "name"]).id_kinds[0] == "email"


def _load(tmp_path, columns: dict):
    study = {
        "program": program("cols"),
        "instrument": "builtin:career_awareness_planning",
        "waves": {"pre": "pre.csv", "post": "post.csv"},
        "columns": columns,
    }
    path = tmp_path / "study.yaml"
    path.write_text(yaml.safe_dump(study), "utf-8")
    return load_study(path)


@pytest.mark.parametrize(
    ("columns", "words"),
    [
        ({"id": ["NIM", "Nama"], "id_kind": ["number"]}, "1 kind(s) for 2 id column(s)"),
        ({"id": ["NIM", "Nama"], "id_kind": "number"}, "one kind per column"),
        ({"id": ["NIM", "NIM"]}, "repeated: NIM"),
        ({"id": []}, "none of them empty"),
        ({"id": "NIM", "id_kind": "nim"}, "columns.id_kind"),
    ],
)
def test_ids_and_kinds_that_do_not_fit_are_named(tmp_path, columns, words):
    with pytest.raises(ConfigError) as caught:
        _load(tmp_path, columns)
    text = " ".join(p.message("en") for p in caught.value.problems)
    assert words in text
    assert "study.yaml" in text


def test_an_item_needs_no_english_text():
    codebook = load_instrument("builtin:career_awareness_planning").model_dump()
    codebook["items"][0]["text"] = {"id": "Saya tahu kegiatan yang saya sukai."}
    from pipeline.config import Instrument

    item = Instrument.model_validate(codebook).items[0]
    assert item.text.en is None
    assert item.text.get("en") == item.text.get("id") == "Saya tahu kegiatan yang saya sukai."
