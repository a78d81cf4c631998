"""The catalogue of bundle tables is the bundle: every table written is catalogued, with the
columns it has, and the personal ones are never loaded for a report."""

from __future__ import annotations

import pandas as pd

from pipeline.bundle import write
from pipeline.bundle.catalog import TABLES, part_tables, public_tables
from pipeline.bundle.read import load_bundle


def _check_columns(name: str, frame: pd.DataFrame) -> None:
    spec = TABLES[name]
    if frame.empty and not len(frame.columns):
        return  # a between-arm table of a one-group study holds nothing at all
    found = tuple(frame.columns)
    if spec.more:
        assert found[: len(spec.columns)] == spec.columns, name
    else:
        assert found == spec.columns, name


def test_every_table_of_the_demo_is_catalogued_with_its_columns(demo_analysis):
    tables = write.tables(demo_analysis)
    assert list(tables) == [name for name in TABLES if name in tables]  # catalogue order
    assert not set(tables) & set(part_tables() + part_tables(personal=True))
    for name, frame in tables.items():
        _check_columns(name, frame)


def test_every_table_of_the_examples_is_catalogued_with_its_columns(tmp_path):
    from pipeline.run import run_examples

    for result in run_examples(tmp_path / "processed", tmp_path / "reports", render_report=False):
        for name, frame in write.tables(result.analysis).items():
            _check_columns(name, frame)
        loaded = load_bundle(result.bundle_dir)
        assert set(loaded.tables) <= set(public_tables())
        assert not {spec.name for spec in TABLES.values() if spec.personal} & set(loaded.tables)


def test_a_part_table_left_by_an_earlier_run_is_not_loaded(demo_analysis, tmp_path):
    write.write(demo_analysis, tmp_path)
    stale = pd.DataFrame({"stage": ["community_invited"]})
    stale.to_parquet(tmp_path / "cbpr_cycle.parquet")  # the study no longer declares cbpr
    assert not load_bundle(tmp_path).has("cbpr_cycle")
    assert set(load_bundle(tmp_path, tables=("scores",)).tables) == {"scores"}


def test_a_design_table_left_by_an_earlier_run_is_not_loaded(demo_analysis, tmp_path):
    write.write(demo_analysis, tmp_path)
    pd.DataFrame({"scale": ["x"]}).to_parquet(tmp_path / "tryout_items.parquet")  # a try-out's
    bundle = load_bundle(tmp_path)
    assert not bundle.has("tryout_items")
    assert bundle.has("bayes") and bundle.has("qq")  # this run's design tables
    assert set(bundle.results["design"]["tables"]) == {"bayes", "qq"}
