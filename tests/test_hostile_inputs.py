"""Hostile input: size limits, text that looks like code or markup, and random garbage."""

from __future__ import annotations

import shutil
import string
import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.config import load_study
from pipeline.errors import PkmEvalError
from pipeline.run import analyse
from pipeline.stages.ingest import ingest
from pipeline.stages.read import read_inputs
from tests.conftest import DEMO


def _with(demo_copy: Path, **changes) -> Path:
    data = yaml.safe_load(demo_copy.read_text("utf-8"))
    for key, value in changes.items():
        data.setdefault(key, {}).update(value)
    demo_copy.write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    return demo_copy


@pytest.mark.parametrize(
    ("limits", "message"),
    [
        ({"max_file_mb": 0.001}, "more than the limit of 0.001 MB (limits.max_file_mb"),
        ({"max_rows": 10}, "more than the limit of 10 (limits.max_rows"),
        ({"max_cell_chars": 5}, "characters, more than the limit of 5 (limits.max_cell_chars"),
    ],
)
def test_limits_give_a_message_not_a_memory_blowup(demo_copy, limits, message):
    study = load_study(_with(demo_copy, limits=limits))
    with pytest.raises(PkmEvalError) as caught:
        ingest(read_inputs(study), study)
    assert any(message in p.message("en") for p in caught.value.problems)


HOSTILE = 'Judul "kutip" \'satu\'\n<script>alert(1)</script> **tebal** {{ x }} __import__("os")'


@pytest.mark.slow
def test_hostile_title_is_shown_as_text_and_never_run(demo_copy, tmp_path):
    from pipeline import run_study

    marker = tmp_path / "pwned"
    title = HOSTILE + f'"); open("{marker}", "w"); ("'
    _with(demo_copy, program={"title": title, "partner": "<img src=x onerror=alert(1)>"})
    result = run_study(demo_copy, processed_root=tmp_path / "p", reports_root=tmp_path / "r")
    html = result.report_path.read_text("utf-8")
    assert not marker.exists()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img src=x" not in html
    assert "__import__(" in html  # the text itself is there, as text


# --------------------------------------------------------------------------- fuzzing

_HEADER = next(__import__("csv").reader([(DEMO / "pre.csv").read_text("utf-8").splitlines()[0]]))


@st.composite
def broken_exports(draw) -> bytes:
    kind = draw(st.sampled_from(["bytes", "shuffled", "labels", "encoding", "truncated"]))
    lines = (DEMO / "pre.csv").read_text("utf-8").splitlines()
    if kind == "bytes":
        return draw(st.binary(max_size=2000))
    if kind == "shuffled":
        columns = draw(st.permutations(range(len(_HEADER))))
        keep = draw(st.integers(1, len(_HEADER)))
        import csv
        import io

        rows = list(csv.reader(io.StringIO("\n".join(lines[:8]))))
        out = io.StringIO()
        csv.writer(out).writerows([[r[c] for c in columns[:keep]] for r in rows])
        return out.getvalue().encode("utf-8")
    if kind == "labels":
        text = draw(st.text(alphabet=string.printable, max_size=12)).replace(",", " ")
        return "\n".join([lines[0], lines[1].replace("Setuju", text), *lines[2:6]]).encode()
    if kind == "encoding":
        codec = draw(st.sampled_from(["utf-16", "latin-1", "cp1252", "utf-8"]))
        return "\n".join(lines[:6]).encode(codec, errors="replace")
    cut = draw(st.integers(0, len("\n".join(lines[:6]))))
    return "\n".join(lines[:6]).encode("utf-8")[:cut]


FUZZ_CASES = {"count": 0}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(broken_exports(), st.sampled_from(["csv", "xlsx"]))
def test_malformed_exports_give_a_result_or_a_clear_error(content, suffix):
    FUZZ_CASES["count"] += 1
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        shutil.copy(DEMO / "study.yaml", folder / "study.yaml")
        shutil.copy(DEMO / "post.csv", folder / "post.csv")
        (folder / f"pre.{suffix}").write_bytes(content)
        data = yaml.safe_load((folder / "study.yaml").read_text("utf-8"))
        data["waves"]["pre"] = f"pre.{suffix}"
        (folder / "study.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
        try:
            analyse(load_study(folder / "study.yaml"))
        except PkmEvalError as error:
            assert error.problems, "an error must carry at least one problem"
            for problem in error.problems:
                assert problem.message("en") and problem.message("id")


@pytest.mark.slow
def test_a_killed_run_leaves_the_previous_outputs_whole(tmp_path, demo_copy):
    """Kill a run part-way (while it writes its bundle): the previous bundle stays readable and
    the next run completes."""
    import os
    import signal
    import subprocess
    import sys
    import time

    from pipeline import run_study
    from pipeline.bundle.read import load_bundle

    processed = tmp_path / "p"
    first = run_study(demo_copy, processed_root=processed, render_report=False)
    before = load_bundle(first.bundle_dir).tables["tests"]
    script = (
        "import sys; from pipeline import run_study; "
        f"run_study({str(demo_copy)!r}, processed_root={str(processed)!r}, "
        "render_report=False)"
    )
    for delay in (0.5, 1.0, 1.5, 2.0):
        child = subprocess.Popen([sys.executable, "-c", script], cwd=Path(__file__).parent.parent)
        time.sleep(delay)
        if child.poll() is None:
            os.kill(child.pid, signal.SIGKILL)
        child.wait()
        bundle = load_bundle(first.bundle_dir)  # every file is whole: it loads
        assert bundle.tables["tests"].shape == before.shape
    leftovers = list(processed.rglob("*.tmp"))
    again = run_study(demo_copy, processed_root=processed, render_report=False)
    assert load_bundle(again.bundle_dir).tables["tests"].equals(before)
    assert not any(f.exists() for f in leftovers), "the next run clears a killed run's temp files"


def test_raw_data_are_never_written_even_by_failing_runs(tmp_path, demo_copy):
    import hashlib

    from pipeline import run_study

    def hashes():
        return {
            p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(demo_copy.parent.iterdir())
        }

    before = hashes()
    data = yaml.safe_load(demo_copy.read_text("utf-8"))
    data["analysis"]["max_bad_row_share"] = 0.0  # the demo's nameless row now stops the run
    demo_copy.write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    before["study.yaml"] = hashlib.sha256(demo_copy.read_bytes()).hexdigest()
    with pytest.raises(PkmEvalError):
        run_study(demo_copy, processed_root=tmp_path / "p", render_report=False)
    assert hashes() == before


@pytest.mark.slow
def test_two_runs_give_the_same_report_numbers(tmp_path, demo_copy):
    import re

    from pipeline import run_study

    pages = []
    for name in ("a", "b"):
        result = run_study(
            demo_copy, processed_root=tmp_path / name / "p", reports_root=tmp_path / name / "r"
        )
        text = re.sub(r"<[^>]+>", " ", result.report_path.read_text("utf-8"))
        text = re.sub(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", "TIME", text)  # run time
        pages.append(re.findall(r"-?\d+(?:[.,]\d+)?", text))
    assert pages[0] == pages[1]
