"""Commands that start at once: importing the CLI, and checking a study with ``validate``,
load no statistics (scipy, statsmodels, pingouin, matplotlib); a full run loads them when its
stages need them. Nor does ``validate`` load what pandera would for data synthesis (hypothesis,
installed for the tests). Each check runs in a fresh interpreter, so other tests' imports do not
count."""

from __future__ import annotations

from tests.fresh import loaded_after

STATISTICS = ("scipy", "statsmodels", "pingouin", "matplotlib", "seaborn")
#: Loaded by no quick command: pandera's data synthesis, which pkm-eval never uses.
UNUSED = ("hypothesis",)
VALIDATE_DEMO = (
    "from pipeline.cli import app\n"
    "status = app(['validate', 'data/raw/demo/study.yaml'], standalone_mode=False)\n"
    "assert status in (None, 0), status"
)


def _loaded_after(code: str, modules: tuple[str, ...] = STATISTICS) -> dict[str, bool]:
    return loaded_after(code, modules)


def test_importing_the_cli_loads_no_statistics():
    loaded = _loaded_after("import pipeline.cli")
    assert loaded == dict.fromkeys(STATISTICS, False)


def test_help_loads_no_data_stack():
    """``pkm-eval --help`` answers before numpy, pandas, pandera or pydantic load: a command
    loads them when it reads data."""
    data_stack = ("numpy", "pandas", "pyarrow", "pandera", "pydantic", *UNUSED)
    code = "from pipeline.cli import app\ntry:\n    app(['--help'])\nexcept SystemExit:\n    pass"
    assert _loaded_after(code, data_stack) == dict.fromkeys(data_stack, False)


def test_validate_checks_the_demo_without_the_statistics_stack():
    loaded = _loaded_after(VALIDATE_DEMO)
    assert loaded == dict.fromkeys(STATISTICS, False)


def test_validate_checks_the_demo_without_data_synthesis():
    loaded = _loaded_after(VALIDATE_DEMO, UNUSED)
    assert loaded == dict.fromkeys(UNUSED, False)


def test_hypothesis_imports_as_usual_after_a_validation():
    """Hypothesis is hidden from pandera only while its backends register."""
    code = f"{VALIDATE_DEMO}\nimport hypothesis.strategies"
    assert _loaded_after(code, UNUSED) == dict.fromkeys(UNUSED, True)


def test_a_run_loads_the_statistics_it_needs():
    """The probe is sound: the same interpreter does see scipy once the stages load."""
    loaded = _loaded_after("import pipeline.run")
    assert loaded["scipy"] and loaded["statsmodels"] and loaded["pingouin"]


def test_validate_starts_blas_on_one_thread_and_leaves_the_process_as_it_was():
    """The checks do no linear algebra: numpy's OpenBLAS starts no thread per core for them;
    the environment is as it was and garbage collection back on once the checks are loaded."""
    code = (
        f"{VALIDATE_DEMO}\n"
        "import gc, os\nfrom threadpoolctl import threadpool_info\n"
        "blas = [p['num_threads'] for p in threadpool_info() if p['user_api'] == 'blas']\n"
        "assert blas == [1] * len(blas), blas\n"
        "assert 'OPENBLAS_NUM_THREADS' not in os.environ\n"
        "assert gc.isenabled()"
    )
    assert _loaded_after(code, ("numpy",)) == {"numpy": True}
