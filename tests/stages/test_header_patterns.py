"""A codebook's header_pattern is a user's regular expression: a catastrophic one such as
``(a+)+$`` cannot hang a run (RE2 has no backtracking), and one RE2 cannot read is named."""

from __future__ import annotations

import shutil
import time

import pytest
import yaml

from pipeline.config import load_study
from pipeline.errors import ConfigError
from tests.bounded import run_bounded
from tests.conftest import DEMO

_CODEBOOK = DEMO.parent.parent.parent / "pipeline/resources/instruments"


def _study_with_pattern(tmp_path, pattern: str, header: str):
    folder = tmp_path / "study"
    shutil.copytree(DEMO, folder)
    codebook = yaml.safe_load((_CODEBOOK / "career_awareness_planning.yaml").read_text("utf-8"))
    codebook["items"][0]["header_pattern"] = pattern
    (folder / "codebook.yaml").write_text(yaml.safe_dump(codebook, allow_unicode=True), "utf-8")
    study = yaml.safe_load((folder / "study.yaml").read_text("utf-8"))
    study["instrument"] = "codebook.yaml"
    (folder / "study.yaml").write_text(yaml.safe_dump(study, allow_unicode=True), "utf-8")
    lines = (folder / "pre.csv").read_text("utf-8").splitlines()
    lines[0] = lines[0] + "," + header
    lines[1:] = [line + "," for line in lines[1:]]
    (folder / "pre.csv").write_text("\n".join(lines) + "\n", "utf-8")
    return folder / "study.yaml"


def test_a_catastrophic_header_pattern_finishes(tmp_path):
    study = _study_with_pattern(tmp_path, r"^(a+)+$", "a" * 60 + "!")
    start = time.perf_counter()
    outcome = run_bounded(
        f"""
        from pipeline.config import load_study
        from pipeline.run import analyse
        analyse(load_study({str(study)!r}))
        """,
        timeout=120,  # a backtracking engine takes longer than the universe's age here
    )
    assert outcome["error"] is None, outcome
    assert time.perf_counter() - start < 120


@pytest.mark.parametrize("pattern", [r"(?=Saya)tahu", r"(tahu) \1"])
def test_a_pattern_re2_cannot_run_is_a_located_problem(tmp_path, pattern):
    study = _study_with_pattern(tmp_path, pattern, "x")
    with pytest.raises(ConfigError) as caught:
        load_study(study)
    message = " ".join(p.message("en") for p in caught.value.problems)
    assert "header_pattern" in message and "look-arounds or back-references" in message


def test_an_ordinary_pattern_still_matches_ignoring_case(tmp_path):
    from pipeline.stages.headers import map_headers

    study = _study_with_pattern(tmp_path, r"kegiatan\s+apa.*SUKAI", "x")
    instrument = load_study(study).instrument_spec
    header = "Q1: Kegiatan  apa yang paling saya sukai?"
    mapping, _ = map_headers([header], instrument, file="f")
    assert mapping == {header: instrument.items[0].id}
