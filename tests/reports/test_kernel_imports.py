"""What the technical report's kernel loads before its first figure: the notebook's import
cell (pandas, matplotlib and the report's modules) loads no scipy, seaborn, statsmodels or
pydantic; they cost the kernel more than an empty notebook's whole run. A fresh interpreter,
so other tests' imports do not count."""

from __future__ import annotations

from tests.fresh import loaded_after

HEAVY = ("scipy", "seaborn", "statsmodels", "pingouin", "pydantic", "pipeline.config")
#: The import cell of notebooks/technical_report.ipynb, as the kernel runs it.
IMPORT_CELL = (
    "import matplotlib\n"
    "matplotlib.use('Agg')\n"
    "import matplotlib.pyplot as plt\n"
    "import pandas as pd\n"
    "from IPython.display import display\n"
    "from pipeline.bundle.read import load_bundle\n"
    "from pipeline.reports import notebook as p\n"
    "from pipeline.reports.notebook import show, table\n"
)


def test_the_report_kernel_imports_no_statistics_or_configuration():
    loaded = loaded_after(IMPORT_CELL, HEAVY)
    assert not any(loaded.values()), loaded
